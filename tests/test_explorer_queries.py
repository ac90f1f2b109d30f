"""The explorer's queries (web/src/queries/*.graphql) are valid against the schema the app serves, and the
app serves the built front end and GraphiQL from it (no CDN)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from graphql import build_client_schema, get_introspection_query, parse, validate

from crm import web
from tests.conftest import data

QUERIES = sorted((Path(__file__).resolve().parent.parent / "web" / "src" / "queries").glob("*.graphql"))


async def test_every_explorer_query_validates_against_the_served_schema(
    client: httpx.AsyncClient, admin_token: str
) -> None:
    # given the schema as the app serves it (introspection over HTTP, as a front-end team would fetch it)
    response = await client.post(
        "/graphql", json={"query": get_introspection_query()}, headers={"Authorization": f"Bearer {admin_token}"}
    )
    schema = build_client_schema(data(response.json()))  # type: ignore[arg-type]
    # when each query file is validated
    problems = {path.name: [e.message for e in validate(schema, parse(path.read_text()))] for path in QUERIES}
    # then none has an error, and every view's operation is there
    assert {name: errors for name, errors in problems.items() if errors} == {}
    assert [p.stem for p in QUERIES] == [
        "accountMap",
        "buyingCenter",
        "groupTop",
        "influencePaths",
        "introductionPaths",
        "login",
        "me",
        "opportunityChanged",
        "orgChart",
        "pipeline",
        "search",
        "team",
        "timeline",
    ]


async def test_the_app_serves_the_built_explorer(client: httpx.AsyncClient) -> None:
    # given the front end built into web/dist (make web)
    assert (web.dist() / "index.html").is_file(), "run `make web` first"
    # when the explorer and its bundle are fetched
    redirect = await client.get("/explorer")
    page = await client.get("/explorer/")
    bundle = await client.get("/explorer/explorer.js")
    # then the page and its script come from the app, and the page names no other host
    assert (redirect.status_code, redirect.headers["location"]) == (308, "/explorer/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/explorer/explorer.js">' in page.text
    assert re.findall(r"(?:src|href)=\"(https?:[^\"]+)\"", page.text) == []
    assert bundle.status_code == 200
    assert bundle.headers["content-type"] in ("text/javascript; charset=utf-8", "application/javascript")


def test_graphiql_page_loads_its_assets_from_the_local_build() -> None:
    # given the GraphiQL page of the build
    page = web.graphiql_html()
    # then it loads the bundle and style of the same build, and nothing from unpkg or another host
    assert page is not None
    assert '<script type="module" src="/explorer/graphiql.js">' in page
    assert '<link rel="stylesheet" href="/explorer/graphiql.css" />' in page
    assert "unpkg" not in page
    assert re.findall(r"(?:src|href)=\"(https?:[^\"]+)\"", page) == []
    assert (web.dist() / "graphiql.js").stat().st_size > 100_000
