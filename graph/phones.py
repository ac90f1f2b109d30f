"""Cypher for phone numbers: one (:Phone {e164}) node per number (unique, so a lookup is an index
seek), linked from every person and company (switchboard) that has it."""

from __future__ import annotations

from graph.activities import BASE as ACTIVITY_BASE
from graph.companies import BASE as COMPANY_BASE
from graph.opportunities import BASE as OPPORTUNITY_BASE
from graph.persons import BASE as PERSON_BASE
from graph.tickets import BASE as TICKET_BASE

# Open records of the caller's accounts (its company, or a person's employer) and of the person
# (buying centers, tickets reported): traversed from them, never a scan of all opportunities/tickets.
OPEN_OPPORTUNITIES = (
    "COLLECT { CALL (accounts, person) { "
    "UNWIND accounts AS acc MATCH (acc)<-[:FOR]-(o:Opportunity) RETURN o "
    "UNION MATCH (person)-[:IN_BUYING_CENTER]->(o:Opportunity) RETURN o } "
    "WITH DISTINCT o WHERE NOT o.stage IN ['CLOSED_WON', 'CLOSED_LOST'] "
    "WITH o ORDER BY o.createdAt DESC, o.id LIMIT 20 RETURN o {" + OPPORTUNITY_BASE + "} }"
)
OPEN_TICKETS = (
    "COLLECT { CALL (accounts, person) { "
    "UNWIND accounts AS acc MATCH (acc)<-[:FOR]-(t:Ticket) RETURN t "
    "UNION MATCH (person)<-[:REPORTED_BY]-(t:Ticket) RETURN t } "
    "WITH DISTINCT t WHERE t.status IN ['OPEN', 'SCHEDULED', 'IN_PROGRESS'] "
    "WITH t ORDER BY t.priorityRank, t.createdAt DESC, t.id LIMIT 20 RETURN t {" + TICKET_BASE + "} }"
)

# Everyone under the number, with what a caller's record needs on screen, in one round trip.
# A person's account is its current company; the last activity is the latest about the person,
# or, for a company, the newest entry of its timeline index.
CALLER_LOOKUP = (
    """
MATCH (:Phone {e164: $e164})<-[:HAS_PHONE]-(holder)
WHERE holder:Person OR holder:Company
WITH holder, CASE WHEN holder:Person THEN holder END AS person,
  CASE WHEN holder:Company THEN [holder] ELSE [(holder)-[:WORKS_AT]->(c:Company) | c] END AS accounts
WITH holder, person, accounts, COLLECT {
  WITH person WHERE person IS NOT NULL
  MATCH (person)<-[:ABOUT]-(a:Activity)
  WITH a ORDER BY a.occurredAt DESC, a.id DESC LIMIT 1
  RETURN a
  UNION
  WITH holder, person WHERE person IS NULL
  MATCH (e:TimelineEntry) WHERE e.companyId = holder.id AND e.at IS NOT NULL AND e.activityId IS NOT NULL
  WITH e ORDER BY e.companyId DESC, e.at DESC, e.activityId DESC LIMIT 1
  MATCH (e)-[:OF]->(a:Activity)
  RETURN a
}[0] AS a
RETURN
  CASE WHEN person IS NULL THEN null ELSE [p IN [person] | p {"""
    + PERSON_BASE
    + ", company: [(p)-[:WORKS_AT]->(c:Company) | c {"
    + COMPANY_BASE
    + """}][0]}][0] END AS person,
  CASE WHEN holder:Company THEN [c IN [holder] | c {"""
    + COMPANY_BASE
    + """}][0] END AS company,
  """
    + OPEN_OPPORTUNITIES
    + """ AS openOpportunities,
  """
    + OPEN_TICKETS
    + """ AS openTickets,
  CASE WHEN a IS NULL THEN null ELSE a {"""
    + ACTIVITY_BASE
    + """} END AS lastActivity
ORDER BY CASE WHEN person IS NULL THEN 1 ELSE 0 END, coalesce(holder.sortName, ''), holder.id
"""
)
