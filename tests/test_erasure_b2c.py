"""erasePerson reaches the [b2c] copies too: consents and their evidence, mail deliveries (counts kept, nobody
named), shop webhook bodies still held, and the links already mailed; an order of an erased customer still reads."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain import imports, mail_runs, mailings, shops
from domain.deps import Deps
from integrations.shops import signature
from tests.conftest import Gql, data
from tests.mail_sink import Sink, text_of, use_sink
from tests.mail_world import PERSON, RECORD, campaign, mailing, member, segment

sink = pytest.fixture(name="sink")(use_sink)

SHOP = "graph-crm-test.myshopify.com"
SECRET = "shpss_erasure_secret"
FIXTURE = "tests/fixtures/shops/shopify_orders_create.json"
ERASE = "mutation($id: ID!) { erasePerson(id: $id) }"
IMPORT = "mutation($csv: String!) { importContacts(csv: $csv, matchOn: EMAIL) { id } }"
JOB_ERRORS = "query($id: ID!) { importJob(id: $id) { errors(first: 10) { edges { node { row message } } } } }"
UPSERT = "mutation($i: [OrderUpsertInput!]!) { upsertOrders(input: $i) { results { id } } }"
HISTORY = "query($p: ID!) { person(id: $p) { consents { purpose status history { evidence } } } }"
STATS = "query($id: ID!) { campaign(id: $id) { stats { sent delivered opened } mailings { sentCount } } }"
ORDER = """query($id: ID!) { node(id: $id) { ... on Order { number total currency customer {
  id firstName lastName fullName email phones city country tags source company { id } consents { purpose }
  externalIds { system value } orderCount totalSpent lastOrderAt spentByCurrency { currency amount orderCount }
  orders(first: 5) { totalCount edges { node { number } } } } } } }"""


@pytest.fixture(autouse=True)
def shop_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_SHOP_SECRETS", f"shopify:{SHOP}={SECRET}")


def shop_body(order_id: int, email: str | None) -> bytes:
    """The Shopify fixture as another order; its customer's addresses replaced by `email` (when given)."""
    payload = json.loads(Path(FIXTURE).read_bytes())
    payload["id"] = order_id
    text = json.dumps(payload)
    if email is not None:
        text = re.sub(r"(?i)jon@example\.com|john@example\.com", email, text)
    return text.encode()


async def post_shop(client: httpx.AsyncClient, body: bytes) -> None:
    headers = {
        "content-type": "application/json",
        "x-shopify-topic": "orders/create",
        "x-shopify-shop-domain": SHOP,
        "x-shopify-hmac-sha256": signature(SECRET, body),
    }
    response = await client.post("/webhooks/shop/shopify", content=body, headers=headers)
    assert response.json() == {"status": "accepted"}


async def inbox(deps: Deps) -> list[dict[str, Any]]:
    return await deps.db.read(
        "MATCH (i:ShopInbox) RETURN i.orderId AS orderId, i.status AS status, i.body IS NOT NULL AS body "
        "ORDER BY i.orderId"
    )


