// Buying center: people as nodes (role badges, attitude colour, external and neglected marks), relations as
// edges; a list view of the same nodes and edges for keyboard and screen-reader users.
import cytoscape, { type Core, type ElementDefinition } from "cytoscape";
import { byId, daysSince, el, label } from "./dom";
import type { BuyingCenter, Member, PersonPath, Relation } from "./types";

export const ATTITUDE_COLOURS: Record<string, string> = {
  SUPPORTER: "#2e7d32",
  NEUTRAL: "#757575",
  SKEPTIC: "#ef6c00",
  OPPONENT: "#c62828",
  UNKNOWN: "#5c6bc0",
};
const ROLE_BADGES: Record<string, string> = {
  DECISION_MAKER: "DM",
  ECONOMIC_BUYER: "EB",
  TECHNICAL_EVALUATOR: "TE",
  INFLUENCER: "INF",
  CHAMPION: "CH",
  USER: "USR",
  GATEKEEPER: "GK",
  BLOCKER: "BLK",
};

export interface DrawnGraph {
  nodes: string[];
  edges: { type: string; from: string; to: string; strength: number | null }[];
}

export function edgeId(r: Relation): string {
  return `${r.type}:${r.from.id}->${r.to.id}`;
}

export function badges(roles: string[]): string {
  return roles.map((r) => ROLE_BADGES[r] ?? r).join(" · ");
}

function nodeLabel(m: Member, neglectedDays: number | null | undefined): string {
  const lines = [m.person.fullName];
  if (m.roles.length) lines.push(`[${badges(m.roles)}]`);
  if (m.external) lines.push("external");
  if (neglectedDays !== undefined) lines.push(neglectedDays === null ? "⚠ no contact yet" : `⚠ ${neglectedDays} d`);
  return lines.join("\n");
}

export class BuyingCenterView {
  cy: Core | null = null;
  private data: BuyingCenter | null = null;

  constructor(
    private readonly container: HTMLElement,
    private readonly onPersonSelected: (personId: string) => void,
  ) {
    // Cytoscape caches where its canvas is; content above it (search hits, notices) moves it, so a click
    // re-reads the place first (capture phase, before Cytoscape's own handlers).
    for (const type of ["mousedown", "touchstart"]) {
      container.addEventListener(type, () => this.cy?.resize(), { capture: true, passive: true });
    }
  }

  names(): Map<string, string> {
    return new Map((this.data?.members ?? []).map((m) => [m.person.id, m.person.fullName]));
  }

  /** Draws the buying center; a redraw (live) keeps the places of the people already drawn. */
  draw(answer: BuyingCenter, keepPlaces = false): void {
    const places = new Map<string, cytoscape.Position>();
    if (keepPlaces && this.cy) for (const n of this.cy.nodes(":not(.outside)")) places.set(n.id(), { ...n.position() });
    this.data = answer;
    const members = answer?.members ?? [];
    const neglected = new Map<string, number | null>();
    for (const ref of answer?.neglectedMembers ?? []) {
      const member = members.find((m) => m.person.id === ref.id);
      neglected.set(ref.id, daysSince(member?.lastInteractionAt ?? null));
    }
    // Start on a circle (deterministic), then let the force layout pull related people together.
    const elements: ElementDefinition[] = members.map((m, i) => ({
      group: "nodes",
      position: {
        x: 300 * Math.cos((2 * Math.PI * i) / members.length),
        y: 300 * Math.sin((2 * Math.PI * i) / members.length),
      },
      data: {
        id: m.person.id,
        label: nodeLabel(m, neglected.has(m.person.id) ? neglected.get(m.person.id) : undefined),
        colour: ATTITUDE_COLOURS[m.attitude] ?? "#757575",
      },
      classes: [m.external ? "external" : "", neglected.has(m.person.id) ? "neglected" : ""].join(" ").trim(),
    }));
    for (const r of answer?.relations ?? []) {
      elements.push({
        group: "edges",
        data: { id: edgeId(r), source: r.from.id, target: r.to.id, type: r.type, width: 1 + 5 * (r.strength ?? 0.5) },
        classes: r.type.toLowerCase(),
      });
    }
    this.cy?.destroy();
    performance.mark("buying-center-elements");
    this.cy = cytoscape({
      container: this.container,
      elements,
      boxSelectionEnabled: false,
      minZoom: 0.2,
      maxZoom: 1.5, // a small buying center is not blown up to fill the box
      style: [
        {
          selector: "node",
          style: {
            "background-color": "data(colour)",
            label: "data(label)",
            "text-wrap": "wrap",
            "text-valign": "bottom",
            "text-margin-y": 4,
            "font-size": 12,
            color: "#1a1a1a",
            "text-background-color": "#ffffff",
            "text-background-opacity": 0.8,
            "text-background-padding": "1px",
            width: 30,
            height: 30,
            "border-width": 2,
            "border-color": "#ffffff",
          },
        },
        { selector: "node.external", style: { shape: "diamond", width: 36, height: 36, "border-color": "#212121" } },
        { selector: "node.neglected", style: { "border-color": "#d50000", "border-width": 4 } },
        { selector: "node:selected", style: { "overlay-color": "#1565c0", "overlay-opacity": 0.25 } },
        { selector: "node.path", style: { "border-color": "#ffd600", "border-width": 6 } },
        { selector: "node.outside", style: { "background-color": "#bdbdbd", shape: "round-rectangle" } },
        { selector: "edge", style: { "curve-style": "bezier", "line-color": "#90a4ae", width: 1.5, opacity: 0.9 } },
        {
          selector: "edge.reports_to",
          style: { "target-arrow-shape": "triangle", "target-arrow-color": "#546e7a", "line-color": "#546e7a" },
        },
        {
          selector: "edge.influences",
          style: {
            "target-arrow-shape": "triangle",
            "target-arrow-color": "#8e24aa",
            "line-color": "#8e24aa",
            width: "data(width)",
          },
        },
        { selector: "edge.knows", style: { "line-style": "dashed", "line-color": "#00897b" } },
        {
          selector: "edge.path",
          style: { "line-color": "#ffab00", "target-arrow-color": "#ffab00", "z-index": 10, opacity: 1 },
        },
      ],
      layout:
        places.size && members.every((m) => places.has(m.person.id))
          ? { name: "preset", positions: Object.fromEntries(places) }
          : {
              name: "cose",
              animate: false,
              randomize: false,
              nodeRepulsion: () => 6000,
              idealEdgeLength: () => 60,
              nodeOverlap: 40,
              numIter: 250,
              coolingFactor: 0.95,
            },
    });
    performance.mark("buying-center-cytoscape");
    this.cy.on("tap", "node", (event) => this.onPersonSelected(event.target.id() as string));
    this.container.setAttribute(
      "aria-label",
      `Buying center graph: ${members.length} people, ${answer?.relations.length ?? 0} relations. The same data is in the list view below.`,
    );
    // The list view follows right after the first frame of the graph.
    requestAnimationFrame(() => this.renderList());
  }

