"""kg serve under a mixed load of 10,000 good and hostile requests from a second process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from test_server import Server, _store

ROOT = Path(__file__).resolve().parent.parent


def test_ten_thousand_mixed_requests(tmp_path: Path) -> None:
    store = _store(tmp_path / "store")
    # The memory cap bounds the explosive queries' workers: peak memory stays under a GB.
    server = Server(store, "--timeout", "2", "--max-memory", "256")
    try:
        out = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks/server_load.py"), "--url", server.url, "--requests", "10000",
             "--rate", "250", "--seconds", "120", "--pid", str(server.process.pid), "--json"],
            capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout)
        alive = server.process.poll() is None
    finally:
        server.stop()
    codes = {int(code): n for code, n in result["codes"].items()}
    assert alive and result["requests"] == 10_000
    assert set(codes) <= {200, 400, 404, 406, 413, 503}, codes  # no 5xx but 503, no dropped connection
    assert codes[200] > 5000 and codes[400] > 500 and codes[413] > 200 and codes[406] > 500
    assert result["slowloris_connections"] == 10
    assert result["latency_ratio"] <= 3, result
    assert result["rss_peak_mb"] < 1024 and result["rss_after_mb"] < result["rss_before_mb"] * 1.5, result
