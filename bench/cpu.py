"""CPU time of the processes in a bench run, from /proc (Linux): who spends the machine's cores.

On a 2-core machine the API, Neo4j and the bench client share the same two cores, so a throughput
figure means little without knowing which of them used up the CPU. `Meter` reads utime + stime of
process trees before and after a window and reports CPU milliseconds per request for each.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def _stat(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields after "pid (comm) "


def cpu_seconds(pid: int) -> float:
    """User + system CPU of `pid` (0 when it is gone)."""
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / TICK


def tree(pid: int) -> list[int]:
    """`pid` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def listening_pid(port: int) -> int | None:
    """The process with a TCP socket listening on `port` (e.g. Neo4j's Bolt port), when this user can see it."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{parts[9]}]")
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    return int(entry.name)
        except OSError:
            continue
    return None


@dataclass
class Meter:
    """CPU seconds of named process trees over a window: `start()`, work, `stop()`."""

    roots: dict[str, tuple[int, bool]]  # name -> (pid, with its descendants)
    spent: dict[str, float] = field(default_factory=dict)
    _begin: dict[str, dict[int, float]] = field(default_factory=dict)

    def _read(self) -> dict[str, dict[int, float]]:
        return {
            name: {p: cpu_seconds(p) for p in (tree(pid) if children else [pid])}
            for name, (pid, children) in self.roots.items()
        }

    def start(self) -> None:
        self._begin = self._read()

    def stop(self) -> dict[str, float]:
        end = self._read()
        for name, pids in end.items():
            before = self._begin.get(name, {})
            self.spent[name] = sum(t - before.get(p, 0.0) for p, t in pids.items())
        return self.spent

    def per_request_ms(self, requests: int) -> dict[str, float]:
        return {name: 1000 * seconds / max(1, requests) for name, seconds in self.spent.items()}
