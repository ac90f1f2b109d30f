"""Full-text search across people, companies, opportunities, leads, tickets, projects and documents (transcripts)."""

from __future__ import annotations

from graph.activities import LEAD_BASE
from graph.companies import BASE as COMPANY_BASE
from graph.compiler.projects import visible
from graph.persons import BASE as PERSON_BASE
from graph.tickets import BASE as TICKET_BASE

# Each hit is projected at its label's slot (p, c, o, l): with the base fields below, or with the
# fields the client selected (the read compiler).
SLOTS = {
    "Person": "__person__",
    "Company": "__company__",
    "Opportunity": "__opportunity__",
    "Lead": "__lead__",
    "Ticket": "__ticket__",
    "Project": "__project__",
    "Document": "__document__",
}
SEARCH_TEMPLATE = """
CALL db.index.fulltext.queryNodes('search', $query, {limit: $limit}) YIELD node, score
CALL (node) {
  WITH node AS p WHERE p:Person RETURN 'Person' AS label, __person__ AS hit
  UNION
  WITH node AS c WHERE c:Company RETURN 'Company' AS label, __company__ AS hit
  UNION
  WITH node AS o WHERE o:Opportunity RETURN 'Opportunity' AS label, __opportunity__ AS hit
  UNION
  WITH node AS l WHERE l:Lead RETURN 'Lead' AS label, __lead__ AS hit
  UNION
  WITH node AS t WHERE t:Ticket RETURN 'Ticket' AS label, __ticket__ AS hit
  UNION
  WITH node AS j WHERE j:Project RETURN 'Project' AS label, __project__ AS hit
  UNION
  WITH node AS d WHERE d:Document AND __document_visible__ RETURN 'Document' AS label, __document__ AS hit
}
RETURN label, hit, score ORDER BY score DESC, node.id
"""
VARS = {"Person": "p", "Company": "c", "Opportunity": "o", "Lead": "l", "Ticket": "t", "Project": "j", "Document": "d"}
BASES = {
    "Person": "p {" + PERSON_BASE + "}",
    "Company": "c {" + COMPANY_BASE + "}",
    "Opportunity": "o {.id}",
    "Lead": "l {" + LEAD_BASE + "}",
    "Ticket": "t {" + TICKET_BASE + "}",
    "Project": "j {.id}",
    "Document": "d {.id}",
}


def search_query(projections: dict[str, str] | None = None) -> str:
    """The search statement with each label's projection (constants or compiled projections)."""
    # Documents only when the viewer may see them (parameters of the request, see domain/documents.py).
    query = SEARCH_TEMPLATE.replace("__document_visible__", visible("d"))
    for label, slot in SLOTS.items():
        query = query.replace(slot, (projections or BASES)[label])
    return query


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
