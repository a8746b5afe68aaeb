//! Codes as their positions in a code list (`UInt8`): a code held in one byte instead of a
//! string's sixteen where millions of rows are kept, compared and grouped by number. Benefits
//! are numbered by their position in `registers::benefit_codes()`.
use polars::prelude::*;

use crate::registers::benefit_codes;

/// The column of benefit numbers (`benefit_number`).
pub const BENEFIT_NUMBER: &str = "__benefit";

/// `answer` for each of `values` (`None` for a null). A register repeats a value row after
/// row, so a value equal to the previous one reuses its answer instead of computing it again.
pub fn reusing_previous<'a, T: Copy + 'a>(
    values: impl Iterator<Item = Option<&'a str>> + 'a,
    mut answer: impl FnMut(&str) -> T + 'a,
) -> impl Iterator<Item = Option<T>> + 'a {
    let mut previous: Option<(&str, T)> = None;
    values.map(move |value| {
        let value = value?;
        match previous {
            Some((last, known)) if last == value => Some(known),
            _ => {
                let known = answer(value);
                previous = Some((value, known));
                Some(known)
            }
        }
    })
}

/// The position of each of `values` in `codes` (`None` for a null or any other value).
pub fn code_positions<'a>(
    codes: &'a [&'a str],
    values: impl Iterator<Item = Option<&'a str>> + 'a,
) -> impl Iterator<Item = Option<usize>> + 'a {
    reusing_previous(values, |value| codes.iter().position(|code| *code == value))
        .map(Option::flatten)
}

/// The position of a benefit code in `benefit_codes()` (null for any other value), to
/// compare and group benefits by number, not by string. One lookup per row, where a chain of
/// comparisons would scan the column once per code.
pub fn benefit_number(benefit: Expr) -> Expr {
    position_in(benefit, &benefit_codes())
}

/// The number `benefit_number` gives the benefit code `benefit`.
pub fn number_of_benefit(benefit: &str) -> u8 {
    let position = benefit_codes().iter().position(|b| *b == benefit);
    position.expect("a benefit code of registers.md") as u8
}

/// The benefit code that `benefit_number` numbered `number` ("" for none).
pub fn benefit_of_number(number: Option<u8>) -> &'static str {
    number.map_or("", |n| benefit_codes()[usize::from(n)])
}

/// The position of each of `values` in `codes` (`UInt8`; null for a null or any other
/// value): a code held in one byte instead of a string's sixteen, where millions of rows
/// are kept.
pub fn position_in<S: AsRef<str>>(values: Expr, codes: &[S]) -> Expr {
    assert!(
        codes.len() <= usize::from(u8::MAX),
        "a code list of at most 255 codes"
    );
    let codes: Vec<String> = codes.iter().map(|c| c.as_ref().to_string()).collect();
    values.map(
        move |c: Column| {
            let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
            let numbers: UInt8Chunked = code_positions(&codes, c.str()?.iter())
                .map(|n| n.map(|n| n as u8))
                .collect();
            Ok(numbers.with_name(c.name().clone()).into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::UInt8)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benefit_codes_and_numbers_map_both_ways() {
        for code in benefit_codes() {
            assert_eq!(benefit_of_number(Some(number_of_benefit(code))), code);
        }
        assert_eq!(benefit_of_number(None), "");
    }

    #[test]
    fn codes_become_their_positions_and_others_null() {
        let frame = df!("code" => [Some("b"), Some("b"), None, Some("z"), Some("a")]).unwrap();
        let positions = frame
            .lazy()
            .select([position_in(col("code"), &["a", "b"])])
            .collect()
            .unwrap();
        let positions = positions.column("code").unwrap().u8().unwrap();
        let positions: Vec<Option<u8>> = positions.iter().collect();
        assert_eq!(positions, [Some(1), Some(1), None, None, Some(0)]);
    }

    #[test]
    fn benefits_are_numbered_by_their_position_in_the_code_list() {
        let codes = benefit_codes();
        let mut values: Vec<Option<&str>> = codes.iter().rev().map(|c| Some(*c)).collect();
        values.extend([None, Some("pension"), Some("")]);
        let numbers = df!("benefit" => values.clone())
            .unwrap()
            .lazy()
            .select([benefit_number(col("benefit"))])
            .collect()
            .unwrap();
        let numbers: Vec<Option<u8>> = numbers
            .column("benefit")
            .unwrap()
            .u8()
            .unwrap()
            .iter()
            .collect();
        let expected: Vec<Option<u8>> = values
            .iter()
            .map(|v| {
                v.and_then(|v| codes.iter().position(|c| *c == v))
                    .map(|n| n as u8)
            })
            .collect();
        assert_eq!(numbers, expected);
        assert_eq!(numbers[codes.len() - 1], Some(0));
        assert_eq!(&numbers[codes.len()..], [None, None, None]);
    }
}