async def test_erasure_removes_consents_evidence_delivery_names_shop_bodies_and_voids_mailed_links(
    gql: Gql, admin_token: str, deps: Deps, client: httpx.AsyncClient, sink: Sink
) -> None:
    # given Jon and Bob, club members consenting to the newsletter
    fields = {"firstName": "Jon", "lastName": "Member", "email": "jon@example.com", "tags": ["club"]}
    jon = data(await gql(PERSON, {"i": fields}, admin_token))["createPerson"]["id"]
    data(await gql(RECORD, {"p": jon, "pu": "newsletter"}, admin_token))
    bob = await member(gql, admin_token, "Bob")
    # and Jon's confirmed double opt-in for offers (its evidence names the client address)
    request = (
        'mutation($p: ID!) { requestConsent(personId: $p, channel: EMAIL, purpose: "offers", source: "shop") '
        "{ status } }"
    )
    data(await gql(request, {"p": jon}, admin_token))
    (confirmation,) = sink.to("jon@example.com")
    link = re.search(r"/consent/confirm\?token=(\S+)", text_of(confirmation)).group(1)  # type: ignore[union-attr]
    assert (await client.post("/consent/confirm", params={"token": link})).status_code == 200
    before = data(await gql(HISTORY, {"p": jon}, admin_token))["person"]["consents"]
    assert before[1]["purpose"] == "offers"
    assert before[1]["history"][1]["evidence"].startswith("double opt-in confirmed from ")
    # and a mailing sent to both, which Jon opened
    cpg, seg = await campaign(gql, admin_token), await segment(gql, admin_token)
    created = await mailing(gql, admin_token, cpg, seg)
    await deps.db.write(
        "MATCH (m:Mailing {id: $id}) SET m.status = 'SCHEDULED', m.nextRunAt = datetime($at)",
        {"id": created["id"], "at": datetime.now(UTC).isoformat()},
    )
    (run_id,) = await mailings.start_due(deps)
    assert await mail_runs.chunk(deps, run_id, None) == "done"
    (news,) = sink.to("jon@example.com")[1:]
    html = str(news.get_body(("html",)).get_content())  # type: ignore[union-attr]
    pixel = re.search(r'src="http://127\.0\.0\.1:8000(/t/o/[^"]+)"', html).group(1)  # type: ignore[union-attr]
    unsubscribe = news["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")
    assert (await client.get(pixel)).status_code == 200
    stats = {"stats": {"sent": 2, "delivered": 2, "opened": 1}, "mailings": [{"sentCount": 2}]}
    assert data(await gql(STATS, {"id": cpg}, admin_token))["campaign"] == stats
    # and shop deliveries not processed yet (no worker): one naming Jon's address, one for an order of Jon's that
    # names another address, one of another customer
    system = f"shopify:{SHOP}"
    jons_order = {
        "externalId": {"system": system, "value": "2002"},
        "number": "#2002",
        "placedAt": "2026-11-20T10:00:00Z",
        "currency": "EUR",
        "lines": [{"sku": "S", "productName": "Shirt", "quantity": 1, "unitPrice": "20.00"}],
        "customerEmail": "jon@example.com",
    }
    data(await gql(UPSERT, {"i": [jons_order]}, admin_token))
    await post_shop(client, shop_body(1001, None))
    await post_shop(client, shop_body(2002, "jon.new@example.org"))
    await post_shop(client, shop_body(3003, "zoe@example.org"))
    # and a contact import that updated him, with a rejected row of his
    csv = "firstName,lastName,email,city\nJon,Member,jon@example.com,Oslo\nJon,Member,JON@example.com,Oslo\n"
    job = data(await gql(IMPORT, {"csv": csv}, admin_token))["importContacts"]["id"]
    assert await imports.run_slice(deps, job) is True

    # when Jon is erased
    assert data(await gql(ERASE, {"id": jon}, admin_token)) == {"erasePerson": jon}

    # then his consents and their records are gone, Bob's stay
    consents = await deps.db.read(
        "MATCH (c:Consent) RETURN c.key AS key, COUNT { (c)-[:HAD]->(:ConsentRecord) } AS records ORDER BY key"
    )
    assert consents == [{"key": f"{bob}|EMAIL|newsletter", "records": 1}]
    assert (await deps.db.read("MATCH (r:ConsentRecord) RETURN count(r) AS n")) == [{"n": 1}]
    # the mailing's and the campaign's counts are as before, and no delivery names him
    assert data(await gql(STATS, {"id": cpg}, admin_token))["campaign"] == stats
    deliveries = await deps.db.read(
        "MATCH (d:Delivery) RETURN d.personId AS person, d.key CONTAINS $jon AS named, d.status AS status, "
        "d.openedAt IS NOT NULL AS opened, d.erasedAt IS NOT NULL AS erased ORDER BY person",
        {"jon": jon},
    )
    assert deliveries == [
        {"person": bob, "named": False, "status": "SENT", "opened": False, "erased": False},
        {"person": None, "named": False, "status": "SENT", "opened": True, "erased": True},
    ]
    # the shop bodies naming him or his order are gone and will not be processed; the other one waits
    assert await inbox(deps) == [
        {"orderId": "1001", "status": "ERASED", "body": False},
        {"orderId": "2002", "status": "ERASED", "body": False},
        {"orderId": "3003", "status": "PENDING", "body": True},
    ]
    keys = await deps.db.read("MATCH (i:ShopInbox) RETURN i.key AS key ORDER BY i.orderId")
    assert await shops.process(deps, keys[0]["key"]) == "ERASED"
    # the links he was mailed write nothing any more: the pixel, the unsubscribe, the used confirmation
    assert (await client.get(pixel)).status_code == 200
    assert (await client.post(unsubscribe)).status_code == 200
    confirm = "mutation($t: String!) { confirmConsent(token: $t) }"
    assert data(await gql(confirm, {"t": link})) == {"confirmConsent": False}
    assert (await deps.db.read("MATCH (c:Consent) RETURN count(c) AS n")) == [{"n": 1}]
    assert data(await gql(STATS, {"id": cpg}, admin_token))["campaign"] == stats
    # the import's row errors never held his data (a row number and a reason) and stay as they were
    errors = data(await gql(JOB_ERRORS, {"id": job}, admin_token))["importJob"]["errors"]["edges"]
    assert errors == [{"node": {"row": 3, "message": "duplicate of row 2 in this file"}}]
    # and nothing left in the graph holds his address or his name
    everything = await deps.db.read("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    leftovers = [r["labels"] for r in everything if re.search(r"(?i)jon@example|\bjon\b", repr(r["props"]))]
    assert leftovers == []


async def test_an_order_of_an_erased_customer_reads_with_an_anonymous_customer(gql: Gql, admin_token: str) -> None:
    # given a customer with an order in EUR and one in USD
    lines = [{"sku": "S", "productName": "Shirt", "quantity": 2, "unitPrice": "12.50"}]
    rows = [
        {"externalId": {"system": "shop", "value": "E-1"}, "number": "E-1", "placedAt": "2026-10-01T10:00:00Z",
         "currency": "EUR", "lines": lines, "customerEmail": "ida@example.com", "customerLastName": "Ida"},
        {"externalId": {"system": "shop", "value": "U-1"}, "number": "U-1", "placedAt": "2026-10-02T10:00:00Z",
         "currency": "USD", "lines": lines, "customerEmail": "ida@example.com"},
    ]  # fmt: skip
    first, _ = data(await gql(UPSERT, {"i": rows}, admin_token))["upsertOrders"]["results"]
    customer = data(await gql(ORDER, {"id": first["id"]}, admin_token))["node"]["customer"]["id"]
    # when the customer is erased
    data(await gql(ERASE, {"id": customer}, admin_token))
    # then the order reads without an error, its customer an anonymous placeholder with the order aggregates
    result = await gql(ORDER, {"id": first["id"]}, admin_token)
    assert "errors" not in result
    assert result["data"]["node"] == {
        "number": "E-1",
        "total": "25.00",
        "currency": "EUR",
        "customer": {
            "id": customer,
            "firstName": None,
            "lastName": "(erased)",
            "fullName": "(erased)",
            "email": None,
            "phones": [],
            "city": None,
            "country": None,
            "tags": [],
            "source": None,
            "company": None,
            "consents": [],
            "externalIds": [],
            "orderCount": 2,
            "totalSpent": "25.00",
            "lastOrderAt": "2026-10-02T10:00:00+00:00",
            "spentByCurrency": [
                {"currency": "EUR", "amount": "25.00", "orderCount": 1},
                {"currency": "USD", "amount": "25.00", "orderCount": 1},
            ],
            "orders": {"totalCount": 2, "edges": [{"node": {"number": "U-1"}}, {"node": {"number": "E-1"}}]},
        },
    }
    # and the erased person itself is no person any more
    missing = await gql("query($id: ID!) { person(id: $id) { id } }", {"id": customer}, admin_token)
    assert data(missing) == {"person": None}


async def test_a_customer_with_orders_is_erased_not_deleted_and_a_delete_takes_the_consents_along(
    gql: Gql, admin_token: str, deps: Deps
) -> None:
    # given a customer with an order, and a person with a recorded consent
    lines = [{"sku": "S", "productName": "Shirt", "quantity": 1, "unitPrice": "10.00"}]
    row = {"externalId": {"system": "shop", "value": "K-1"}, "number": "K-1", "placedAt": "2026-10-01T10:00:00Z",
           "currency": "EUR", "lines": lines, "customerEmail": "kim@example.com"}  # fmt: skip
    (placed,) = data(await gql(UPSERT, {"i": [row]}, admin_token))["upsertOrders"]["results"]
    kim = data(await gql(ORDER, {"id": placed["id"]}, admin_token))["node"]["customer"]["id"]
    fields = {"firstName": "Lou", "lastName": "Member", "email": "lou@example.com"}
    lou = data(await gql(PERSON, {"i": fields}, admin_token))["createPerson"]["id"]
    data(await gql(RECORD, {"p": lou, "pu": "newsletter"}, admin_token))
    delete = "mutation($id: ID!) { deletePerson(id: $id) }"
    # when the customer is deleted: CONFLICT (its orders keep their customer), nothing written
    refused = await gql(delete, {"id": kim}, admin_token)
    assert refused["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert data(await gql(ORDER, {"id": placed["id"]}, admin_token))["node"]["customer"]["email"] == "kim@example.com"
    # when the other person is deleted, its consent and the consent's evidence go with it
    assert data(await gql(delete, {"id": lou}, admin_token)) == {"deletePerson": lou}
    assert await deps.db.read("MATCH (n) WHERE n:Consent OR n:ConsentRecord RETURN count(n) AS n") == [{"n": 0}]
