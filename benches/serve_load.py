"""A bounded load test of `kelastat serve` over loopback: N concurrent clients (default 20)
for S seconds (default 10), each fetching the same ~1 000-cell selection of
recipients_by_area as json-stat2 again and again on its own keep-alive connection. Prints
the number of calls, errors, and the p50/p99 latency; exits 1 on any error.

The server must allow the calls: start it with a rate limit above clients x calls, e.g.
  kelastat serve out --addr 127.0.0.1:8080 --max-calls 1000000 --time-window 1
  python3 benches/serve_load.py http://127.0.0.1:8080 --clients 20 --seconds 10
Only the standard library is used; latencies include the Python client's own time.
"""
import argparse
import http.client
import json
import statistics
import threading
import time
import urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("base")
parser.add_argument("--clients", type=int, default=20)
parser.add_argument("--seconds", type=float, default=10.0)
parser.add_argument("--table", default="recipients_by_area")
args = parser.parse_args()
url = urllib.parse.urlparse(args.base)
if url.hostname not in ("127.0.0.1", "localhost", "::1"):
    raise SystemExit("loopback only")

# Every area, the three sexes, one benefit, one measure: about a thousand cells.
body = json.dumps({"selection": [
    {"variableCode": "period", "valueCodes": ["top(1)"]},
    {"variableCode": "area", "valueCodes": ["*"]},
    {"variableCode": "benefit", "valueCodes": ["ALL"]},
    {"variableCode": "sex", "valueCodes": ["*"]},
    {"variableCode": "measure", "valueCodes": ["recipients"]},
]})
path = f"/api/v2/tables/{args.table}/data?lang=en"
latencies, errors, cells = [], [], []
lock = threading.Lock()
stop_at = time.monotonic() + args.seconds


def client():
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    mine, bad = [], []
    while time.monotonic() < stop_at:
        started = time.perf_counter()
        connection.request("POST", path, body, {"Content-Type": "application/json"})
        reply = connection.getresponse()
        payload = reply.read()
        mine.append(time.perf_counter() - started)
        if reply.status != 200:
            bad.append(reply.status)
        elif not cells:
            cells.append(len(json.loads(payload)["value"]))
    with lock:
        latencies.extend(mine)
        errors.extend(bad)


threads = [threading.Thread(target=client) for _ in range(args.clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
print(f"{args.clients} clients, {args.seconds:.0f} s, {cells[0] if cells else '?'} cells a call: "
      f"{len(latencies)} calls ({len(latencies) / args.seconds:.0f}/s), {len(errors)} errors, "
      f"p50 {p(0.50):.1f} ms, p99 {p(0.99):.1f} ms, max {latencies[-1] * 1000:.1f} ms")
raise SystemExit(1 if errors else 0)
