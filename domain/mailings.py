"""Mailings: a template sent to a segment's members who gave e-mail consent for its purpose, once (now or at
`sendAt`) or on a cron schedule in the mailing's time zone. Runs and their chunks: domain/mail_runs.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from neo4j.exceptions import ConstraintError

from domain import schedule, templates, validate
from domain.auth import MARKETERS, Principal
from domain.consent import purpose_of
from domain.deps import Deps
from domain.errors import BadInput, Conflict, NotFound, Unavailable
from domain.events import emit
from domain.ids import new_id
from domain.normalize import normalize_email
from graph import mailings as q
from graph.db import Row, Tx

MAILERS = MARKETERS  # who prepares and sends mailings: those who run campaigns
CHUNK_TASK = "crm.mailings.chunk"
DEFAULT_TZ = "Europe/Berlin"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _sender(deps: Deps, value: Any) -> str:
    address = normalize_email(validate.email(value, "fromAddress"))
    if not address or address not in deps.settings.mail_senders:
        allowed = ", ".join(deps.settings.mail_senders) or "none configured"
        raise BadInput(f"fromAddress must be one of the configured senders ({allowed})", field="fromAddress")
    return address


def next_run(recurrence: str | None, tz: str, send_at: datetime | None, now: datetime) -> datetime | None:
    """The first run: sendAt for a one-off; for a recurring mailing the first occurrence after sendAt (or now)."""
    if recurrence is None:
        return send_at
    return schedule.next_after(recurrence, tz, max(send_at, now) if send_at else now)


def _fields(deps: Deps, data: dict[str, Any], current: Row | None) -> dict[str, Any]:
    """The validated properties of a create (current None) or an update (only what `data` names)."""
    out: dict[str, Any] = {}
    if current is None or "subject" in data:
        out["subject"] = validate.text(data.get("subject"), "subject", required=True, max_len=500)
    if current is None or "bodyTemplate" in data:
        out["bodyTemplate"] = templates.check(data.get("bodyTemplate"), "bodyTemplate")
    if current is None or "fromAddress" in data:
        out["fromAddress"] = _sender(deps, data.get("fromAddress"))
    if current is None:
        out["consentPurpose"] = purpose_of(data.get("consentPurpose"), "consentPurpose")
    if current is None or "timezone" in data:
        tz = data.get("timezone") or DEFAULT_TZ
        schedule.zone(tz)
        out["timezone"] = tz
    if current is None or "recurrence" in data:
        out["recurrence"] = schedule.cron(data.get("recurrence"))
    return out


async def get(deps: Deps, mailing_id: str) -> Row | None:
    row = await deps.db.read_one(q.GET, {"id": mailing_id})
    return None if row is None else dict(row["mailing"])


async def of_campaign(deps: Deps, campaign_id: str) -> list[Row]:
    return [dict(r["mailing"]) for r in await deps.db.read(q.OF_CAMPAIGN, {"id": campaign_id})]


async def create(deps: Deps, who: Principal, data: dict[str, Any], now: datetime | None = None) -> str:
    who.require(MAILERS, "prepare mailings")
    props = _fields(deps, data, None)
    send_at = validate.moment(data["sendAt"], "sendAt") if data.get("sendAt") else None
    first = next_run(props["recurrence"], props["timezone"], send_at, now or _now())
    mailing_id = new_id("Mailing")
    params = {
        **props,
        "id": mailing_id,
        "campaignId": data.get("campaignId"),
        "segmentId": data.get("segmentId"),
        "status": "SCHEDULED" if first else "DRAFT",
        "sendAt": _iso(send_at),
        "nextRunAt": _iso(first),
    }

    async def work(tx: Tx) -> None:
        found = (await tx.run(q.EXISTS, params))[0]
        if found["campaign"] is None:
            raise NotFound("campaignId: no such campaign", field="campaignId")
        if found["segment"] is None:
            raise NotFound("segmentId: no such segment", field="segmentId")
        await tx.run(q.CREATE, params)
        emit(tx, "MAILING", mailing_id, "CREATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return mailing_id


async def _lock(tx: Tx, mailing_id: str) -> tuple[Row, Row | None]:
    rows = await tx.run(q.LOCK, {"id": mailing_id})
    if not rows:
        raise NotFound(f"no mailing {mailing_id!r}")
    return dict(rows[0]["mailing"]), rows[0]["run"]


async def update(deps: Deps, who: Principal, mailing_id: str, data: dict[str, Any]) -> str:
    who.require(MAILERS, "change mailings")
    now = _now()

    async def work(tx: Tx) -> None:
        current, _ = await _lock(tx, mailing_id)
        if current["status"] == "SENDING":
            raise Conflict("a mailing cannot be changed while it is sending; pause it first")
        props = _fields(deps, data, current)
        merged = {**current, **props}
        if "sendAt" in data:
            send_at = validate.moment(data["sendAt"], "sendAt") if data["sendAt"] else None
        else:
            send_at = datetime.fromtimestamp(current["sendAt"] / 1000, UTC) if current.get("sendAt") else None
        first = next_run(merged["recurrence"], merged["timezone"], send_at, now)
        if current["status"] in ("DRAFT", "SCHEDULED"):
            props["status"] = "SCHEDULED" if first else "DRAFT"
        params = {"id": mailing_id, "props": props, "sendAt": _iso(send_at), "nextRunAt": _iso(first)}
        await tx.run(q.UPDATE, params)
        emit(tx, "MAILING", mailing_id, "UPDATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return mailing_id


def _queue(deps: Deps, run_id: str, after: str | None) -> None:
    if deps.tasks is None:
        raise Unavailable("no task queue configured")
    deps.tasks.send(CHUNK_TASK, [run_id, after])


async def send(deps: Deps, who: Principal, mailing_id: str) -> str:
    """Starts a run now (a paused mailing resumes its run where it stopped); the chunks are sent in the background."""
    who.require(MAILERS, "send mailings")
    now = _now()
    run_id = "run_" + uuid.uuid4().hex
    queued: list[tuple[str, str | None]] = []

    async def work(tx: Tx) -> None:
        queued.clear()
        current, run = await _lock(tx, mailing_id)
        if current["status"] == "SENDING":
            raise Conflict("the mailing is sending already")
        if current["status"] == "SENT" and not current.get("recurrence"):
            raise Conflict("the mailing was sent; create a new mailing to send it again")
        if current["status"] == "PAUSED" and run is not None and run["status"] in ("RUNNING", "PAUSED"):
            resumed = (await tx.run(q.RESUME_RUN, {"mailingId": mailing_id}))[0]
            queued.append((resumed["runId"], resumed["cursor"]))
        else:
            nxt = current.get("nextRunAt") if current.get("recurrence") else None
            params = {
                "mailingId": mailing_id,
                "runId": run_id,
                "scheduledFor": now.isoformat(),
                "nextRunAt": None if nxt is None else datetime.fromtimestamp(nxt / 1000, UTC).isoformat(),
            }
            await tx.run(q.START_RUN, params)
            queued.append((run_id, None))
        emit(tx, "MAILING", mailing_id, "UPDATED", ["status"], who.user_id)

    await deps.db.transaction(work)
    for run, after in queued:
        _queue(deps, run, after)
    return mailing_id


async def pause(deps: Deps, who: Principal, mailing_id: str) -> str:
    """PAUSED: a running run stops before its next chunk; a scheduled mailing does not start."""
    who.require(MAILERS, "pause mailings")

    async def work(tx: Tx) -> None:
        current, _ = await _lock(tx, mailing_id)
        if current["status"] not in ("SENDING", "SCHEDULED", "PAUSED"):
            raise Conflict(f"a {current['status']} mailing cannot be paused")
        await tx.run(q.SET_STATUS, {"id": mailing_id, "status": "PAUSED"})
        emit(tx, "MAILING", mailing_id, "UPDATED", ["status"], who.user_id)

    await deps.db.transaction(work)
    return mailing_id


async def start_due(deps: Deps, now: datetime | None = None) -> list[str]:
    """Starts the runs that are due (Celery beat, every 30 s): a one-off at sendAt, a recurring mailing at its next
    occurrence. Each run is a MailRun keyed by (mailingId, scheduledFor) under a uniqueness constraint, so two beats
    (or a beat and a retry) start it once. Missed occurrences (the beat was down) run once, then the schedule goes on
    from now. Returns the ids of the runs started (their first chunk is queued)."""
    now = now or _now()
    started: list[str] = []
    for due in await deps.db.read(q.DUE, {"now": now.isoformat()}):
        scheduled_for = datetime.fromtimestamp(due["nextRunAt"] / 1000, UTC)
        following = None
        if due["recurrence"]:
            following = schedule.next_after(due["recurrence"], due["timezone"], max(scheduled_for, now))
        run_id = "run_" + uuid.uuid4().hex

        async def work(
            tx: Tx,
            mailing_id: str = due["id"],
            slot: datetime = scheduled_for,
            run_id: str = run_id,
            following: datetime | None = following,
        ) -> bool:
            current, _ = await _lock(tx, mailing_id)
            if current["status"] != "SCHEDULED" or current.get("nextRunAt") != int(slot.timestamp() * 1000):
                return False  # paused, edited or started meanwhile
            params = {
                "mailingId": mailing_id,
                "runId": run_id,
                "scheduledFor": slot.isoformat(),
                "nextRunAt": _iso(following),
            }
            await tx.run(q.START_RUN, params)
            emit(tx, "MAILING", mailing_id, "UPDATED", ["status", "lastRunAt"])
            return True

        try:
            if await deps.db.transaction(work):
                started.append(run_id)
                _queue(deps, run_id, None)
        except ConstraintError:
            continue  # this occurrence has its run already
    return started


async def resume_stalled(deps: Deps, stall_seconds: float, now: datetime | None = None) -> list[str]:
    """Queues the next chunk of runs that made no progress for `stall_seconds` (their chain of tasks broke)."""
    before = (now or _now()).timestamp() - stall_seconds
    rows = await deps.db.write(q.STALLED, {"before": datetime.fromtimestamp(before, UTC).isoformat()})
    for row in rows:
        _queue(deps, row["runId"], row["cursor"])
    return [r["runId"] for r in rows]
