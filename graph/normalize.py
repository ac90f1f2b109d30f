"""Data migrations that bring stored duplicate keys to the form domain/normalize.py gives new ones.

`NORMALIZED_DOMAIN` is `normalize_domain` in Cypher (tests/test_normalize.py checks they agree): lower
case, scheme, path, query, fragment, user part, port, surrounding dots and a leading `www.` dropped,
empty becomes null. `{d}` is the expression of the stored value.
"""

from __future__ import annotations

NORMALIZED_DOMAIN = """
CASE WHEN {d} IS NULL THEN null ELSE
  [d0 IN [toLower(trim({d}))] |
  [d1 IN [CASE WHEN d0 =~ '^[a-z][a-z0-9+.-]*://.*' THEN substring(d0, size(split(d0, '://')[0]) + 3) ELSE d0 END] |
  [d2 IN [split(split(split(d1, '/')[0], '?')[0], '#')[0]] |
  [d3 IN [btrim(trim(split(last(split(d2, '@')), ':')[0]), '.')] |
  [d4 IN [CASE WHEN d3 STARTS WITH 'www.' THEN substring(d3, 4) ELSE d3 END] |
  CASE WHEN d4 = '' THEN null ELSE d4 END][0]][0]][0]][0]][0]
END
"""


def _normalized(expression: str) -> str:
    return NORMALIZED_DOMAIN.replace("{d}", expression)


# Company domains and lead company domains as normalize_domain gives them (only rows that differ are written).
NORMALIZE_COMPANY_DOMAINS = (
    "MATCH (c:Company) WHERE c.domain IS NOT NULL "
    f"WITH c, {_normalized('c.domain')} AS normalized "
    "WHERE normalized IS NULL OR normalized <> c.domain "
    "CALL (c, normalized) { SET c.domain = normalized } IN TRANSACTIONS OF 10000 ROWS"
)
NORMALIZE_LEAD_DOMAINS = (
    "MATCH (l:Lead) WHERE l.companyDomain IS NOT NULL "
    f"WITH l, {_normalized('l.companyDomain')} AS normalized "
    "WHERE normalized IS NULL OR normalized <> l.companyDomain "
    "CALL (l, normalized) { SET l.companyDomain = normalized } IN TRANSACTIONS OF 10000 ROWS"
)
# The e-mail key persons and leads are matched by: normalize_email (trimmed, lower case; blank is null).
NORMALIZE_EMAIL_KEYS = (
    "MATCH (n) WHERE (n:Person OR n:Lead) AND n.email IS NOT NULL "
    "WITH n, CASE WHEN trim(n.email) = '' THEN null ELSE toLower(trim(n.email)) END AS normalized "
    "WHERE n.emailLower IS NULL OR normalized IS NULL OR n.emailLower <> normalized "
    "CALL (n, normalized) { SET n.emailLower = normalized } IN TRANSACTIONS OF 10000 ROWS"
)
MIGRATIONS = (NORMALIZE_COMPANY_DOMAINS, NORMALIZE_LEAD_DOMAINS, NORMALIZE_EMAIL_KEYS)
