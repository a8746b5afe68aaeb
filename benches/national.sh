#!/usr/bin/env bash
# National-scale benchmark: `kelastat run` on PERSONS synthetic persons (generated once and
# cached) against a DuckDB peer computing three of its tables from the same Parquet registers.
#
#   benches/national.sh [PERSONS] [RUNS]        e.g. benches/national.sh 1000000 5
#
# Environment: KELASTAT_BIN, a kelastat binary to use instead of building one; BENCH_SEED, the
# generator's seed (default 5); BENCH_DATA, where registers are cached (one directory per persons
# and seed); BENCH_VENV, the Python venv for DuckDB.
#
# Runs alternate (kelastat, DuckDB, kelastat, …). Before any timing is printed, the three
# tables are compared cell by cell (every cell kelastat publishes). Prints a Markdown table:
# wall time (median of RUNS), user+sys CPU and peak RSS from /usr/bin/time -v, kelastat's
# stage seconds from its JSON log, each run's wall time (the machine's noise), and the ratio
# kelastat/DuckDB.
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${1:-1000000}
RUNS=${2:-3}
SEED=${BENCH_SEED:-5}
if [ -n "${KELASTAT_BIN:-}" ]; then
  BIN=$KELASTAT_BIN
else
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/kelastat-target}
  source scripts/tools.sh
  cargo build --release --locked --quiet
  BIN="$CARGO_TARGET_DIR/release/kelastat"
fi
DATA=${BENCH_DATA:-$HOME/.cache/kelastat-bench}/p${PERSONS}s$SEED
VENV=${BENCH_VENV:-$HOME/.cache/kelastat-bench-venv}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet -r benches/requirements.txt
if [ ! -f "$DATA/payments.parquet" ]; then
  "$BIN" generate --persons "$PERSONS" --year 2024 --seed "$SEED" --out "$DATA" >/dev/null
fi
CLASSIFICATION=sample_data/classifications/municipalities_2024.csv

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$RUNS"); do
  /usr/bin/time -v -o "$WORK/kelastat.time.$i" "$BIN" run pipelines/kela_pensions.toml \
    --registers "$DATA" --out "$WORK/kelastat.$i" --log-format json >/dev/null 2>"$WORK/kelastat.log.$i"
  /usr/bin/time -v -o "$WORK/duckdb.time.$i" "$VENV/bin/python" benches/duckdb_peer.py \
    "$DATA" "$CLASSIFICATION" 2024 "$WORK/duckdb.$i" >/dev/null
done
"$VENV/bin/python" benches/compare_tables.py "$WORK/kelastat.1/2024/tables" "$WORK/duckdb.1" |
  sed 's/^/    /'

python3 - "$WORK" "$RUNS" "$PERSONS" "$("$BIN" --version)" "$SEED" "$LOAD_BEFORE" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" "$("$VENV/bin/python" -c 'import duckdb; print(duckdb.__version__)')" <<'PY'
import json, re, statistics, sys, os, datetime
work, runs, persons, version = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
seed, load_before, load_after, duckdb_version = sys.argv[5:9]
def field(text, label):
    return re.search(re.escape(label) + r": (.*)", text).group(1)
def seconds(clock):
    parts = [float(p) for p in clock.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
def measure(name):
    wall, cpu, rss, stages = [], [], [], {}
    for i in range(1, runs + 1):
        t = open(f"{work}/{name}.time.{i}").read()
        wall.append(seconds(field(t, "Elapsed (wall clock) time (h:mm:ss or m:ss)")))
        cpu.append(float(field(t, "User time (seconds)")) + float(field(t, "System time (seconds)")))
        rss.append(int(field(t, "Maximum resident set size (kbytes)")) / 1024 / 1024)
        log = f"{work}/{name}.log.{i}"
        for line in open(log) if os.path.exists(log) else []:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            fields = event.get("fields", event)
            if "stage" in fields and "seconds" in fields:
                stages.setdefault(fields["stage"], []).append(float(fields["seconds"]))
    return wall, statistics.median(cpu), rss, stages
print(f"{version}, {persons} persons (seed {seed}), DuckDB {duckdb_version}, {os.cpu_count()} cores, "
      f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, median of {runs}")
print(f"load average (1, 5, 15 min) before the runs: {load_before}; after: {load_after}")
print()
print("| program | wall s | user+sys s | peak RSS GiB | stage seconds (median) |")
print("|---|---|---|---|---|")
rows, walls, rsses = {}, {}, {}
for name, label in [("kelastat", "kelastat run (10 tables, 5 formats)"), ("duckdb", "DuckDB peer (3 tables)")]:
    wall, cpu, rss, stages = measure(name)
    rows[name], walls[name], rsses[name] = statistics.median(wall), wall, rss
    parts = ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in stages.items())
    print(f"| {label} | {rows[name]:.2f} | {cpu:.2f} | {max(rss):.2f} | {parts} |")
print()
for name, each in walls.items():
    print(f"{name} wall s of each run, in order: {' '.join(f'{w:.2f}' for w in each)}; "
          f"peak RSS GiB: {' '.join(f'{r:.2f}' for r in rsses[name])}")
print(f"ratio kelastat/DuckDB (wall): {rows['kelastat'] / rows['duckdb']:.2f}")
PY
