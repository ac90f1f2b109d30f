"""Shared helpers of the [b2c] segments/campaigns/events tests."""

from __future__ import annotations

from typing import Any

from tests.conftest import Gql, data

FEED = """query($types: [EntityType!]) { changes(first: 1000, types: $types) { edges { node { type nodeId op fields } } } }"""


async def feed(gql: Gql, token: str, *types: str) -> list[tuple[str, str, str]]:
    found = data(await gql(FEED, {"types": list(types)}, token))
    return [(e["node"]["type"], e["node"]["nodeId"], e["node"]["op"]) for e in found["changes"]["edges"]]


async def create_campaign(gql: Gql, token: str, **fields: Any) -> str:
    payload = {"name": "Spring sale", "channel": "EMAIL", **fields}
    found = data(
        await gql("mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id } }", {"i": payload}, token)
    )
    return str(found["createCampaign"]["id"])


async def create_person(gql: Gql, token: str, last: str, **fields: Any) -> str:
    found = data(
        await gql(
            "mutation($i: CreatePersonInput!) { createPerson(input: $i) { id } }",
            {"i": {"lastName": last, **fields}},
            token,
        )
    )
    return str(found["createPerson"]["id"])
