"""A small graph written straight into Neo4j with chosen ids, so that ids never follow names.

Group (cmp_9) has three subsidiaries whose ids run against their names: Zeta AG cmp_1,
Mu GmbH cmp_2, Alpha KG cmp_3. Alpha KG has units Sales (unt_1, with sub-unit Desk unt_3) and
IT (unt_2); Sales has members Clark per_1, Brown per_2, Adams per_3 (all at Alpha KG). The
owner usr_owner of the group has a home base. Deal opp_1 (for Alpha KG, owned by usr_owner) has
three stage changes, two of them at the same instant (seq 2 written before seq 1), and a
buying center of Adams (CHAMPION, SUPPORTER, interaction today) and Clark (USER).
"""

from __future__ import annotations

from domain.deps import Deps

SEED = """
CREATE (owner:User:Entity {id: 'usr_owner', email: 'owner@crm.test', name: 'Olga Owner', role: 'SALES_REP',
  active: true, homeBase: point({latitude: 52.5, longitude: 13.4})})
CREATE (g:Company:Entity {id: 'cmp_9', name: 'Group', sortName: 'group', createdAt: datetime(), updatedAt: datetime()})
CREATE (g)-[:OWNED_BY]->(owner)
CREATE (z:Company:Entity {id: 'cmp_1', name: 'Zeta AG', sortName: 'zeta ag', city: 'Bonn', createdAt: datetime(), updatedAt: datetime()})
CREATE (m:Company:Entity {id: 'cmp_2', name: 'Mu GmbH', sortName: 'mu gmbh', createdAt: datetime(), updatedAt: datetime()})
CREATE (a:Company:Entity {id: 'cmp_3', name: 'Alpha KG', sortName: 'alpha kg', createdAt: datetime(), updatedAt: datetime()})
CREATE (z)-[:SUBSIDIARY_OF]->(g), (m)-[:SUBSIDIARY_OF]->(g), (a)-[:SUBSIDIARY_OF]->(g)
CREATE (sales:Unit:Entity {id: 'unt_1', name: 'Sales'})-[:UNIT_OF]->(a)
CREATE (it:Unit:Entity {id: 'unt_2', name: 'IT'})-[:UNIT_OF]->(a)
CREATE (desk:Unit:Entity {id: 'unt_3', name: 'Desk'})-[:UNIT_OF]->(a)
CREATE (desk)-[:PART_OF]->(sales)
WITH a, sales, owner
UNWIND [['per_1', 'Clark'], ['per_2', 'Brown'], ['per_3', 'Adams']] AS row
CREATE (p:Person:Entity {id: row[0], lastName: row[1], fullName: row[1], sortName: toLower(row[1]),
  createdAt: datetime(), updatedAt: datetime()})
CREATE (p)-[:MEMBER_OF]->(sales)
CREATE (p)-[:WORKS_AT {since: datetime()}]->(a)
WITH DISTINCT a, owner
CREATE (o:Opportunity:Entity {id: 'opp_1', name: 'Deal', amount: '1000.00', currency: 'EUR', stage: 'PROPOSAL',
  probability: 0.5, createdAt: datetime(), updatedAt: datetime()})
CREATE (o)-[:FOR]->(a), (o)-[:OWNED_BY]->(owner)
CREATE (:StageChange {from: null, to: 'PROSPECTING', at: datetime('2026-01-01T10:00:00Z'), seq: 0})-[:OF]->(o)
CREATE (:StageChange {from: 'QUALIFICATION', to: 'PROPOSAL', at: datetime('2026-01-02T10:00:00Z'), seq: 2})-[:OF]->(o)
CREATE (:StageChange {from: 'PROSPECTING', to: 'QUALIFICATION', at: datetime('2026-01-02T10:00:00Z'), seq: 1})-[:OF]->(o)
WITH o
MATCH (adams:Person {id: 'per_3'}), (clark:Person {id: 'per_1'})
CREATE (adams)-[:IN_BUYING_CENTER {roles: ['CHAMPION'], attitude: 'SUPPORTER', since: datetime()}]->(o)
CREATE (clark)-[:IN_BUYING_CENTER {roles: ['USER'], attitude: 'NEUTRAL', since: datetime()}]->(o)
CREATE (adams)-[:INFLUENCES {strength: 0.5}]->(clark)
CREATE (:Activity:Entity {id: 'act_1', type: 'CALL', subject: 'Hi', occurredAt: datetime()})-[:ABOUT]->(adams)
"""


async def seed(deps: Deps) -> None:
    await deps.db.write(SEED)
