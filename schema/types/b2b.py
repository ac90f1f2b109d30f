"""The relationship graph: relations, buying centers, paths, org charts."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.types.common import Row, ms
from schema.types.core import Person, User
from schema.types.sales import Opportunity


@strawberry.enum
class RelationType(Enum):
    REPORTS_TO = "REPORTS_TO"
    INFLUENCES = "INFLUENCES"
    KNOWS = "KNOWS"


@strawberry.enum
class BuyingRole(Enum):
    DECISION_MAKER = "DECISION_MAKER"
    ECONOMIC_BUYER = "ECONOMIC_BUYER"
    TECHNICAL_EVALUATOR = "TECHNICAL_EVALUATOR"
    INFLUENCER = "INFLUENCER"
    CHAMPION = "CHAMPION"
    USER = "USER"
    GATEKEEPER = "GATEKEEPER"
    BLOCKER = "BLOCKER"


@strawberry.enum
class Attitude(Enum):
    SUPPORTER = "SUPPORTER"
    NEUTRAL = "NEUTRAL"
    SKEPTIC = "SKEPTIC"
    OPPONENT = "OPPONENT"
    UNKNOWN = "UNKNOWN"


@strawberry.type
class PersonRelation:
    type: RelationType
    from_: Person = strawberry.field(name="from")
    to: Person
    strength: float | None = strawberry.field(description="0..1")

    @classmethod
    def of(cls, row: Row) -> PersonRelation:
        return cls(
            type=RelationType(row["type"]),
            from_=Person.of(row["from"]),
            to=Person.of(row["to"]),
            strength=row.get("strength"),
        )

    @classmethod
    def between(cls, row: Row, people: dict[str, Person]) -> PersonRelation:
        return cls(
            type=RelationType(row["type"]),
            from_=people[row["fromId"]],
            to=people[row["toId"]],
            strength=row.get("strength"),
        )


@strawberry.type
class BuyingCenterMember:
    person: Person
    roles: list[BuyingRole]
    attitude: Attitude
    last_interaction_at: datetime | None
    external: bool = strawberry.field(
        description="True when the member works outside the customer's corporate group (consultant, partner)."
    )


@strawberry.type
class BuyingCenter:
    opportunity: Opportunity
    members: list[BuyingCenterMember]
    relations: list[PersonRelation] = strawberry.field(
        description="Relations between members (REPORTS_TO, INFLUENCES, KNOWS)."
    )
    missing_roles: list[BuyingRole] = strawberry.field(
        description="Required roles (DECISION_MAKER, ECONOMIC_BUYER, CHAMPION by default) that no member holds."
    )
    neglected_members: list[Person] = strawberry.field(description="Members with no interaction in the last 30 days.")

    @classmethod
    def of(cls, opportunity: Opportunity, row: Row) -> BuyingCenter:
        people = {m["person"]["id"]: Person.of(m["person"]) for m in row["members"]}
        return cls(
            opportunity=opportunity,
            members=[
                BuyingCenterMember(
                    person=people[m["person"]["id"]],
                    roles=[BuyingRole(r) for r in m["roles"] or []],
                    attitude=Attitude(m["attitude"] or "UNKNOWN"),
                    last_interaction_at=ms(m.get("lastInteractionAt")),
                    external=bool(m["external"]),
                )
                for m in row["members"]
            ],
            relations=[PersonRelation.between(r, people) for r in row["relations"]],
            missing_roles=[BuyingRole(r) for r in row["missingRoles"]],
            neglected_members=[people[p["id"]] for p in row["neglected"]],
        )


@strawberry.type
class PersonPath:
    people: list[Person]
    relations: list[PersonRelation] = strawberry.field(
        description="relations[i] links people[i] and people[i+1], as stored (direction and strength)"
    )

    @classmethod
    def of(cls, row: Row) -> PersonPath:
        people = {p["id"]: Person.of(p) for p in row["people"]}
        return cls(
            people=[people[p["id"]] for p in row["people"]],
            relations=[PersonRelation.between(r, people) for r in row["relations"]],
        )


@strawberry.type
class IntroductionPath:
    user: User = strawberry.field(description="The colleague who knows the first person on the path.")
    people: list[Person]
    hops: int
    weight: float = strawberry.field(
        description="Product of the strengths along the path (a missing strength counts 0.5); ties are broken by it."
    )


@strawberry.type
class OrgChartNode:
    person: Person
    manager_id: strawberry.ID | None = strawberry.field(
        description="Id of the person this one reports to, null at the top."
    )
    depth: int
