#!/usr/bin/env python3
"""DuckDB peer of kelastat's payment-based tables, for benchmarks and cross-checks.

    benches/duckdb_peer.py REGISTERS_DIR CLASSIFICATION_CSV PERIOD OUT_DIR

Computes `recipients_by_benefit_sex_age`, `recipients_by_area` and `expenditure` (publication.md,
payment-based definitions) from REGISTERS_DIR/{persons,awards,payments}.parquet and writes them as
OUT_DIR/<id>.csv with kelastat's codes and row order, without status columns and without disclosure
control. The registers are taken as valid (kelastat's validation rejects no row). PERIOD is `2024`
or `2024M06`. Money stays in integer cents; amounts are printed with two decimals.
"""
import calendar
import csv
import datetime as dt
import os
import re
import sys
import time

import duckdb

BENEFITS = ["ALL", "NP", "NP_OLD", "NP_EARLY", "NP_DIS", "NP_REHAB", "GP", "SP", "SP_INIT",
            "SP_CONT", "OP", "CI", "FVS", "FVS_ABROAD", "AFVS"]
SEXES = ["SSS", "1", "2"]
AGES = ["SSS", "0-15", "16-19"] + [f"{a}-{a + 4}" for a in range(20, 90, 5)] + ["90-"]
PAYMENT_TYPES = ["SSS", "regular", "retroactive", "recovery"]

MACROS = """
CREATE MACRO div_round(n, d) AS   -- n / d rounded half away from zero, integers, d > 0
    CASE WHEN n < 0 THEN -((2 * -n + d) // (2 * d)) ELSE (2 * n + d) // (2 * d) END;
CREATE MACRO money(cents) AS CAST(cents AS DECIMAL(38, 0)) * 0.01;
CREATE MACRO month_no(d) AS year(d) * 12 + month(d);
CREATE MACRO base_code(benefit, kind, deceased_death, month) AS CASE benefit
    WHEN 'national_pension' THEN CASE kind WHEN 'old_age' THEN 'NP_OLD'
        WHEN 'early_old_age' THEN 'NP_EARLY' WHEN 'disability' THEN 'NP_DIS' ELSE 'NP_REHAB' END
    WHEN 'guarantee_pension' THEN 'GP'
    WHEN 'spouse_pension' THEN CASE WHEN month_no(month) - month_no(deceased_death) <= 6
        THEN 'SP_INIT' ELSE 'SP_CONT' END
    WHEN 'orphan_pension' THEN 'OP'
    WHEN 'child_increase' THEN 'CI'
    WHEN 'front_veteran_supplement' THEN CASE WHEN kind = 'abroad' THEN 'FVS_ABROAD' ELSE 'FVS' END
    ELSE 'AFVS' END;
CREATE MACRO benefit_group(base) AS
    CASE WHEN starts_with(base, 'NP_') THEN 'NP' WHEN starts_with(base, 'SP_') THEN 'SP' END;
"""

# The registers are read straight from Parquet through views: each query names only the columns
# it uses (DuckDB reads no other column) and filters on them in the scan; nothing is loaded whole.
# Money becomes integer cents in the scan.
#
# Expenditure's payments: the rows dated in the period, summed before any join, one row per award
# and payment type. The month is kept only where it decides the benefit code (the spouse's pension
# phase; the award in force when `award_id` is null). A table because the two arms of `coded` read it.
# (One scan for both tables, with the reference month's regular payments kept apart in the same
# group-by, was measured slower than this and the recipients' own filtered scan.)
PAID = """
CREATE TEMP TABLE paid AS
SELECT person_id, award_id, benefit, payment_type,
    CASE WHEN award_id IS NULL OR benefit = 'spouse_pension' THEN date_trunc('month', period_month)::DATE
    END AS month,
    sum(cents) AS spent
FROM payments
WHERE payment_date BETWEEN $first AND $last
GROUP BY ALL
"""

