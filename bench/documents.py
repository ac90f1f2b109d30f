"""[field] Documents benchmark: upload throughput of a 25 MB file over real HTTP (one uvicorn process, local disk
storage) against writing the same bytes to disk directly, the API process's peak memory while uploading, and
the transcription time of a 30 s voice note (espeak-ng) by the offline engine.

    NEO4J_URI=bolt://127.0.0.1:7699 REDIS_URL=redis://127.0.0.1:6392/0 .venv/bin/python bench/documents.py

Use services of your own (it adds a bench admin and documents, and deletes the documents again).
The table goes to bench/results/documents.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.run import (  # noqa: E402
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    RESULTS,
    ensure_admin,
    free_port,
    start_server,
    stop_server,
    wait_ready,
)
from config.settings import get_settings  # noqa: E402
from domain.deps import Deps  # noqa: E402
from graph.migrations import migrate  # noqa: E402
from integrations.speech import PocketSphinx  # noqa: E402

MB = 1024 * 1024
CHUNK = 256 * 1024
BOUNDARY = "crm-bench-boundary-7f3a"
# About 30 seconds when spoken by espeak-ng at 140 words a minute.
NOTE = (
    "visit report for the cold storage project. the compressor was replaced this morning and the new unit runs. "
    "please call the customer back on monday about the second cooling room. the service report is signed. "
    "we need two more sensors and a new door seal. the customer wants an offer for the maintenance contract. "
    "next visit in two weeks. the photos of the roof are uploaded. the site manager asked for a short training "
    "of the staff on friday. the invoice goes to the head office in hamburg."
)


def payload(size: int) -> bytes:
    return b"%PDF-1.7\n" + os.urandom(size - 9)


async def multipart(data: bytes) -> AsyncIterator[bytes]:
    """The form streamed in chunks, as a phone would send it."""
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="plan.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    for i in range(0, len(data), CHUNK):
        yield data[i : i + CHUNK]
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def direct_write(data: bytes, directory: Path) -> float:
    """Seconds to write the bytes to a file in chunks and fsync it (what the disk adapter does, without HTTP)."""
    path = directory / f"direct-{time.monotonic_ns()}"
    started = time.perf_counter()
    with path.open("wb") as out:
        for i in range(0, len(data), CHUNK):
            out.write(data[i : i + CHUNK])
        out.flush()
        os.fsync(out.fileno())
    elapsed = time.perf_counter() - started
    path.unlink()
    return elapsed


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def upload_case(
    base: str, token: str, data: bytes, runs: int, directory: Path
) -> tuple[list[float], list[float]]:
    uploads, direct = [], []
    headers = {"Authorization": f"Bearer {token}", "content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    async with httpx.AsyncClient(base_url=base, timeout=300) as http:
        for _ in range(runs):
            started = time.perf_counter()
            response = await http.post("/documents", content=multipart(data), headers=headers)
            uploads.append(time.perf_counter() - started)
            if response.status_code != 201:
                raise RuntimeError(f"upload answered {response.status_code}: {response.text}")
            doc_id = response.json()["id"]
            await http.post(
                "/graphql",
                json={"query": "mutation($d: ID!) { deleteDocument(id: $d) }", "variables": {"d": doc_id}},
                headers={"Authorization": f"Bearer {token}"},
            )
            direct.append(direct_write(data, directory))
    return uploads, direct


def transcription_case(runs: int) -> tuple[float, list[float], list[float], float]:
    """The note's length in seconds, the engine's times, and the share of the spoken words it recognised."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "note.wav"
        subprocess.run(["espeak-ng", "-v", "en-us+f2", "-s", "140", "-w", str(wav), NOTE], check=True)
        with wave.open(str(wav)) as w:
            seconds = w.getnframes() / w.getframerate()
        engine = PocketSphinx(get_settings().speech_model_dir)
        times, cpu, text = [], [], ""
        for _ in range(runs):
            started, used = time.perf_counter(), _cpu_seconds()
            text = engine.transcribe(str(wav))
            times.append(time.perf_counter() - started)
            cpu.append(_cpu_seconds() - used)
    spoken = [w.strip(".,") for w in NOTE.split()]
    heard = set(text.split())
    return seconds, times, cpu, sum(1 for w in spoken if w in heard) / len(spoken)


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    deps = Deps.connect(settings)
    try:
        await migrate(deps.db)
        await ensure_admin(deps)
    finally:
        await deps.close()
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOT / ".data") as store:
        os.environ["CRM_DOCUMENT_DIR"] = store
        port = args.port or free_port()
        proc = start_server(port, RESULTS / "uvicorn-documents.log")
        try:
            base = f"http://127.0.0.1:{port}"
            await wait_ready(base, proc)
            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                login = await http.post(
                    "/graphql",
                    json={
                        "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                        "variables": {"e": ADMIN_EMAIL, "p": ADMIN_PASSWORD},
                    },
                )
                token = login.json()["data"]["login"]["token"]
            rss_before = peak_rss_mb(proc.pid)
            data = payload(args.size_mb * MB)
            uploads, direct = await upload_case(base, token, data, args.runs, Path(store))
            rss_after = peak_rss_mb(proc.pid)
        finally:
            stop_server(proc)
    seconds, times, cpu, recognised = transcription_case(args.transcriptions)
    up, raw = statistics.median(uploads), statistics.median(direct)
    lines = [
        f"Documents bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({os.cpu_count()} CPUs, shared)",
        "",
        "| case | median | runs | notes |",
        "|---|---|---|---|",
        f"| upload {args.size_mb} MiB over HTTP (multipart, streamed to disk, SHA-256, fsync) | {up * 1000:.0f} ms "
        f"({args.size_mb / up:.0f} MiB/s) | {args.runs} | direct write of the same bytes {raw * 1000:.0f} ms "
        f"({args.size_mb / raw:.0f} MiB/s); ratio {up / raw:.1f}x |",
        f"| API peak RSS during uploads | {rss_after:.0f} MiB | | before {rss_before:.0f} MiB: "
        f"+{rss_after - rss_before:.0f} MiB for a {args.size_mb} MiB file (never held whole) |",
        f"| transcribe a {seconds:.0f} s note (ffmpeg + PocketSphinx, en-us) | {statistics.median(times):.1f} s wall | "
        f"{len(times)} | {statistics.median(cpu):.1f} s CPU (real-time factor {statistics.median(cpu) / seconds:.2f} "
        f"of one core; wall on this shared machine {statistics.median(times) / seconds:.2f}); "
        f"{recognised:.0%} of the spoken words recognised |",
    ]
    table = "\n".join(lines)
    print(table)
    (RESULTS / "documents.md").write_text(table + "\n")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Graph CRM documents benchmark")
    parser.add_argument("--size-mb", type=int, default=25)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--transcriptions", type=int, default=2)
    parser.add_argument("--port", type=int, default=0)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
