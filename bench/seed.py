"""Seeds the benchmark data set: corporate groups, units, people, relations, opportunities, history.

    NEO4J_URI=bolt://127.0.0.1:7699 .venv/bin/python bench/seed.py [--scale 0.02]

Rows are generated deterministically (fixed random seed, ids like ``cmp_bench00000042``) and
written with ``UNWIND $rows`` in transactions of 10k rows. Node rows whose id already exists are
skipped (the node and the relationships written with it come in one transaction), relationship-only
batches use MERGE, so a second run (or one after an interruption) writes nothing twice.
``--scale`` divides every total (companies, consumers, relations, opportunities, activities, ...)
for a quick check; seed each scale into a database of its own.

Properties match what the app's own CREATE statements write (graph/*.py): the :Entity label,
``sortName`` lower-cased, ``datetime()`` values and ``point({latitude, longitude})`` locations;
activities get the implicit ``ABOUT {implicit: true}`` links to their subjects' companies.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.settings import get_settings
from domain import activities as activity_uc
from domain import b2b as b2b_uc
from domain import opportunities as opportunity_uc
from domain.deps import Deps
from domain.seed import add_user
from graph import users as user_q
from graph.activities import FILE_ON_TIMELINES
from graph.db import Db, Tx
from graph.migrations import migrate

BATCH = 10_000
RANDOM_SEED = 20_240_611

GROUPS = 2_000
COMPANIES = 10_000
UNITS_PER_COMPANY = 3
STAFF_PER_COMPANY = 9
CONSUMERS = 10_000
RELATIONS = 300_000
USERS = 20
ACQUAINTED = 2_000
OPPORTUNITIES = 20_000
ACTIVITIES = 500_000
DESIGNATED_ACTIVITIES = 10_000
BIG_CENTER = 30
# A scaled-down data set (--scale) keeps the designated group's timeline deeper than the 50 pages
# bench/run.py walks, and enough companies for the 9-company designated group.
MIN_DESIGNATED_ACTIVITIES = 3_000
MIN_COMPANIES = 20

USER_PASSWORD = "bench-password"
INDUSTRIES = ("Manufacturing", "Energy", "Software", "Retail", "Logistics", "Finance", "Health", "Chemicals")
CITIES = (
    ("Hamburg", 53.55, 9.99),
    ("Berlin", 52.52, 13.40),
    ("München", 48.14, 11.58),
    ("Köln", 50.94, 6.96),
    ("Frankfurt", 50.11, 8.68),
    ("Stuttgart", 48.78, 9.18),
    ("Leipzig", 51.34, 12.37),
    ("Dresden", 51.05, 13.74),
    ("Bremen", 53.08, 8.80),
    ("Hannover", 52.37, 9.73),
)
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hannah",
    "Ida",
    "Jonas",
    "Karl",
    "Lea",
    "Lukas",
    "Marie",
    "Nina",
    "Oskar",
    "Paul",
    "Petra",
    "Rita",
    "Sabine",
    "Tim",
    "Ute",
    "Vera",
    "Willi",
    "Yara",
    "Zoe",
]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Braun",
    "Zimmermann",
    "Krüger",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Vogel",
    "Hahn",
    "Keller",
    "Brandt",
]
UNIT_NAMES = (("Executive Board", "Purchasing", "IT"), ("Sales", "Operations", "Finance"))
TITLES = ("CEO", "CFO", "CIO", "Head of Purchasing", "Buyer", "IT Architect", "Engineer", "Analyst", "Assistant")
STAGES = opportunity_uc.STAGES
PROBABILITY = opportunity_uc.DEFAULT_PROBABILITY
ROLES = b2b_uc.BUYING_ROLES
ATTITUDES = b2b_uc.ATTITUDES
ACTIVITY_TYPES = activity_uc.TYPES
REL_TYPES = b2b_uc.RELATION_TYPES

# ---- Cypher (parameterised; one UNWIND per batch)

NEW_ROWS = "UNWIND $rows AS row WITH row WHERE NOT EXISTS {{ MATCH (:{label} {{id: row.id}}) }}"
LOCATION = "point({latitude: row.lat, longitude: row.lon})"

CREATE_COMPANIES = (
    NEW_ROWS.format(label="Company")
    + """
