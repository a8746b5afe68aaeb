#!/usr/bin/env python3
"""Read a publication's tables back with real third-party readers and compare them with the CSV.

    python3 tests/readers/check_publication.py PUBLICATION_DIR

For every `PUBLICATION_DIR/tables/<id>.csv` (the reference: codes, values, status symbols):
- `<id>.px` is read with pyaxis (`parse(..., encoding='utf-8')`) in each of fi, sv and en;
  VALUES and CODES must have equal length for every variable in every language, the keywords
  publication.md requires must be there in every language (DATASYMBOL2="..", SOURCE, NOTEX,
  TITLE, STUB, HEADING, CONTVARIABLE, UNITS and LAST-UPDATED per measure, TIMEVAL for the
  period), no line may exceed 256 bytes, every DATA line ends with a space, and every value and
  symbol must equal the CSV's;
- `<id>.<lang>.json` (fi, sv, en) is read with pyjstat (`Dataset.read`, then
  `write('dataframe', naming='id')`); values equal the CSV's, `null` exactly where the CSV has a
  symbol, and `status` holds that symbol; role time/geo/metric as publication.md says;
- `<id>.parquet` is read with pyarrow's `read_table`: column types (codes and statuses plain
  `string`, not `string_view`; counts int64; amounts decimal(18,2)), values and symbols equal
  the CSV's, and the key-value metadata keys exist with equal values in the footer, in the
  rebuilt table's `schema.metadata` and in DuckDB's `parquet_kv_metadata`.

Exits 0 when everything matches, 1 with one line per problem otherwise, 2 on bad usage.
Requirements: tests/readers/requirements.txt.
"""
import contextlib
import csv
import io
import json
import math
import re
import sys
import warnings
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from pyaxis import pyaxis
from pyjstat import pyjstat

LANGUAGES = ["fi", "sv", "en"]
SYMBOLS = {"..", "."}
PARQUET_KEYS = ["table_id", "title_fi", "title_sv", "title_en", "period", "source",
                "software_version", "parameters_sha256"]
MAX_LINE = 256


class Problems:
    def __init__(self):
        self.items = []

    def add(self, where, message):
        self.items.append(f"{where}: {message}")

    def limit(self, where, cap=10):
        """True while fewer than `cap` problems have been recorded for `where`."""
        return sum(1 for p in self.items if p.startswith(f"{where}:")) < cap


