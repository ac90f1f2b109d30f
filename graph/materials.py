"""[b2c] Sales materials: brochures, case studies, videos, tagged with industries and products."""

from __future__ import annotations

CREATE = """
CREATE (m:Material:Entity {id: $id, title: $title, url: $url, kind: $kind, industries: $industries,
  industryKeys: [x IN $industries | toLower(x)], products: $products, productKeys: [x IN $products | toLower(x)],
  createdAt: datetime()})
"""

DELETE = "MATCH (m:Material {id: $id}) DETACH DELETE m RETURN count(*) AS deleted"
