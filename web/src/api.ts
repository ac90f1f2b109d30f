// The public GraphQL API over HTTP (queries, mutations) and graphql-transport-ws (subscriptions).
import { type Client, createClient } from "graphql-ws";
import { clearToken, endpoint, socketEndpoint, token } from "./session";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

let onSignedOut: () => void = () => undefined;

export function whenSignedOut(callback: () => void): void {
  onSignedOut = callback;
}

export async function request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  const bearer = token();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const response = await fetch(endpoint(), { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  return answer<T>((await response.json()) as GraphQLResponse<T>, bearer);
}

/** An answer whose request the page started before the bundle ran (see index.html). */
export async function preloaded<T>(body: Promise<unknown>): Promise<T> {
  return answer<T>((await body) as GraphQLResponse<T>, token());
}

function answer<T>(body: GraphQLResponse<T>, bearer: string | null): T {
  const error = body.errors?.[0];
  if (error) {
    const code = error.extensions?.code ?? "INTERNAL";
    if (code === "UNAUTHENTICATED" && bearer) {
      clearToken();
      onSignedOut();
    }
    throw new ApiError(error.message, code);
  }
  if (!body.data) throw new ApiError("empty answer", "INTERNAL");
  return body.data;
}

let socket: Client | null = null;

function client(): Client {
  socket ??= createClient({
    url: socketEndpoint(),
    lazy: true,
    retryAttempts: 5,
    connectionParams: () => ({ Authorization: `Bearer ${token() ?? ""}` }),
  });
  return socket;
}

/** Subscribes; returns the function that ends the subscription. */
export function subscribe<T>(
  query: string,
  variables: Record<string, unknown>,
  next: (data: T) => void,
  onError: (message: string) => void = () => undefined,
): () => void {
  return client().subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.data) next(result.data as T);
      },
      error: (err) => onError(err instanceof Error ? err.message : "subscription closed"),
      complete: () => undefined,
    },
  );
}

export function closeSocket(): void {
  void socket?.dispose();
  socket = null;
}
