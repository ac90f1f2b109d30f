"""Technicians: skills unique by name case-insensitively, home base, availability slots."""

from __future__ import annotations

from typing import Any

from domain.deps import Deps
from tests.conftest import Gql, data, error_code
from tests.service_scenario import BERLIN, SET_AVAILABILITY, SET_SKILLS, at, iso, slot, technician


async def test_skills_are_created_once_whatever_the_case(gql: Gql, deps: Deps, admin_token: str) -> None:
    # given two technicians whose skills are spelled differently
    anna = await technician(deps, gql, admin_token, "Anna", BERLIN, {"Hydraulics": 4, "Electrics": 2}, [])
    ben = await technician(deps, gql, admin_token, "Ben", None, {"HYDRAULICS ": 2, "welding": 3}, [])
    # then each skill exists once, under its first spelling
    skills = data(await gql("{ skills { id name } }", token=admin_token))["skills"]
    assert [s["name"] for s in skills] == ["Electrics", "Hydraulics", "welding"]
    query = "query($u: ID!) { node(id: $u) { ... on User { skills { skill { name } level } homeBase { lat lon } } } }"
    assert data(await gql(query, {"u": ben}, admin_token))["node"] == {
        "skills": [{"skill": {"name": "Hydraulics"}, "level": 2}, {"skill": {"name": "welding"}, "level": 3}],
        "homeBase": None,
    }
    assert data(await gql(query, {"u": anna}, admin_token))["node"]["homeBase"] == BERLIN
    # and setSkills replaces the skills
    result = await gql(SET_SKILLS, {"u": ben, "s": [{"skillName": "Welding", "level": 5}]}, admin_token)
    assert [(s["skill"]["name"], s["level"]) for s in data(result)["setSkills"]["skills"]] == [("welding", 5)]


async def test_two_parallel_requests_create_a_new_skill_once(gql: Gql, deps: Deps, admin_token: str) -> None:
    import asyncio

    anna = await technician(deps, gql, admin_token, "Anna", None, {}, [])
    ben = await technician(deps, gql, admin_token, "Ben", None, {}, [])
    results = await asyncio.gather(
        gql(SET_SKILLS, {"u": anna, "s": [{"skillName": "Pneumatics", "level": 1}]}, admin_token),
        gql(SET_SKILLS, {"u": ben, "s": [{"skillName": "pneumatics", "level": 2}]}, admin_token),
    )
    for result in results:
        data(result)
    assert len(data(await gql("{ skills { id } }", token=admin_token))["skills"]) == 1


async def test_bad_skill_levels_are_refused(gql: Gql, deps: Deps, admin_token: str) -> None:
    anna = await technician(deps, gql, admin_token, "Anna", None, {"Hydraulics": 3}, [])
    result = await gql(SET_SKILLS, {"u": anna, "s": [{"skillName": "Hydraulics", "level": 6}]}, admin_token)
    assert error_code(result) == "BAD_USER_INPUT"
    assert result["errors"][0]["extensions"]["field"] == "skills[0].level"
    twice = [{"skillName": "Hydraulics", "level": 1}, {"skillName": "hydraulics", "level": 2}]
    assert error_code(await gql(SET_SKILLS, {"u": anna, "s": twice}, admin_token)) == "BAD_USER_INPUT"


async def test_a_technician_may_not_set_skills_but_its_own_availability(
    gql: Gql, make_user: Any, admin_token: str
) -> None:
    tech, token = await make_user("TECHNICIAN")
    other, _ = await make_user("TECHNICIAN", "other@crm.test")
    assert error_code(await gql(SET_SKILLS, {"u": tech, "s": []}, token)) == "FORBIDDEN"
    assert data(await gql(SET_AVAILABILITY, {"u": tech, "s": [slot(0, 8, 12)]}, token))["setAvailability"] == [
        {"start": "2030-03-04T08:00:00+00:00", "end": "2030-03-04T12:00:00+00:00"}
    ]
    assert error_code(await gql(SET_AVAILABILITY, {"u": other, "s": [slot(0, 8, 12)]}, token)) == "FORBIDDEN"


async def test_set_availability_replaces_future_slots_and_merges_touching_ones(
    gql: Gql, deps: Deps, admin_token: str
) -> None:
    anna = await technician(deps, gql, admin_token, "Anna", None, {}, [slot(0, 8, 12), slot(1, 8, 12)])
    result = await gql(
        SET_AVAILABILITY, {"u": anna, "s": [slot(2, 13, 17), slot(2, 8, 12), slot(2, 12, 13)]}, admin_token
    )
    assert data(result)["setAvailability"] == [
        {"start": "2030-03-06T08:00:00+00:00", "end": "2030-03-06T17:00:00+00:00"}
    ]
    query = "query($u: ID!, $f: DateTime!, $t: DateTime!) { node(id: $u) { ... on User { availability(from: $f, to: $t) { start } } } }"
    window = {"u": anna, "f": iso(at(0, 0)), "t": iso(at(2, 9))}
    assert data(await gql(query, window, admin_token))["node"]["availability"] == [
        {"start": "2030-03-06T08:00:00+00:00"}
    ]


async def test_overlapping_or_inverted_slots_are_refused_naming_the_slot(
    gql: Gql, deps: Deps, admin_token: str
) -> None:
    anna = await technician(deps, gql, admin_token, "Anna", None, {}, [slot(0, 8, 12)])
    overlap = await gql(
        SET_AVAILABILITY, {"u": anna, "s": [slot(1, 8, 12), slot(3, 8, 9), slot(1, 11, 14)]}, admin_token
    )
    assert error_code(overlap) == "BAD_USER_INPUT"
    assert overlap["errors"][0]["message"] == "slots[2] overlaps slots[0]"
    assert overlap["errors"][0]["extensions"]["field"] == "slots[2]"
    inverted = await gql(SET_AVAILABILITY, {"u": anna, "s": [slot(1, 8, 12), slot(2, 12, 8)]}, admin_token)
    assert error_code(inverted) == "BAD_USER_INPUT"
    assert inverted["errors"][0]["extensions"]["field"] == "slots[1]"
    # and the failed calls wrote nothing
    query = "query($u: ID!, $f: DateTime!, $t: DateTime!) { node(id: $u) { ... on User { availability(from: $f, to: $t) { start end } } } }"
    window = {"u": anna, "f": iso(at(0, 0)), "t": iso(at(7, 0))}
    assert data(await gql(query, window, admin_token))["node"]["availability"] == [
        {"start": "2030-03-04T08:00:00+00:00", "end": "2030-03-04T12:00:00+00:00"}
    ]
