"""[b2c] Root reads of campaigns, events, segments, materials, references; a page of persons."""

from __future__ import annotations

from graph.compiler.roots import RootPage

CAMPAIGNS = RootPage(
    "Campaign", "c", "MATCH (c:Campaign)", "c.createdAt DESC, c.id DESC", "[toString(c.createdAt), c.id]"
)
CAMPAIGN_CONDITIONS = {"status": "c.status = $status"}
CAMPAIGN_KEYSET = (
    "($afterAt IS NULL OR c.createdAt < datetime($afterAt) OR (c.createdAt = datetime($afterAt) AND c.id < $afterId))"
)

# Events in time order (the next ones after the past ones).
EVENTS = RootPage("Event", "e", "MATCH (e:Event)", "e.startsAt, e.id", "[toString(e.startsAt), e.id]")
EVENT_CONDITIONS = {"campaignId": "EXISTS { (e)-[:FOR_CAMPAIGN]->(:Campaign {id: $campaignId}) }"}
EVENT_KEYSET = (
    "($afterAt IS NULL OR e.startsAt > datetime($afterAt) OR (e.startsAt = datetime($afterAt) AND e.id > $afterId))"
)

SEGMENTS = RootPage("Segment", "s", "MATCH (s:Segment)", "s.name, s.id", "[s.name, s.id]")
SEGMENT_KEYSET = "($afterName IS NULL OR s.name > $afterName OR (s.name = $afterName AND s.id > $afterId))"

# Industries and products are compared case-insensitively (stored lower-cased beside the given spelling).
MATERIALS = """
MATCH (m:Material)
WHERE ($industry IS NULL OR $industry IN m.industryKeys) AND ($product IS NULL OR $product IN m.productKeys)
WITH m ORDER BY m.title, m.id
RETURN {projection} AS node
"""

REFERENCES = """
MATCH (c:Company) WHERE c.isReference = true AND ($industry IS NULL OR toLower(c.industry) = $industry)
WITH c ORDER BY c.sortName, c.id
RETURN {projection} AS node
"""

# {match} binds p (with a {keyset} slot already filled); {total} counts or passes null.
PERSON_PAGE = """
CALL () {{
  {match}
  WITH p ORDER BY p.id LIMIT $limit
  RETURN collect({{n: {projection}, k: {key}}}) AS rows
}}
{total}
RETURN rows, total
"""
