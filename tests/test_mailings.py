"""Mailings end to end: a real Celery worker sends to a real SMTP server (aiosmtpd); what it received is compared
with the segment's consenting members."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from domain import mail_runs, mailings, tokens
from domain.deps import Deps
from integrations.mail import SmtpTransport
from tests.conftest import Gql, data, error_code
from tests.mail_sink import Sink, smtp_sink, text_of, use_sink
from tests.mail_world import (
    CREATE_MAILING,
    MAILING,
    PAUSE,
    SEND,
    campaign,
    deliveries,
    mailing,
    member,
    segment,
    wait_status,
)
from tests.servers import celery_worker

sink = pytest.fixture(name="sink")(use_sink)


@pytest.fixture
def small_chunks(deps: Deps) -> Iterator[None]:
    previous = deps.settings
    deps.settings = dataclasses.replace(previous, mail_chunk_size=2)
    yield
    deps.settings = previous


@pytest.fixture
def slow_sink(deps: Deps) -> Iterator[Sink]:
    previous = deps.mail
    with smtp_sink(delay=0.02) as s:
        deps.mail = SmtpTransport(s.url)
        yield s
    deps.mail = previous


def html_of(message: object) -> str:
    part = message.get_body(("html",))  # type: ignore[attr-defined]
    return str(part.get_content())


async def test_a_mailing_reaches_exactly_the_consenting_members(
    gql: Gql, admin_token: str, sink: Sink, deps: Deps
) -> None:
    # given a segment of club members: three consent to the newsletter, the others do not (another purpose,
    # revoked, pending, no consent at all), and a non-member who consents
    cpg, seg = await campaign(gql, admin_token), await segment(gql, admin_token)
    for name in ("Ann", "Ben", "Cid"):
        await member(gql, admin_token, name)
    await member(gql, admin_token, "Dan", consent="offers")
    eve = await member(gql, admin_token, "Eve")
    data(
        await gql(
            'mutation($p: ID!) { revokeConsent(personId: $p, channel: EMAIL, purpose: "newsletter") { status } }',
            {"p": eve},
            admin_token,
        )
    )
    await member(gql, admin_token, "Fay", consent=None)
    await member(gql, admin_token, "Gus", tags=["other"])
    created = await mailing(gql, admin_token, cpg, seg)
    assert (created["status"], created["sentCount"], created["lastRunAt"]) == ("DRAFT", 0, None)
    # when it is sent by a worker
    with celery_worker(env={"CRM_SMTP_URL": sink.url}):
        sending = data(await gql(SEND, {"id": created["id"]}, admin_token))["sendMailing"]
        assert sending["status"] == "SENDING"
        done = await wait_status(gql, admin_token, created["id"], "SENT")
    # then exactly the consenting members got one mail each
    assert sink.recipients() == ["ann@club.example", "ben@club.example", "cid@club.example"]
    assert done["sentCount"] == 3
    assert done["lastRunAt"] is not None
    ann = sink.to("ann@club.example")[0]
    assert ann["Subject"] == "Spring sale"
    assert ann["From"] == "news@demo.crm"
    assert ann["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://127\.0\.0\.1:8000/mail/unsubscribe/[\w\-]+\.[\w\-]+>", ann["List-Unsubscribe"])
    # on the wire as one plain line (no encoded words, which mail clients would not read as RFC 8058)
    assert all(b"\r\nList-Unsubscribe: <http://127.0.0.1:8000/mail/unsubscribe/" in raw for raw in sink.raw)
    assert "Hello Ann!" in html_of(ann)
    assert "https://shop.example/sale" not in html_of(ann)  # rewritten to a signed click link
    assert "Unsubscribe: http://127.0.0.1:8000/mail/unsubscribe/" in text_of(ann)
    assert [d["status"] for d in await deliveries(deps, created["id"])] == ["SENT", "SENT", "SENT"]
    stats = await gql(
        "query($id: ID!) { campaign(id: $id) { stats { sent delivered } mailings { id sentCount } } }",
        {"id": cpg},
        admin_token,
    )
    assert data(stats)["campaign"] == {
        "stats": {"sent": 3, "delivered": 3},
        "mailings": [{"id": created["id"], "sentCount": 3}],
    }
    # and a sent one-off is not sent again
    assert error_code(await gql(SEND, {"id": created["id"]}, admin_token)) == "CONFLICT"


async def test_links_are_signed_and_tracked(
    gql: Gql, admin_token: str, sink: Sink, deps: Deps, client: httpx.AsyncClient
) -> None:
    # given a mail sent to Ann (the run's chunk done in-process)
    cpg, seg = await campaign(gql, admin_token), await segment(gql, admin_token)
    ann = await member(gql, admin_token, "Ann")
    created = await mailing(gql, admin_token, cpg, seg)
    run_id = await start_run(deps, created["id"])
    assert await mail_runs.chunk(deps, run_id, None) == "done"
    (mail,) = sink.to("ann@club.example")
    html = html_of(mail)
    click = re.search(r'href="http://127\.0\.0\.1:8000(/t/c/[^"]+)"', html).group(1)  # type: ignore[union-attr]
    pixel = re.search(r'src="http://127\.0\.0\.1:8000(/t/o/[^"]+)"', html).group(1)  # type: ignore[union-attr]
    # when the recipient opens and clicks, the redirect goes where the mailing pointed
    opened = await client.get(pixel)
    assert (opened.status_code, opened.headers["content-type"]) == (200, "image/gif")
    clicked = await client.get(click)
    assert (clicked.status_code, clicked.headers["location"]) == (302, "https://shop.example/sale?x=1&y=2")
    rows = await deps.db.read("MATCH (d:Delivery) RETURN d.openedAt IS NOT NULL AS o, d.clickedAt IS NOT NULL AS c")
    assert rows == [{"o": True, "c": True}]
    # a changed or foreign link is refused, never redirected
    token = click.removeprefix("/t/c/")
    payload = tokens.verify(deps.settings.secret, "click", token)
    evil = tokens.sign("not-our-secret", "click", {**payload, "u": "https://evil.example/"})
    body, _, mac = token.partition(".")
    tampered = tokens.sign(deps.settings.secret, "click", {**payload, "u": "https://evil.example/"}).split(".")[0]
    script = tokens.sign(deps.settings.secret, "click", {**payload, "u": "javascript:alert(1)"})
    for bad in (
        evil,
        f"{tampered}.{mac}",
        f"{body}.{mac[:-2]}",
        script,
        tokens.sign(deps.settings.secret, "open", payload),
    ):
        refused = await client.get(f"/t/c/{bad}", follow_redirects=False)
        assert refused.status_code == 400, bad
        assert "location" not in refused.headers
    assert (await client.get("/t/o/forged.token")).status_code == 400
    # the one-click unsubscribe (RFC 8058) revokes the consent and marks the delivery
    unsubscribe = mail["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")
    one_click = await client.post(
        unsubscribe,
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200
    consents = data(
        await gql("query($p: ID!) { person(id: $p) { consents { purpose status } } }", {"p": ann}, admin_token)
    )
    assert consents["person"]["consents"] == [{"purpose": "newsletter", "status": "REVOKED"}]
    assert (await client.post(unsubscribe)).status_code == 200  # again: idempotent
    unsubscribed = await deps.db.read("MATCH (d:Delivery) RETURN d.unsubscribedAt IS NOT NULL AS u")
    assert unsubscribed == [{"u": True}]
    stats = data(
        await gql(
            "query($id: ID!) { campaign(id: $id) { stats { opened clicked unsubscribed } } }", {"id": cpg}, admin_token
        )
    )
    assert stats["campaign"]["stats"] == {"opened": 1, "clicked": 1, "unsubscribed": 1}


async def start_run(deps: Deps, mailing_id: str, now: datetime | None = None) -> str:
    """Makes the mailing due and lets the scheduler start its run (the run's chunks are then done in the test)."""
    await deps.db.write(
        "MATCH (m:Mailing {id: $id}) SET m.status = 'SCHEDULED', m.nextRunAt = datetime($at)",
        {"id": mailing_id, "at": (now or datetime.now(UTC)).isoformat()},
    )
    (run_id,) = await mailings.start_due(deps, now)
    return run_id


async def finish_run(deps: Deps, run_id: str) -> None:
    """Works through a run's chunks in-process (as the worker's chain of chunk tasks would)."""
    after = None
    while True:
        outcome = await mail_runs.chunk(deps, run_id, after)
        if outcome != "next":
            assert outcome == "done", outcome
            return
        after = (await deps.db.read("MATCH (r:MailRun {id: $id}) RETURN r.cursor AS c", {"id": run_id}))[0]["c"]


async def test_an_unsubscribe_removes_the_person_from_the_next_recurrence(
    gql: Gql, admin_token: str, sink: Sink, deps: Deps, client: httpx.AsyncClient
) -> None:
    # given a weekly mailing to two consenting members, its first run done
    cpg, seg = await campaign(gql, admin_token), await segment(gql, admin_token)
    for name in ("Ann", "Ben"):
        await member(gql, admin_token, name)
    created = await mailing(gql, admin_token, cpg, seg, recurrence="0 9 * * MON", timezone="Europe/Berlin")
    assert created["status"] == "SCHEDULED"
    first_at = datetime.fromisoformat(created["nextRunAt"])
    assert first_at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%a %H:%M") == "Mon 09:00"
    first = await start_run(deps, created["id"], first_at)
    await finish_run(deps, first)
    assert sink.recipients() == ["ann@club.example", "ben@club.example"]
    after_first = data(await gql(MAILING, {"id": created["id"]}, admin_token))["node"]
    assert (after_first["status"], after_first["sentCount"]) == ("SCHEDULED", 2)
    assert datetime.fromisoformat(after_first["nextRunAt"]) == first_at + timedelta(days=7)
    # when Ann unsubscribes through the link of her mail
    link = sink.to("ann@club.example")[0]["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")
    assert (await client.post(link, content=b"List-Unsubscribe=One-Click")).status_code == 200
    # then the next occurrence reaches Ben only
    (second,) = await mailings.start_due(deps, first_at + timedelta(days=7, minutes=1))
    await finish_run(deps, second)
    assert sink.recipients() == ["ann@club.example", "ben@club.example", "ben@club.example"]
    final = data(await gql(MAILING, {"id": created["id"]}, admin_token))["node"]
    assert (final["status"], final["sentCount"]) == ("SCHEDULED", 3)


@pytest.mark.parametrize(
    ("start", "day", "expected"),
    [
        # spring forward, 28 March 2027: 02:30 does not exist in Berlin; the run happens once, at 03:30 CEST
        ("2027-03-27T12:00:00+00:00", "2027-03-28", ["2027-03-28T01:30:00+00:00"]),
        # fall back, 31 October 2027: 02:30 happens twice; the run happens once, at the first (CEST)
        ("2027-10-30T12:00:00+00:00", "2027-10-31", ["2027-10-31T00:30:00+00:00"]),
    ],
)
async def test_daylight_saving_changes_neither_skip_nor_double_a_run(
    gql: Gql, admin_token: str, sink: Sink, deps: Deps, start: str, day: str, expected: list[str]
) -> None:
    # given a daily mailing at 02:30 Berlin time
    cpg, seg = await campaign(gql, admin_token), await segment(gql, admin_token)
    await member(gql, admin_token, "Ann")
    created = await mailing(gql, admin_token, cpg, seg, recurrence="30 2 * * *", sendAt=start)
    # when the scheduler looks every ten minutes for two days (each run done before the next look)
    now = datetime.fromisoformat(start)
    while now < datetime.fromisoformat(start) + timedelta(days=2):
        for run_id in await mailings.start_due(deps, now):
            await finish_run(deps, run_id)
        now += timedelta(minutes=10)
    # then the day of the change has exactly one run, at the expected instant, and Ann one mail per run
    runs = await deps.db.read(
        "MATCH (r:MailRun {mailingId: $id}) RETURN toString(datetime({epochMillis: r.scheduledFor.epochMillis})) AS at "
        "ORDER BY at",
        {"id": created["id"]},
    )
    on_day = [
        r["at"]
        for r in runs
        if datetime.fromisoformat(r["at"].replace("Z", "+00:00"))
        .astimezone(ZoneInfo("Europe/Berlin"))
        .date()
        .isoformat()
        == day
    ]
    assert [datetime.fromisoformat(a.replace("Z", "+00:00")).isoformat() for a in on_day] == expected
    assert len(runs) == 2
    assert sink.recipients() == ["ann@club.example"] * 2


async def test_a_paused_mailing_stops_between_chunks_and_resumes_where_it_stopped(
    gql: Gql, admin_token: str, sink: Sink, deps: Deps, small_chunks: None
) -> None:
    cpg, seg = await campaign(gql, admin_token), await segment(gql, admin_token)
    names = ["Ann", "Ben", "Cid", "Dan", "Eve"]
    for name in names:
        await member(gql, admin_token, name)
    created = await mailing(gql, admin_token, cpg, seg)
    run_id = await start_run(deps, created["id"])
    assert await mail_runs.chunk(deps, run_id, None) == "next"  # two sent
    assert data(await gql(PAUSE, {"id": created["id"]}, admin_token))["pauseMailing"]["status"] == "PAUSED"
    cursor = (await deps.db.read("MATCH (r:MailRun) RETURN r.cursor AS c"))[0]["c"]
    assert await mail_runs.chunk(deps, run_id, cursor) == "paused"
    assert len(sink.messages) == 2
    paused = data(await gql(MAILING, {"id": created["id"]}, admin_token))["node"]
    assert (paused["status"], paused["sentCount"]) == ("PAUSED", 2)
    # sendMailing resumes the same run from its cursor (the chunk task it queues is done here)
    assert data(await gql(SEND, {"id": created["id"]}, admin_token))["sendMailing"]["status"] == "SENDING"
    after = cursor
    while (outcome := await mail_runs.chunk(deps, run_id, after)) == "next":
        after = (await deps.db.read("MATCH (r:MailRun) RETURN r.cursor AS c"))[0]["c"]
    assert outcome == "done"
    assert sink.recipients() == sorted(f"{n.lower()}@club.example" for n in names)
    done = data(await gql(MAILING, {"id": created["id"]}, admin_token))["node"]
    assert (done["status"], done["sentCount"]) == ("SENT", 5)
    assert len(await deps.db.read("MATCH (r:MailRun) RETURN r")) == 1


async def test_bounces_at_send_time_and_from_the_relay(
    gql: Gql, admin_token: str, sink: Sink, deps: Deps, client: httpx.AsyncClient, make_user: Any
) -> None:
    cpg, seg = await campaign(gql, admin_token), await segment(gql, admin_token)
    for name in ("Ann", "Ben", "Cid"):
        await member(gql, admin_token, name)
    sink.refuse.add("ben@club.example")
    created = await mailing(gql, admin_token, cpg, seg)
    await finish_run(deps, await start_run(deps, created["id"]))
    statuses = {d["email"]: d["status"] for d in await deliveries(deps, created["id"])}
    assert statuses == {"ann@club.example": "SENT", "ben@club.example": "BOUNCED", "cid@club.example": "SENT"}
    # the relay reports a later bounce: by the delivery header or by address, with the bounce token or a key
    refused = await client.post("/mail/bounces", json={"email": "cid@club.example"})
    assert refused.status_code == 401
    _, rep = await make_user("SALES_REP")
    assert (
        await client.post(
            "/mail/bounces", json={"email": "cid@club.example"}, headers={"authorization": f"Bearer {rep}"}
        )
    ).status_code == 403
    accepted = await client.post(
        "/mail/bounces",
        json={"bounces": [{"email": "CID@club.example", "reason": "550 mailbox full"}]},
        headers={"authorization": f"Bearer {admin_token}"},
    )
    assert (accepted.status_code, accepted.json()) == (200, {"bounced": 1})
    statuses = {d["email"]: d["status"] for d in await deliveries(deps, created["id"])}
    assert statuses["cid@club.example"] == "BOUNCED"
    done = data(await gql(MAILING, {"id": created["id"]}, admin_token))["node"]
    assert done["sentCount"] == 3
    stats = data(
        await gql(
            "query($id: ID!) { campaign(id: $id) { stats { sent delivered bounced } } }", {"id": cpg}, admin_token
        )
    )
    assert stats["campaign"]["stats"] == {"sent": 3, "delivered": 1, "bounced": 2}


async def test_bad_mailings_are_refused_and_write_nothing(
    gql: Gql, admin_token: str, deps: Deps, make_user: Any
) -> None:
    cpg, seg = await campaign(gql, admin_token), await segment(gql, admin_token)
    base = {
        "campaignId": cpg,
        "segmentId": seg,
        "subject": "S",
        "bodyTemplate": "Hi {{ person.firstName }}",
        "fromAddress": "news@demo.crm",
        "consentPurpose": "newsletter",
    }
    cases = {
        "bodyTemplate": {"bodyTemplate": "Hi {{ person.nickname }}"},
        "bodyTemplate ": {"bodyTemplate": "{% for x in %}"},
        "bodyTemplate  ": {"bodyTemplate": "{{ person.__class__.__mro__ }}"},
        "fromAddress": {"fromAddress": "ceo@demo.crm"},
        "recurrence": {"recurrence": "61 * * * *"},
        "timezone": {"timezone": "Mars/Olympus"},
    }
    for field, change in cases.items():
        result = await gql(CREATE_MAILING, {"i": {**base, **change}}, admin_token)
        assert error_code(result) == "BAD_USER_INPUT", field
        assert result["errors"][0]["extensions"]["field"] == field.strip()
    assert error_code(await gql(CREATE_MAILING, {"i": {**base, "segmentId": "seg_nope"}}, admin_token)) == "NOT_FOUND"
    _, tech = await make_user("TECHNICIAN")
    assert error_code(await gql(CREATE_MAILING, {"i": base}, tech)) == "FORBIDDEN"
    assert await deps.db.read("MATCH (m:Mailing) RETURN m") == []
    ok = data(await gql(CREATE_MAILING, {"i": {**base, "fromAddress": "News@Demo.crm"}}, admin_token))["createMailing"]
    assert ok["status"] == "DRAFT"


async def test_update_reschedules_and_every_change_is_a_mailing_event(
    gql: Gql, admin_token: str, deps: Deps, client: httpx.AsyncClient, sink: Sink
) -> None:
    cpg, seg = await campaign(gql, admin_token), await segment(gql, admin_token)
    await member(gql, admin_token, "Ann")
    created = await mailing(gql, admin_token, cpg, seg)
    update = "mutation($id: ID!, $i: UpdateMailingInput!) { updateMailing(id: $id, input: $i) { status sendAt nextRunAt recurrence } }"
    later = data(await gql(update, {"id": created["id"], "i": {"sendAt": "2030-01-02T09:00:00Z"}}, admin_token))
    assert later["updateMailing"] == {
        "status": "SCHEDULED",
        "sendAt": "2030-01-02T09:00:00+00:00",
        "nextRunAt": "2030-01-02T09:00:00+00:00",
        "recurrence": None,
    }
    weekly = {"recurrence": "0 8 * * MON", "timezone": "Europe/Lisbon"}
    monday = data(await gql(update, {"id": created["id"], "i": weekly}, admin_token))["updateMailing"]
    assert (monday["recurrence"], monday["nextRunAt"]) == ("0 8 * * MON", "2030-01-07T08:00:00+00:00")
    draft = data(await gql(update, {"id": created["id"], "i": {"sendAt": None, "recurrence": None}}, admin_token))
    assert draft["updateMailing"] == {"status": "DRAFT", "sendAt": None, "nextRunAt": None, "recurrence": None}
    run_id = await start_run(deps, created["id"])
    assert error_code(await gql(update, {"id": created["id"], "i": {"subject": "x"}}, admin_token)) == "CONFLICT"
    await finish_run(deps, run_id)
    feed = "{ changes(first: 100, types: [MAILING]) { edges { node { nodeId op fields } } } }"
    events = [e["node"] for e in data(await gql(feed, token=admin_token))["changes"]["edges"]]
    assert [(e["op"], e["fields"]) for e in events] == [
        (
            "CREATED",
            ["bodyTemplate", "campaignId", "consentPurpose", "fromAddress", "segmentId", "subject", "timezone"],
        ),
        ("UPDATED", ["sendAt"]),
        ("UPDATED", ["recurrence", "timezone"]),
        ("UPDATED", ["recurrence", "sendAt"]),
        ("UPDATED", ["lastRunAt", "status"]),
        ("UPDATED", ["status"]),
    ]
    assert {e["nodeId"] for e in events} == {created["id"]}


async def test_the_relay_reports_bounces_with_its_own_token(
    gql: Gql, admin_token: str, deps: Deps, client: httpx.AsyncClient, sink: Sink
) -> None:
    cpg, seg = await campaign(gql, admin_token), await segment(gql, admin_token)
    await member(gql, admin_token, "Ann")
    created = await mailing(gql, admin_token, cpg, seg)
    await finish_run(deps, await start_run(deps, created["id"]))
    key = sink.to("ann@club.example")[0]["X-CRM-Delivery"]
    previous = deps.settings
    deps.settings = dataclasses.replace(previous, bounce_token="relay-secret-0123456789")
    try:
        wrong = await client.post("/mail/bounces", json={"delivery": key}, headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await client.post(
            "/mail/bounces", json={"delivery": key}, headers={"authorization": "Bearer relay-secret-0123456789"}
        )
        assert (right.status_code, right.json()) == (200, {"bounced": 1})
    finally:
        deps.settings = previous
    assert [d["status"] for d in await deliveries(deps, created["id"])] == ["BOUNCED"]


async def test_a_pause_while_a_slice_sends_releases_the_page_claimed_ahead(
    gql: Gql, admin_token: str, slow_sink: Sink, deps: Deps
) -> None:
    # given sixteen members, pages of two over one connection, a chunk that may send for a minute (so it claims each
    # next page while the current one goes out)
    cpg, seg = await campaign(gql, admin_token), await segment(gql, admin_token)
    names = ["Ann", "Ben", "Cid", "Dan", "Eve", "Fay", "Gus", "Hal", "Ida", "Jon", "Kim", "Lea", "Max", "Ned", "Ole"]
    names += ["Pia"]
    for name in names:
        await member(gql, admin_token, name)
    created = await mailing(gql, admin_token, cpg, seg)
    previous = deps.settings
    deps.settings = dataclasses.replace(previous, mail_chunk_size=2, mail_lanes=1)
    try:
        run_id = await start_run(deps, created["id"])
        sending = asyncio.create_task(mail_runs.chunk(deps, run_id, None, seconds=60))
        while len(slow_sink.messages) < 3:
            await asyncio.sleep(0.01)
        # when the mailing is paused meanwhile
        assert data(await gql(PAUSE, {"id": created["id"]}, admin_token))["pauseMailing"]["status"] == "PAUSED"
        assert await sending == "paused"
        # then the page claimed ahead was released (no delivery left SENDING), what was sent is SENT, and the
        # cursor stands after the last page sent
        sent = len(slow_sink.messages)
        assert sent < len(names) and sent % 2 == 0
        states = [d["status"] for d in await deliveries(deps, created["id"])]
        assert states == ["SENT"] * sent
        cursor = (await deps.db.read("MATCH (r:MailRun) RETURN r.cursor AS c, r.status AS s"))[0]
        ids = await deps.db.read("MATCH (p:Person) RETURN p.id AS id ORDER BY id")
        assert cursor == {"c": ids[sent - 1]["id"], "s": "PAUSED"}
        # and resuming sends everyone else, each once
        assert data(await gql(SEND, {"id": created["id"]}, admin_token))["sendMailing"]["status"] == "SENDING"
        assert await mail_runs.chunk(deps, run_id, cursor["c"], seconds=60) == "done"
    finally:
        deps.settings = previous
    assert slow_sink.recipients() == sorted(f"{n.lower()}@club.example" for n in names)
    done = data(await gql(MAILING, {"id": created["id"]}, admin_token))["node"]
    assert (done["status"], done["sentCount"]) == ("SENT", len(names))