OPTIONAL MATCH (owner:User {id: row.ownerId})
CREATE (c:Company:Entity {id: row.id, name: row.name, sortName: toLower(row.name), domain: row.domain,
  industry: row.industry, city: row.city, country: row.country, isReference: row.isReference,
  location: """
    + LOCATION
    + """, createdAt: datetime(), updatedAt: datetime()})
FOREACH (o IN CASE WHEN owner IS NULL THEN [] ELSE [owner] END | CREATE (c)-[:OWNED_BY]->(o))
"""
)
LINK_SUBSIDIARIES = """
UNWIND $rows AS row
MATCH (c:Company {id: row.id}), (p:Company {id: row.parentId})
MERGE (c)-[:SUBSIDIARY_OF]->(p)
"""
CREATE_UNITS = (
    NEW_ROWS.format(label="Unit")
    + """
MATCH (c:Company {id: row.companyId})
OPTIONAL MATCH (p:Unit {id: row.parentId})
CREATE (n:Unit:Entity {id: row.id, name: row.name, createdAt: datetime(), updatedAt: datetime()})
CREATE (n)-[:UNIT_OF]->(c)
FOREACH (x IN CASE WHEN p IS NULL THEN [] ELSE [p] END | CREATE (n)-[:PART_OF]->(x))
"""
)
CREATE_PERSONS = (
    NEW_ROWS.format(label="Person")
    + """
OPTIONAL MATCH (c:Company {id: row.companyId})
OPTIONAL MATCH (n:Unit {id: row.unitId})
OPTIONAL MATCH (o:User {id: row.ownerId})
CREATE (p:Person:Entity {id: row.id, firstName: row.firstName, lastName: row.lastName,
  fullName: trim(coalesce(row.firstName, '') + ' ' + row.lastName),
  sortName: toLower(row.lastName + ' ' + coalesce(row.firstName, '')),
  email: row.email, emailLower: toLower(row.email), phones: row.phones, jobTitle: row.jobTitle,
  city: row.city, country: row.country, tags: row.tags, source: row.source,
  location: """
    + LOCATION
    + """, createdAt: datetime(), updatedAt: datetime()})
FOREACH (x IN CASE WHEN c IS NULL THEN [] ELSE [c] END |
  CREATE (p)-[:WORKS_AT {since: datetime(), jobTitle: row.jobTitle}]->(x))
FOREACH (x IN CASE WHEN n IS NULL THEN [] ELSE [n] END | CREATE (p)-[:MEMBER_OF]->(x))
FOREACH (x IN CASE WHEN o IS NULL THEN [] ELSE [o] END | CREATE (p)-[:OWNED_BY]->(x))
"""
)
# Relationship types cannot be parameters, so there is one statement per type.
RELATE = {
    t: f"""
UNWIND $rows AS row
MATCH (a:Person {{id: row.fromId}}), (b:Person {{id: row.toId}})
MERGE (a)-[r:{t}]->(b)
ON CREATE SET r.createdAt = datetime(), r.strength = row.strength
"""
    for t in REL_TYPES
}
ACQUAINT = """
UNWIND $rows AS row
MATCH (u:User {id: row.userId}), (p:Person {id: row.personId})
MERGE (u)-[k:KNOWS_PERSON]->(p)
ON CREATE SET k.createdAt = datetime(), k.strength = row.strength
"""
CREATE_OPPORTUNITIES = (
    NEW_ROWS.format(label="Opportunity")
    + """
MATCH (c:Company {id: row.companyId})
MATCH (u:User {id: row.ownerId})
CREATE (o:Opportunity:Entity {id: row.id, name: row.name, amount: row.amount, currency: row.currency,
  stage: row.stage, probability: row.probability, probabilityOverridden: false,
  expectedCloseDate: date(row.expectedCloseDate), nextStep: row.nextStep,
  nextStepDue: CASE WHEN row.nextStepDue IS NULL THEN null ELSE date(row.nextStepDue) END,
  createdAt: datetime(row.createdAt), updatedAt: datetime()})
