"""Concurrency of the other check-then-write paths: each holds under parallel requests."""

from __future__ import annotations

import asyncio
from typing import Any

from domain.deps import Deps
from tests.conftest import Gql, data, error_code

PARALLEL = 10


async def _count(deps: Deps, query: str, params: dict[str, Any] | None = None) -> int:
    rows = await deps.db.read(query, params)
    return int(rows[0]["n"])


async def _person(gql: Gql, token: str, name: str, **fields: Any) -> str:
    created = await gql(
        "mutation($i: CreatePersonInput!) { createPerson(input: $i) { id } }",
        {"i": {"lastName": name, **fields}},
        token,
    )
    return str(data(created)["createPerson"]["id"])


async def test_parallel_users_with_one_email_are_one_user(gql: Gql, deps: Deps, admin_token: str) -> None:
    create = (
        "mutation($n: String!) { createUser(input: {email: 'Same@crm.test', name: $n, role: SALES_REP, "
        'password: "long enough password"}) { id } }'
    ).replace("'", '"')
    # when ten admins create a user with the same e-mail at once
    results = await asyncio.gather(*(gql(create, {"n": f"User {i}"}, admin_token) for i in range(PARALLEL)))
    # then one is created and the others conflict on the e-mail
    assert sum("errors" not in r for r in results) == 1
    assert sorted(error_code(r) for r in results if "errors" in r) == ["CONFLICT"] * (PARALLEL - 1)
    assert await _count(deps, "MATCH (u:User {email: 'same@crm.test'}) RETURN count(u) AS n") == 1


async def test_parallel_acquaintances_relations_and_roles_are_one_each(
    gql: Gql, deps: Deps, admin: tuple[str, str]
) -> None:
    admin_id, token = admin
    a, b = await _person(gql, token, "Anna"), await _person(gql, token, "Bert")
    opportunity = data(await gql('mutation { createOpportunity(input: {name: "O", amount: "1"}) { id } }', token=token))
    opportunity_id = opportunity["createOpportunity"]["id"]
    acquaint = "mutation($u: ID!, $p: ID!) { recordAcquaintance(userId: $u, personId: $p) }"
    relate = "mutation($f: ID!, $t: ID!) { relatePersons(fromId: $f, toId: $t, type: KNOWS) { type } }"
    role = (
        "mutation($o: ID!, $p: ID!, $r: [BuyingRole!]!) "
        "{ setBuyingRole(opportunityId: $o, personId: $p, roles: $r) { missingRoles } }"
    )
    # when the same acquaintance, the same mutual relation (both ways) and a role are recorded ten times at once
    results = await asyncio.gather(
        *(gql(acquaint, {"u": admin_id, "p": a}, token) for _ in range(PARALLEL)),
        *(gql(relate, {"f": a, "t": b} if i % 2 else {"f": b, "t": a}, token) for i in range(PARALLEL)),
        *(
            gql(role, {"o": opportunity_id, "p": a, "r": ["CHAMPION" if i % 2 else "DECISION_MAKER"]}, token)
            for i in range(PARALLEL)
        ),
    )
    # then all succeed and each is stored once
    assert all("errors" not in r for r in results)
    assert await _count(deps, "MATCH (:User)-[k:KNOWS_PERSON]->(:Person) RETURN count(k) AS n") == 1
    assert await _count(deps, "MATCH (:Person)-[k:KNOWS]->(:Person) RETURN count(k) AS n") == 1
    assert await _count(deps, "MATCH (:Person)-[m:IN_BUYING_CENTER]->(:Opportunity) RETURN count(m) AS n") == 1


async def test_parallel_moves_keep_a_persons_unit_in_the_persons_company(
    gql: Gql, deps: Deps, admin_token: str
) -> None:
    create_company = "mutation($n: String!) { createCompany(input: {name: $n}) { id } }"
    create_unit = "mutation($c: ID!, $n: String!) { createUnit(input: {companyId: $c, name: $n}) { id } }"
    update = "mutation($id: ID!, $i: UpdatePersonInput!) { updatePerson(id: $id, input: $i) { id } }"
    old, new = [data(await gql(create_company, {"n": n}, admin_token))["createCompany"]["id"] for n in ("Old", "New")]
    sales, support = [
        data(await gql(create_unit, {"c": old, "n": n}, admin_token))["createUnit"]["id"] for n in ("Sales", "Support")
    ]
    for attempt in range(PARALLEL):
        # given a person in the old company's sales unit
        person = await _person(gql, admin_token, f"Mover {attempt}", companyId=old, unitId=sales)
        # when one user moves the person to the new company while another puts them in the support unit
        results = await asyncio.gather(
            gql(update, {"id": person, "i": {"companyId": new}}, admin_token),
            gql(update, {"id": person, "i": {"unitId": support}}, admin_token),
        )
        assert all("errors" not in r for r in results)
        # then the person works at one company, and a unit they belong to is one of that company's
        rows = await deps.db.read(
            "MATCH (p:Person {id: $id}) RETURN COUNT { (p)-[:WORKS_AT]->() } AS employers, "
            "[(p)-[:WORKS_AT]->(c) | c.id] AS companies, [(p)-[:MEMBER_OF]->()-[:UNIT_OF]->(c) | c.id] AS unitCompanies",
            {"id": person},
        )
        assert rows[0]["employers"] == 1
        assert rows[0]["unitCompanies"] in ([], rows[0]["companies"])


