#!/usr/bin/env python3
"""Compares kelastat's tables with the DuckDB peer's, cell by cell.

    benches/compare_tables.py KELASTAT_TABLES_DIR DUCKDB_DIR

For `recipients_by_benefit_sex_age`, `recipients_by_area` and `expenditure`: every row of
kelastat's CSV must be in DuckDB's (matched on the dimension columns) and every measure cell that
kelastat publishes must equal DuckDB's value (status `.`: both empty); cells with status `..` are
skipped. Prints compared and skipped cells per table; exits 1 on any difference.
"""
import csv
import os
import sys
from decimal import Decimal

TABLES = ["recipients_by_benefit_sex_age", "recipients_by_area", "expenditure"]
SHOW = 10


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def number(text):
    return None if text == "" else Decimal(text)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    kelastat_dir, duckdb_dir = sys.argv[1:]
    differences = []
    for table in TABLES:
        columns, rows = read(os.path.join(kelastat_dir, f"{table}.csv"))
        _, peer_rows = read(os.path.join(duckdb_dir, f"{table}.csv"))
        measures = [c for c in columns if f"{c}_status" in columns]
        dims = [c for c in columns if c not in measures and not c.endswith("_status")]
        peer = {tuple(r[d] for d in dims): r for r in peer_rows}
        compared = skipped = 0
        if len(peer) != len(rows):
            differences.append(f"{table}: {len(rows)} rows in kelastat, {len(peer)} in DuckDB")
        for row in rows:
            key = tuple(row[d] for d in dims)
            other = peer.get(key)
            if other is None:
                differences.append(f"{table} {key}: row missing in DuckDB")
                continue
            for m in measures:
                if row[f"{m}_status"] == "..":
                    skipped += 1
                    continue
                compared += 1
                if number(row[m]) != number(other[m]):
                    differences.append(
                        f"{table} {'/'.join(key)} {m}: kelastat {row[m] or '(empty)'}"
                        f" status {row[f'{m}_status'] or '(none)'}, DuckDB {other[m] or '(empty)'}")
        print(f"{table}: {compared} cells compared, {skipped} skipped (..)")
    if differences:
        print(f"{len(differences)} differences; the first {min(SHOW, len(differences))}:")
        for d in differences[:SHOW]:
            print("  " + d)
        sys.exit(1)
    print("all published cells agree")


if __name__ == "__main__":
    main()
