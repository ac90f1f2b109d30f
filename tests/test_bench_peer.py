"""The comparison helper of bench/peer.py: both answers become lists of ids in document order."""

from __future__ import annotations

from bench.peer import difference, ids, our_members, peer_members


def test_ids_flatten_our_connection_and_the_peer_list_to_the_same_list() -> None:
    # given our answer (edges/node) and the peer's (plain lists) for the same companies
    ours = {
        "companies": {
            "edges": [
                {"node": {"id": "c1", "name": "A", "units": [{"id": "u1"}, {"id": "u2"}], "owner": {"id": "usr1"}}},
                {"node": {"id": "c2", "name": "B", "units": [], "owner": None}},
            ]
        }
    }
    peer = {
        "companies": [
            {"id": "c1", "name": "A", "units": [{"id": "u1"}, {"id": "u2"}], "owner": {"id": "usr1"}},
            {"id": "c2", "name": "B", "units": [], "owner": None},
        ]
    }
    # when both are normalised
    # then they are the same ids in the same order
    assert ids(ours) == ["c1", "u1", "u2", "usr1", "c2"]
    assert ids(peer) == ["c1", "u1", "u2", "usr1", "c2"]
    assert difference(ids(ours), ids(peer)) is None


def test_difference_names_the_first_item_that_differs_and_rejects_empty_answers() -> None:
    # given two answers with the same ids in another order, one shorter answer, and two empty ones
    # when they are compared
    # then the first differing item, the lengths, or the emptiness is reported
    assert difference(["a", "b"], ["b", "a"]) == "item 0: ours 'a', peer 'b' (2 vs 2 items)"
    assert difference(["a", "b"], ["a"]) == "ours has 2 items, the peer 1"
    assert difference([], []) == "both answers are empty (no data?)"


def test_buying_center_rows_compare_person_roles_and_attitude() -> None:
    # given our members and the peer's connection edges for the same buying center
    ours = {
        "buyingCenter": {"members": [{"person": {"id": "p1"}, "roles": ["USER", "CHAMPION"], "attitude": "NEUTRAL"}]}
    }
    peer = {
        "opportunities": [
            {
                "buyingCenterConnection": {
                    "edges": [
                        {"node": {"id": "p1"}, "properties": {"roles": ["CHAMPION", "USER"], "attitude": "NEUTRAL"}}
                    ]
                }
            }
        ]
    }
    # when both are normalised
    # then roles compare as sets and the rows are equal
    assert our_members(ours) == [("p1", ["CHAMPION", "USER"], "NEUTRAL")]
    assert difference(our_members(ours), peer_members(peer)) is None
