// Account map: the corporate group as a tree (parent, subsidiaries, units) with its open opportunities,
// and the org chart (REPORTS_TO) of one company.
import { request } from "./api";
import { byId, el, label, money } from "./dom";
import accountMapQuery from "./queries/accountMap.graphql";
import groupTopQuery from "./queries/groupTop.graphql";
import orgChartQuery from "./queries/orgChart.graphql";
import type { AccountNode, OrgChartNode, Unit } from "./types";

interface Up {
  id: string;
  parent?: Up | null;
}

function top(company: Up): string {
  let current = company;
  while (current.parent) current = current.parent;
  return current.id;
}

function units(list: Unit[]): HTMLElement | null {
  if (!list.length) return null;
  return el(
    "ul",
    { class: "units" },
    ...list.map((u) => el("li", {}, el("span", { class: "unit" }, `Unit: ${u.name}`), units(u.children ?? []))),
  );
}

export class AccountMap {
  constructor(private readonly openOpportunity: (id: string) => void) {}

  async show(companyId: string): Promise<void> {
    const found = await request<{ company: Up | null }>(groupTopQuery, { companyId });
    if (!found.company) return;
    const data = await request<{ company: AccountNode | null }>(accountMapQuery, { companyId: top(found.company) });
    if (!data.company) return;
    byId("account-title").textContent = `Corporate group ${data.company.name}`;
    byId("account-tree").replaceChildren(el("ul", { class: "tree" }, this.node(data.company, companyId)));
    await this.orgChart(companyId, this.nameOf(data.company, companyId));
  }

  private nameOf(node: AccountNode, id: string): string {
    if (node.id === id) return node.name;
    for (const sub of node.subsidiaries ?? []) {
      const name = this.nameOf(sub, id);
      if (name) return name;
    }
    return "";
  }

  private node(company: AccountNode, focus: string): HTMLElement {
    const open = company.opportunities.edges
      .map((e) => e.node)
      .filter((o) => o.stage !== "CLOSED_WON" && o.stage !== "CLOSED_LOST");
    const orgButton = el(
      "button",
      { type: "button", class: "small", "aria-label": `Org chart of ${company.name}` },
      "Org chart",
    );
    orgButton.addEventListener("click", () => void this.orgChart(company.id, company.name));
    const opportunities = open.length
      ? el(
          "ul",
          { class: "opportunities" },
          ...open.map((o) => {
            const button = el("button", { type: "button", class: "link" }, o.name);
            button.addEventListener("click", () => this.openOpportunity(o.id));
            return el("li", {}, button, ` ${label(o.stage)}, ${money(o.amount, o.currency)}`);
          }),
        )
      : null;
    const subs = company.subsidiaries ?? [];
    return el(
      "li",
      { "data-company": company.id, class: company.id === focus ? "focus" : "" },
      el("strong", {}, company.name),
      company.city ? ` (${company.city}) ` : " ",
      orgButton,
      el("div", { class: "muted" }, `${open.length} open ${open.length === 1 ? "opportunity" : "opportunities"}`),
      opportunities,
      units(company.units),
      subs.length ? el("ul", {}, ...subs.map((s) => this.node(s, focus))) : null,
    );
  }

  private async orgChart(companyId: string, name: string): Promise<void> {
    const data = await request<{ orgChart: OrgChartNode[] }>(orgChartQuery, { companyId });
    byId("org-title").textContent = `Org chart of ${name}`;
    const children = new Map<string | null, OrgChartNode[]>();
    for (const node of data.orgChart) {
      const key = node.depth === 0 ? null : node.managerId;
      children.set(key, [...(children.get(key) ?? []), node]);
    }
    const branch = (manager: string | null): HTMLElement | null => {
      const list = children.get(manager) ?? [];
      if (!list.length) return null;
      return el(
        "ul",
        {},
        ...list.map((n) =>
          el(
            "li",
            { "data-person": n.person.id },
            el("strong", {}, n.person.fullName),
            n.person.jobTitle ? `, ${n.person.jobTitle}` : "",
            branch(n.person.id),
          ),
        ),
      );
    };
    byId("org-chart").replaceChildren(branch(null) ?? el("p", {}, "No people recorded."));
  }
}
