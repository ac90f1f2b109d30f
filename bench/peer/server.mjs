// @neo4j/graphql over the Graph CRM graph: the peer that bench/run.py measures our API against.
//
//   NEO4J_URI=bolt://127.0.0.1:7687 PEER_PORT=4000 NODE_ENV=production node server.mjs
//
// Started and stopped by bench/peer.py; prints "peer ready on <url>" once it serves requests.
// Type definitions cover only what the bench compares (companies, units, persons, users,
// opportunities, buying-center membership); labels and relationship types are ours
// (graph/*.py, bench/seed.py), so the peer reads the very same nodes as our API.
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

const typeDefs = /* GraphQL */ `
  # Read-only: the bench only reads.
  extend schema @mutation(operations: [])

  type User @node(labels: ["User"]) {
    id: ID!
    name: String
  }

  type Company @node(labels: ["Company"]) {
    id: ID!
    name: String
    sortName: String
    owner: User @relationship(type: "OWNED_BY", direction: OUT)
    parent: Company @relationship(type: "SUBSIDIARY_OF", direction: OUT)
    subsidiaries: [Company!]! @relationship(type: "SUBSIDIARY_OF", direction: IN)
    units: [Unit!]! @relationship(type: "UNIT_OF", direction: IN)
  }

  type Unit @node(labels: ["Unit"]) {
    id: ID!
    name: String
    company: Company @relationship(type: "UNIT_OF", direction: OUT)
    parent: Unit @relationship(type: "PART_OF", direction: OUT)
    members: [Person!]! @relationship(type: "MEMBER_OF", direction: IN)
  }

  type Person @node(labels: ["Person"]) {
    id: ID!
    fullName: String
    sortName: String
    company: Company @relationship(type: "WORKS_AT", direction: OUT)
    unit: Unit @relationship(type: "MEMBER_OF", direction: OUT)
    buyingCenters: [Opportunity!]!
      @relationship(type: "IN_BUYING_CENTER", direction: OUT, properties: "BuyingCenterMembership")
  }

  type BuyingCenterMembership @relationshipProperties {
    roles: [String!]
    attitude: String
  }

  type Opportunity @node(labels: ["Opportunity"]) {
    id: ID!
    name: String
    buyingCenter: [Person!]!
      @relationship(type: "IN_BUYING_CENTER", direction: IN, properties: "BuyingCenterMembership")
  }
`;

const uri = process.env.NEO4J_URI ?? "bolt://127.0.0.1:7687";
const user = process.env.NEO4J_USER ?? "";
const auth = user ? neo4j.auth.basic(user, process.env.NEO4J_PASSWORD ?? "") : undefined;
const database = process.env.NEO4J_DATABASE || "neo4j";
const port = Number(process.env.PEER_PORT ?? "4000");

const driver = neo4j.driver(uri, auth);
const neoSchema = new Neo4jGraphQL({ typeDefs, driver });
const schema = await neoSchema.getSchema();
if (process.argv.includes("--print-schema")) {
  const { printSchema } = await import("graphql");
  console.log(printSchema(schema));
  await driver.close();
  process.exit(0);
}
const server = new ApolloServer({ schema });
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port },
  context: async () => ({ sessionConfig: { database } }),
});
console.log(`peer ready on ${url}`);

async function shutdown() {
  await server.stop();
  await driver.close();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