CREATE (s:StageChange {from: null, to: row.stage, at: datetime(row.createdAt), seq: 0})-[:OF]->(o)
CREATE (s)-[:BY]->(u)
CREATE (o)-[:FOR]->(c)
CREATE (o)-[:OWNED_BY]->(u)
"""
)
SET_ROLES = """
UNWIND $rows AS row
MATCH (o:Opportunity {id: row.opportunityId}), (p:Person {id: row.personId})
MERGE (p)-[m:IN_BUYING_CENTER]->(o)
ON CREATE SET m.since = datetime(), m.roles = row.roles, m.attitude = row.attitude, m.updatedAt = datetime()
"""
# As graph.activities.CREATE, with the implicit company links computed while generating.
CREATE_ACTIVITIES = (
    NEW_ROWS.format(label="Activity")
    + """
MATCH (by:User {id: row.byId})
CREATE (a:Activity:Entity {id: row.id, type: row.type, subject: row.subject, body: row.body,
  outcome: row.outcome, occurredAt: datetime(row.occurredAt), durationMinutes: row.durationMinutes,
  createdAt: datetime()})
CREATE (a)-[:BY]->(by)
WITH a, row
CALL (a, row) {
  UNWIND row.about AS sid
  MATCH (n:Entity {id: sid})
  CREATE (a)-[:ABOUT]->(n)
}
CALL (a, row) {
  UNWIND row.implicit AS cid
  MATCH (c:Company {id: cid})
  CREATE (a)-[:ABOUT {implicit: true}]->(c)
}
WITH a
CALL (a) {"""
    + FILE_ON_TIMELINES
    + """}
"""
)
LAST_ACTIVITY = """
UNWIND $rows AS row
MATCH (o:Opportunity {id: row.id})
WHERE o.lastActivityAt IS NULL OR o.lastActivityAt < datetime(row.at)
SET o.lastActivityAt = datetime(row.at)
"""
COUNTS = """
RETURN COUNT { (:Company) } AS companies, COUNT { (:Unit) } AS units, COUNT { (:Person) } AS persons,
  COUNT { (:Person)-[:REPORTS_TO|INFLUENCES|KNOWS]->(:Person) } AS relations,
  COUNT { (:User)-[:KNOWS_PERSON]->() } AS acquaintances, COUNT { (:Opportunity) } AS opportunities,
  COUNT { ()-[:IN_BUYING_CENTER]->() } AS members, COUNT { (:Activity) } AS activities
"""


def bid(prefix: str, n: int) -> str:
    """A stable id in the app's `<prefix>_<hex>` shape."""
    return f"{prefix}_bench{n:08d}"


@dataclass(frozen=True)
class Sizes:
    """The totals the seed generates; `scaled` divides each of them (per-company counts stay)."""

    companies: int = COMPANIES
    consumers: int = CONSUMERS
    relations: int = RELATIONS
    acquainted: int = ACQUAINTED
    opportunities: int = OPPORTUNITIES
    activities: int = ACTIVITIES
    designated_activities: int = DESIGNATED_ACTIVITIES
    scale: float = 1.0

    @classmethod
    def scaled(cls, scale: float) -> Sizes:
        if not 0 < scale <= 1:
            raise ValueError("scale must be in (0, 1]")
        if scale == 1:
            return cls()

        def of(total: int, least: int) -> int:
            return max(least, round(total * scale))

        designated = of(DESIGNATED_ACTIVITIES, MIN_DESIGNATED_ACTIVITIES)
        return cls(
            companies=of(COMPANIES, MIN_COMPANIES),
            consumers=of(CONSUMERS, 1),
            relations=of(RELATIONS, 1),
            acquainted=of(ACQUAINTED, USERS),
            opportunities=of(OPPORTUNITIES, 1),
            activities=of(ACTIVITIES, 2 * designated),
            designated_activities=designated,
            scale=scale,
        )


@dataclass
class Plan:
    """Everything the seed writes, plus the ids the benchmark needs (bench/results/dataset.json)."""

    companies: list[dict[str, Any]] = field(default_factory=list)
    subsidiaries: list[dict[str, Any]] = field(default_factory=list)
    units: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    relations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    acquaintances: list[dict[str, Any]] = field(default_factory=list)
    opportunities: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    last_activity: dict[str, str] = field(default_factory=dict)
    group_of: dict[str, str] = field(default_factory=dict)  # company id -> root id
    staff: dict[str, list[str]] = field(default_factory=dict)  # company id -> person ids
    company_of: dict[str, str] = field(default_factory=dict)  # person id -> company id
    designated_group: str = ""
    designated_companies: list[str] = field(default_factory=list)
    big_opportunity: str = ""
    sizes: Sizes = field(default_factory=Sizes)


