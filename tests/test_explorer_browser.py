"""End to end in headless Chromium (Debian's package, driven by Playwright for Python): a demo manager logs
in, opens a seeded 30-member buying center and sees what the API answers; paths, introductions, live redraw,
account map, pipeline, GraphiQL offline; the page load is measured. Screenshots go to .data/screenshots/."""

from __future__ import annotations

import os
import re
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, Request, async_playwright

from domain.deps import Deps
from domain.seed import DEMO_PASSWORD, seed_demo
from tests.servers import ROOT, api_process

CHROMIUM = os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / ".data" / "screenshots"
LOAD_BUDGET_MS = 1000.0
OVERLOADED = 4.0  # load average per core above which the median says more about the neighbours than the page
ROLES = ["DECISION_MAKER", "ECONOMIC_BUYER", "TECHNICAL_EVALUATOR", "INFLUENCER", "USER", "GATEKEEPER", "BLOCKER"]
ATTITUDES = ["SUPPORTER", "NEUTRAL", "SKEPTIC", "OPPONENT", "UNKNOWN"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="make test installs chromium")


class Api:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.token = ""

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    async def aliased(self, field: str, calls: list[str]) -> list[Any]:
        """Runs calls (each `name(args) { selection }`) as aliases of one mutation, 40 a document."""
        out: list[Any] = []
        for start in range(0, len(calls), 40):
            chunk = calls[start : start + 40]
            result = await self("mutation {" + " ".join(f"m{i}: {c}" for i, c in enumerate(chunk)) + "}")
            out.extend(result[f"m{i}"] for i in range(len(chunk)))
        assert field
        return out


