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

# Recipients of the reference month: one row per person and register benefit with the summed
# regular payments for the month, the base code of the award in force on the month's last day
# (else the one that started last; with no award of the benefit by then, the kind is null), and
# the person's attributes at the end of the period.
RECIPIENTS = """
CREATE TABLE recipients AS
WITH amounts AS (
    SELECT person_id, benefit, sum(cents) AS cents FROM payments
    WHERE payment_type = 'regular' AND period_month = $month GROUP BY ALL
), chosen AS (
    SELECT person_id, benefit, base_code(benefit, kind, deceased_death_date, $month) AS base
    FROM awards WHERE start_date <= $last
    QUALIFY row_number() OVER (PARTITION BY person_id, benefit ORDER BY
        (end_date IS NULL OR end_date >= $last) DESC, start_date DESC, award_id DESC) = 1
), people AS (
    SELECT person_id, CAST(sex AS VARCHAR) AS sex,
        month_no($last) - month_no(birth_date)
            - CASE WHEN day($last) < least(day(birth_date), day(last_day($last))) THEN 1 ELSE 0 END
            AS months,
        CASE WHEN country = 'FI' THEN municipality END AS municipality
    FROM persons
)
SELECT a.person_id, coalesce(c.base, base_code(a.benefit, NULL, NULL::DATE, $month)) AS base,
    a.cents, p.sex, p.municipality,
    CASE WHEN p.months < 16 * 12 THEN '0-15' WHEN p.months < 20 * 12 THEN '16-19'
         WHEN p.months >= 90 * 12 THEN '90-'
         ELSE format('{}-{}', p.months // 60 * 5, p.months // 60 * 5 + 4) END AS age_group
FROM amounts a LEFT JOIN chosen c USING (person_id, benefit) JOIN people p USING (person_id)
"""

# Units under every benefit code: the base code, its group (NP, SP), and ALL with the sum.
UNITS = """
CREATE TABLE units AS
SELECT base AS benefit, cents, sex, age_group, municipality FROM recipients
UNION ALL
SELECT benefit_group(base), cents, sex, age_group, municipality FROM recipients
WHERE benefit_group(base) IS NOT NULL
UNION ALL
SELECT 'ALL', sum(cents), sex, age_group, municipality FROM recipients
GROUP BY person_id, sex, age_group, municipality;
"""

BY_AGE = """
WITH cells AS (
    SELECT benefit, CASE WHEN grouping(sex) = 1 THEN 'SSS' ELSE sex END AS sex,
        CASE WHEN grouping(age_group) = 1 THEN 'SSS' ELSE age_group END AS age_group,
        count(*) AS n, sum(cents) AS total, list(cents ORDER BY cents) AS sorted
    FROM units GROUP BY benefit, CUBE (sex, age_group)
)
SELECT $period AS period, b.code AS benefit, s.code AS sex, g.code AS age_group,
    coalesce(c.n, 0) AS recipients,
    money(div_round(c.total, c.n)) AS mean_amount,
    money(CASE WHEN c.n % 2 = 1 THEN c.sorted[(c.n + 1) // 2]
          ELSE div_round(c.sorted[c.n // 2] + c.sorted[c.n // 2 + 1], 2) END) AS median_amount
FROM d_benefit b CROSS JOIN d_sex s CROSS JOIN d_age g
LEFT JOIN cells c ON c.benefit = b.code AND c.sex = s.code AND c.age_group = g.code
ORDER BY b.ord, s.ord, g.ord
"""

