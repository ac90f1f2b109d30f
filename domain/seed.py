"""Demo data: corporate groups with nested units and contacts, consumers, users of every role,
an opportunity with a buying center, relations and history. Idempotent per email/name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from neo4j.exceptions import ConstraintError

from domain import activities, b2b, companies, opportunities, persons, units, validate
from domain.auth import Principal, Role, hash_password
from domain.deps import Deps
from domain.errors import BadInput, Conflict
from domain.ids import new_id
from domain.seed_b2c import seed_b2c
from domain.seed_service import EXTRA_TECHNICIANS, seed_service
from graph import users as user_q
from graph.db import Row

DEMO_PASSWORD = "demo-password"
DEMO_USERS = [
    ("admin@demo.crm", "Ada Admin", Role.ADMIN),
    ("manager@demo.crm", "Max Manager", Role.SALES_MANAGER),
    ("rep@demo.crm", "Rita Rep", Role.SALES_REP),
    ("rep2@demo.crm", "Rolf Rep", Role.SALES_REP),
    ("marketing@demo.crm", "Mia Marketing", Role.MARKETING),
    ("service@demo.crm", "Sven Service", Role.SERVICE_AGENT),
    ("tech@demo.crm", "Tina Technician", Role.TECHNICIAN),
    ("erp@demo.crm", "ERP Integration", Role.INTEGRATION),
]
GROUPS: list[dict[str, Any]] = [
    {
        "name": "Nordlicht Holding AG",
        "industry": "Manufacturing",
        "city": "Hamburg",
        "country": "DE",
        "location": {"lat": 53.55, "lon": 9.99},
        "domain": "nordlicht.example",
        "subsidiaries": [
            {"name": "Nordlicht Maschinenbau GmbH", "city": "Bremen", "location": {"lat": 53.08, "lon": 8.8}},
            {"name": "Nordlicht Logistics GmbH", "city": "Hannover", "location": {"lat": 52.37, "lon": 9.73}},
        ],
    },
    {
        "name": "Alpen Energie SE",
        "industry": "Energy",
        "city": "München",
        "country": "DE",
        "location": {"lat": 48.14, "lon": 11.58},
        "domain": "alpen-energie.example",
        "subsidiaries": [{"name": "Alpen Solar GmbH", "city": "Augsburg", "location": {"lat": 48.37, "lon": 10.9}}],
    },
    {
        "name": "Rheinwerk Software GmbH",
        "industry": "Software",
        "city": "Köln",
        "country": "DE",
        "location": {"lat": 50.94, "lon": 6.96},
        "domain": "rheinwerk.example",
        "subsidiaries": [],
    },
]
UNITS = [("Executive Board", []), ("Purchasing", ["Strategic Sourcing"]), ("IT", ["Infrastructure", "Applications"])]
PEOPLE = [
    ("Claudia", "Brandt", "CEO", "Executive Board"),
    ("Jonas", "Keller", "CFO", "Executive Board"),
    ("Petra", "Vogel", "Head of Purchasing", "Purchasing"),
    ("Lukas", "Hahn", "Buyer", "Strategic Sourcing"),
    ("Sabine", "Wolf", "CIO", "IT"),
    ("Felix", "Schulz", "IT Architect", "Infrastructure"),
    ("Nina", "Richter", "Application Lead", "Applications"),
]
CONSUMERS = [
    ("Laura", "Meyer", "Berlin", ["newsletter"]),
    ("Tim", "Fischer", "Leipzig", ["shop"]),
    ("Anna", "Weber", "Dresden", ["newsletter", "vip"]),
    ("Paul", "Schneider", "Frankfurt", []),
]


async def add_user(deps: Deps, email: str, name: str, role: str, password: str) -> Row:
    """A user straight into the graph (CLI, demo data, tests): no caller to authorise."""
    if len(password) < 8:
        raise BadInput("password must have at least 8 characters", field="password")
    if validate.email(email) is None:
        raise BadInput("email is required", field="email")
    params = {
        "id": new_id("User"),
        "email": email.strip().lower(),
        "name": name,
        "role": Role(role).value,
        "team": None,
        "homeBase": None,
        "passwordHash": await hash_password(password),
    }
    try:
        rows = await deps.db.write(user_q.CREATE_USER, params)
    except ConstraintError as exc:
        raise Conflict(f"a user with email {email!r} exists") from exc
    return cast(Row, rows[0]["user"])


async def seed_demo(deps: Deps) -> str:
    existing = await deps.db.read_one(user_q.LOGIN, {"email": DEMO_USERS[0][0]})
    if existing:
        return "demo data present; nothing to do"
    users: dict[str, Row] = {}
    for email, name, role in DEMO_USERS:
        users[email] = await add_user(deps, email, name, role.value, DEMO_PASSWORD)
    admin = Principal(users["admin@demo.crm"], Role.ADMIN)
    rep = users["rep@demo.crm"]
    first_people: list[str] = []
    first_opportunity = ""
    roots: list[str] = []
    for group in GROUPS:
        root = await companies.create(
            deps, admin, {k: v for k, v in group.items() if k != "subsidiaries"} | {"ownerId": rep["id"]}
        )
        roots.append(root)
        members = await _staff(deps, admin, root, group["name"].split()[0].lower())
        for sub in group["subsidiaries"]:
            sub_id = await companies.create(deps, admin, {**sub, "parentId": root, "industry": group["industry"]})
            await _staff(deps, admin, sub_id, sub["name"].split()[1].lower())
        opportunity = await opportunities.create(
            deps,
            admin,
            {
                "name": f"{group['name']} - platform rollout",
                "companyId": root,
                "amount": "250000",
                "currency": "EUR",
                "stage": "PROPOSAL",
                "ownerId": rep["id"],
            },
        )
        await _relations(deps, admin, members, opportunity, rep["id"])
        first_people = first_people or members
        first_opportunity = first_opportunity or opportunity
    for first, last, city, tags in CONSUMERS:
        await persons.create(
            deps,
            admin,
            {
                "firstName": first,
                "lastName": last,
                "city": city,
                "country": "DE",
                "tags": tags,
                "email": f"{first}.{last}@mail.example".lower(),
                "source": "web form",
            },
        )
    for email, name, _, _ in EXTRA_TECHNICIANS:
        users[email] = await add_user(deps, email, name, Role.TECHNICIAN.value, DEMO_PASSWORD)
    service = await seed_service(deps, admin, users, roots)
    marketing = await seed_b2c(deps, admin)
    return (
        f"demo data loaded: {len(DEMO_USERS)} users (password {DEMO_PASSWORD!r}), "
        f"{sum(1 + len(g['subsidiaries']) for g in GROUPS)} companies, opportunity {first_opportunity}, {service}, "
        f"{marketing}"
    )


async def _staff(deps: Deps, admin: Principal, company_id: str, mail_domain: str) -> list[str]:
    unit_ids: dict[str, str] = {}
    for name, children in UNITS:
        unit_ids[name] = await units.create(deps, admin, {"companyId": company_id, "name": name})
        for child in children:
            unit_ids[child] = await units.create(
                deps, admin, {"companyId": company_id, "name": child, "parentUnitId": unit_ids[name]}
            )
    people = []
    for i, (first, last, title, unit) in enumerate(PEOPLE):
        people.append(
            await persons.create(
                deps,
                admin,
                {
                    "firstName": first,
                    "lastName": last,
                    "jobTitle": title,
                    "companyId": company_id,
                    "unitId": unit_ids[unit],
                    "email": f"{first}.{last}@{mail_domain}.example".lower(),
                    "phones": [f"+49 40 555 {100 + i:03d}"],
                },
            )
        )
    # REPORTS_TO follows the org: board <- heads <- staff.
    ceo, cfo, purchasing, buyer, cio, architect, apps = people
    for a, b in [(cfo, ceo), (purchasing, cfo), (buyer, purchasing), (cio, ceo), (architect, cio), (apps, cio)]:
        await b2b.relate(deps, admin, a, b, "REPORTS_TO", 1.0)
    return people


async def _relations(deps: Deps, admin: Principal, people: list[str], opportunity: str, rep_id: str) -> None:
    ceo, cfo, purchasing, buyer, cio, architect, _ = people
    await b2b.relate(deps, admin, architect, cio, "INFLUENCES", 0.8)
    await b2b.relate(deps, admin, cio, ceo, "INFLUENCES", 0.6)
    await b2b.relate(deps, admin, buyer, architect, "KNOWS", 0.5)
    await b2b.acquaint(deps, admin, rep_id, buyer, 0.9)
    for person, roles, attitude in [
        (ceo, ["DECISION_MAKER"], "NEUTRAL"),
        (cfo, ["ECONOMIC_BUYER"], "SKEPTIC"),
        (cio, ["TECHNICAL_EVALUATOR", "INFLUENCER"], "SUPPORTER"),
        (purchasing, ["GATEKEEPER"], "NEUTRAL"),
    ]:
        await b2b.set_role(deps, admin, opportunity, person, roles, attitude)
    now = datetime.now(UTC)
    await activities.log(
        deps,
        admin,
        {
            "type": "MEETING",
            "subject": "Kick-off workshop",
            "personIds": [cio, architect],
            "opportunityId": opportunity,
            "occurredAt": now - timedelta(days=3),
            "durationMinutes": 90,
        },
    )
    await activities.log(
        deps,
        admin,
        {
            "type": "CALL",
            "subject": "Budget question",
            "personIds": [cfo],
            "occurredAt": now - timedelta(days=45),
            "outcome": "Wants ROI figures",
        },
    )