def q(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def seed_buying_center(api: Api) -> dict[str, Any]:
    """A group (holding + subsidiary), an outside consultancy, 30 members with roles, attitudes and relations."""
    me = (await api("{ me { id } }"))["me"]["id"]
    users = (await api("{ users(first: 50) { edges { node { id email } } } }"))["users"]["edges"]
    rep = next(e["node"]["id"] for e in users if e["node"]["email"] == "rep@demo.crm")
    holding = await api('mutation { createCompany(input: {name: "Kestrel Industries AG", city: "Kiel"}) { id } }')
    root = holding["createCompany"]["id"]
    sub = await api(
        'mutation($p: ID!) { createCompany(input: {name: "Kestrel Robotics GmbH", city: "Lübeck", parentId: $p}) { id } }',
        {"p": root},
    )
    consultancy = await api('mutation { createCompany(input: {name: "Brightpath Consulting"}) { id } }')
    companies = [root] * 26 + [sub["createCompany"]["id"]] * 2 + [consultancy["createCompany"]["id"]] * 2
    firsts = ["Anja", "Bernd", "Carla", "Dirk", "Eva", "Frank", "Gina", "Hans", "Ines", "Jan"]
    lasts = ["Albers", "Becker", "Claasen"]
    people = await api.aliased(
        "createPerson",
        [
            f"createPerson(input: {{firstName: {q(firsts[i % 10])}, lastName: {q(lasts[i // 10])}, "
            f"jobTitle: {q(f'Role {i}')}, companyId: {q(c)}}}) {{ id }}"
            for i, c in enumerate(companies)
        ],
    )
    ids = [p["id"] for p in people]
    close = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()
    opportunity = (
        await api(
            'mutation($c: ID!, $o: ID!, $d: Date!) { createOpportunity(input: {name: "Kestrel fleet renewal", '
            'companyId: $c, ownerId: $o, amount: "480000", stage: NEGOTIATION, expectedCloseDate: $d}) { id } }',
            {"c": root, "o": rep, "d": close},
        )
    )["createOpportunity"]["id"]
    await api.aliased(
        "setBuyingRole",
        [
            f"setBuyingRole(opportunityId: {q(opportunity)}, personId: {q(pid)}, roles: [{ROLES[i % 7]}], "
            f"attitude: {ATTITUDES[i % 5]}) {{ missingRoles }}"
            for i, pid in enumerate(ids)
        ],
    )
    relations: list[tuple[int, int, str, float]] = [(i, (i - 1) // 3, "REPORTS_TO", 1.0) for i in range(1, 26)]
    relations += [(26, 0, "REPORTS_TO", 1.0), (27, 26, "REPORTS_TO", 1.0)]
    relations += [(28, 12, "INFLUENCES", 0.9), (12, 4, "INFLUENCES", 0.7), (4, 1, "INFLUENCES", 0.4)]
    relations += [(29, 27, "INFLUENCES", 0.3), (9, 2, "INFLUENCES", 0.8), (20, 6, "INFLUENCES", 0.6)]
    relations += [(28, 29, "KNOWS", 0.9), (15, 22, "KNOWS", 0.5), (3, 17, "KNOWS", 0.2), (11, 27, "KNOWS", 0.7)]
    await api.aliased(
        "relatePersons",
        [
            f"relatePersons(fromId: {q(ids[a])}, toId: {q(ids[b])}, type: {t}, strength: {s}) {{ type }}"
            for a, b, t, s in relations
        ],
    )
    recent = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    await api(
        "mutation($p: [ID!]!, $o: ID!, $at: DateTime!) { logActivity(input: {type: MEETING, "
        'subject: "Fleet workshop", personIds: $p, opportunityId: $o, occurredAt: $at}) { id } }',
        {"p": ids[:10], "o": opportunity, "at": recent},
    )
    await api.aliased(
        "logActivity",
        [
            f'logActivity(input: {{type: CALL, subject: "Follow-up call {n}", personIds: [{q(ids[10 + n])}], '
            f'occurredAt: "{(datetime.now(UTC) - timedelta(days=40 + n)).isoformat()}"}}) {{ id }}'
            for n in range(20)
        ],
    )
    await api(
        "mutation($u: ID!, $p: ID!) { recordAcquaintance(userId: $u, personId: $p, strength: 0.9) }",
        {"u": rep, "p": ids[28]},
    )
    period = datetime.now(UTC).strftime("%Y-%m")
    await api(
        'mutation($u: ID!, $p: String!) { setTarget(userId: $u, period: $p, amount: "300000") { target } }',
        {"u": rep, "p": period},
    )
    return {"opportunity": opportunity, "people": ids, "manager": me, "rep": rep, "root": root}


@pytest.fixture
def server() -> Iterator[str]:
    # dev: the API serves GraphiQL, which must work offline too
    with api_process({"CRM_ENV": "dev"}) as base:
        yield base


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        await chromium.close()


def drawn_key(edges: list[dict[str, Any]]) -> Counter[tuple[str, str, str, float | None]]:
    return Counter((e["type"], e["from"], e["to"], e["strength"]) for e in edges)


def api_key(relations: list[dict[str, Any]]) -> Counter[tuple[str, str, str, float | None]]:
    return Counter((r["type"], r["from"]["id"], r["to"]["id"], r["strength"]) for r in relations)


async def click_person(page: Page, person_id: str) -> None:
    """A real mouse click on the node drawn on the canvas."""
    x, y = await page.evaluate(
        """(id) => {
            const cy = window.graphCrmExplorer.graph.cy;
            const node = cy.getElementById(id);
            const box = cy.container().getBoundingClientRect();
            const pos = node.renderedPosition();
            return [box.left + pos.x, box.top + pos.y];
        }""",
        person_id,
    )
    await page.mouse.click(x, y)


async def test_a_manager_explores_a_buying_center_in_chromium(deps: Deps, server: str, browser: Browser) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # given the demo data and a 30-member buying center, written through the API by the demo manager
    await seed_demo(deps)
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        api = Api(http)
        login = await api(
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            {"e": "manager@demo.crm", "p": DEMO_PASSWORD},
        )
        api.token = login["login"]["token"]
        seeded = await seed_buying_center(api)
        opportunity, people = seeded["opportunity"], seeded["people"]
        truth = (
            await api(
                "query($o: ID!) { buyingCenter(opportunityId: $o) { missingRoles members { person { id } } "
                "neglectedMembers { id } relations { type strength from { id } to { id } } } }",
                {"o": opportunity},
            )
        )["buyingCenter"]
        assert len(truth["members"]) == 30

        context = await browser.new_context(viewport={"width": 1440, "height": 1100})
        outside: list[str] = []

        def note(request: Request) -> None:
            if not request.url.startswith(server) and not request.url.startswith(server.replace("http", "ws")):
                outside.append(request.url)

        context.on("request", note)
        await context.route(
            lambda url: not url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")),
            lambda route: route.abort(),
        )
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        # when the manager logs in (keyboard: e-mail, password, Enter)
        await page.goto(f"{server}/explorer/")
        await page.get_by_label("E-mail").fill("manager@demo.crm")
        await page.get_by_label("Password").fill(DEMO_PASSWORD)
        await page.get_by_label("Password").press("Enter")
        await page.wait_for_selector("#app-view:not([hidden])")
        assert await page.evaluate("sessionStorage.getItem('graph-crm-token') !== null")
        # and searches the opportunity and opens it
        await page.get_by_label("Search an opportunity or a company").fill("Kestrel fleet")
        await page.get_by_role("button", name="Search", exact=True).click()
        await page.get_by_role("button", name="Opportunity: Kestrel fleet renewal").click()
        await page.wait_for_selector("#bc-panel[data-ready=true]")

        # then the nodes and edges drawn are the API's buying center, and the list view shows the same
        drawn = await page.evaluate("window.graphCrmExplorer.graph.drawn()")
        assert sorted(drawn["nodes"]) == sorted(m["person"]["id"] for m in truth["members"])
        assert drawn_key(drawn["edges"]) == api_key(truth["relations"])
        assert len(truth["relations"]) == 37
        assert await page.locator("#bc-people tr").count() == 30
        assert await page.locator("#bc-relations tr").count() == 37
        assert await page.locator("#missing-roles").inner_text() == "Missing roles: Champion"
        assert truth["missingRoles"] == ["CHAMPION"]
        neglected_rows = await page.locator("#bc-people tr", has_text="neglected:").count()
        assert neglected_rows == len(truth["neglectedMembers"]) == 20
        last_call = await page.locator(f'#bc-people tr[data-person-row="{people[10]}"]').inner_text()
        assert re.search(r"neglected: (39|40) days", last_call), last_call
        external = await page.evaluate("window.graphCrmExplorer.graph.cy.nodes('.external').map(n => n.id())")
        assert sorted(external) == sorted(people[28:])

        await page.screenshot(path=str(SHOTS / "buying-center-opened.png"), full_page=False)
        # the customer's history is beside the graph, 15 entries a page
        await page.wait_for_selector("#timeline-more:not([hidden])")
        assert await page.locator("#timeline-list li").count() == 15
        await page.get_by_role("button", name="Older entries").click()
        # (the calls with the two consultants are on their firm's history, not the customer's)
        await page.wait_for_function("document.querySelectorAll('#timeline-list li').length === 19")
        assert await page.locator("#timeline-more").is_hidden()
        timeline = await page.locator("#timeline-list").inner_text()
        assert "Fleet workshop" in timeline and "Follow-up call 17" in timeline and "Follow-up call 18" not in timeline

        # when two people are clicked on the canvas
        await click_person(page, people[28])
        await page.wait_for_function("window.graphCrmExplorer.state.selected.length === 1", timeout=5000)
        await click_person(page, people[4])
        await page.wait_for_selector("#path-info[data-ready=true]")
        # then the highlighted path is influencePaths' first answer
        assert await page.evaluate("window.graphCrmExplorer.state.selected") == [people[28], people[4]]
        paths = (
            await api(
                "query($a: ID!, $b: ID!) { influencePaths(fromPersonId: $a, toPersonId: $b) "
                "{ people { id fullName } relations { type from { id } to { id } } } }",
                {"a": people[28], "b": people[4]},
            )
        )["influencePaths"]
        best = paths[0]
        highlighted = await page.evaluate("window.graphCrmExplorer.graph.highlightedEdges()")
        assert sorted((e["type"], e["from"], e["to"]) for e in highlighted) == sorted(
            (r["type"], r["from"]["id"], r["to"]["id"]) for r in best["relations"]
        )
        assert len(best["relations"]) >= 2
        path_text = await page.locator("#path-info").inner_text()
        assert path_text.startswith("Best influence path: " + " → ".join(p["fullName"] for p in best["people"]))
        # and the warm introductions to the person selected last name the colleague who can open the door
        await page.wait_for_selector("#intro-list li[data-user]")
        assert "Rita Rep" in await page.locator("#intro-list").inner_text()
        await page.evaluate("window.scrollTo(0, 0); document.querySelector('.timeline').scrollTo(0, 0)")
        await page.screenshot(path=str(SHOTS / "buying-center.png"))
        await page.screenshot(path=str(SHOTS / "buying-center-full.png"), full_page=True)

        # when the buying center changes elsewhere (a champion is named), the page redraws by itself
        revision = await page.get_attribute("#bc-panel", "data-revision")
        await api(
            "mutation($o: ID!, $p: ID!) { setBuyingRole(opportunityId: $o, personId: $p, roles: [CHAMPION]) "
            "{ missingRoles } }",
            {"o": opportunity, "p": people[5]},
        )
        await page.wait_for_function(
            f"document.querySelector('#bc-panel').dataset.revision !== '{revision}'"
            " && document.querySelector('#missing-roles').hidden",
            timeout=15_000,
        )
        # and keeps the selection and the places of the people
        assert await page.evaluate("window.graphCrmExplorer.state.selected") == [people[28], people[4]]

        # the list view works from the keyboard: Enter on a person's button selects that person
        await page.locator(f'#bc-people button[data-person="{people[0]}"]').press("Enter")
        await page.wait_for_function(f"window.graphCrmExplorer.state.selected.join() === '{people[0]}'")
        assert (
            await page.locator(f'#bc-people tr[data-person-row="{people[0]}"]').get_attribute("aria-selected") == "true"
        )

        # when the account map is opened (keyboard: arrow keys move between the tabs)
        await page.locator("#tab-bc").focus()
        await page.keyboard.press("ArrowRight")
        await page.wait_for_selector("#account-tree li[data-company]")
        await page.wait_for_selector("#org-chart li[data-person]")
        tree = await page.locator("#account-tree").inner_text()
        assert "Kestrel Industries AG" in tree and "Kestrel Robotics GmbH" in tree
        assert "Kestrel fleet renewal" in tree
        assert await page.locator("#org-chart li[data-person]").count() == 26
        await page.screenshot(path=str(SHOTS / "account-map.png"), full_page=False)

        # when the pipeline view is opened
        await page.get_by_role("tab", name="Pipeline").click()
        await page.wait_for_selector("#pipeline-panel[data-ready=true]")
        # then the charts are drawn with the team's pipeline and the targets
        assert await page.locator("#pipeline-table tr").count() == 6
        assert "Negotiation" in await page.locator("#pipeline-table").inner_text()
        assert "Rita Rep" in await page.locator("#target-table").inner_text()
        await page.screenshot(path=str(SHOTS / "pipeline.png"), full_page=False)

        # when the buying center is loaded anew (logged in), once cold and seven times more: the page load is measured
        loads: list[dict[str, float]] = []
        for i in range(8):
            started = time.perf_counter()
            await page.goto(f"{server}/explorer/?load={i}#/opportunity/{opportunity}")
            await page.wait_for_selector("#bc-panel[data-ready=true]")
            marks = await page.evaluate(
                "Object.fromEntries(performance.getEntriesByType('mark').map(m => [m.name, m.startTime]))"
            )
            loads.append({**marks, "wall": (time.perf_counter() - started) * 1000})
        cold, loads = loads[0], loads[1:]
        drawn_ms = [load["buying-center-drawn"] for load in loads]
        median = statistics.median(drawn_ms)
        typical = min(loads, key=lambda load: abs(load["buying-center-drawn"] - median))
        report = (
            f"buying center of 30 members, navigation start to graph drawn: median {median:.0f} ms, "
            f"min {min(drawn_ms):.0f}, max {max(drawn_ms):.0f} over {len(drawn_ms)} loads "
            f"({', '.join(f'{d:.0f}' for d in drawn_ms)}); the median load: script running at "
            f"{typical['explorer-start']:.0f} ms, API answered at {typical['buying-center-answered']:.0f} ms, "
            f"laid out at {typical['buying-center-laid-out']:.0f} ms, drawn at {typical['buying-center-drawn']:.0f} ms; "
            f"wall clock of page.goto to drawn: median {statistics.median(load['wall'] for load in loads):.0f} ms; "
            f"the first (cold) load after the other views: {cold['buying-center-drawn']:.0f} ms\n"
        )
        load_per_core = os.getloadavg()[0] / (os.cpu_count() or 1)
        report += f"load average per core during the test: {load_per_core:.1f}\n"
        (SHOTS / "page-load.txt").write_text(report)
        print(report)
        # then it is drawn within a second: the median of the loads, or, while other work keeps the machine's
        # cores busy several times over (load average per core above 4), at least the best load
        assert (median if load_per_core <= OVERLOADED else min(drawn_ms)) <= LOAD_BUDGET_MS, report

        # a tablet-sized viewport shows the same view, stacked
        await page.set_viewport_size({"width": 820, "height": 1180})
        await page.wait_for_timeout(200)
        await page.screenshot(path=str(SHOTS / "buying-center-tablet.png"), full_page=False)

        # logout clears the token
        await page.get_by_role("button", name="Log out").click()
        assert await page.evaluate("sessionStorage.getItem('graph-crm-token')") is None
        await page.wait_for_selector("#login-view:not([hidden])")

        # GraphiQL renders with nothing but the local build (every other host is blocked)
        await page.goto(f"{server}/graphql")
        await page.wait_for_selector(".graphiql-container", timeout=15_000)
        await page.screenshot(path=str(SHOTS / "graphiql.png"), full_page=False)
        assert outside == []
        assert errors == []
        await context.close()
