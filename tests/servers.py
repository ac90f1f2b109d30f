"""Real uvicorn processes of the app for tests that need more than one API process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def api_process(env: dict[str, str] | None = None, cli: bool = False) -> Iterator[str]:
    """Starts `uvicorn crm.app:app_from_env` (or `crm serve` with cli=True) on a free port; yields its base URL."""
    port = free_port()
    uvicorn = ["-m", "uvicorn", "crm.app:app_from_env", "--factory", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, *(["-m", "crm.cli", "serve", "--port", str(port)] if cli else uvicorn)],
        cwd=ROOT,
        env={**os.environ, "CRM_MIGRATE_ON_START": "0", **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            proc.kill()
            raise RuntimeError(f"API process did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def celery_worker(env: dict[str, str] | None = None, include: str | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process on the crm queue, with the environment's broker (plus test tasks from the
    module `include`)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.app",
            "worker",
            "-Q",
            "crm",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            *(["--include", include] if include else []),
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(15)
