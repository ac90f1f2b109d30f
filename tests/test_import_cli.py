"""`crm import contacts FILE`: upload, live progress, summary table."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from domain.deps import Deps
from tests.servers import ROOT, api_process


async def test_cli_imports_a_file_with_progress_and_a_summary_table(
    admin_token: str, deps: Deps, worker: None, tmp_path: Path
) -> None:
    # given a file of 3,000 contacts, one of them bad, and a running API
    lines = ["firstName,lastName,email"] + [f"F{i},L{i},p{i}@example.com" for i in range(3_000)]
    lines[1501] = "Bad,Mail,nope"  # row 1502 of the file (the header is row 1)
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join(lines) + "\n")
    with api_process() as base:
        # when the CLI imports it
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "crm.cli", "import", "contacts", str(path), "--match", "email", "--url", base],
            cwd=ROOT,
            env={**os.environ, "CRM_TOKEN": admin_token},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    # then it shows progress and ends with the summary table
    assert result.returncode == 0, result.stderr
    assert "upload [##############################] 100.0%" in result.stderr
    assert "COMPLETED [##############################] 100.0%  3,000/3,000 rows" in result.stderr
    table = result.stdout.splitlines()
    assert table[1:6] == [
        "| status   | COMPLETED                              |",
        "| rows     | 3,000                                  |",
        "| created  | 2,999                                  |",
        "| updated  | 0                                      |",
        "| rejected | 1                                      |",
    ]
    assert table[-2:] == ["rejected rows (1 of 1 shown):", "  row      1502: email is not an email address"]
    assert (await deps.db.read("MATCH (p:Person) RETURN count(p) AS n"))[0]["n"] == 2_999


async def test_cli_without_token_says_so() -> None:
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "crm.cli", "import", "contacts", "x.csv"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "CRM_TOKEN"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (2, "crm import: a token is required (--token or CRM_TOKEN)\n")
