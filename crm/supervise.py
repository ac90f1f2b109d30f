"""`crm supervise`: keeps one process running for `make up` (scripts/run.sh).

The child is restarted when it exits, after a back-off that doubles from --min-backoff up to --max-backoff and
starts again from the bottom once the child has run for --stable seconds. Its output is appended to --log,
which is rotated at --max-bytes into LOG.1 ... LOG.<backups> (never truncated). SIGTERM or SIGINT stop the
child (SIGTERM to its process group, SIGKILL after --grace seconds) and then the supervisor. The child gets
SIGTERM if the supervisor itself dies.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import BinaryIO

PR_SET_PDEATHSIG = 1


class RotatingLog:
    """Appends bytes to a file; when it would grow beyond max_bytes, shifts LOG -> LOG.1 -> ... first."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        self.path, self.max_bytes, self.backups = path, max_bytes, backups
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file: BinaryIO = path.open("ab")

    def write(self, data: bytes) -> None:
        if self.max_bytes > 0 and self.file.tell() > 0 and self.file.tell() + len(data) > self.max_bytes:
            self._rotate()
        self.file.write(data)
        self.file.flush()

    def note(self, name: str, message: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.write(f"{stamp} supervise[{name}]: {message}\n".encode())

    def _rotate(self) -> None:
        self.file.close()
        for index in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{index}")
            if older.exists():
                older.replace(self.path.with_name(f"{self.path.name}.{index + 1}"))
        if self.backups > 0:
            self.path.replace(self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink()
        self.file = self.path.open("ab")


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the supervisor dies (Linux); elsewhere nothing."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.name: str = args.name or Path(args.argv[0]).name
        self.log = RotatingLog(Path(args.log), args.max_bytes, args.backups)
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = False
        self.stop_signal = ""

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Only flags and a kill here: the main loop may be inside a log write.
        self.stop_signal = self.stop_signal or signal.Signals(signum).name
        self.stopping = True
        self._signal_child(signal.SIGTERM)

    def _signal_child(self, signum: int) -> None:
        if self.child is not None and self.child.returncode is None:
            self._signal_group(self.child.pid, signum)

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self.on_signal)
        backoff = self.args.min_backoff
        while not self.stopping:
            started = time.monotonic()
            self._run_child()
            ran = time.monotonic() - started
            if self.stopping:
                break
            if ran >= self.args.stable:
                backoff = self.args.min_backoff
            self.log.note(
                self.name,
                f"exited after {ran:.1f} s with {self.child.returncode if self.child else None}; "
                f"restarting in {backoff:g} s",
            )
            deadline = time.monotonic() + backoff
            while not self.stopping and time.monotonic() < deadline:
                time.sleep(0.05)
            backoff = min(backoff * 2, self.args.max_backoff)
        self.log.note(self.name, f"got {self.stop_signal or 'a signal'}, stopped")
        return 0

    def _run_child(self) -> None:
        child = subprocess.Popen(
            self.args.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a stop reaches its workers too
            preexec_fn=_die_with_parent,  # no threads in the supervisor, so preexec_fn is safe
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.child = child
        if self.args.child_pid:
            Path(self.args.child_pid).write_text(f"{child.pid}\n")
        self.log.note(self.name, f"started pid {child.pid}: {' '.join(self.args.argv)}")
        if self.stopping:  # a signal arrived while starting
            self._signal_child(signal.SIGTERM)
        assert child.stdout is not None
        fd = child.stdout.fileno()
        stop_deadline: float | None = None
        output_open = True
        while child.poll() is None:
            if self.stopping and stop_deadline is None:
                stop_deadline = time.monotonic() + self.args.grace
            if stop_deadline is not None and time.monotonic() > stop_deadline:
                self.log.note(self.name, f"pid {child.pid} ignored SIGTERM for {self.args.grace:g} s: SIGKILL")
                self._signal_group(child.pid, signal.SIGKILL)
            if output_open:
                output_open = self._pump(fd, 0.2)
            else:  # it closed its output but runs on
                time.sleep(0.2)
        # The child is gone; whatever else of its process group lives on (workers) goes too, so that a restart
        # finds the port free. Then the rest of the output.
        self._signal_group(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.args.grace
        while self._pump(fd, 0.2) and time.monotonic() < deadline:
            pass
        self._signal_group(child.pid, signal.SIGKILL)
        child.stdout.close()

    def _pump(self, fd: int, timeout: float) -> bool:
        """Copies what the child wrote within `timeout` to the log; False at the end of its output."""
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return True
        chunk = os.read(fd, 65536)
        if chunk:
            self.log.write(chunk)
        return bool(chunk)

    @staticmethod
    def _signal_group(pgid: int, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signum)


def parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("supervise", help="run a command, restart it when it dies, append its output to a log")
    p.add_argument("--name", default=None, help="name in the log (default: the command)")
    p.add_argument("--log", required=True, help="log file (appended, rotated at --max-bytes)")
    p.add_argument("--child-pid", default=None, help="file to write the current child's pid to")
    p.add_argument("--max-bytes", type=int, default=int(os.environ.get("CRM_LOG_MAX_BYTES", str(10 * 1024 * 1024))))
    p.add_argument("--backups", type=int, default=int(os.environ.get("CRM_LOG_BACKUPS", "5")))
    p.add_argument("--min-backoff", type=float, default=1.0)
    p.add_argument("--max-backoff", type=float, default=30.0)
    p.add_argument("--stable", type=float, default=60.0, help="seconds of running after which back-off resets")
    p.add_argument("--grace", type=float, default=20.0, help="seconds between SIGTERM and SIGKILL on stop")
    p.add_argument("argv", nargs=argparse.REMAINDER, help="-- command and arguments")


def main(args: argparse.Namespace) -> int:
    if args.argv and args.argv[0] == "--":
        args.argv = args.argv[1:]
    if not args.argv:
        print("crm supervise: no command given", file=sys.stderr)
        return 2
    return Supervisor(args).run()
