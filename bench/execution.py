"""GraphQL execution overhead per resolved field, with the database taken out of the picture.

    NEO4J_URI=bolt://127.0.0.1:7699 REDIS_URL=redis://127.0.0.1:6392/0 .venv/bin/python bench/execution.py

Each bench read (bench/run.py's queries on the bench data set) is executed in process through the
served schema. The first execution records every Cypher answer; the measured ones replay them from
memory, so what is timed is parsing (cached), validation (cached), the resolvers and graphql-core's
completion of every field: CPU time per request (process_time, robust against other load on the
machine) and per resolved field, for the lean executor the app uses and for graphql-core's stock one.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import peer as bench_peer  # noqa: E402
from bench.inprocess import Replay, execute, principal_of  # noqa: E402
from bench.run import (  # noqa: E402
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    BUYING_CENTER_GQL,
    COMPANIES_GQL,
    PERSON_GQL,
    TIMELINE_GQL,
    bench_ids,
    ensure_admin,
)
from config.settings import get_settings  # noqa: E402
from domain.deps import Deps  # noqa: E402
from schema.root import build_schema  # noqa: E402


def count_fields(value: Any) -> int:
    """Resolved fields in a response: every key of every object."""
    if isinstance(value, dict):
        return sum(1 + count_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_fields(v) for v in value)
    return 0


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", "-n", type=int, default=300)
    args = parser.parse_args()
    settings = get_settings()
    deps = Deps.connect(settings)
    replay = Replay(deps.db)
    deps.db = replay
    await ensure_admin(deps)
    principal = await principal_of(deps, ADMIN_EMAIL, ADMIN_PASSWORD)
    ids = await bench_ids(deps)
    cases = [
        ("companies(first: 50) + units + owner", COMPANIES_GQL, None),
        ("person(id) + company + unit", PERSON_GQL, {"id": ids.person}),
        ("buyingCenter (30 members), full", BUYING_CENTER_GQL, {"id": ids.opportunity}),
        ("buyingCenter, person/roles/attitude", bench_peer.OURS_BUYING_CENTER_SMALL, {"id": ids.opportunity}),
        ("20 companies > subsidiaries > units > members", bench_peer.OURS_DEEP, None),
        ("Company.timeline page 1", TIMELINE_GQL, {"id": ids.group, "after": None}),
    ]
    schemas = {"lean": build_schema(), "stock": build_schema(lean=False)}
    answers: dict[str, dict[str, Any]] = {}
    cost: dict[str, float] = {}
    print(f"{'read':52} {'fields':>7} {'executor':>8} {'µs/request':>11} {'µs/field':>9} {'lean/stock':>10}")
    for (name, query, variables), (label, schema) in itertools.product(cases, schemas.items()):

        async def run(schema: Any = schema, query: str = query, variables: Any = variables) -> dict[str, Any]:
            return await execute(deps, principal, schema, query, variables)

        replay.replaying = False
        data = await run()
        replay.replaying = True
        for _ in range(20):
            await run()
        started = time.process_time()
        for _ in range(args.iterations):
            await run()
        per_request = (time.process_time() - started) / args.iterations * 1e6
        fields = count_fields(data)
        answers[label] = data
        cost[label] = per_request
        ratio = f"{cost['lean'] / per_request:10.2f}" if label == "stock" else ""
        print(f"{name:52} {fields:7d} {label:>8} {per_request:11.0f} {per_request / max(fields, 1):9.2f} {ratio}")
        if label == "stock" and answers["lean"] != data:
            raise SystemExit(f"{name}: the lean executor's answer differs from the stock one")
    await deps.close()


if __name__ == "__main__":
    asyncio.run(main())
