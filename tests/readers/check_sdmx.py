#!/usr/bin/env python3
"""Read a publication's SDMX files with real SDMX readers and compare them with the CSV.

    python3 tests/readers/check_sdmx.py PUBLICATION_DIR

- `sdmx-structure.xml` is read and validated against the SDMX-ML 2.1 schemas by pysdmx
  (`read_sdmx(..., validate=True)`), and read by sdmx1;
- every `tables/<id>.sdmx.csv` is read by pysdmx without a structure, and by sdmx1 given the
  dataflow `DF_<ID>` of the structure file; in both, every cell and measure of `tables/<id>.csv`
  is one observation with the same value (`NaN` where the CSV has a symbol) and the status
  `A` (a value), `C` (the CSV's `..`, confidential) or `M` (the CSV's `.`).

Exits 0 when everything matches, 1 with one line per problem otherwise.
Requirements: tests/readers/requirements.txt.
"""
import csv
import math
import sys
from decimal import Decimal
from pathlib import Path

import sdmx
from pysdmx.io import read_sdmx

STATUS = {"": "A", "..": "C", ".": "M"}


def expected(csv_path):
    """{(codes without the period..., measure, time): (value text, status)} from the table CSV."""
    with open(csv_path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    measures = [c for c in header if f"{c}_status" in header]
    dims = header[: header.index(measures[0])]
    out = {}
    for row in body:
        record = dict(zip(header, row))
        codes = tuple(record[d] for d in dims if d != "period")
        time = record["period"].replace("M", "-")
        for m in measures:
            out[codes + (m, time)] = (record[m], STATUS[record[f"{m}_status"]])
    return [d.upper() for d in dims if d != "period"], out


def same(text, value):
    if text == "":
        return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) == "NaN"
    return value is not None and str(value) != "NaN" and Decimal(str(value)) == Decimal(text)


def main(publication):
    problems = []
    structure_file = publication / "sdmx-structure.xml"
    try:
        read_sdmx(structure_file, validate=True)
    except Exception as error:
        problems.append(f"{structure_file.name}: pysdmx (schema validation): {error}")
    structure = sdmx.read_sdmx(structure_file)
    for path in sorted((publication / "tables").glob("*.sdmx.csv")):
        table_id = path.name[: -len(".sdmx.csv")]
        dims, cells = expected(publication / "tables" / f"{table_id}.csv")
        # pysdmx, no structure needed.
        datasets = read_sdmx(path).data
        if len(datasets) != 1:
            problems.append(f"{path.name}: pysdmx finds {len(datasets)} data sets")
            continue
        frame = datasets[0].data
        found = {}
        for record in frame.to_dict("records"):
            key = tuple(str(record[d]) for d in dims) + (record["MEASURE"], str(record["TIME_PERIOD"]))
            found[key] = (record["OBS_VALUE"], record["OBS_STATUS"])
        compare(problems, f"{path.name} (pysdmx)", cells, found)
        # sdmx1, given the dataflow of the structure file.
        flow = structure.dataflow[f"DF_{table_id.upper()}"]
        message = sdmx.read_sdmx(path, structure=flow)
        found = {}
        for obs in message.data[0].obs:
            key = tuple(obs.key[d].value for d in dims) + (obs.key["MEASURE"].value, str(obs.key["TIME_PERIOD"].value))
            found[key] = (obs.value, obs.attached_attribute["OBS_STATUS"].value)
        compare(problems, f"{path.name} (sdmx1)", cells, found)
    tables = sorted(p.name[: -len(".csv")] for p in (publication / "tables").glob("*.csv") if not p.name.endswith(".sdmx.csv"))
    sdmx_tables = sorted(p.name[: -len(".sdmx.csv")] for p in (publication / "tables").glob("*.sdmx.csv"))
    if tables != sdmx_tables:
        problems.append(f"tables with CSV {tables} but with SDMX-CSV {sdmx_tables}")
    for p in problems[:50]:
        print(p)
    return 1 if problems else 0


def compare(problems, where, cells, found):
    if set(cells) != set(found):
        missing = sorted(set(cells) - set(found))[:3]
        extra = sorted(set(found) - set(cells))[:3]
        problems.append(f"{where}: observations differ from the CSV's cells (missing {missing}, extra {extra})")
        return
    for key, (text, status) in cells.items():
        value, got_status = found[key]
        if got_status != status or not same(text if status == "A" else "", value):
            problems.append(f"{where}: {key}: CSV {text!r} {status}, SDMX {value!r} {got_status}")
            return


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