# Recipients of the reference month: one row per person and register benefit with the summed
# regular payments for the month, the base code of the award in force on the month's last day
# (else the one that started last; with no award of the benefit by then, the kind is null), and
# the person's attributes at the end of the period. The award is picked by arg_max, not a window.
RECIPIENTS = """
CREATE TEMP TABLE recipients AS
WITH amounts AS (   -- amounts and the chosen award's code in one group-by, not two and a join
    SELECT person_id, benefit, sum(cents) AS cents, arg_max(base, chosen) AS base
    FROM (
        SELECT person_id, benefit, cents, NULL AS base, NULL AS chosen FROM payments
        WHERE payment_type = 'regular' AND period_month BETWEEN $month AND $last
        UNION ALL
        SELECT person_id, benefit, NULL, base_code(benefit, kind, deceased_death_date, $month),
            (end_date IS NULL OR end_date >= $last, start_date, award_id)
        FROM awards WHERE start_date <= $last
    )
    GROUP BY person_id, benefit HAVING count(cents) > 0
), people AS (
    SELECT person_id, sex,
        month_no($last) - month_no(birth_date)
            - CASE WHEN day($last) < least(day(birth_date), day(last_day($last))) THEN 1 ELSE 0 END
            AS months,
        CASE WHEN country = 'FI' THEN municipality END AS municipality
    FROM persons
)
SELECT a.person_id, coalesce(a.base, base_code(a.benefit, NULL, NULL::DATE, $month)) AS base,
    a.cents, p.sex, p.municipality,
    CASE WHEN p.months < 16 * 12 THEN 0 WHEN p.months < 20 * 12 THEN 16
         WHEN p.months >= 90 * 12 THEN 90 ELSE p.months // 60 * 5 END AS age  -- group's first year
FROM amounts a JOIN people p USING (person_id)
"""

# Units under every benefit code: the base code, its group (NP, SP), and ALL with the sum.
UNITS = """
CREATE TEMP TABLE units AS
SELECT base AS benefit, cents, sex, age, municipality FROM recipients
UNION ALL
SELECT benefit_group(base), cents, sex, age, municipality FROM recipients
WHERE benefit_group(base) IS NOT NULL
UNION ALL
SELECT 'ALL', sum(cents), any_value(sex), any_value(age), any_value(municipality)
FROM recipients GROUP BY person_id;
"""

BY_AGE = """
WITH cells AS (
    SELECT benefit, CASE WHEN grouping(sex) = 1 THEN 'SSS' ELSE CAST(sex AS VARCHAR) END AS sex,
        CASE WHEN grouping(age) = 1 THEN 'SSS' WHEN age = 0 THEN '0-15' WHEN age = 16 THEN '16-19'
             WHEN age = 90 THEN '90-' ELSE format('{}-{}', age, age + 4) END AS age_group,
        count(*) AS n, sum(cents) AS total,
        CAST(round(median(cents)) AS BIGINT) AS median  -- exact: cents < 2^52, halves round away
    FROM units GROUP BY benefit, CUBE (sex, age)
)
SELECT $period AS period, b.code AS benefit, s.code AS sex, g.code AS age_group,
    coalesce(c.n, 0) AS recipients,
    money(div_round(c.total, c.n)) AS mean_amount, money(c.median) AS median_amount
FROM d_benefit b CROSS JOIN d_sex s CROSS JOIN d_age g
LEFT JOIN cells c ON c.benefit = b.code AND c.sex = s.code AND c.age_group = g.code
ORDER BY b.ord, s.ord, g.ord
"""

# Counts and sums add up over areas: summed by municipality first (a few thousand cells), then
# each municipality's cells are added into its areas.
BY_AREA = """
WITH local AS (
    SELECT coalesce(municipality, '') AS municipality, benefit, sex, count(*) AS n,
        sum(cents) AS total
    FROM units GROUP BY ALL
), cells AS (
    SELECT m.area, l.benefit,
        CASE WHEN grouping(l.sex) = 1 THEN 'SSS' ELSE CAST(l.sex AS VARCHAR) END AS sex,
        sum(l.n) AS n, sum(l.total) AS total
    FROM local l JOIN area_map m USING (municipality)
    GROUP BY GROUPING SETS ((m.area, l.benefit, l.sex), (m.area, l.benefit))
)
SELECT $period AS period, a.code AS area, b.code AS benefit, s.code AS sex,
    coalesce(c.n, 0) AS recipients, money(div_round(c.total, c.n)) AS mean_amount
FROM d_area a CROSS JOIN d_benefit b CROSS JOIN d_sex s
LEFT JOIN cells c ON c.area = a.code AND c.benefit = b.code AND c.sex = s.code
ORDER BY a.ord, b.ord, s.ord
"""

