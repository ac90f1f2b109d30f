// The customer's history beside the graph: Company.timeline, 15 at a time (keyset cursor).
import { request } from "./api";
import { byId, el, label } from "./dom";
import timelineQuery from "./queries/timeline.graphql";
import type { Activity } from "./types";

interface TimelineData {
  company: {
    id: string;
    name: string;
    timeline: { edges: { node: Activity }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  } | null;
}

export class Timeline {
  private companyId: string | null = null;
  private cursor: string | null = null;

  constructor() {
    byId("timeline-more").addEventListener("click", () => void this.more());
  }

  async show(companyId: string | null): Promise<void> {
    this.companyId = companyId;
    this.cursor = null;
    byId("timeline-list").replaceChildren();
    byId("timeline-title").textContent = "Customer history";
    await this.more();
  }

  private async more(): Promise<void> {
    const more = byId<HTMLButtonElement>("timeline-more");
    more.hidden = true;
    if (!this.companyId) return;
    const data = await request<TimelineData>(timelineQuery, { companyId: this.companyId, after: this.cursor });
    if (!data.company) return;
    byId("timeline-title").textContent = `History of ${data.company.name}`;
    const list = byId("timeline-list");
    for (const { node } of data.company.timeline.edges) {
      const when = new Date(node.occurredAt);
      list.append(
        el(
          "li",
          { "data-activity": node.id },
          el("time", { datetime: node.occurredAt }, when.toISOString().slice(0, 10)),
          " ",
          el("span", { class: "type" }, label(node.type)),
          el("div", { class: "subject" }, node.subject),
          node.outcome ? el("div", { class: "outcome" }, node.outcome) : null,
          node.by ? el("div", { class: "by" }, `by ${node.by.name}`) : null,
        ),
      );
    }
    this.cursor = data.company.timeline.pageInfo.endCursor;
    more.hidden = !data.company.timeline.pageInfo.hasNextPage;
    if (!list.childElementCount) list.append(el("li", {}, "Nothing recorded yet."));
  }
}
