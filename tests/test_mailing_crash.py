"""A worker killed with SIGKILL in the middle of a mailing: another worker finishes the run, nobody gets the mail
twice and nobody is left out (but for the one message per SMTP connection that was in flight, README "Mailings")."""

from __future__ import annotations

import time
from collections import Counter

from domain.deps import Deps
from tests.conftest import Gql, data
from tests.mail_sink import smtp_sink
from tests.mail_world import SEND, campaign, deliveries, mailing, wait_status
from tests.servers import celery_worker

MEMBERS = 120
UPSERT = "mutation($rows: [PersonUpsertInput!]!) { upsertPersons(input: $rows) { createdCount } }"


async def test_a_worker_killed_mid_send_leaves_no_duplicate_and_no_gap(gql: Gql, admin_token: str, deps: Deps) -> None:
    # given 120 members of a segment (everyone in Clubtown) who consent to the newsletter
    rows = [
        {
            "externalId": {"system": "shop", "value": f"c{i:03}"},
            "lastName": f"Member{i:03}",
            "email": f"m{i:03}@club.example",
            "city": "Clubtown",
        }
        for i in range(MEMBERS)
    ]
    data(await gql(UPSERT, {"rows": rows}, admin_token))
    await deps.db.write(
        "MATCH (p:Person {city: 'Clubtown'}) "
        "CREATE (p)-[:HAS_CONSENT]->(:Consent {key: p.id + '|EMAIL|newsletter', personId: p.id, channel: 'EMAIL', "
        "purpose: 'newsletter', status: 'GRANTED', source: 'test', grantedAt: datetime()})"
    )
    rule = {"condition": {"field": "CITY", "op": "EQ", "value": "Clubtown"}}
    seg = data(
        await gql(
            'mutation($r: SegmentRule!) { createSegment(name: "Town", rule: $r) { id } }', {"r": rule}, admin_token
        )
    )["createSegment"]["id"]
    created = await mailing(gql, admin_token, await campaign(gql, admin_token), seg)
    with smtp_sink(delay=0.03) as sink:
        env = {
            "CRM_SMTP_URL": sink.url,
            "CRM_MAIL_CHUNK": "10",
            "CRM_MAIL_LANES": "2",
            "CRM_TASK_VISIBILITY_TIMEOUT": "5",
            "CRM_MAIL_LEASE_SECONDS": "2",
        }
        # when the worker sending it is killed (SIGKILL) after about a quarter of the mails
        with celery_worker(env=env) as first:
            data(await gql(SEND, {"id": created["id"]}, admin_token))
            deadline = time.monotonic() + 60
            while len(sink.messages) < 30 and time.monotonic() < deadline:
                time.sleep(0.05)
            first.kill()
            first.wait(10)
        killed_at = len(sink.messages)
        assert 30 <= killed_at < MEMBERS
        # and another worker takes over the unacknowledged chunk
        with celery_worker(env=env):
            done = await wait_status(gql, admin_token, created["id"], "SENT", timeout=120)
        # then nobody got the mail twice
        counts = Counter(str(m["To"]) for m in sink.messages)
        assert [a for a, n in counts.items() if n > 1] == []
        # and everyone got it, but for at most one message per connection that was in flight at the kill
        states = {d["email"]: d["status"] for d in await deliveries(deps, created["id"])}
        in_flight = {email for email, status in states.items() if status == "SENDING"}
        assert len(in_flight) <= 2
        everyone = {f"m{i:03}@club.example" for i in range(MEMBERS)}
        assert set(counts) | in_flight == everyone
        assert set(counts) - in_flight == {e for e, s in states.items() if s == "SENT"}
        assert done["sentCount"] == MEMBERS - len(in_flight)
