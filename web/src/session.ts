// The login token lives in session storage: it ends with the tab, and logout clears it.
const KEY = "graph-crm-token";

export function token(): string | null {
  return sessionStorage.getItem(KEY);
}

export function keepToken(value: string): void {
  sessionStorage.setItem(KEY, value);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}

export function endpoint(): string {
  return new URL("/graphql", location.href).toString();
}

export function socketEndpoint(): string {
  const url = new URL("/graphql", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}