def _city(rng: random.Random) -> tuple[str, float, float]:
    name, lat, lon = rng.choice(CITIES)
    return name, round(lat + rng.uniform(-0.2, 0.2), 5), round(lon + rng.uniform(-0.2, 0.2), 5)


def _company(rng: random.Random, n: int, name: str, owner: str) -> dict[str, Any]:
    city, lat, lon = _city(rng)
    return {
        "id": bid("cmp", n),
        "name": name,
        "domain": f"{name.split()[0].lower()}{n}.example",
        "industry": rng.choice(INDUSTRIES),
        "city": city,
        "country": "DE",
        "isReference": rng.random() < 0.05,
        "lat": lat,
        "lon": lon,
        "ownerId": owner,
    }


def plan_companies(plan: Plan, rng: random.Random, user_ids: Sequence[str]) -> None:
    """~2k groups: a root with 0-4 subsidiaries, each with 0-2 of its own (two levels deep)."""
    n = 0
    group = 0

    def add(name: str, parent: str | None, root: str | None) -> str:
        nonlocal n
        row = _company(rng, n, name, rng.choice(user_ids))
        plan.companies.append(row)
        plan.group_of[row["id"]] = root or row["id"]
        if parent:
            plan.subsidiaries.append({"id": row["id"], "parentId": parent})
        n += 1
        return str(row["id"])

    while n < plan.sizes.companies:
        stem = f"{rng.choice(LAST_NAMES)} {rng.choice(INDUSTRIES)} {group}"
        root = add(f"{stem} Holding AG", None, None)
        # Group 0 is the designated group: 4 subsidiaries with one subsidiary each (9 companies).
        direct = 4 if group == 0 else rng.randint(0, 4)
        for i in range(direct):
            if n >= plan.sizes.companies:
                break
            sub = add(f"{stem} Sub {i} GmbH", root, root)
            deeper = 1 if group == 0 else rng.randint(0, 2)
            for j in range(deeper):
                if n >= plan.sizes.companies:
                    break
                add(f"{stem} Sub {i}.{j} GmbH", sub, root)
        if group == 0:
            plan.designated_group = root
            plan.designated_companies = [c for c, r in plan.group_of.items() if r == root]
        group += 1


def plan_units_and_people(plan: Plan, rng: random.Random, user_ids: Sequence[str]) -> None:
    """3 units per company (the third nested in the second for half of them), 9 staff each, consumers."""
    unit_n = 0
    person_n = 0
    for company in plan.companies:
        names = rng.choice(UNIT_NAMES)
        unit_ids: list[str] = []
        for i, name in enumerate(names):
            parent = unit_ids[1] if i == 2 and rng.random() < 0.5 else None
            unit_id = bid("unt", unit_n)
            unit_n += 1
            plan.units.append({"id": unit_id, "name": name, "companyId": company["id"], "parentId": parent})
            unit_ids.append(unit_id)
        staff: list[str] = []
        for i in range(STAFF_PER_COMPANY):
            row = _person(rng, person_n, company["domain"], rng.choice(user_ids))
            row.update(companyId=company["id"], unitId=rng.choice(unit_ids), jobTitle=TITLES[i], source="import")
            plan.persons.append(row)
            staff.append(row["id"])
            plan.company_of[row["id"]] = company["id"]
            person_n += 1
        plan.staff[company["id"]] = staff
    for _ in range(plan.sizes.consumers):
        row = _person(rng, person_n, "mail", None)
        row.update(
            companyId=None,
            unitId=None,
            jobTitle=None,
            source="web form",
            tags=rng.sample(["newsletter", "shop", "vip"], rng.randint(0, 2)),
        )
        plan.persons.append(row)
        person_n += 1


