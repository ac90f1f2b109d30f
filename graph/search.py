"""Full-text search across people, companies, opportunities, leads and tickets."""

from __future__ import annotations

from graph.activities import LEAD_BASE
from graph.companies import BASE as COMPANY_BASE
from graph.persons import BASE as PERSON_BASE
from graph.tickets import BASE as TICKET_BASE

SEARCH = (
    """
CALL db.index.fulltext.queryNodes('search', $query, {limit: $limit}) YIELD node, score
CALL (node) {
  WITH node AS p WHERE p:Person RETURN 'Person' AS label, p {"""
    + PERSON_BASE
    + """} AS hit
  UNION
  WITH node AS c WHERE c:Company RETURN 'Company' AS label, c {"""
    + COMPANY_BASE
    + """} AS hit
  UNION
  WITH node AS o WHERE o:Opportunity RETURN 'Opportunity' AS label, o {.id} AS hit
  UNION
  WITH node AS l WHERE l:Lead RETURN 'Lead' AS label, l {"""
    + LEAD_BASE
    + """} AS hit
  UNION
  WITH node AS t WHERE t:Ticket RETURN 'Ticket' AS label, t {"""
    + TICKET_BASE
    + """} AS hit
}
RETURN label, hit, score ORDER BY score DESC, hit.id
"""
)

LUCENE_SPECIAL = set('+-&|!(){}[]^"~*?:\\/')


def lucene_query(text: str) -> str:
    """Each word escaped and matched exactly, by prefix and fuzzily; all words must match."""
    terms = []
    for word in text.split():
        escaped = "".join("\\" + ch if ch in LUCENE_SPECIAL else ch for ch in word)
        if not escaped:
            continue
        if word.upper() in {"AND", "OR", "NOT", "TO"}:
            escaped = escaped.lower()
        fuzzy = f" OR {escaped}~1" if len(word) > 3 else ""
        terms.append(f"+({escaped} OR {escaped}*{fuzzy})")
    return " ".join(terms)
