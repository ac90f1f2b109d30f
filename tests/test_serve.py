"""`crm serve` with several workers shares keep-alive connections between them (crm/serve.py)."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from pathlib import Path

import httpx

from tests.servers import api_process


def _connections_by_process(port: int) -> Counter[int]:
    """Established TCP connections to `port` on this machine, by the process that holds them (from /proc)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 01: ESTABLISHED
            inodes.add(f"socket:[{fields[9]}]")
    owners: Counter[int] = Counter()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            owners[int(entry.name)] += sum(os.readlink(fd) in inodes for fd in (entry / "fd").iterdir())
        except OSError:
            continue  # gone, or not ours to read
    return +owners


async def _both_workers_accepting(base: str, port: int) -> None:
    """Waits until connections have reached two processes: the second worker may still be starting up."""
    deadline = asyncio.get_running_loop().time() + 60
    while asyncio.get_running_loop().time() < deadline:
        async with httpx.AsyncClient(base_url=base) as one, httpx.AsyncClient(base_url=base) as two:
            await asyncio.gather(one.get("/healthz"), two.get("/healthz"))
            if len(_connections_by_process(port)) == 2:
                return
        await asyncio.sleep(0.2)
    raise AssertionError("the second worker never accepted a connection")


async def test_two_workers_share_keep_alive_connections_opened_together() -> None:
    # given `crm serve` with two worker processes, both started
    with api_process(env={"CRM_WORKERS": "2"}, cli=True) as base:
        port = int(base.rsplit(":", 1)[1])
        await _both_workers_accepting(base, port)
        await asyncio.sleep(0.2)  # the warm-up connections leave the workers' counts
        for _ in range(2):
            # when eight clients open their connections at once and keep them open
            clients = [httpx.AsyncClient(base_url=base) for _ in range(8)]
            try:
                answers = await asyncio.gather(*(client.get("/healthz") for client in clients))
                owners = _connections_by_process(port)
            finally:
                await asyncio.gather(*(client.aclose() for client in clients))
            # then both workers serve some of them (uvicorn's own accept left all eight on one in half the runs)
            assert [a.status_code for a in answers] == [200] * 8
            assert sum(owners.values()) == 8 and len(owners) == 2, owners
            assert min(owners.values()) >= 2, owners
            await asyncio.sleep(0.2)  # the closed connections leave the workers' counts
