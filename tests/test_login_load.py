"""Password hashing runs off the event loop: a burst of logins does not stall other requests."""

from __future__ import annotations

import asyncio
import time

from domain.deps import Deps
from domain.seed import add_user
from tests.conftest import PASSWORD, Gql, data

LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
CLONE_USERS = """
MATCH (u:User {email: 'user0@crm.test'})
UNWIND range(1, 9) AS i
CREATE (:User:Entity {id: 'usr_clone' + i, email: 'user' + i + '@crm.test', name: 'User ' + i, role: 'SALES_REP',
  active: true, passwordHash: u.passwordHash, createdAt: datetime()})
"""


async def test_fifty_parallel_logins_do_not_stall_other_requests(gql: Gql, deps: Deps, admin_token: str) -> None:
    # given ten users with the same password, and a client whose principal is cached
    await add_user(deps, "user0@crm.test", "User 0", "SALES_REP", PASSWORD)
    await deps.db.write(CLONE_USERS)
    data(await gql("{ me { id } }", token=admin_token))
    # when 50 logins arrive at once and the client keeps asking `me` while they run
    logins = asyncio.gather(*(gql(LOGIN, {"e": f"user{i % 10}@crm.test", "p": PASSWORD}) for i in range(50)))
    latencies: list[float] = []
    while not logins.done():
        started = time.perf_counter()
        data(await gql("{ me { id } }", token=admin_token))
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.05)
    # then every `me` answers well within a second, and all logins succeed
    assert len(latencies) >= 2 and max(latencies) < 1.0, latencies
    assert all(data(r)["login"]["token"] for r in logins.result())
