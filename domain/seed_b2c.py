"""Demo data for [b2c]: a consumer base with orders and e-mail consents, two campaigns, a segment and a
recurring mailing, so a newcomer sees segments, stats and the weekly newsletter in GraphiQL and Mailpit."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from domain import campaigns, consent, mailings, orders, segments
from domain.auth import Principal
from domain.deps import Deps
from graph import orders as order_q

CONSUMERS = 2_000
FIRST = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannah", "Jonas", "Lena", "Max", "Mia", "Paul"]
LAST = ["Fischer", "Meyer", "Schulz", "Wagner", "Becker", "Hoffmann", "Koch", "Richter", "Wolf", "Neumann"]
PRODUCTS = [
    ("COF-1", "Coffee grinder", "89.00"),
    ("BEA-2", "Espresso beans 1 kg", "24.90"),
    ("CUP-3", "Cup set", "39.50"),
]
PURPOSE = "newsletter"
NEWSLETTER = """Hello {{ person.firstName or "there" }},

this week's roast is ready: fresh beans from our own roastery, ground to order.
"""


def _orders(now: datetime) -> list[dict[str, Any]]:
    rng = random.Random(7)
    rows = []
    for n in range(CONSUMERS):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        sku, name, price = rng.choice(PRODUCTS)
        rows.append(
            {
                "externalId": {"system": "demo-shop", "value": f"order-{n:05d}"},
                "number": f"DS-{n:05d}",
                "placedAt": now - timedelta(days=rng.randint(1, 400), hours=rng.randint(0, 23)),
                "currency": "EUR",
                "customerEmail": f"{first}.{last}.{n}@consumer.example".lower(),
                "customerFirstName": first,
                "customerLastName": last,
                "lines": [{"sku": sku, "productName": name, "quantity": rng.randint(1, 3), "unitPrice": price}],
            }
        )
    return rows


async def seed_b2c(deps: Deps, admin: Principal) -> str:
    now = datetime.now(UTC).replace(microsecond=0)
    rows = _orders(now)
    order_ids: list[str] = []
    for start in range(0, len(rows), orders.MAX_ROWS):
        results = await orders.upsert_orders(deps, admin, rows[start : start + orders.MAX_ROWS])
        order_ids += [r.id for r in results]
    buyers = [row["id"] for row in await deps.db.read(order_q.CUSTOMERS_OF, {"ids": order_ids})]
    consenting = buyers[::3]  # every third consumer subscribed to the newsletter at the shop's checkout
    for person_id in consenting:
        await consent.record(deps, admin, person_id, "EMAIL", PURPOSE, "demo shop checkout, newsletter box ticked")
    spring = await campaigns.create(
        deps, admin, {"name": "Spring coffee promotion", "channel": "EMAIL", "budget": "5000", "currency": "EUR"}
    )
    await campaigns.create(deps, admin, {"name": "Roastery open day", "channel": "POST", "currency": "EUR"})
    segment = await segments.create(
        deps,
        admin,
        "Bought in the last 90 days, newsletter subscribers",
        {
            "all": [
                {"purchased": {"withinDays": 90, "minCount": 1}},
                {"hasConsent": {"channel": "EMAIL", "purpose": PURPOSE}},
            ]
        },
    )
    await mailings.create(
        deps,
        admin,
        {
            "campaignId": spring,
            "segmentId": segment,
            "subject": "This week's roast",
            "bodyTemplate": NEWSLETTER,
            "fromAddress": deps.settings.mail_senders[0] if deps.settings.mail_senders else "news@demo.crm",
            "consentPurpose": PURPOSE,
            "recurrence": "0 9 * * 1",
            "timezone": "Europe/Berlin",
        },
    )
    return f"{CONSUMERS} consumers with orders, {len(consenting)} newsletter consents, 2 campaigns, a weekly mailing"
