"""Demo data for the service desk: a small team with skills, home bases and two weeks of slots,
and open tickets at the demo customers, so matching shows something in GraphiQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain import dispatch, technicians, tickets, users
from domain.auth import Principal
from domain.deps import Deps
from graph.db import Row

# email, name, home base, skills
TEAM = [
    ("tech@demo.crm", "Tina Technician", {"lat": 53.57, "lon": 10.03}, {"Hydraulics": 4, "Electrics": 3, "PLC": 2}),
    ("tech.berlin@demo.crm", "Bernd Berliner", {"lat": 52.52, "lon": 13.40}, {"Hydraulics": 3, "Welding": 5}),
    ("tech.munich@demo.crm", "Mia Monteur", {"lat": 48.14, "lon": 11.58}, {"Electrics": 5, "PLC": 4, "Solar": 4}),
]
EXTRA_TECHNICIANS = TEAM[1:]


def _workdays(start: datetime, days: int) -> list[dict[str, datetime]]:
    """Slots 07:00-15:00 UTC on the weekdays of the next `days` days."""
    out = []
    for offset in range(1, days + 1):
        day = (start + timedelta(days=offset)).replace(hour=7, minute=0, second=0, microsecond=0)
        if day.weekday() < 5:
            out.append({"start": day, "end": day + timedelta(hours=8)})
    return out


async def seed_service(deps: Deps, admin: Principal, team: dict[str, Row], companies: list[str]) -> str:
    """`team` maps the TEAM emails to their users; `companies` are the demo groups' top companies."""
    now = datetime.now(UTC)
    for email, _, base, skills in TEAM:
        user_id = team[email]["id"]
        await users.update(deps, admin, user_id, {"homeBase": base})
        await technicians.set_skills(deps, admin, user_id, [{"skillName": k, "level": v} for k, v in skills.items()])
        await technicians.set_availability(deps, admin, user_id, _workdays(now, 14))
    plans = [
        (0, "Hydraulic press loses pressure", "URGENT", [("Hydraulics", 3)], 120, 1),
        (0, "Annual safety inspection", "NORMAL", [("Electrics", 2)], 90, 10),
        (1, "Inverter fault at the solar park", "HIGH", [("Solar", 3), ("Electrics", 4)], 180, 3),
        (1, "PLC update line 2", "LOW", [("PLC", 3)], 60, None),
        (2, "Server room cooling welds", "NORMAL", [("Welding", 4)], 120, 7),
    ]
    created = []
    for company, subject, priority, needs, minutes, due_days in plans:
        created.append(
            await tickets.create(
                deps,
                admin,
                {
                    "subject": subject,
                    "priority": priority,
                    "companyId": companies[company % len(companies)],
                    "requiredSkills": [{"skillName": n, "minLevel": m} for n, m in needs],
                    "estimatedMinutes": minutes,
                    "dueAt": now + timedelta(days=due_days) if due_days else None,
                },
            )
        )
    # the urgent one is booked already; the rest wait in ticketsToSchedule
    await dispatch.auto_assign(deps, admin, created[0], now, now + timedelta(days=7))
    return f"service team of {len(TEAM)} technicians, {len(created)} tickets"