  drawn(): DrawnGraph {
    if (!this.cy) return { nodes: [], edges: [] };
    return {
      nodes: this.cy.nodes(":not(.outside)").map((n) => n.id()),
      edges: this.cy.edges(":not(.outside)").map((e) => ({
        type: e.data("type") as string,
        from: e.source().id(),
        to: e.target().id(),
        strength: this.data?.relations.find((r) => edgeId(r) === e.id())?.strength ?? null,
      })),
    };
  }

  select(ids: string[]): void {
    if (!this.cy) return;
    this.cy.nodes().unselect();
    for (const id of ids) this.cy.getElementById(id).select();
    for (const row of this.container.ownerDocument.querySelectorAll("[data-person-row]")) {
      row.setAttribute("aria-selected", String(ids.includes(row.getAttribute("data-person-row") ?? "")));
    }
  }

  /** Highlights a path; people and relations outside the buying center are added, greyed, while it is shown. */
  highlight(path: PersonPath | null): string[] {
    const cy = this.cy;
    if (!cy) return [];
    cy.remove(".outside");
    cy.elements().removeClass("path");
    if (!path) return [];
    for (const p of path.people) {
      if (cy.getElementById(p.id).empty()) {
        cy.add({ group: "nodes", data: { id: p.id, label: `${p.fullName}\n(not in buying center)` }, classes: "outside" });
      }
    }
    const highlighted: string[] = [];
    for (const r of path.relations) {
      const id = edgeId(r);
      if (cy.getElementById(id).empty()) {
        cy.add({
          group: "edges",
          data: { id, source: r.from.id, target: r.to.id, type: r.type, width: 1 + 5 * (r.strength ?? 0.5) },
          classes: `${r.type.toLowerCase()} outside`,
        });
      }
      highlighted.push(id);
      cy.getElementById(id).addClass("path");
    }
    for (const p of path.people) cy.getElementById(p.id).addClass("path");
    if (cy.$(".outside").nonempty()) {
      cy.$(".outside").layout({ name: "circle", fit: false, radius: 60 }).run();
    }
    return highlighted;
  }

  highlightedEdges(): { type: string; from: string; to: string }[] {
    return (this.cy?.edges(".path") ?? []).map((e) => ({
      type: e.data("type") as string,
      from: e.source().id(),
      to: e.target().id(),
    }));
  }

  private renderList(): void {
    const members = this.data?.members ?? [];
    const neglected = new Set((this.data?.neglectedMembers ?? []).map((r) => r.id));
    const names = this.names();
    const people = byId("bc-people");
    people.replaceChildren(
      ...members.map((m) => {
        const days = daysSince(m.lastInteractionAt);
        return el(
          "tr",
          { "data-person-row": m.person.id, "aria-selected": "false" },
          el(
            "td",
            {},
            el(
              "button",
              { type: "button", class: "link", "data-person": m.person.id, "aria-label": `Select ${m.person.fullName}` },
              m.person.fullName,
            ),
          ),
          el("td", {}, m.person.jobTitle ?? ""),
          el("td", {}, m.roles.map(label).join(", ") || "-"),
          el("td", {}, el("span", { class: `attitude ${m.attitude.toLowerCase()}` }, label(m.attitude))),
          el("td", {}, m.external ? `external (${m.person.company?.name ?? "no company"})` : "internal"),
          el(
            "td",
            {},
            neglected.has(m.person.id) ? `neglected: ${days === null ? "no interaction yet" : `${days} days`}` : "",
          ),
        );
      }),
    );
    for (const button of people.querySelectorAll<HTMLButtonElement>("button[data-person]")) {
      button.addEventListener("click", () => this.onPersonSelected(button.dataset.person ?? ""));
    }
    byId("bc-relations").replaceChildren(
      ...(this.data?.relations ?? []).map((r) =>
        el(
          "tr",
          { "data-edge": edgeId(r) },
          el("td", {}, names.get(r.from.id) ?? r.from.id),
          el("td", {}, r.type === "KNOWS" ? "knows (both ways)" : label(r.type).toLowerCase()),
          el("td", {}, names.get(r.to.id) ?? r.to.id),
          el("td", {}, r.strength === null ? "-" : r.strength.toFixed(2)),
        ),
      ),
    );
  }
}
