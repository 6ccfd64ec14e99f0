"""End-to-end stock sync throughput and peak memory: the runner against a hand-written loop.

One sandbox serves both phases. The runner reads the ERP with offset pagination, runs a
script and the seed's mapping, and writes 5,000-row batches with a log line per row; the
baseline is a plain httpx loop doing the same reads and writes with nothing else. Each
phase runs in its own process so its peak RSS is its own. Goals: the runner at no less than
half the baseline's rows/s, peak memory under 250 MB.

    python benchmarks/bench_sync.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PAGE = 5000
FLOWS = """
[omnitron]
url = "{omnitron}"
username = "integrator"
password = "sandbox"

[runner]
store = "store.db"

[flows.bench]
name = "Bench"
type = "stock"
direction = "inbound"

[flows.bench.login]
type = "jwt"
url = "{erp}/auth/login"
username = "erp"
password = "sandbox"

[flows.bench.read]
url = "{erp}/stock"
records = "items"
pagination = {{ type = "offset", page_size = {page} }}

[flows.bench.script]
source = '''
def transform(data, attributes):
    return [row for row in data if row["qty"] >= 0]
'''

[flows.bench.mapping]
spec = '''[{{"operation": "shift", "spec": {{"*": {{"sku": "[&1].product_sku", "qty": "[&1].stock",
  "unit_type": "[&1].unit_type"}}}}}}]'''

[flows.bench.write]
stock_list = 1
batch_size = 5000
"""


def runner_phase(flows: Path) -> dict[str, float]:
    from console.flows import load
    from console.runner import Runner

    with Runner(load(flows)) as runner:
        began = time.perf_counter()
        execution = runner.run("bench")
        elapsed = time.perf_counter() - began
    return {"rows": execution.total, "seconds": elapsed}


def baseline_phase(omnitron: str, erp: str) -> dict[str, float]:
    began = time.perf_counter()
    rows_done = 0
    with httpx.Client(timeout=60) as client:
        key = client.post(f"{omnitron}/api/v1/auth/login/",
                          json={"username": "integrator", "password": "sandbox"}).json()["key"]
        token = client.post(f"{erp}/auth/login",
                            json={"username": "erp", "password": "sandbox"}).json()["token"]
        offset, batch = 0, 0
        while True:
            page = client.get(f"{erp}/stock", params={"limit": PAGE, "offset": offset},
                              headers={"Authorization": f"Bearer {token}"}).json()["items"]
            if not page:
                break
            body = [{"product_sku": r["sku"], "stock": r["qty"], "unit_type": r["unit_type"],
                     "stock_list": 1, "batch_id": f"baseline-{batch}"}
                    for r in page if r["qty"] >= 0]
            client.post(f"{omnitron}/api/i1/product_stock/bulk_upsert/", json=body,
                        headers={"Authorization": f"Token {key}"})
            rows_done += len(body)
            offset += len(page)
            batch += 1
            if len(page) < PAGE:
                break
    return {"rows": rows_done, "seconds": time.perf_counter() - began}


def child(args: argparse.Namespace) -> int:
    if args.phase == "runner":
        result = runner_phase(Path(args.flows))
    else:
        result = baseline_phase(args.omnitron, args.erp)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))
    return 0


def phase(*argv: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, *argv], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--phase", choices=["runner", "baseline"])
    parser.add_argument("--flows")
    parser.add_argument("--omnitron")
    parser.add_argument("--erp")
    args = parser.parse_args()
    if args.phase:
        return child(args)
    from console.sandbox import start

    with tempfile.TemporaryDirectory() as tmp, \
            start(Path(tmp) / "sandbox", products=args.rows, orders=10) as sandbox:
        flows = Path(tmp) / "flows.toml"
        flows.write_text(FLOWS.format(omnitron=sandbox.omnitron_url, erp=sandbox.erp_url,
                                      page=PAGE), encoding="utf-8")
        base = phase("--phase", "baseline", "--omnitron", sandbox.omnitron_url,
                     "--erp", sandbox.erp_url)
        ours = phase("--phase", "runner", "--flows", str(flows))
    for label, result in (("runner", ours), ("hand-written httpx loop", base)):
        rate = result["rows"] / result["seconds"]
        print(f"{label:<26}{result['rows']:>9,.0f} rows {rate:>10,.0f} rows/s "
              f"peak {result['peak_mb']:>6.0f} MB")
    ratio = (ours["rows"] / ours["seconds"]) / (base["rows"] / base["seconds"])
    print(f"runner / baseline throughput: {ratio:.2f}")
    print(f"goal >= 0.5 and peak < 250 MB: "
          f"{'met' if ratio >= 0.5 and ours['peak_mb'] < 250 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
