"""`make up` (scripts/run.sh) supervises API, worker and beat: restarts them, appends and rotates their logs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.servers import ROOT, free_port


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def _descendants(pid: int) -> set[int]:
    try:
        children = {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except FileNotFoundError:
        return set()
    return children.union(*(_descendants(c) for c in children))


def _api_back(base: str, run: Path, killed: int, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        child = int((run / "api.child.pid").read_text())
        try:
            if child != killed and httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return child
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the API did not come back within {seconds} s")


def test_a_killed_api_comes_back_logs_are_appended_and_stop_ends_everything(tmp_path: Path) -> None:
    # given a log from an earlier run, and the stack started by scripts/run.sh (what `make up` runs)
    run = tmp_path / "run"
    run.mkdir()
    (run / "api.log").write_text("a line of an earlier run\n")
    port = free_port()
    env = {**os.environ, "CRM_RUN_DIR": str(run), "CRM_PORT": str(port), "CRM_PYTHON": sys.executable}
    subprocess.run(["scripts/run.sh", "start"], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True)
    supervisors = {int((run / f"{name}.pid").read_text()) for name in ("api", "worker", "beat")}
    try:
        # when the API process is killed with SIGKILL
        killed = int((run / "api.child.pid").read_text())
        os.kill(killed, signal.SIGKILL)
        # then its supervisor starts a new one that answers
        _api_back(f"http://127.0.0.1:{port}", run, killed, 60)
        log = (run / "api.log").read_text()
        assert log.startswith("a line of an earlier run\n")
        assert f"started pid {killed}" in log and "exited after" in log and "restarting in 1 s" in log
    finally:
        processes = supervisors.union(*(_descendants(pid) for pid in supervisors))
        # and `make down` (run.sh stop) ends the supervisors and all their children
        subprocess.run(["scripts/run.sh", "stop"], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True)
    assert len(processes) >= 6
    assert [pid for pid in processes if _alive(pid)] == []


def test_the_supervisor_rotates_its_log_by_size(tmp_path: Path) -> None:
    # given a supervised command that prints 202 bytes and exits, a log rotated at 500 bytes with two backups
    log = tmp_path / "x.log"
    options = [
        "--log",
        str(log),
        "--max-bytes",
        "500",
        "--backups",
        "2",
        "--min-backoff",
        "0.05",
        "--max-backoff",
        "0.05",
    ]
    command = [sys.executable, "-c", "print('x' * 200)"]
    proc = subprocess.Popen([sys.executable, "-m", "crm.cli", "supervise", *options, "--", *command], cwd=ROOT)
    # when it has restarted it often enough to fill more than three files
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (tmp_path / "x.log.2").exists():
        time.sleep(0.1)
    time.sleep(2)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    # then the log and two backups exist, none beyond 500 bytes, and no third backup
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["x.log", "x.log.1", "x.log.2"]
    assert all(0 < (tmp_path / name).stat().st_size <= 500 for name in files)
    assert "x" * 200 in (tmp_path / "x.log.2").read_text()
