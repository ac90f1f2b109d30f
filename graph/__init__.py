"""Neo4j access: driver lifecycle, migrations, and all Cypher as parameterised constants."""
