// GraphiQL from the local build (no CDN): HTTP for queries and mutations, graphql-transport-ws for subscriptions.
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import "graphiql/graphiql.css";
import { createClient } from "graphql-ws";
import React from "react";
import { createRoot } from "react-dom/client";
import { endpoint, socketEndpoint, token } from "./session";

const bearer = token();
const wsClient = createClient({
  url: socketEndpoint(),
  lazy: true,
  connectionParams: () => (bearer ? { Authorization: `Bearer ${bearer}` } : {}),
});
const fetcher = createGraphiQLFetcher({ url: endpoint(), wsClient: wsClient as never });
const headers = bearer ? JSON.stringify({ Authorization: `Bearer ${bearer}` }, null, 2) : undefined;
const root = document.getElementById("graphiql");
if (root) {
  createRoot(root).render(<GraphiQL fetcher={fetcher} defaultHeaders={headers} shouldPersistHeaders={false} />);
}