def _person(rng: random.Random, n: int, domain: str, owner: str | None) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    city, lat, lon = _city(rng)
    return {
        "id": bid("per", n),
        "firstName": first,
        "lastName": last,
        "email": f"{first}.{last}.{n}@{domain}".lower(),
        "phones": [f"+49 40 {n:07d}"],
        "city": city,
        "country": "DE",
        "tags": [],
        "lat": lat,
        "lon": lon,
        "ownerId": owner,
    }


def plan_relations(plan: Plan, rng: random.Random) -> None:
    """REPORTS_TO trees inside each company; INFLUENCES and KNOWS half inside the group, half anywhere."""
    seen: set[tuple[str, str, str]] = set()
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in REL_TYPES}

    def add(t: str, a: str, b: str) -> bool:
        if a == b or (t, a, b) in seen:
            return False
        seen.add((t, a, b))
        out[t].append({"fromId": a, "toId": b, "strength": round(rng.uniform(0.1, 1.0), 2)})
        return True

    for staff in plan.staff.values():
        for i in range(1, len(staff)):
            add("REPORTS_TO", staff[i], staff[rng.randrange(0, i)])
    group_staff: dict[str, list[str]] = {}
    for company_id, staff in plan.staff.items():
        group_staff.setdefault(plan.group_of[company_id], []).extend(staff)
    everyone = [p["id"] for p in plan.persons]
    employed = list(plan.company_of)
    count = sum(len(v) for v in out.values())
    while count < plan.sizes.relations:
        t = "INFLUENCES" if rng.random() < 0.5 else "KNOWS"
        if rng.random() < 0.5:
            a = rng.choice(employed)
            b = rng.choice(group_staff[plan.group_of[plan.company_of[a]]])
        else:
            a, b = rng.choice(everyone), rng.choice(everyone)
        count += add(t, a, b)
    plan.relations = out


def plan_acquaintances(plan: Plan, rng: random.Random, user_ids: Sequence[str]) -> None:
    """Each user knows 100 people (2k pairs), strength 0.1-1.0."""
    employed = list(plan.company_of)
    per_user = plan.sizes.acquainted // len(user_ids)
    for user_id in user_ids:
        for person_id in rng.sample(employed, per_user):
            plan.acquaintances.append(
                {"userId": user_id, "personId": person_id, "strength": round(rng.uniform(0.1, 1.0), 2)}
            )


def plan_opportunities(plan: Plan, rng: random.Random, user_ids: Sequence[str], now: datetime) -> None:
    """20k opportunities, 5-30 buying-center members mostly from the customer's group."""
    group_staff: dict[str, list[str]] = {}
    for company_id, staff in plan.staff.items():
        group_staff.setdefault(plan.group_of[company_id], []).extend(staff)
    employed = list(plan.company_of)
    company_ids = [c["id"] for c in plan.companies]
    for n in range(plan.sizes.opportunities):
        company_id = plan.designated_group if n == 0 else rng.choice(company_ids)
        stage = rng.choice(STAGES)
        created = now - timedelta(days=rng.randint(1, 720))
        close = (now + timedelta(days=rng.randint(-180, 365))).date()
        due = (now + timedelta(days=rng.randint(-10, 60))).date() if rng.random() < 0.6 else None
        opportunity_id = bid("opp", n)
        plan.opportunities.append(
            {
                "id": opportunity_id,
                "name": f"Deal {n} - platform rollout",
                "amount": f"{rng.randint(5, 2_000) * 1000}.00",
                "currency": "EUR",
                "stage": stage,
                "probability": PROBABILITY[stage],
                "expectedCloseDate": close.isoformat(),
                "nextStep": "Send proposal" if due else None,
                "nextStepDue": due.isoformat() if due else None,
                "createdAt": created.isoformat(),
                "companyId": company_id,
                "ownerId": rng.choice(user_ids),
            }
        )
        size = BIG_CENTER if n == 0 else rng.randint(5, 30)
        pool = group_staff[plan.group_of[company_id]]
        inside = rng.sample(pool, min(len(pool), size - (0 if n == 0 else rng.randint(0, 2))))
        members = list(dict.fromkeys(inside))
        while len(members) < size:
            extra = rng.choice(employed)
            if extra not in members:
                members.append(extra)
        for person_id in members:
            plan.members.append(
                {
                    "opportunityId": opportunity_id,
                    "personId": person_id,
                    "roles": rng.sample(ROLES, rng.randint(1, 2)),
                    "attitude": rng.choice(ATTITUDES),
                }
            )
    plan.big_opportunity = bid("opp", 0)


