"""The strategic benchmark runs end to end in quick mode, prints ratios, and its indexed answers
agree with brute force.  No timing is asserted (DESIGN.md: no test asserts a wall time)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skyaccord.testing import postgres

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "bench_strategic.py"
N_INTENTS = 4000
N_FILINGS = 150


def run_bench(tmp_path: Path, backend: str) -> tuple[str, dict[str, Any]]:
    out = tmp_path / "results.json"
    args = [
        sys.executable,
        str(BENCH),
        "--quick",
        "--backend",
        backend,
        "--intents",
        str(N_INTENTS),
        "--filings",
        str(N_FILINGS),
        "--queries",
        "20",
        "--brute",
        "3",
        "--writers",
        "1,2",
        "--parallel-sqlite",
        "--json",
        str(out),
    ]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=1200, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc.stdout, json.loads(out.read_text())


def positive(x: float) -> bool:
    return isinstance(x, int | float) and math.isfinite(x) and x > 0


def check(stdout: str, results: dict[str, Any], backend: str) -> None:
    for text in (
        "Filing into the congested area",
        "Query by area and time",
        "Ratios measured in this run",
        "brute force / indexed",
        "NOT measured in this run",
        "not same run",
    ):
        assert text in stdout, text
    assert results["peer"]["measured_in_this_run"] is False
    assert positive(results["peer"]["writes_per_s"])
    r = results["backends"][backend]
    assert r["load"]["intents"] == N_INTENTS
    assert r["load"]["cell_rows"] >= r["load"]["volumes"] > N_INTENTS

    f = r["filing"]
    assert f["n"] == N_FILINGS
    assert f["disagreements_with_brute_force"] == 0
    assert positive(f["throughput_per_s"]) and positive(f["p50_ms"])
    assert f["p50_ms"] <= f["p99_ms"]
    assert f["conflicts_per_filing"] > 0  # the congested area does conflict

    rej = r["reject_409"]
    assert rej["n"] > 0 and rej["wrong_answers"] == 0

    (par,) = r["parallel"]
    assert par["writers"] == 2 and par["n"] == N_FILINGS and positive(par["throughput_per_s"])

    for kind in ("city", "congested", "region"):
        q = r["query"][kind]
        assert q["n"] == 20 and q["p50_ms"] <= q["p99_ms"]
        bf = r["brute_force"][kind]
        assert bf["n"] == 3
        assert positive(bf["sql_scan_ratio"]) and positive(bf["memory_scan_ratio"])
    assert r["query"]["congested"]["hits_per_query"] > 0
    assert positive(r["brute_force"]["filing_check"]["sql_scan_ratio"])
    # the indexed answers (queries and conflict checks) equal both brute-force answers
    assert r["brute_force"]["disagreements"] == 0
    assert positive(r["peer"]["writes_ratio"])


@pytest.mark.slow
def test_quick_benchmark_sqlite(tmp_path: Path) -> None:
    stdout, results = run_bench(tmp_path, "sqlite")
    check(stdout, results, "sqlite")


@pytest.mark.slow
@pytest.mark.postgres
def test_quick_benchmark_postgres(tmp_path: Path) -> None:
    if not postgres.available():
        if os.environ.get("SKYACCORD_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL is required but not installed")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    stdout, results = run_bench(tmp_path, "postgres")
    check(stdout, results, "postgres")
