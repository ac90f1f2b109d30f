"""Resolvers of the [service] section: technicians, tickets, matching and booking."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from domain import calendar, callers, dispatch, matching, technicians, tickets, users
from domain.errors import NotFound
from domain.pagination import page_args
from schema.context import Info
from schema.enums import ChangeOp, TicketStatus
from schema.inputs.service import CreateTicketInput, TicketFilter, TimeSlotInput, UpdateTicketInput, UserSkillInput
from schema.selection import fields_at, node_includes, wants_total
from schema.types.common import Connection, plain
from schema.types.core import User
from schema.types.service import CallerMatch, Skill, TechnicianCandidate, Ticket, TicketEvent, TimeSlot


def _top(info: Info) -> set[str]:
    return {name for name in fields_at(info) if name in tickets.PARTS}


# ---- technicians


async def skills(info: Info) -> list[Skill]:
    return [Skill.of(r) for r in await technicians.all_skills(info.context.deps)]


async def _user(info: Info, user_id: str) -> User:
    row = await users.get(info.context.deps, user_id)
    if row is None:
        raise NotFound(f"no user {user_id!r}", argument="userId")
    return User.of(row)


async def set_skills(info: Info, user_id: strawberry.ID, skills: list[UserSkillInput]) -> User:
    await technicians.set_skills(info.context.deps, info.context.who, user_id, [plain(s) for s in skills])
    return await _user(info, user_id)


async def set_availability(info: Info, user_id: strawberry.ID, slots: list[TimeSlotInput]) -> list[TimeSlot]:
    deps = info.context.deps
    await technicians.set_availability(deps, info.context.who, user_id, [plain(s) for s in slots])
    rows = await technicians.availability(deps, user_id, datetime.now().astimezone(), datetime(9999, 1, 1).astimezone())
    return [TimeSlot.of(r) for r in rows]


async def rotate_calendar_token(info: Info, user_id: strawberry.ID) -> str:
    return await calendar.rotate_token(info.context.deps, info.context.who, user_id)


# ---- tickets


async def ticket(info: Info, id: strawberry.ID) -> Ticket | None:
    return Ticket.maybe(await tickets.get(info.context.deps, id, _top(info)))


async def _ticket(info: Info, ticket_id: str) -> Ticket:
    found = await ticket(info, strawberry.ID(ticket_id))
    if found is None:
        raise NotFound(f"no ticket {ticket_id!r}")
    return found


async def tickets_(
    info: Info, first: int | None = 50, after: str | None = None, filter: TicketFilter | None = None
) -> Connection[Ticket]:
    args = page_args(first, after, with_total=wants_total(info))
    include = node_includes(info, tickets.PARTS)
    page = await tickets.page(info.context.deps, args, plain(filter) if filter else None, include)
    return Connection[Ticket].of(page, Ticket.of)


async def tickets_to_schedule(info: Info, first: int | None = 50, after: str | None = None) -> Connection[Ticket]:
    args = page_args(first, after, with_total=wants_total(info))
    page = await tickets.to_schedule(info.context.deps, args, node_includes(info, tickets.PARTS))
    return Connection[Ticket].of(page, Ticket.of)


async def ticket_candidates(
    info: Info, ticket_id: strawberry.ID, window_start: datetime, window_end: datetime, first: int | None = 10
) -> list[TechnicianCandidate]:
    rows = await matching.candidates(
        info.context.deps, ticket_id, window_start, window_end, 10 if first is None else first
    )
    return [TechnicianCandidate.of(r) for r in rows]


async def create_ticket(info: Info, input: CreateTicketInput) -> Ticket:
    return await _ticket(info, await tickets.create(info.context.deps, info.context.who, plain(input)))


async def update_ticket(info: Info, id: strawberry.ID, input: UpdateTicketInput) -> Ticket:
    return await _ticket(info, await tickets.update(info.context.deps, info.context.who, id, plain(input)))


async def update_ticket_status(info: Info, ticket_id: strawberry.ID, status: TicketStatus) -> Ticket:
    return await _ticket(info, await tickets.set_status(info.context.deps, info.context.who, ticket_id, status.value))


async def assign_ticket(info: Info, ticket_id: strawberry.ID, user_id: strawberry.ID, start: datetime) -> Ticket:
    return await _ticket(info, await dispatch.assign(info.context.deps, info.context.who, ticket_id, user_id, start))


async def unassign_ticket(info: Info, ticket_id: strawberry.ID) -> Ticket:
    return await _ticket(info, await dispatch.unassign(info.context.deps, info.context.who, ticket_id))


async def auto_assign_ticket(
    info: Info, ticket_id: strawberry.ID, window_start: datetime, window_end: datetime
) -> Ticket:
    deps, who = info.context.deps, info.context.who
    return await _ticket(info, await dispatch.auto_assign(deps, who, ticket_id, window_start, window_end))


# ---- caller recognition ([mobile])


async def caller_lookup(info: Info, phone: str) -> list[CallerMatch]:
    return [CallerMatch.of(r) for r in await callers.lookup(info.context.deps, phone)]


# ---- subscription ([integrations])


async def ticket_changed(
    info: Info, ticket_id: strawberry.ID | None = None, assignee_id: strawberry.ID | None = None
) -> AsyncGenerator[TicketEvent, None]:
    """Changes of one ticket, or of the tickets of one assignee (also the change that takes a ticket
    away from them), or all; over the change stream, so changes made by any API process arrive."""
    from resolvers.integrations import _follow

    async for event in _follow(info, {"TICKET"}, feed_only=False):
        if ticket_id and event.node_id != ticket_id:
            continue
        row = None if event.op == "DELETED" else await tickets.get(info.context.deps, event.node_id, ("assignee",))
        if assignee_id:
            current = ((row or {}).get("assignee") or {}).get("id")
            if assignee_id not in (current, event.extra.get("previousAssigneeId")):
                continue
        yield TicketEvent(op=ChangeOp(event.op), ticket_id=strawberry.ID(event.node_id), ticket=Ticket.maybe(row))
