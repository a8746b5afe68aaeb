#!/usr/bin/env bash
# National-scale benchmark: generate PERSONS synthetic persons (cached), then time `generate`,
# `validate` and `classify` on them: wall time (median of RUNS), user+sys CPU and peak RSS from
# /usr/bin/time -v, and each stage's own seconds from the JSON log. Prints a Markdown table.
#
#   benches/national.sh [PERSONS] [RUNS]        e.g. benches/national.sh 1000000 3
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${1:-1000000}
RUNS=${2:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/kelastat-target}
cargo build --release --locked --quiet
BIN="$CARGO_TARGET_DIR/release/kelastat"
DATA=${BENCH_DATA:-$HOME/.cache/kelastat-bench}/p$PERSONS
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ ! -f "$DATA/payments.parquet" ]; then
  "$BIN" generate --persons "$PERSONS" --year 2024 --seed 1 --out "$DATA" >/dev/null
fi

# run NAME CMD...: RUNS timed runs; prints one table row with the medians.
run() {
  local name=$1; shift
  for i in $(seq "$RUNS"); do
    /usr/bin/time -v -o "$WORK/time.$i" "$@" --log-format json >/dev/null 2>"$WORK/log.$i"
  done
  python3 - "$name" "$WORK" "$RUNS" <<'PY'
import json, re, statistics, sys
name, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
def field(text, label):
    return re.search(re.escape(label) + r": (.*)", text).group(1)
def seconds(clock):
    parts = [float(p) for p in clock.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
wall, cpu, rss, stages = [], [], [], {}
for i in range(1, runs + 1):
    t = open(f"{work}/time.{i}").read()
    wall.append(seconds(field(t, "Elapsed (wall clock) time (h:mm:ss or m:ss)")))
    cpu.append(float(field(t, "User time (seconds)")) + float(field(t, "System time (seconds)")))
    rss.append(int(field(t, "Maximum resident set size (kbytes)")) / 1024 / 1024)
    for line in open(f"{work}/log.{i}"):
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if "stage" in event and "seconds" in event:
            stages.setdefault(event["stage"], []).append(event["seconds"])
parts = ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in stages.items())
print(f"| {name} | {statistics.median(wall):.2f} | {statistics.median(cpu):.2f} | {max(rss):.2f} | {parts} |")
PY
}

echo "kelastat $("$BIN" --version | cut -d' ' -f2), $PERSONS persons, $(nproc) cores, $(date -u +%Y-%m-%d)"
"$BIN" validate pipelines/kela_pensions.toml --registers "$DATA" 2>/dev/null | grep ': read ' | sed 's/^/    /'
echo
echo "| command | wall s (median of $RUNS) | user+sys s | peak RSS GiB | stage seconds (median) |"
echo "|---|---|---|---|---|"
run generate "$BIN" generate --persons "$PERSONS" --year 2024 --seed 1 --out "$WORK/gen"
run validate "$BIN" validate pipelines/kela_pensions.toml --registers "$DATA"
run classify "$BIN" classify pipelines/kela_pensions.toml --registers "$DATA"
