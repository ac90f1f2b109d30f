"""A worker killed with SIGKILL in the middle of a mailing: another worker finishes the run, nobody gets the mail
twice and nobody is left out (but for the one message per SMTP connection that was in flight, README "Mailings")."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter

from domain import mail_runs, mailings
from domain.deps import Deps
from domain.segments import member_ids_page
from graph import mailings as q
from integrations.mail import SmtpTransport
from tests.conftest import Gql, data
from tests.mail_sink import smtp_sink
from tests.mail_world import MAILING, SEND, campaign, deliveries, mailing, member, segment, wait_status
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


async def test_a_dead_workers_claim_is_settled_by_its_journal(gql: Gql, admin_token: str, deps: Deps) -> None:
    # given a page of six consenting members claimed by a worker with two lanes (SMTP connections) that then died:
    # lane 0 had sent its first message and was sending its second, lane 1 had its first refused (550) and its
    # second refused for now (4xx: not taken)
    cpg, seg = await campaign(gql, admin_token), await segment(gql, admin_token)
    names = ["Ann", "Ben", "Cid", "Dan", "Eve", "Fay"]
    for name in names:
        await member(gql, admin_token, name)
    created = await mailing(gql, admin_token, cpg, seg)
    previous, transport = deps.settings, deps.mail
    deps.settings = dataclasses.replace(previous, mail_lanes=2, mail_chunk_size=10, mail_lease_seconds=1.5)
    try:
        await deps.db.write(
            "MATCH (m:Mailing {id: $id}) SET m.status = 'SCHEDULED', m.nextRunAt = datetime()", {"id": created["id"]}
        )
        (run_id,) = await mailings.start_due(deps)
        run = await deps.db.read_one(q.RUN, {"runId": run_id, "idleMs": 1000})
        assert run is not None
        journal = mail_runs.journal_of(deps)
        journal.begin("dead")
        params = {"purpose": "newsletter", "runId": run_id, "mailingId": created["id"], "campaignId": cpg}
        ids = await member_ids_page(deps, seg, None, 10)
        rows = mail_runs.claimed(await deps.db.write(q.CLAIM, {**params, "ids": ids, "claim": "dead", "lanes": 2}))
        email = {(r["lane"], r["seq"]): r["person"]["email"] for r in rows}
        assert sorted(email) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
        assert journal.move("dead", 0, 2 * 1 + 1)  # lane 0: message 0 done, message 1 in flight
        assert journal.move("dead", 1, 2 * 0 + 1, **{"b1.0": "550 no such user"})  # lane 1: message 0 bounced
        assert journal.move("dead", 1, 2 * 1)  # lane 1: message 1 refused for now, not taken
        journal.close()
        with smtp_sink() as sink:
            deps.mail = SmtpTransport(sink.url)
            # while the claim's lease runs the page is its worker's: a chunk leaves it alone
            assert await mail_runs.chunk(deps, run_id, None) == "stale"
            assert sink.messages == []
            # when the page is taken again after the lease expired
            await asyncio.sleep(1.6)
            assert await mail_runs.chunk(deps, run_id, None) == "done"
        # then what went out is not sent again, what did not go out is sent now, the message in flight stays
        # SENDING (not sent again: it may have been taken), the bounce is kept
        assert sink.recipients() == sorted([email[(0, 2)], email[(1, 1)], email[(1, 2)]])
        states = {d["email"]: d["status"] for d in await deliveries(deps, created["id"])}
        assert states == {
            email[(0, 0)]: "SENT",
            email[(0, 1)]: "SENDING",
            email[(0, 2)]: "SENT",
            email[(1, 0)]: "BOUNCED",
            email[(1, 1)]: "SENT",
            email[(1, 2)]: "SENT",
        }
        reason = await deps.db.read_one("MATCH (d:Delivery {status: 'BOUNCED'}) RETURN d.bounceReason AS r")
        assert reason == {"r": "550 no such user"}
        done = data(await gql(MAILING, {"id": created["id"]}, admin_token))["node"]
        assert (done["status"], done["sentCount"]) == ("SENT", 5)
    finally:
        deps.settings, deps.mail = previous, transport