def read_csv(path):
    """The reference: dimension ids, measure ids, and {(codes..., measure): (value, status)}."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    measures = [c for c in header if f"{c}_status" in header]
    first = header.index(measures[0]) if measures else len(header)
    dims = header[:first]
    cells = {}
    order = []
    for row in body:
        record = dict(zip(header, row))
        codes = tuple(record[d] for d in dims)
        for m in measures:
            cells[codes + (m,)] = (record[m], record[f"{m}_status"])
            order.append(codes + (m,))
    return dims, measures, cells, order


def same_value(expected, found):
    """`expected` is the CSV text (non-empty); `found` a number, Decimal or numeric string."""
    if found is None:
        return False
    if isinstance(found, float):
        if math.isnan(found):
            return False
        return abs(Decimal(repr(found)) - Decimal(expected)) < Decimal("0.005")
    return Decimal(str(found)) == Decimal(expected)


def check_cell(problems, where, key, expected, value, symbol):
    """`value` is what the reader gives (None for no value), `symbol` the status it gives."""
    csv_value, csv_status = expected
    if csv_status in SYMBOLS:
        if value is not None:
            problems.add(where, f"cell {key}: CSV has symbol {csv_status!r} but the reader gives value {value!r}")
        if symbol != csv_status:
            problems.add(where, f"cell {key}: CSV has symbol {csv_status!r}, the reader gives {symbol!r}")
    elif csv_status == "":
        if csv_value == "":
            problems.add(where, f"cell {key}: CSV has neither a value nor a symbol")
        elif not same_value(csv_value, value):
            problems.add(where, f"cell {key}: CSV has {csv_value}, the reader gives {value!r} (symbol {symbol!r})")
    else:
        problems.add(where, f"cell {key}: unknown status {csv_status!r} in the CSV")


def check_px(problems, path, dims, measures, cells):
    where = path.name
    raw = path.read_bytes()
    for number, line in enumerate(raw.split(b"\n"), 1):
        if len(line.rstrip(b"\r")) > MAX_LINE:
            problems.add(where, f"line {number} is {len(line)} bytes (PX allows {MAX_LINE})")
    text = raw.decode("utf-8")
    head, _, data_part = text.partition("DATA=")
    data_lines = data_part.split("\n")[1:]
    closing = [i for i, line in enumerate(data_lines) if line.rstrip("\r").endswith(";")]
    if not closing:
        problems.add(where, "DATA is not closed by ';'")
    else:
        for number, line in enumerate(data_lines[:closing[0]], 1):
            if not line.rstrip("\r").endswith(" "):
                problems.add(where, f"DATA line {number} does not end with a space (PX format description)")
                break
    for required in ['AXIS-VERSION="2013";', 'CODEPAGE="utf-8";', 'LANGUAGE="fi";',
                     'LANGUAGES="fi","sv","en";', "CREATION-DATE="]:
        if required not in head:
            problems.add(where, f"missing {required}")
    for language in LANGUAGES:
        with contextlib.redirect_stdout(io.StringIO()):  # pyaxis prints "Multilingual PX file"
            try:
                parsed = pyaxis.parse(str(path), encoding="utf-8", lang=language)
            except Exception as error:  # a reader failure is the finding
                problems.add(where, f"pyaxis cannot read it in {language}: {type(error).__name__}: {error}")
                continue
        meta, data = parsed["METADATA"], parsed["DATA"]
        lw = f"{where} [{language}]"
        stub, heading = meta.get("STUB", []), meta.get("HEADING", [])
        if len(stub) != len(dims) or len(heading) != 1:
            problems.add(lw, f"STUB {stub} / HEADING {heading}: expected {len(dims)} stub variables and one heading (the measures)")
            continue
        variables = stub + heading
        code_maps, usable = [], True
        for name in variables:
            values, codes = meta.get(f"VALUES({name})"), meta.get(f"CODES({name})")
            if values is None or codes is None:
                problems.add(lw, f"variable {name!r} lacks VALUES or CODES")
                usable = False
                continue
            if len(values) != len(codes):
                problems.add(lw, f"variable {name!r}: {len(values)} VALUES but {len(codes)} CODES")
                usable = False
            if len(set(values)) != len(values):
                problems.add(lw, f"variable {name!r}: VALUES are not unique")
                usable = False
            code_maps.append(dict(zip(values, codes)))
        for keyword in ["TITLE", "CONTENTS", "SOURCE", "NOTEX", "CONTVARIABLE", "SUBJECT-AREA"]:
            if not meta.get(keyword):
                problems.add(lw, f"missing {keyword}")
        if meta.get("DATASYMBOL2") != [".."]:
            problems.add(lw, f'DATASYMBOL2 is {meta.get("DATASYMBOL2")!r}, expected ".."')
        if meta.get("CONTVARIABLE") != [heading[0]]:
            problems.add(lw, f"CONTVARIABLE {meta.get('CONTVARIABLE')!r} is not the heading variable {heading[0]!r}")
        for label in meta.get(f"VALUES({heading[0]})", []):
            for keyword in ["UNITS", "LAST-UPDATED"]:
                if not meta.get(f"{keyword}({label})"):
                    problems.add(lw, f"missing {keyword} for measure {label!r}")
        if "period" in dims:
            period_var = stub[dims.index("period")]
            if not meta.get(f"TIMEVAL({period_var})"):
                problems.add(lw, f"missing TIMEVAL for {period_var!r}")
        if [code_maps[-1].get(v) for v in meta.get(f"VALUES({heading[0]})", [])] != measures:
            problems.add(lw, f"the measures' CODES are not the CSV's measures {measures}")
        if language == LANGUAGES[0]:
            # pyaxis pairs a keyword with the two keys that follow it: its TRANSLATION is only
            # right when every keyword is followed directly by its [sv] and [en] versions.
            translation = parsed["TRANSLATION"]
            wanted = ["TITLE", "CONTENTS", "STUB", "HEADING", "SOURCE", "NOTEX", "DATASYMBOL2"]
            wanted += [f"VALUES({name})" for name in variables] + [f"CODES({name})" for name in variables]
            for keyword in wanted:
                entry = translation.get(keyword)
                if not entry or set(entry) != set(LANGUAGES) or not all(entry.values()):
                    problems.add(lw, f"{keyword} has no sv and en versions directly after it (pyaxis TRANSLATION: {entry!r})")
            for keyword, entry in translation.items():
                if entry.get("fi") != meta.get(keyword):
                    problems.add(lw, f"pyaxis pairs {keyword} with the wrong translations: {entry!r}")
        if not usable:
            continue  # the labels cannot be mapped to codes: the data are not compared
        if len(data) != len(cells):
            problems.add(lw, f"{len(data)} data values, the CSV has {len(cells)}")
            continue
        seen = set()
        for row in data.itertuples(index=False):
            labels, datum = row[:-1], row[-1]
            key = tuple(code_maps[i].get(label, f"?{label}") for i, label in enumerate(labels))
            seen.add(key)
            if key not in cells:
                problems.add(lw, f"cell {key} is not in the CSV")
                continue
            # pyaxis: ".." (sd_values) becomes NaN, "." (null_values) becomes ''.
            if isinstance(datum, float) and math.isnan(datum):
                value, symbol = None, ".."
            elif datum == "":
                value, symbol = None, "."
            else:
                value, symbol = str(datum), ""
            if problems.limit(lw):
                check_cell(problems, lw, key, cells[key], value, symbol)
        if seen != set(cells):
            problems.add(lw, f"{len(set(cells) - seen)} CSV cells missing from the PX")


def check_jsonstat(problems, path, dims, measures, cells, order):
    where = path.name
    raw = json.loads(path.read_text(encoding="utf-8"))
    for key in ["version", "class", "id", "size", "dimension", "value", "role", "updated", "source", "label"]:
        if key not in raw:
            problems.add(where, f"missing {key!r}")
    if raw.get("version") != "2.0" or raw.get("class") != "dataset":
        problems.add(where, "not a JSON-stat 2.0 dataset")
    role = raw.get("role", {})
    if "period" in dims and role.get("time") != ["period"]:
        problems.add(where, f"role time is {role.get('time')!r}")
    geo = [d for d in dims if d in ("area", "country")]
    if geo and role.get("geo") != geo:
        problems.add(where, f"role geo is {role.get('geo')!r}, expected {geo}")
    metric = role.get("metric", [])
    if len(metric) != 1:
        problems.add(where, f"role metric is {metric!r}")
        return
    updated = raw.get("updated", "")
    if not (len(updated) >= 19 and updated[4] == "-" and updated[10] == "T"):
        problems.add(where, f"updated {updated!r} is not ISO 8601")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyjstat's own DeprecationWarning about from_json_stat
        try:
            dataset = pyjstat.Dataset.read(path.read_text(encoding="utf-8"))
            frame = dataset.write("dataframe", naming="id")
        except Exception as error:
            problems.add(where, f"pyjstat cannot read it: {type(error).__name__}: {error}")
            return
    expected_columns = dims + metric + ["value"]
    if list(frame.columns) != expected_columns:
        problems.add(where, f"pyjstat columns {list(frame.columns)}, expected {expected_columns}")
        return
    if len(frame) != len(cells):
        problems.add(where, f"{len(frame)} values, the CSV has {len(cells)}")
        return
    status = raw.get("status", {})
    if isinstance(status, str):
        status = {str(i): status for i in range(len(frame))}
    elif isinstance(status, list):
        status = {str(i): s for i, s in enumerate(status) if s is not None}
    for index, row in enumerate(frame.itertuples(index=False)):
        key = tuple(str(x) for x in row[:-1])
        if key != order[index]:
            problems.add(where, f"value {index} is cell {key}, the CSV's order has {order[index]}")
            return
        value = row[-1]
        if value is not None and isinstance(value, float) and math.isnan(value):
            value = None
        if problems.limit(where):
            check_cell(problems, where, key, cells[key], value, status.get(str(index), ""))


def parquet_type_ok(kind, arrow_type):
    if kind == "dimension" or kind == "status":
        # Plain UTF-8 `string`: readers built on Arrow before 15 know no view types.
        return arrow_type == pa.string()
    if kind == "count":
        return arrow_type == pa.int64()
    return pa.types.is_decimal(arrow_type) and arrow_type.precision == 18 and arrow_type.scale == 2


def check_parquet(problems, path, dims, measures, cells, order, money):
    where = path.name
    try:
        parquet_file = pq.ParquetFile(path)
        table = pq.read_table(path)
    except Exception as error:
        problems.add(where, f"pyarrow cannot read it: {type(error).__name__}: {error}")
        return
    # The key-value metadata where readers look: the Parquet footer, the Arrow schema that
    # pyarrow rebuilds the table from, and DuckDB's parquet_kv_metadata.
    footer = {k.decode(): v.decode() for k, v in (parquet_file.metadata.metadata or {}).items()}
    rebuilt = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    with duckdb.connect() as con:
        rows = con.execute("SELECT key, value FROM parquet_kv_metadata(?)", [str(path)]).fetchall()
    in_duckdb = {bytes(k).decode(): bytes(v).decode() for k, v in rows}
    for place, metadata in [("footer", footer), ("pyarrow read_table schema", rebuilt),
                            ("DuckDB parquet_kv_metadata", in_duckdb)]:
        for key in PARQUET_KEYS:
            if not metadata.get(key):
                problems.add(where, f"key-value metadata {key!r} missing or empty in the {place}")
            elif metadata[key] != footer.get(key):
                problems.add(where, f"key-value metadata {key!r} differs in the {place}")
    expected = dims + [c for m in measures for c in (m, f"{m}_status")]
    if table.column_names != expected:
        problems.add(where, f"columns {table.column_names}, the CSV has {expected}")
        return
    schema = table.schema
    for d in dims:
        if not parquet_type_ok("dimension", schema.field(d).type):
            problems.add(where, f"column {d}: {schema.field(d).type}, expected string")
    for m in measures:
        kind = "money" if m in money else "count"
        if not parquet_type_ok(kind, schema.field(m).type):
            wanted = "decimal128(18, 2)" if kind == "money" else "int64"
            problems.add(where, f"column {m}: {schema.field(m).type}, expected {wanted}")
        if not parquet_type_ok("status", schema.field(f"{m}_status").type):
            problems.add(where, f"column {m}_status: {schema.field(f'{m}_status').type}, expected string")
    if table.num_rows * len(measures) != len(cells):
        problems.add(where, f"{table.num_rows} rows, the CSV has {len(cells) // max(len(measures), 1)}")
        return
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    for r in range(table.num_rows):
        codes = tuple(columns[d][r] for d in dims)
        for m in measures:
            key = codes + (m,)
            if key not in cells:
                problems.add(where, f"row {r}: cell {key} is not in the CSV")
                continue
            symbol = columns[f"{m}_status"][r] or ""
            if problems.limit(where):
                check_cell(problems, where, key, cells[key], columns[m][r], symbol)
    parquet_order = [tuple(columns[d][r] for d in dims) + (m,) for r in range(table.num_rows) for m in measures]
    if parquet_order != order:
        problems.add(where, "rows are not in the CSV's order")


MONEY = {"mean_amount", "median_amount", "expenditure"}
AMOUNT = re.compile(r"-?[0-9]+\.[0-9]{2}")
COUNT = re.compile(r"-?[0-9]+")


def money_measures(problems, path, measures):
    """The amounts (publication.md's money measures, and any column with a decimal point);
    checks that amounts have exactly two decimals and counts none."""
    money = {m for m in measures if m in MONEY}
    with open(path, encoding="utf-8", newline="") as f:
        records = list(csv.DictReader(f))
    for record in records:
        for m in measures:
            if "." in record[m]:
                money.add(m)
    for r, record in enumerate(records, 2):
        for m in measures:
            value = record[m]
            pattern = AMOUNT if m in money else COUNT
            if value and not pattern.fullmatch(value) and problems.limit(path.name):
                kind = "an amount with exactly two decimals" if m in money else "an integer count"
                problems.add(path.name, f"line {r}, {m}: {value!r} is not {kind}")
    return money


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    root = Path(argv[1])
    tables = root / "tables" if (root / "tables").is_dir() else root
    csvs = sorted(tables.glob("*.csv"))
    if not csvs:
        print(f"check_publication: no tables/<id>.csv under {root}", file=sys.stderr)
        return 1
    problems = Problems()
    files = 0
    for csv_path in csvs:
        table_id = csv_path.stem
        dims, measures, cells, order = read_csv(csv_path)
        money = money_measures(problems, csv_path, measures)
        px = tables / f"{table_id}.px"
        if px.exists():
            check_px(problems, px, dims, measures, cells)
            files += 1
        else:
            problems.add(px.name, "missing")
        for language in LANGUAGES:
            js = tables / f"{table_id}.{language}.json"
            if js.exists():
                check_jsonstat(problems, js, dims, measures, cells, order)
                files += 1
            else:
                problems.add(js.name, "missing")
        parquet = tables / f"{table_id}.parquet"
        if parquet.exists():
            check_parquet(problems, parquet, dims, measures, cells, order, money)
            files += 1
        else:
            problems.add(parquet.name, "missing")
    if problems.items:
        for p in problems.items:
            print(f"FAIL {p}", file=sys.stderr)
        print(f"check_publication: {len(problems.items)} problems in {tables}", file=sys.stderr)
        return 1
    print(f"check_publication: {len(csvs)} tables, {files} PX/JSON-stat/Parquet files read back "
          f"with pyaxis, pyjstat and pyarrow: all values and symbols equal the CSV's")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
