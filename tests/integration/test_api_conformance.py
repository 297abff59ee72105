"""The fleet API holds to its own OpenAPI document: schemathesis (`--checks all`) against a live
`kitbench backend`, each operation called with a token of the role that may call it, a
bounded number of examples (the coverage phase, then a few random ones), no failure allowed.

SCHEMATHESIS_EXAMPLES (default 5) raises the number of random examples per operation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
# Which role calls which operations ("METHOD /path" as schemathesis names them).
ROLES = {
    "station": r"^(POST /api/v1/(runs|heartbeat|orders|seq/blocks)"
    r"|GET /api/v1/(runs|files/|releases|channels/))",
    "publisher": r"^(POST /api/v1/(files/missing|releases)|PATCH /api/v1/files/"
    r"|GET /api/v1/release-events)",
    "console": r"^GET /api/v1/(devices|stations|orders)",
}


def kitbench(*args: str, home: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "KITBENCH_HOME": str(home)},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def backend(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'fleet.db'}"
    tokens = {
        "station": kitbench("backend", "token", "create", "bench-1", "--db", db_url, home=tmp_path),
        "publisher": kitbench(
            "backend", "token", "create", "ci", "--publisher", "--db", db_url, home=tmp_path
        ),
        "console": kitbench(
            "backend", "token", "create", "admin", "--console", "--db", db_url, home=tmp_path
        ),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "backend", "--port", "0", "--db", db_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "KITBENCH_HOME": str(tmp_path)},
    )
    line = process.stdout.readline()
    assert "listening on" in line, line + process.stderr.read()
    yield line.split()[-1], tokens
    process.terminate()
    process.wait(30)
    assert "Traceback" not in process.stderr.read()


def test_the_api_conforms_to_its_openapi_document(backend, tmp_path):
    assert SCHEMATHESIS, "schemathesis is a dev dependency: pip install -e '.[dev]'"
    url, tokens = backend
    reports = []
    for role, operations in ROLES.items():
        done = subprocess.run(
            [
                SCHEMATHESIS, "--config-file", str(CONFIG), "run", f"{url}/api/v1/openapi.json",
                "--checks", "all", "--phases", "coverage,fuzzing",
                "--max-examples", os.environ.get("SCHEMATHESIS_EXAMPLES", "5"),
                "--seed", "19", "--workers", "1",
                "--header", f"Authorization: Bearer {tokens[role]}",
                "--include-name-regex", operations,
            ],
            capture_output=True, text=True, timeout=300, cwd=tmp_path,  # its cache goes there
            env={**os.environ, "NO_COLOR": "1"},
        )  # fmt: skip
        if done.returncode != 0:
            reports.append(f"--- as {role} ---\n{done.stdout[-6000:]}{done.stderr[-2000:]}")
    assert not reports, "\n".join(reports)