async def test_erasure_leaves_nothing_personal_however_writers_interleave(
    gql: Gql, deps: Deps, admin: tuple[str, str]
) -> None:
    admin_id, token = admin
    other = await _person(gql, token, "Other")
    update = (
        "mutation($id: ID!) { updatePerson(id: $id, input: {firstName: 'Again', email: 'again@x.example'}) { id } }"
    )
    relate = "mutation($f: ID!, $t: ID!) { relatePersons(fromId: $f, toId: $t, type: INFLUENCES) { type } }"
    acquaint = "mutation($u: ID!, $p: ID!) { recordAcquaintance(userId: $u, personId: $p) }"
    log = "mutation($p: ID!) { logActivity(input: {type: CALL, subject: 'Call', personIds: [$p]}) { id } }"
    for attempt in range(PARALLEL):
        person = await _person(gql, token, f"Erased {attempt}", email=f"erased{attempt}@x.example")
        # when the person is erased while others update, relate, acquaint and log a call about them
        results = await asyncio.gather(
            gql("mutation($id: ID!) { erasePerson(id: $id) }", {"id": person}, token),
            gql(update.replace("'", '"'), {"id": person}, token),
            gql(relate, {"f": other, "t": person}, token),
            gql(acquaint, {"u": admin_id, "p": person}, token),
            gql(log.replace("'", '"'), {"p": person}, token),
        )
        # then the erasure succeeds and the others either ran before it or are told the person is gone
        # (an update that ran before it cannot read the person back)
        assert "errors" not in results[0]
        gone = {("NOT_FOUND", None), ("BAD_USER_INPUT", "the person vanished while being written")}
        for result in results[1:]:
            if "errors" in result:
                code, message = error_code(result), result["errors"][0]["message"]
                assert (code, None if code == "NOT_FOUND" else message) in gone
        # and the erased node keeps no personal property and no relation (its names are the placeholder's)
        rows = await deps.db.read(
            "MATCH (p:ErasedPerson {id: $id}) RETURN keys(p) AS keys, [p.lastName, p.fullName] AS names, "
            "COUNT { (p)--() } AS relations",
            {"id": person},
        )
        keys = ["createdAt", "erasedAt", "fullName", "id", "lastName", "updatedAt"]
        assert [(sorted(r["keys"]), r["names"], r["relations"]) for r in rows] == [(keys, ["(erased)"] * 2, 0)]


async def test_parallel_activities_leave_the_latest_as_an_opportunitys_last_activity(
    gql: Gql, deps: Deps, admin_token: str
) -> None:
    created = await gql('mutation { createOpportunity(input: {name: "Busy", amount: "1"}) { id } }', token=admin_token)
    opportunity = data(created)["createOpportunity"]["id"]
    log = (
        "mutation($o: ID!, $t: DateTime!) "
        '{ logActivity(input: {type: CALL, subject: "Call", opportunityId: $o, occurredAt: $t}) { id } }'
    )
    for attempt in range(3):
        # when calls of different days are logged at once
        days = [f"2030-0{attempt + 1}-{day:02d}T10:00:00+00:00" for day in range(1, PARALLEL + 1)]
        results = await asyncio.gather(*(gql(log, {"o": opportunity, "t": day}, admin_token) for day in days))
        assert all("errors" not in r for r in results)
        # then the opportunity's last activity is the latest of them
        rows = await deps.db.read(
            "MATCH (o:Opportunity {id: $id}) RETURN toString(o.lastActivityAt) AS at", {"id": opportunity}
        )
        assert rows == [{"at": days[-1].replace("+00:00", "Z")}]


async def test_activities_logged_while_a_subsidiary_moves_land_in_the_new_groups_history(
    gql: Gql, admin_token: str
) -> None:
    create = "mutation($n: String!, $p: ID) { createCompany(input: {name: $n, parentId: $p}) { id } }"
    move = "mutation($id: ID!, $p: ID!) { updateCompany(id: $id, input: {parentId: $p}) { id } }"
    log = 'mutation($c: ID!) { logActivity(input: {type: CALL, subject: "Call", companyId: $c}) { id } }'
    history = "query($id: ID!) { company(id: $id) { timeline { totalCount } } }"
    for attempt in range(3):
        # given a division Y of X in the group of P1, and another group P2
        p1 = data(await gql(create, {"n": f"P1 {attempt}"}, admin_token))["createCompany"]["id"]
        p2 = data(await gql(create, {"n": f"P2 {attempt}"}, admin_token))["createCompany"]["id"]
        x = data(await gql(create, {"n": f"X {attempt}", "p": p1}, admin_token))["createCompany"]["id"]
        y = data(await gql(create, {"n": f"Y {attempt}", "p": x}, admin_token))["createCompany"]["id"]
        # when X moves to P2 while calls with Y are logged
        results = await asyncio.gather(
            *(gql(log, {"c": y}, admin_token) for _ in range(PARALLEL // 2)),
            gql(move, {"id": x, "p": p2}, admin_token),
            *(gql(log, {"c": y}, admin_token) for _ in range(PARALLEL // 2)),
        )
        assert all("errors" not in r for r in results)
        # then every call is in the history of P2 and none in the history of P1
        totals = [
            data(await gql(history, {"id": c}, admin_token))["company"]["timeline"]["totalCount"] for c in (p1, p2)
        ]
        assert totals == [0, PARALLEL]