def plan_activities(plan: Plan, rng: random.Random, user_ids: Sequence[str], now: datetime) -> None:
    """500k activities about 1-2 people and/or an opportunity; ~10k about the designated group."""
    members_of: dict[str, list[str]] = {}
    for m in plan.members:
        members_of.setdefault(m["opportunityId"], []).append(m["personId"])
    opportunity_company = {o["id"]: o["companyId"] for o in plan.opportunities}
    designated_people = [p for c in plan.designated_companies for p in plan.staff[c]]
    designated_set = set(plan.designated_companies)
    designated_opps = [o for o, c in opportunity_company.items() if c in designated_set]
    everyone = [p["id"] for p in plan.persons]
    opportunity_ids = list(opportunity_company)
    sizes = plan.sizes
    designated_target = sizes.designated_activities - round(
        sizes.activities * len(designated_set) / sizes.companies * 0.9
    )
    for n in range(sizes.activities):
        targeted = n < designated_target
        kind = rng.random()
        about: list[str] = []
        if kind < 0.3:  # about an opportunity and some of its buying center
            opp = rng.choice(designated_opps if targeted else opportunity_ids)
            about = [opp, *rng.sample(members_of[opp], rng.randint(0, 2))]
        else:
            people = designated_people if targeted else everyone
            about = list(dict.fromkeys(rng.choice(people) for _ in range(rng.randint(1, 2))))
        occurred = now - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
        implicit: list[str] = []
        for subject in about:
            company = opportunity_company.get(subject) or plan.company_of.get(subject)
            if company and company not in implicit:
                implicit.append(company)
            if subject in opportunity_company:
                at = occurred.isoformat()
                if plan.last_activity.get(subject, "") < at:
                    plan.last_activity[subject] = at
        kind_name = rng.choice(ACTIVITY_TYPES)
        plan.activities.append(
            {
                "id": bid("act", n),
                "type": kind_name,
                "subject": f"{kind_name.title()} #{n}",
                "body": "Discussed requirements, budget and next steps." if rng.random() < 0.5 else None,
                "outcome": rng.choice([None, "positive", "follow-up needed", "no decision"]),
                "occurredAt": occurred.isoformat(),
                "durationMinutes": rng.choice([None, 15, 30, 60, 90]),
                "byId": rng.choice(user_ids),
                "about": about,
                "implicit": implicit,
            }
        )


