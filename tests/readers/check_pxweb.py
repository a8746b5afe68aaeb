"""pxwebpy and pyjstat against `kelastat serve`: every table listed, its metadata read, a
selection of every table fetched, and the values (pxwebpy) and statuses (the json-stat2
response read by pyjstat) equal the publication's CSV.

usage: check_pxweb.py http://127.0.0.1:PORT <publication folder, e.g. out/2024>
"""
import csv
import itertools
import sys
from decimal import Decimal
from pathlib import Path

import pyjstat.pyjstat as pyjstat
import requests
from pxweb import PxApi

base, publication = sys.argv[1].rstrip("/"), Path(sys.argv[2])
period = publication.name
api = PxApi(base + "/api/v2", language="en", disable_cache=True)
listed = {t["id"] for t in api.all_tables()}
published = {p.stem for p in (publication / "tables").glob("*.csv")}
assert listed == published, (listed, published)

problem = requests.post(
    f"{base}/api/v2/tables/time_series/data",
    json={"selection": [{"variableCode": "period", "valueCodes": ["1999"]}]},
)
assert problem.status_code == 400, problem.status_code
assert problem.headers["content-type"] == "application/problem+json"
assert "period" in problem.json()["detail"] and "1999" in problem.json()["detail"]

for table in sorted(listed):
    with open(publication / "tables" / f"{table}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    variables = api.get_table_variables(table)
    dims = [v for v in variables if v != "measure"]
    measures = list(variables["measure"]["category"]["label"])
    # A selection: the period, the first four codes of every other dimension, every measure.
    selection = {d: list(variables[d]["category"]["label"])[:4] for d in dims}
    selection["period"] = [period]
    selection["measure"] = measures
    got = api.get_table_data(table, value_codes=selection, show="code")
    by_codes = {tuple(r[d] for d in dims): r for r in rows}
    labels = {d: variables[d]["label"] for d in variables}
    wanted = list(itertools.product(*(selection[d] for d in dims), measures))
    assert len(got) == len(wanted), (table, len(got), len(wanted))
    for item in got:
        key = tuple(item[labels[d]] for d in dims)
        measure = item[labels["measure"]]
        text = by_codes[key][measure]
        expected = None if text == "" else Decimal(text)
        actual = None if item["value"] is None else Decimal(str(item["value"]))
        assert actual == expected, (table, key, measure, actual, expected)

    # Statuses: the json-stat2 response as pyjstat reads it.
    body = {
        "selection": [{"variableCode": v, "valueCodes": c} for v, c in selection.items()]
    }
    reply = requests.post(f"{base}/api/v2/tables/{table}/data?lang=en", json=body)
    reply.raise_for_status()
    dataset = pyjstat.Dataset.read(reply.text)
    frame = dataset.write("dataframe", naming="id")
    assert len(frame) == len(wanted), (table, len(frame))
    status = dataset.get("status") or {}
    ids = dataset["id"]
    order = [list(dataset["dimension"][d]["category"]["index"]) for d in ids]
    for i, combination in enumerate(itertools.product(*order)):
        codes = dict(zip(ids, combination))
        row = by_codes[tuple(codes[d] for d in dims)]
        expected = row[codes["measure"] + "_status"]
        assert status.get(str(i), "") == expected, (table, codes, status.get(str(i)), expected)
    print(f"{table}: {len(got)} cells agree")
print("pxwebpy and pyjstat agree with the CSV for", len(listed), "tables")