BY_AREA = """
WITH cells AS (
    SELECT m.area, u.benefit, CASE WHEN grouping(u.sex) = 1 THEN 'SSS' ELSE u.sex END AS sex,
        count(*) AS n, sum(u.cents) AS total
    FROM units u JOIN area_map m ON m.municipality = coalesce(u.municipality, '')
    GROUP BY GROUPING SETS ((m.area, u.benefit, u.sex), (m.area, u.benefit))
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
EXPENDITURE = """
WITH dated AS (
    SELECT * FROM payments WHERE payment_date BETWEEN $first AND $last
), coded AS (
    SELECT p.person_id, p.payment_type, p.cents,
        base_code(p.benefit, a.kind, a.deceased_death_date, p.period_month) AS base
    FROM dated p LEFT JOIN awards a ON a.award_id = p.award_id
    WHERE p.award_id IS NOT NULL
    UNION ALL
    SELECT p.person_id, p.payment_type, p.cents,
        base_code(p.benefit, a.kind, a.deceased_death_date, p.period_month)
    FROM dated p LEFT JOIN awards a ON a.person_id = p.person_id AND a.benefit = p.benefit
    WHERE p.award_id IS NULL
    QUALIFY row_number() OVER (PARTITION BY p.payment_id ORDER BY
        (a.start_date <= last_day(p.period_month)
            AND (a.end_date IS NULL OR a.end_date >= p.period_month)) DESC NULLS LAST,
        a.start_date DESC NULLS LAST, a.award_id DESC NULLS LAST) = 1
), paid AS (
    SELECT person_id, payment_type, base, sum(cents) AS cents FROM coded GROUP BY ALL
), levels AS (
    SELECT person_id, payment_type, cents, base AS benefit FROM paid
    UNION ALL SELECT person_id, payment_type, cents, benefit_group(base) FROM paid
        WHERE benefit_group(base) IS NOT NULL
    UNION ALL SELECT person_id, payment_type, cents, 'ALL' FROM paid
), cells AS (
    SELECT benefit, CASE WHEN grouping(payment_type) = 1 THEN 'SSS' ELSE payment_type END AS type,
        sum(cents) AS total, count(DISTINCT person_id) AS persons
    FROM levels GROUP BY GROUPING SETS ((benefit, payment_type), (benefit))
)
SELECT $period AS period, b.code AS benefit, t.code AS payment_type,
    money(coalesce(c.total, 0)) AS expenditure, coalesce(c.persons, 0) AS recipients_during_period
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
    con.execute(f"CREATE TABLE {name} (code VARCHAR, ord INTEGER)")
    con.executemany(f"INSERT INTO {name} VALUES (?, ?)", [(c, i) for i, c in enumerate(codes)])


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
    con.execute("CREATE TABLE area_map (municipality VARCHAR, area VARCHAR)")
    con.executemany("INSERT INTO area_map VALUES (?, ?)",
                    [("", a) for a in ("ALL", "ABROAD")]
                    + [(m["municipality"], a) for m in municipalities
                       for a in ("ALL", "SSS", f"MK{m['region']}", f"HVA{m['wellbeing_county']}",
                                 f"KU{m['municipality']}")])

    def parquet(name):
        return os.path.join(registers, f"{name}.parquet").replace("'", "''")

    amount = con.execute(f"DESCRIBE SELECT amount FROM read_parquet('{parquet('payments')}')")
    amount_type = amount.fetchone()[1]
    if not re.fullmatch(r"DECIMAL\(\d+,[0-2]\)|(U?(TINY|SMALL|BIG)?INT(EGER)?)", amount_type):
        sys.exit(f"payments.amount is {amount_type}, not exact money with at most two decimals")
    # Month columns mean their month; money becomes integer cents (exact: DECIMAL(p, <=2) * 100).
    con.execute(f"""
        CREATE VIEW persons AS SELECT * FROM read_parquet('{parquet("persons")}');
        CREATE VIEW awards AS SELECT * FROM read_parquet('{parquet("awards")}');
        CREATE TABLE payments AS SELECT payment_id, person_id, award_id, benefit, payment_type,
            CAST(date_trunc('month', period_month) AS DATE) AS period_month,
            CAST(payment_date AS DATE) AS payment_date,
            CAST(CAST(amount AS DECIMAL(18, 2)) * 100 AS BIGINT) AS cents
        FROM read_parquet('{parquet("payments")}');
    """)
    params = {"period": period, "first": first, "month": month, "last": last}
    con.execute(RECIPIENTS, {k: params[k] for k in ("month", "last")})
    con.execute(UNITS)
    timings = [("load + recipients", time.perf_counter() - started)]
    for table, sql, used in [("recipients_by_benefit_sex_age", BY_AGE, ("period",)),
                             ("recipients_by_area", BY_AREA, ("period",)),
                             ("expenditure", EXPENDITURE, ("period", "first", "last"))]:
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
