"""The `crm` command: serve, worker, beat, migrate, user add, seed."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from config.settings import get_settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "crm.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        ws="websockets-sansio",
    )
    return 0


def _celery(argv: list[str]) -> int:
    from workers.app import app

    app.start(argv)
    return 0


async def _with_deps(work: object) -> object:
    from domain.deps import Deps

    deps = Deps.connect(get_settings())
    try:
        return await work(deps)  # type: ignore[operator]
    finally:
        await deps.close()


def _migrate(args: argparse.Namespace) -> int:
    from graph.migrations import migrate

    async def run(deps: object) -> int:
        return await migrate(deps.db)  # type: ignore[attr-defined]

    count = asyncio.run(_with_deps(run))
    print(f"migrations applied: {count} statements")
    return 0


def _user_add(args: argparse.Namespace) -> int:
    from domain.seed import add_user

    password = sys.stdin.readline().strip() if not sys.stdin.isatty() else getpass.getpass("password: ")

    async def run(deps: object) -> object:
        return await add_user(deps, args.email, args.name, args.role, password)  # type: ignore[arg-type]

    user = asyncio.run(_with_deps(run))
    print(f"user {user['email']} ({user['role']}) id {user['id']}")  # type: ignore[index]
    return 0


def _seed(args: argparse.Namespace) -> int:
    from domain.seed import seed_demo

    async def run(deps: object) -> object:
        return await seed_demo(deps)  # type: ignore[arg-type]

    summary = asyncio.run(_with_deps(run))
    print(summary)
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
    sub.add_parser("migrate", help="apply constraints and indexes")
    user = sub.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="add a user (password from stdin or prompt)")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True)
    seed = sub.add_parser("seed", help="load data")
    seed.add_argument("--demo", action="store_true", required=True)
    args = parser.parse_args(argv)

    if args.command == "serve":
        return _serve(args)
    if args.command == "worker":
        return _celery(["worker", "--loglevel=INFO", "--concurrency=2", "-Q", "crm", "-n", "crm@%h"])
    if args.command == "beat":
        return _celery(["beat", "--loglevel=INFO", "--schedule", os.path.join(".data", "celerybeat-schedule")])
    if args.command == "migrate":
        return _migrate(args)
    if args.command == "user":
        return _user_add(args)
    return _seed(args)


if __name__ == "__main__":
    sys.exit(main())