def batches(rows: Sequence[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield list(rows[start : start + size])


async def write(db: Db, name: str, query: str, rows: Sequence[dict[str, Any]]) -> None:
    started = time.perf_counter()
    for i, batch in enumerate(batches(rows)):

        async def work(tx: Tx, batch: list[dict[str, Any]] = batch) -> None:
            await tx.run(query, {"rows": batch})

        await db.transaction(work)
        done = min((i + 1) * BATCH, len(rows))
        print(f"\r  {name}: {done}/{len(rows)}", end="", flush=True)
    print(f"\r  {name}: {len(rows)} rows in {time.perf_counter() - started:.1f}s")


async def bench_users(deps: Deps) -> list[str]:
    """The 20 users, made by the app's own domain.seed.add_user (idempotent by email)."""
    ids: list[str] = []
    for i in range(USERS):
        email = f"bench-user-{i:02d}@bench.crm"
        row = await deps.db.read_one(user_q.LOGIN, {"email": email})
        user = row["user"] if row else await add_user(deps, email, f"Bench User {i:02d}", "SALES_REP", USER_PASSWORD)
        ids.append(str(user["id"]))
    return ids


def dataset_path() -> Path:
    return Path(__file__).resolve().parent / "results" / "dataset.json"


async def seed(deps: Deps, sizes: Sizes | None = None) -> dict[str, Any]:
    print("migrations ...")
    await migrate(deps.db)
    user_ids = await bench_users(deps)
    rng = random.Random(RANDOM_SEED)
    now = datetime.now(UTC).replace(microsecond=0)
    plan = Plan(sizes=sizes or Sizes())
    started = time.perf_counter()
    plan_companies(plan, rng, user_ids)
    plan_units_and_people(plan, rng, user_ids)
    plan_relations(plan, rng)
    plan_acquaintances(plan, rng, user_ids)
    plan_opportunities(plan, rng, user_ids, now)
    plan_activities(plan, rng, user_ids, now)
    print(f"generated rows in {time.perf_counter() - started:.1f}s")
    last = plan.activities[-1]["id"]
    if await deps.db.read_one("MATCH (a:Activity {id: $id}) RETURN a.id AS id", {"id": last}):
        print("bench data present (last activity exists); nothing to write")
    else:
        db = deps.db
        await write(db, "companies", CREATE_COMPANIES, plan.companies)
        await write(db, "subsidiary links", LINK_SUBSIDIARIES, plan.subsidiaries)
        # Top units first, so every nested unit finds its parent.
        await write(db, "units", CREATE_UNITS, [u for u in plan.units if u["parentId"] is None])
        await write(db, "nested units", CREATE_UNITS, [u for u in plan.units if u["parentId"] is not None])
        await write(db, "persons", CREATE_PERSONS, plan.persons)
        for rel_type, rows in plan.relations.items():
            await write(db, f"{rel_type} relations", RELATE[rel_type], rows)
        await write(db, "acquaintances", ACQUAINT, plan.acquaintances)
        await write(db, "opportunities", CREATE_OPPORTUNITIES, plan.opportunities)
        await write(db, "buying-center members", SET_ROLES, plan.members)
        await write(db, "activities", CREATE_ACTIVITIES, plan.activities)
        rows = [{"id": k, "at": v} for k, v in plan.last_activity.items()]
        await write(db, "opportunity lastActivityAt", LAST_ACTIVITY, rows)
    counts = await deps.db.read_one(COUNTS) or {}
    dataset = await describe(deps.db, plan)
    dataset["counts"] = counts
    dataset["scale"] = plan.sizes.scale
    path = dataset_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dataset, indent=2) + "\n")
    print(json.dumps(dataset, indent=2))
    return dataset


# Someone three hops away over relations that count both ways, so influence paths exist.
PATH_PAIR = """
MATCH (a:Person {id: $fromId})-[:REPORTS_TO|KNOWS*3]-(b:Person)
WHERE b <> a AND NOT EXISTS { (a)-[:REPORTS_TO|INFLUENCES|KNOWS]-(b) }
RETURN b.id AS toId ORDER BY b.id LIMIT 1
"""
GROUP_ACTIVITIES = """
MATCH (g:Company {id: $id})<-[:SUBSIDIARY_OF*0..]-(c:Company)<-[:ABOUT]-(a:Activity)
RETURN count(DISTINCT a) AS activities
"""


async def describe(db: Db, plan: Plan) -> dict[str, Any]:
    """The ids the benchmark reads: first company page, a person, the 30-member opportunity, a path pair."""
    designated_people = [p for c in plan.designated_companies for p in plan.staff[c]]
    from_id = designated_people[-1]
    pair = await db.read_one(PATH_PAIR, {"fromId": from_id})
    intro_target = designated_people[len(designated_people) // 2]
    group = await db.read_one(GROUP_ACTIVITIES, {"id": plan.designated_group})
    return {
        "designatedGroup": plan.designated_group,
        "designatedGroupActivities": group["activities"] if group else None,
        "bigOpportunity": plan.big_opportunity,
        "person": designated_people[0],
        "pathFrom": from_id,
        "pathTo": pair["toId"] if pair else designated_people[0],
        "introductionTo": intro_target,
        "userPassword": USER_PASSWORD,
    }


def parse_scale(argv: Sequence[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description="Seed the Graph CRM benchmark data set")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="divide every total, e.g. 0.02 for a quick check (default 1)"
    )
    return float(parser.parse_args(argv).scale)


async def main() -> int:
    sizes = Sizes.scaled(parse_scale())
    deps = Deps.connect(get_settings())
    try:
        started = time.perf_counter()
        await seed(deps, sizes)
        print(f"seed done in {time.perf_counter() - started:.1f}s")
    finally:
        await deps.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