# Payments dated in the period, each under the base code of its award: the one named, else the
# person's award of the benefit in force in the payment's month with the latest start. Every
# payment counts (publication.md): with no award in force in its month, the latest-starting award
# of the benefit gives the kind, and with no award of the benefit at all the kind is null.
# The joins see the summed payments of `paid`, not the payment rows.
# Distinct persons under NP, SP, ALL and the type SSS do not add up from the base codes' counts (a
# person can be under several), and count(DISTINCT person_id) over every level is two hash
# group-bys of millions of groups. So each person's payments become a set of bits, one per base
# code and payment type (d_bit); persons are counted per distinct set (about a hundred), and a cell
# counts the persons whose set meets its own bits (d_cell: its base codes times its types).
EXPENDITURE = """
WITH coded AS (
    SELECT p.person_id, p.payment_type, p.spent,
        base_code(p.benefit, a.kind, a.deceased_death_date, p.month) AS base
    FROM paid p JOIN awards a ON a.award_id = p.award_id
    UNION ALL
    SELECT p.person_id, p.payment_type, any_value(p.spent),
        coalesce(arg_max(base_code(p.benefit, a.kind, a.deceased_death_date, p.month),
                         (a.start_date <= last_day(p.month)
                              AND (a.end_date IS NULL OR a.end_date >= p.month),
                          a.start_date, a.award_id)),
                 base_code(p.benefit, NULL, NULL::DATE, p.month))
    FROM paid p LEFT JOIN awards a
        ON a.person_id = p.person_id AND a.benefit = p.benefit
    WHERE p.award_id IS NULL
    GROUP BY p.person_id, p.benefit, p.payment_type, p.month
), bits AS (   -- each (base code, payment type) is one bit: d_bit
    SELECT c.person_id, c.spent, d.bit FROM coded c
    JOIN d_bit d ON d.base = c.base AND d.payment_type = c.payment_type
), sets AS (      -- how many persons have each set of bits
    SELECT mask, count(*) AS persons FROM (
        SELECT bit_or(1::BIGINT << bit) AS mask FROM bits GROUP BY person_id
    ) GROUP BY mask
), sums AS (
    SELECT bit, sum(spent) AS total FROM bits GROUP BY bit
), cells AS (     -- a cell (d_cell) covers the bits of its base codes and payment types
    SELECT c.benefit, c.payment_type AS type,
        (SELECT sum(total) FROM sums WHERE (c.mask >> bit) & 1 = 1) AS total,
        (SELECT sum(persons) FROM sets WHERE (mask & c.mask) <> 0) AS persons
    FROM d_cell c
)
SELECT $period AS period, b.code AS benefit, t.code AS payment_type,
    money(coalesce(c.total, 0)) AS expenditure,
    coalesce(c.persons, 0) AS recipients_during_period
FROM d_benefit b CROSS JOIN d_type t
LEFT JOIN cells c ON c.benefit = b.code AND c.type = t.code
ORDER BY b.ord, t.ord
"""


def period_days(period):
    m = re.fullmatch(r"(\d{4})(?:M(\d{2}))?", period)
    if not m:
        sys.exit(f"period must be YYYY or YYYYMmm, not {period!r}")
    year = int(m.group(1))
    first_month, last_month = (int(m.group(2)),) * 2 if m.group(2) else (1, 12)
    first = dt.date(year, first_month, 1)
    month = dt.date(year, last_month, 1)
    last = dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
    return first, month, last


