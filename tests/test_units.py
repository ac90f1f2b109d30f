"""Units: update, re-parent, delete (sub-units and members move up a level)."""

from __future__ import annotations

from tests.conftest import Gql, data, error_code

UNIT = "mutation($i: CreateUnitInput!) { createUnit(input: $i) { id } }"
UPDATE = "mutation($id: ID!, $i: UpdateUnitInput!) { updateUnit(id: $id, input: $i) { name parent { name } } }"
TREE = "query($id: ID!) { company(id: $id) { units { name children { name children { name } } members { edges { node { lastName } } } } } }"


async def _setup(gql: Gql, token: str) -> tuple[str, dict[str, str]]:
    company = data(await gql('mutation { createCompany(input: {name: "Werk"}) { id } }', token=token))["createCompany"][
        "id"
    ]
    units: dict[str, str] = {}
    for name, parent in [("Ops", None), ("Plant", "Ops"), ("Line 1", "Plant"), ("Sales", None)]:
        variables = {"i": {"companyId": company, "name": name, "parentUnitId": units.get(parent) if parent else None}}
        units[name] = data(await gql(UNIT, variables, token))["createUnit"]["id"]
    return company, units


async def test_rename_and_move_a_unit_and_refuse_cycles(gql: Gql, admin_token: str) -> None:
    company, units = await _setup(gql, admin_token)
    renamed = await gql(UPDATE, {"id": units["Plant"], "i": {"name": "Plant North"}}, admin_token)
    assert data(renamed)["updateUnit"] == {"name": "Plant North", "parent": {"name": "Ops"}}
    moved = await gql(UPDATE, {"id": units["Plant"], "i": {"parentUnitId": units["Sales"]}}, admin_token)
    assert data(moved)["updateUnit"] == {"name": "Plant North", "parent": {"name": "Sales"}}
    cycle = await gql(UPDATE, {"id": units["Sales"], "i": {"parentUnitId": units["Line 1"]}}, admin_token)
    assert error_code(cycle) == "BAD_USER_INPUT"
    top = await gql(UPDATE, {"id": units["Plant"], "i": {"parentUnitId": None}}, admin_token)
    assert data(top)["updateUnit"] == {"name": "Plant North", "parent": None}
    tree = data(await gql(TREE, {"id": company}, admin_token))["company"]["units"]
    assert [(u["name"], [c["name"] for c in u["children"]]) for u in tree] == [
        ("Ops", []),
        ("Plant North", ["Line 1"]),
        ("Sales", []),
    ]
    assert error_code(await gql(UPDATE, {"id": "unt_missing", "i": {"name": "x"}}, admin_token)) == "NOT_FOUND"


async def test_deleting_a_unit_lifts_its_sub_units_and_members(gql: Gql, admin_token: str) -> None:
    company, units = await _setup(gql, admin_token)
    member = await gql(
        'mutation($u: ID!) { createPerson(input: {lastName: "Worker", unitId: $u}) { id } }',
        {"u": units["Plant"]},
        admin_token,
    )
    person_id = data(member)["createPerson"]["id"]
    assert data(await gql("mutation($id: ID!) { deleteUnit(id: $id) }", {"id": units["Plant"]}, admin_token)) == {
        "deleteUnit": units["Plant"]
    }
    tree = data(await gql(TREE, {"id": company}, admin_token))["company"]["units"]
    assert tree[0]["name"] == "Ops"
    assert tree[0]["children"] == [{"name": "Line 1", "children": []}]
    assert tree[0]["members"]["edges"] == [{"node": {"lastName": "Worker"}}]
    person = data(
        await gql(
            "query($id: ID!) { person(id: $id) { unit { name } company { name } } }", {"id": person_id}, admin_token
        )
    )
    assert person["person"] == {"unit": {"name": "Ops"}, "company": {"name": "Werk"}}
    assert (
        error_code(await gql("mutation($id: ID!) { deleteUnit(id: $id) }", {"id": units["Plant"]}, admin_token))
        == "NOT_FOUND"
    )


async def test_delete_and_update_persons(gql: Gql, admin_token: str) -> None:
    created = await gql(
        'mutation { createPerson(input: {firstName: "Eva", lastName: "Alt", email: "eva@x.example", tags: ["a"]}) { id } }',
        token=admin_token,
    )
    person_id = data(created)["createPerson"]["id"]
    update = "mutation($id: ID!, $i: UpdatePersonInput!) { updatePerson(id: $id, input: $i) { fullName email tags phones jobTitle } }"
    changed = await gql(
        update,
        {"id": person_id, "i": {"lastName": "Neu", "email": None, "tags": ["b", "c"], "phones": ["+1 212 555 0100"]}},
        admin_token,
    )
    assert data(changed)["updatePerson"] == {
        "fullName": "Eva Neu",
        "email": None,
        "tags": ["b", "c"],
        "phones": ["+12125550100"],
        "jobTitle": None,
    }
    assert error_code(await gql(update, {"id": person_id, "i": {"lastName": None}}, admin_token)) == "BAD_USER_INPUT"
    assert error_code(await gql(update, {"id": "per_missing", "i": {"jobTitle": "x"}}, admin_token)) == "NOT_FOUND"
    assert data(await gql("mutation($id: ID!) { deletePerson(id: $id) }", {"id": person_id}, admin_token)) == {
        "deletePerson": person_id
    }
    assert data(await gql("query($id: ID!) { person(id: $id) { id } }", {"id": person_id}, admin_token)) == {
        "person": None
    }
    assert (
        error_code(await gql("mutation($id: ID!) { deletePerson(id: $id) }", {"id": person_id}, admin_token))
        == "NOT_FOUND"
    )
