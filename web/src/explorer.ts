// Graph CRM explorer: log in, search, buying center (graph, paths, introductions, live), account map, pipeline.
import { closeSocket, preloaded, request, subscribe, whenSignedOut } from "./api";
import { AccountMap } from "./account";
import { BuyingCenterView } from "./buyingCenter";
import { byId, el, label, money, say } from "./dom";
import type { PipelineView } from "./pipeline";
import buyingCenterQuery from "./queries/buyingCenter.graphql";
import influencePathsQuery from "./queries/influencePaths.graphql";
import introductionPathsQuery from "./queries/introductionPaths.graphql";
import loginMutation from "./queries/login.graphql";
import meQuery from "./queries/me.graphql";
import opportunityChangedSubscription from "./queries/opportunityChanged.graphql";
import searchQuery from "./queries/search.graphql";
import { clearToken, keepToken, token } from "./session";
import { Timeline } from "./timeline";
import type { BuyingCenterData, IntroductionPath, PersonPath, SearchHit, User } from "./types";

performance.mark("explorer-start");

type Tab = "buying-center" | "account" | "pipeline";

const state = {
  me: null as User | null,
  opportunityId: null as string | null,
  companyId: null as string | null,
  selected: [] as string[],
  unsubscribe: null as (() => void) | null,
  loadStarted: 0,
};

const graph = new BuyingCenterView(byId("bc-graph"), (id) => void selectPerson(id));
const timeline = new Timeline();
const account = new AccountMap((id) => void openOpportunity(id));
// Chart.js comes with the pipeline view, in its own chunk: the buying center does not wait for it.
let pipeline: PipelineView | null = null;

async function showPipeline(): Promise<void> {
  if (!pipeline) {
    const { PipelineView } = await import("./pipeline");
    pipeline ??= new PipelineView(() => state.me);
  }
  await pipeline.show();
}

// For the end-to-end test and for debugging from the console: what is drawn, read from the graph itself.
Object.assign(window, { graphCrmExplorer: { graph, state } });

function showSignedIn(signedIn: boolean): void {
  byId("login-view").hidden = signedIn;
  byId("app-view").hidden = !signedIn;
  byId("logout").hidden = !signedIn;
  say("who", signedIn && state.me ? `${state.me.name} (${label(state.me.role)})` : "");
}

function fail(error: unknown): void {
  say("status", error instanceof Error ? error.message : String(error));
}

async function login(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const email = byId<HTMLInputElement>("email").value;
  const password = byId<HTMLInputElement>("password").value;
  say("login-error", "");
  try {
    const data = await request<{ login: { token: string; user: User } }>(loginMutation, { email, password });
    keepToken(data.login.token);
    state.me = data.login.user;
    byId<HTMLInputElement>("password").value = "";
    showSignedIn(true);
    byId("search-text").focus();
    await route();
  } catch (error) {
    say("login-error", error instanceof Error ? error.message : "login failed");
  }
}

function logout(): void {
  clearToken();
  state.unsubscribe?.();
  state.unsubscribe = null;
  closeSocket();
  state.me = null;
  history.replaceState(null, "", location.pathname);
  showSignedIn(false);
  byId("email").focus();
}

async function search(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const text = byId<HTMLInputElement>("search-text").value.trim();
  if (!text) return;
  const data = await request<{ search: SearchHit[] }>(searchQuery, { text });
  const hits = data.search.filter((h) => h.__typename === "Opportunity" || h.__typename === "Company");
  const list = byId("search-results");
  list.replaceChildren(
    ...hits.map((hit) => {
      if (hit.__typename === "Opportunity") {
        const button = el("button", { type: "button", class: "link" }, `Opportunity: ${hit.name}`);
        button.addEventListener("click", () => void openOpportunity(hit.id));
        return el("li", {}, button, hit.company ? ` (${hit.company.name}, ${label(hit.stage)})` : "");
      }
      if (hit.__typename === "Company") {
        const button = el("button", { type: "button", class: "link" }, `Company: ${hit.name}`);
        button.addEventListener("click", () => void openCompany(hit.id));
        return el("li", {}, button, hit.city ? ` (${hit.city})` : "");
      }
      return el("li", {});
    }),
  );
  say("search-status", `${hits.length} ${hits.length === 1 ? "match" : "matches"}`);
}