def code_table(con, name, codes):
    con.execute(f"CREATE TABLE {name} AS SELECT unnest($codes) AS code, "
                "unnest(range(len($codes))) AS ord", {"codes": codes})


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    registers, classification, period, out = sys.argv[1:]
    first, month, last = period_days(period)
    os.makedirs(out, exist_ok=True)
    with open(classification, newline="", encoding="utf-8") as f:
        municipalities = list(csv.DictReader(f))
    regions = sorted({m["region"] for m in municipalities})
    counties = sorted({m["wellbeing_county"] for m in municipalities})
    areas = (["ALL", "SSS"] + [f"MK{r}" for r in regions] + [f"HVA{c}" for c in counties]
             + [f"KU{m['municipality']}" for m in municipalities] + ["ABROAD"])

    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(MACROS)
    for name, codes in [("d_benefit", BENEFITS), ("d_sex", SEXES), ("d_age", AGES),
                        ("d_area", areas), ("d_type", PAYMENT_TYPES)]:
        code_table(con, name, codes)
    # Expenditure's cells as sets of bits, one bit per (base code, payment type).
    bases = [b for b in BENEFITS if b not in ("ALL", "NP", "SP")]
    types = PAYMENT_TYPES[1:]
    bit = {(b, t): i * len(types) + j for i, b in enumerate(bases) for j, t in enumerate(types)}
    con.execute("CREATE TABLE d_bit AS SELECT unnest($b) AS base, unnest($t) AS payment_type, "
                "unnest($i) AS bit", {"b": [b for b, _ in bit], "t": [t for _, t in bit],
                                      "i": list(bit.values())})
    under = {"ALL": bases, "NP": [b for b in bases if b.startswith("NP_")],
             "SP": [b for b in bases if b.startswith("SP_")]}
    cells = [(b, t, sum(1 << bit[u, v] for u in under.get(b, [b])
                        for v in (types if t == "SSS" else [t])))
             for b in BENEFITS for t in PAYMENT_TYPES]
    con.execute("CREATE TABLE d_cell AS SELECT unnest($b) AS benefit, unnest($t) AS payment_type, "
                "unnest($m)::BIGINT AS mask", {"b": [c[0] for c in cells],
                                               "t": [c[1] for c in cells], "m": [c[2] for c in cells]})
    pairs = ([("", a) for a in ("ALL", "ABROAD")]
             + [(m["municipality"], a) for m in municipalities
                for a in ("ALL", "SSS", f"MK{m['region']}", f"HVA{m['wellbeing_county']}",
                          f"KU{m['municipality']}")])
    con.execute("CREATE TABLE area_map AS SELECT unnest($m) AS municipality, unnest($a) AS area",
                {"m": [m for m, _ in pairs], "a": [a for _, a in pairs]})

    def parquet(name):
        return os.path.join(registers, f"{name}.parquet").replace("'", "''")

    amount = con.execute(f"DESCRIBE SELECT amount FROM read_parquet('{parquet('payments')}')")
    amount_type = amount.fetchone()[1]
    if not re.fullmatch(r"DECIMAL\(\d+,[0-2]\)|(U?(TINY|SMALL|BIG)?INT(EGER)?)", amount_type):
        sys.exit(f"payments.amount is {amount_type}, not exact money with at most two decimals")
    # Views, not tables: each query reads only the columns it names. Money becomes integer cents
    # (exact: DECIMAL(p, <=2) * 100).
    con.execute(f"""
        CREATE VIEW persons AS SELECT * FROM read_parquet('{parquet("persons")}');
        CREATE VIEW awards AS SELECT * FROM read_parquet('{parquet("awards")}');
        CREATE VIEW payments AS SELECT *,
            CAST(CAST(amount AS DECIMAL(18, 2)) * 100 AS BIGINT) AS cents
        FROM read_parquet('{parquet("payments")}');
    """)
    params = {"period": period, "first": first, "month": month, "last": last}
    timings = []
    for name, sql, used in [("paid", PAID, ("first", "last")),
                            ("recipients", RECIPIENTS, ("month", "last")),
                            ("units", UNITS, ())]:
        t = time.perf_counter()
        con.execute(sql, {k: params[k] for k in used})
        timings.append((name, time.perf_counter() - t))
    for table, sql, used in [("recipients_by_benefit_sex_age", BY_AGE, ("period",)),
                             ("recipients_by_area", BY_AREA, ("period",)),
                             ("expenditure", EXPENDITURE, ("period",))]:
        t = time.perf_counter()
        path = os.path.join(out, f"{table}.csv").replace("'", "''")
        con.execute(f"COPY ({sql}) TO '{path}' (HEADER)", {k: params[k] for k in used})
        timings.append((table, time.perf_counter() - t))
    total = time.perf_counter() - started
    print(f"duckdb {duckdb.__version__}, {os.cpu_count()} cores, period {period}")
    for name, seconds in timings:
        print(f"  {name}: {seconds:.3f} s")
    print(f"  total: {total:.3f} s")


if __name__ == "__main__":
    main()
