"""The `crm` command: serve, worker, beat, migrate, user add, seed, supervise, import contacts."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from config.settings import get_settings
from crm import import_cli, supervise
from domain.deps import Deps

T = TypeVar("T")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "crm.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        # Workers share the listening socket evenly (crm/serve.py); one process keeps uvicorn's own loop.
        loop="crm.serve:balanced_loop" if args.workers > 1 else "auto",
        log_config=None,
        ws="websockets-sansio",
        # The app reads X-Forwarded-For itself, and only from CRM_TRUSTED_PROXIES (uvicorn would trust any local peer).
        proxy_headers=False,
        ws_max_size=get_settings().max_body_bytes,  # a WebSocket message has the same limit as a request body
    )
    return 0


def _celery(argv: list[str]) -> int:
    from workers.app import app

    app.start(argv)
    return 0


async def _with_deps(work: Callable[[Deps], Awaitable[T]]) -> T:
    deps = Deps.connect(get_settings())
    try:
        return await work(deps)
    finally:
        await deps.close()


def _webhooks(shard: str | None) -> int:
    """The dispatcher: `CRM_WEBHOOK_DISPATCHERS` processes (default: the number of cores), each following the stream
    for its own share of the webhooks (crm/webhook_dispatch.py `shard_of`). With more than one, they are children of
    this process (`crm webhooks --shard I/N`), stopped with it; when one of them ends, all end (the supervisor
    restarts the lot)."""
    import logging

    from crm import logs, webhook_dispatch

    count = max(1, int(os.environ.get("CRM_WEBHOOK_DISPATCHERS") or os.cpu_count() or 1))
    if shard is None and count > 1:
        return _children(
            [[sys.executable, "-m", "crm.cli", "webhooks", "--shard", f"{i}/{count}"] for i in range(count)]
        )
    index, count = (int(part) for part in shard.split("/")) if shard else (0, 1)
    if not 0 <= index < count:
        raise SystemExit(f"--shard {shard}: I/N with 0 <= I < N")
    logs.setup(os.environ.get("CRM_LOG_LEVEL", "INFO"))
    logging.getLogger("crm.webhooks").info("webhook dispatcher %s/%s started", index, count)
    import uvloop

    uvloop.run(webhook_dispatch.main(shard=(index, count)))
    return 0


def _children(commands: list[list[str]]) -> int:
    """Runs the commands as child processes until one ends, then stops them all; stopped with this process."""
    import signal
    import subprocess
    import time

    children = [subprocess.Popen(command) for command in commands]

    def stop(signum: int, frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while all(child.poll() is None for child in children):
        time.sleep(0.5)
    stop(signal.SIGTERM, None)
    for child in children:
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
    return max((child.returncode or 0) for child in children)


def _webhook_workers() -> int:
    """`CRM_WEBHOOK_PROCESSES` (default: the number of cores) Celery workers on the `webhooks` queue, each a thread
    pool of `CRM_WEBHOOK_CONCURRENCY` (64) whose sends share one event loop (workers/webhooks.py). With more than
    one, they are children of this process, stopped with it; when one of them ends, all end (the supervisor
    restarts the lot)."""
    processes = max(1, int(os.environ.get("CRM_WEBHOOK_PROCESSES") or os.cpu_count() or 1))
    concurrency = os.environ.get("CRM_WEBHOOK_CONCURRENCY", "64")

    def argv(index: int) -> list[str]:
        pool = ["--pool=threads", f"--concurrency={concurrency}"]
        return ["worker", "--loglevel=INFO", *pool, "-Q", "webhooks", "-n", f"webhooks{index}@%h"]

    if processes == 1:
        return _celery(argv(0))
    celery = [sys.executable, "-m", "celery", "-A", "workers.app"]
    return _children([[*celery, *argv(index)] for index in range(processes)])


def _migrate(args: argparse.Namespace) -> int:
    from graph.migrations import migrate

    count = asyncio.run(_with_deps(lambda deps: migrate(deps.db)))
    print(f"migrations applied: {count} statements")
    return 0


def _user_add(args: argparse.Namespace) -> int:
    from domain.errors import CrmError
    from domain.seed import add_user

    password = sys.stdin.readline().strip() if not sys.stdin.isatty() else getpass.getpass("password: ")
    try:
        user = asyncio.run(_with_deps(lambda deps: add_user(deps, args.email, args.name, args.role, password)))
    except (CrmError, ValueError) as exc:
        print(f"crm user add: {exc}", file=sys.stderr)
        return 2
    print(f"user {user['email']} ({user['role']}) id {user['id']}")
    return 0


def _seed(args: argparse.Namespace) -> int:
    from domain.seed import seed_demo

    print(asyncio.run(_with_deps(seed_demo)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crm", description="Graph CRM")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API")
    serve.add_argument("--host", default=os.environ.get("CRM_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("CRM_PORT", "8000")))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("CRM_WORKERS", "1")))
    sub.add_parser("worker", help="run a Celery worker")
    sub.add_parser("beat", help="run Celery beat")
    hooks = sub.add_parser("webhooks", help="run the webhook dispatchers (CRM_WEBHOOK_DISPATCHERS processes)")
    hooks.add_argument("--shard", help="I/N: run only dispatcher I of N (what `crm webhooks` starts N of)")
    sub.add_parser("webhook-worker", help="run a Celery worker for webhook deliveries (a thread pool)")
    sub.add_parser("migrate", help="apply constraints and indexes")
    user = sub.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="add a user (password from stdin or prompt)")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True)
    supervise.parser(sub)
    import_cli.parser(sub)
    seed = sub.add_parser("seed", help="load data")
    seed.add_argument("--demo", action="store_true", required=True)
    args = parser.parse_args(argv)

    if args.command == "serve":
        return _serve(args)
    if args.command == "worker":
        return _celery(["worker", "--loglevel=INFO", "--concurrency=2", "-Q", "crm", "-n", "crm@%h"])
    if args.command == "webhooks":
        return _webhooks(args.shard)
    if args.command == "webhook-worker":
        return _webhook_workers()
    if args.command == "beat":
        return _celery(["beat", "--loglevel=INFO", "--schedule", os.path.join(".data", "celerybeat-schedule")])
    if args.command == "migrate":
        return _migrate(args)
    if args.command == "user":
        return _user_add(args)
    if args.command == "supervise":
        return supervise.main(args)
    if args.command == "import":
        return import_cli.run(args)
    return _seed(args)


if __name__ == "__main__":
    sys.exit(main())