function showTab(tab: Tab): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>("[role=tab]")) {
    const active = button.dataset.tab === tab;
    button.setAttribute("aria-selected", String(active));
    button.tabIndex = active ? 0 : -1;
    byId(button.getAttribute("aria-controls") ?? "").hidden = !active;
  }
  if (tab === "pipeline") void showPipeline().catch(fail);
  if (tab === "account" && state.companyId) void account.show(state.companyId).catch(fail);
  if (tab === "buying-center") graph.cy?.resize();
}

async function openOpportunity(id: string): Promise<void> {
  history.replaceState(null, "", `#/opportunity/${encodeURIComponent(id)}`);
  showTab("buying-center");
  await loadBuyingCenter(id);
  if (state.unsubscribe) state.unsubscribe();
  state.unsubscribe = subscribe<{ opportunityChanged: { op: string } }>(
    opportunityChangedSubscription,
    { opportunityId: id },
    (event) => {
      if (event.opportunityChanged.op === "DELETED") say("status", "This opportunity was deleted.");
      else void loadBuyingCenter(id, true).catch(fail);
    },
    (message) => say("live-status", `Live updates stopped: ${message}`),
  );
  say("live-status", "Live: the graph redraws when the opportunity changes.");
}

async function openCompany(id: string): Promise<void> {
  history.replaceState(null, "", `#/company/${encodeURIComponent(id)}`);
  state.companyId = id;
  showTab("account");
  await timeline.show(id);
}

async function loadBuyingCenter(id: string, live = false): Promise<void> {
  const panel = byId("bc-panel");
  panel.dataset.ready = "false";
  const early = takePreload(id);
  const data = await (early
    ? preloaded<BuyingCenterData>(early)
    : request<BuyingCenterData>(buyingCenterQuery, { opportunityId: id }));
  performance.mark("buying-center-answered");
  if (!data.opportunity) {
    say("bc-title", "Opportunity not found");
    return;
  }
  const o = data.opportunity;
  const center = o.buyingCenter;
  const sameOpportunity = state.opportunityId === id;
  state.opportunityId = id;
  const present = new Set(center.members.map((m) => m.person.id));
  state.selected = live && sameOpportunity ? state.selected.filter((p) => present.has(p)) : [];
  say("bc-title", `${o.name}`);
  say("bc-subtitle", `${o.company?.name ?? "no company"} · ${label(o.stage)} · ${money(o.amount, o.currency)}`);
  const missing = center.missingRoles;
  const missingBox = byId("missing-roles");
  missingBox.hidden = missing.length === 0;
  missingBox.textContent = missing.length ? `Missing roles: ${missing.map(label).join(", ")}` : "";
  graph.draw(center, live && sameOpportunity);
  if (state.selected.length) {
    graph.select(state.selected);
    void showSelection().catch(fail);
  } else {
    say("path-info", "Select two people to see the best influence path between them.");
    byId("intro-list").replaceChildren();
  }
  if (live) say("live-status", `Live: redrawn at ${new Date().toLocaleTimeString()} after a change.`);
  performance.mark("buying-center-laid-out");
  await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
  panel.dataset.revision = String(Number(panel.dataset.revision ?? "0") + 1);
  panel.dataset.ready = "true";
  if (!live) performance.mark("buying-center-drawn");
  if (!live && o.company && o.company.id !== state.companyId) {
    state.companyId = o.company.id;
    await timeline.show(o.company.id);
  }
}

/** The buying center's answer index.html asked for while the bundle loaded (once, for that opportunity). */
function takePreload(id: string): Promise<unknown> | null {
  const holder = window as unknown as { graphCrmPreload?: { id: string; answer: Promise<unknown> } };
  const early = holder.graphCrmPreload;
  delete holder.graphCrmPreload;
  return early && early.id === id ? early.answer : null;
}

