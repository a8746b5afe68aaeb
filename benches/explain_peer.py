#!/usr/bin/env python3
"""Runs a DuckDB peer under DuckDB's profiler (what EXPLAIN ANALYZE shows) and prints, for each
statement it executes, its wall time and its operator tree with each operator's own time.

    benches/explain_peer.py PEER.py [MIN_SECONDS] -- REGISTERS_DIR CLASSIFICATION_CSV PERIOD OUT_DIR

PEER.py is a peer script with a `main()` that calls `duckdb.connect()` (benches/duckdb_peer.py, or an
older version of it). Operators faster than MIN_SECONDS (default 0.05) are shown only as the path to
slower ones. Profiling adds a little time to every operator; compare its figures with each other,
not with the peer's own timings.
"""
import importlib.util
import json
import sys
import time

import duckdb

MIN_SECONDS = 0.05
INFO = ("Table", "Function", "Join Type", "Conditions", "Aggregates", "Groups", "Filters",
        "Projections", "Order By", "Partition By")


def brief(op):
    info = op.get("extra_info", {})
    parts = []
    for key in INFO:
        value = info.get(key)
        if value:
            text = " ".join(value) if isinstance(value, list) else str(value)
            text = " ".join(text.split())
            parts.append(f"{key}: {text[:110]}{'…' if len(text) > 110 else ''}")
    return "; ".join(parts)


def total(op):
    return op.get("timing", 0) + sum(total(c) for c in op.get("children", []))


def show(op, depth, out):
    if total(op) < MIN_SECONDS:
        return
    rows = op.get("operator_cardinality", op.get("intermediate_rows", ""))
    out.append(f"{'  ' * depth}{op.get('operator_type', op.get('type'))} "
               f"{op.get('timing', 0):.3f} s, {rows} rows  {brief(op)}")
    for child in op.get("children", []):
        show(child, depth + 1, out)


class Profiled:
    """A connection whose every statement is profiled and reported."""

    def __init__(self, con):
        self._con = con
        con.execute("SET enable_profiling = 'no_output'")

    def execute(self, sql, *args):
        started = time.perf_counter()
        result = self._con.execute(sql, *args)
        seconds = time.perf_counter() - started
        if seconds >= MIN_SECONDS:
            first = " ".join(sql.split())[:100]
            print(f"\n== {seconds:.3f} s: {first}")
            tree = json.loads(self._con.get_profiling_information(format="json"))
            lines = []
            for op in tree.get("children", tree.get("operator", [])):
                show(op, 1, lines)
            print("\n".join(lines))
        return result

    def __getattr__(self, name):
        return getattr(self._con, name)


def main():
    global MIN_SECONDS
    if "--" not in sys.argv or sys.argv.index("--") not in (2, 3):
        sys.exit(__doc__)
    split = sys.argv.index("--")
    peer = sys.argv[1]
    if split == 3:
        MIN_SECONDS = float(sys.argv[2])
    spec = importlib.util.spec_from_file_location("peer", peer)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    connect = duckdb.connect
    module.duckdb.connect = lambda *a, **k: Profiled(connect(*a, **k))
    sys.argv = [peer] + sys.argv[split + 1:]
    module.main()


if __name__ == "__main__":
    main()
