"""The committed schema is current and a compatible superset of the contract's built sections."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from schema.root import build_schema

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT.parent / "shared" / "contract" / "check.py"
BUILT_SECTIONS = "core,b2b,sales,b2c,service,mobile,integrations,field"


def test_committed_schema_is_current() -> None:
    assert (ROOT / "schema.graphql").read_text() == build_schema().as_str() + "\n"


def test_contract_sections_built_have_no_breaking_difference() -> None:
    result = subprocess.run(
        [sys.executable, str(CHECK), str(ROOT / "schema.graphql"), "--sections", BUILT_SECTIONS],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    assert "contract: 0 breaking difference(s) in checked sections" in result.stdout
