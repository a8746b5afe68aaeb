//! A PxWeb selection: per variable, value codes or expressions, resolved against the values of
//! that variable into positions (in the variable's own order, each once).
//!
//! Expressions (case-insensitive names): a code; `*` (all); a pattern with `*` and `?`
//! wildcards (`KU0*`); `top(n)` / `top(n,offset)` (the latest n periods of the time variable,
//! the first n values of any other); `bottom(n)` / `bottom(n,offset)`; `range(a,b)`,
//! `from(a)`, `to(b)` (by the variable's order).

/// Why a variable's selection cannot be resolved; the text names the value or expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

/// The positions in `values` that `expressions` select, ascending and unique. `is_time`: the
/// values are periods in ascending order, so `top` counts from the latest.
pub fn resolve(
    values: &[String],
    expressions: &[String],
    is_time: bool,
) -> Result<Vec<usize>, Invalid> {
    let mut chosen = vec![false; values.len()];
    for expression in expressions {
        for p in resolve_one(values, expression.trim(), is_time)? {
            chosen[p] = true;
        }
    }
    Ok((0..values.len()).filter(|&p| chosen[p]).collect())
}

fn resolve_one(values: &[String], expression: &str, is_time: bool) -> Result<Vec<usize>, Invalid> {
    let bad = |reason: &str| Invalid(format!("'{expression}' {reason}"));
    let position = |code: &str| {
        values
            .iter()
            .position(|v| v == code)
            .or_else(|| values.iter().position(|v| v.eq_ignore_ascii_case(code)))
            .ok_or_else(|| Invalid(format!("'{code}' is not a value code")))
    };
    if let Some((name, args)) = function(expression) {
        let args: Vec<&str> = args.split(',').map(str::trim).collect();
        let count = |i: usize| -> Result<usize, Invalid> {
            match args.get(i) {
                None if i > 0 => Ok(0),
                Some(a) => a.parse().map_err(|_| bad("needs whole numbers")),
                None => Err(bad("needs a count")),
            }
        };
        let n = values.len();
        let range = match name.as_str() {
            "top" | "bottom" if args.len() <= 2 => {
                let (count, offset) = (count(0)?, count(1)?);
                let from_start = (name == "top") != is_time;
                let start = offset.min(n);
                let end = (offset + count).min(n);
                if from_start {
                    start..end
                } else {
                    n - end..n - start
                }
            }
            "range" if args.len() == 2 => {
                let (a, b) = (position(args[0])?, position(args[1])?);
                a.min(b)..a.max(b) + 1
            }
            "from" if args.len() == 1 => position(args[0])?..n,
            "to" if args.len() == 1 => 0..position(args[0])? + 1,
            "top" | "bottom" | "range" | "from" | "to" => {
                return Err(bad("has the wrong number of arguments"))
            }
            _ => {
                return Err(bad(
                    "is not a known expression (top, bottom, range, from, to)",
                ))
            }
        };
        return Ok(range.collect());
    }
    if expression.contains(['*', '?']) {
        return Ok(values
            .iter()
            .enumerate()
            .filter(|(_, v)| wildcard(expression, v))
            .map(|(i, _)| i)
            .collect());
    }
    Ok(vec![position(expression)?])
}

/// `top(3)` → ("top", "3").
fn function(expression: &str) -> Option<(String, &str)> {
    let open = expression.find('(')?;
    let inner = expression[open + 1..].strip_suffix(')')?;
    let name = expression[..open].trim().to_ascii_lowercase();
    name.chars()
        .all(|c| c.is_ascii_alphabetic())
        .then_some((name, inner))
}

/// `*` any run of characters, `?` any one character; letters compared without case.
fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    // Classic two-pointer glob match with backtracking to the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < t.len() {
        if i < p.len() && (p[i] == '?' || p[i] == t[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// Splits a GET `valueCodes[x]=a,b,top(3)` list at the commas outside parentheses.
pub fn split_list(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn pick(values: &[&str], expressions: &[&str], time: bool) -> Result<Vec<usize>, Invalid> {
        resolve(&codes(values), &codes(expressions), time)
    }

    #[test]
    fn codes_wildcards_and_functions_select_positions_in_order() {
        let periods = ["2021", "2022", "2023", "2024"];
        assert_eq!(pick(&periods, &["top(2)"], true), Ok(vec![2, 3]));
        assert_eq!(pick(&periods, &["TOP(1,1)"], true), Ok(vec![2]));
        assert_eq!(pick(&periods, &["bottom(1)"], true), Ok(vec![0]));
        assert_eq!(pick(&periods, &["top(9)"], true), Ok(vec![0, 1, 2, 3]));
        assert_eq!(
            pick(&periods, &["range(2024,2022)"], true),
            Ok(vec![1, 2, 3])
        );
        assert_eq!(pick(&periods, &["from(2023)"], true), Ok(vec![2, 3]));
        assert_eq!(pick(&periods, &["to(2021)", "2024"], true), Ok(vec![0, 3]));
        let areas = ["ALL", "SSS", "KU091", "KU049", "MK01"];
        assert_eq!(pick(&areas, &["top(2)"], false), Ok(vec![0, 1]));
        assert_eq!(pick(&areas, &["KU*"], false), Ok(vec![2, 3]));
        assert_eq!(pick(&areas, &["*"], false), Ok(vec![0, 1, 2, 3, 4]));
        assert_eq!(pick(&areas, &["ku?9*"], false), Ok(vec![2]));
        assert_eq!(pick(&areas, &["MK01", "ALL", "ALL"], false), Ok(vec![0, 4]));
        assert_eq!(pick(&areas, &["XX*"], false), Ok(vec![]));
    }

    #[test]
    fn an_unknown_code_or_expression_is_named() {
        let sex = ["SSS", "1", "2"];
        assert_eq!(
            pick(&sex, &["3"], false),
            Err(Invalid("'3' is not a value code".into()))
        );
        assert!(pick(&sex, &["top(x)"], false)
            .unwrap_err()
            .0
            .contains("top(x)"));
        assert!(pick(&sex, &["median(2)"], false).is_err());
        assert!(pick(&sex, &["range(1)"], false).is_err());
    }

    #[test]
    fn get_lists_split_outside_parentheses() {
        assert_eq!(
            split_list("2024, range(2020,2022),top(1)"),
            vec!["2024", "range(2020,2022)", "top(1)"]
        );
        assert_eq!(split_list(""), Vec::<String>::new());
    }
}