async function selectPerson(id: string): Promise<void> {
  state.selected = state.selected.length >= 2 ? [id] : [...state.selected.filter((s) => s !== id), id];
  graph.select(state.selected);
  await showSelection();
}

/** The influence path between the two people selected, and the warm introductions to the last one. */
let selectionTicket = 0;

async function showSelection(): Promise<void> {
  const ticket = ++selectionTicket;
  const names = graph.names();
  const id = state.selected[state.selected.length - 1];
  if (!id) return;
  const [from, to] = state.selected;
  const pathInfo = byId("path-info");
  if (from && to) {
    pathInfo.dataset.ready = "false";
    const data = await request<{ influencePaths: PersonPath[] }>(influencePathsQuery, {
      fromPersonId: from,
      toPersonId: to,
    });
    if (ticket !== selectionTicket) return; // a newer selection is on its way
    const best = data.influencePaths[0] ?? null;
    graph.highlight(best);
    pathInfo.textContent = best
      ? `Best influence path: ${best.people.map((p) => p.fullName).join(" → ")} (${best.relations.length} ${best.relations.length === 1 ? "hop" : "hops"})`
      : `No influence path from ${names.get(from) ?? from} to ${names.get(to) ?? to} within 4 hops.`;
    pathInfo.dataset.ready = "true";
  } else {
    graph.highlight(null);
    pathInfo.textContent = `${names.get(id) ?? id} selected; select a second person for the influence path.`;
  }
  await introductions(id, names.get(id) ?? id, () => ticket === selectionTicket);
}

async function introductions(personId: string, name: string, current: () => boolean): Promise<void> {
  const data = await request<{ introductionPaths: IntroductionPath[] }>(introductionPathsQuery, {
    toPersonId: personId,
  });
  if (!current()) return;
  say("intro-title", `Warm introductions to ${name}`);
  byId("intro-list").replaceChildren(
    ...(data.introductionPaths.length
      ? data.introductionPaths.map((p) =>
          el(
            "li",
            { "data-user": p.user.id },
            el("strong", {}, p.user.name),
            ` via ${p.people.map((x) => x.fullName).join(" → ")} (${p.hops} ${p.hops === 1 ? "hop" : "hops"}, weight ${p.weight.toFixed(2)})`,
          ),
        )
      : [el("li", {}, "No colleague knows a way in yet.")]),
  );
}

async function route(): Promise<void> {
  const [, kind, id] = location.hash.split("/");
  if (kind === "opportunity" && id) await openOpportunity(decodeURIComponent(id));
  else if (kind === "company" && id) await openCompany(decodeURIComponent(id));
  else if (kind === "pipeline") showTab("pipeline");
}

function tabKeys(event: KeyboardEvent): void {
  const tabs = [...document.querySelectorAll<HTMLButtonElement>("[role=tab]")];
  const index = tabs.indexOf(event.target as HTMLButtonElement);
  if (index < 0 || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) return;
  const next = tabs[(index + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
  if (next) {
    next.focus();
    showTab(next.dataset.tab as Tab);
  }
}

async function start(): Promise<void> {
  byId<HTMLFormElement>("login-form").addEventListener("submit", (e) => void login(e));
  byId<HTMLFormElement>("search-form").addEventListener("submit", (e) => void search(e).catch(fail));
  byId("logout").addEventListener("click", logout);
  for (const button of document.querySelectorAll<HTMLButtonElement>("[role=tab]")) {
    button.addEventListener("click", () => showTab(button.dataset.tab as Tab));
    button.addEventListener("keydown", tabKeys);
  }
  whenSignedOut(() => {
    state.me = null;
    showSignedIn(false);
    say("login-error", "Your session ended; please sign in again.");
  });
  if (!token()) {
    showSignedIn(false);
    return;
  }
  // Who is signed in and the page asked for load side by side (a stale token signs out either way).
  showSignedIn(true);
  const me = request<{ me: User }>(meQuery).then(
    (data) => {
      state.me = data.me;
      showSignedIn(true);
    },
    () => showSignedIn(false),
  );
  await Promise.all([me, route()]);
}

void start().catch(fail);
