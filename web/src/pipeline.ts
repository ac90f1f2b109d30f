// Pipeline per stage and forecast against target per month for a manager's team, as charts (and tables).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { request } from "./api";
import { byId, el, label, money } from "./dom";
import pipelineQuery from "./queries/pipeline.graphql";
import teamQuery from "./queries/team.graphql";
import type { PipelineData, User } from "./types";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
);
const SALES_ROLES = new Set(["SALES_MANAGER", "SALES_REP"]);

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function months(now: Date): { from: string; to: string; period: string } {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 4, 0));
  return { from: isoDate(from), to: isoDate(to), period: isoDate(now).slice(0, 7) };
}

export class PipelineView {
  private charts: Chart[] = [];
  private loadedTeam = false;

  constructor(private readonly me: () => User | null) {
    byId("pipeline-owner").addEventListener("change", () => void this.show());
  }

  async show(): Promise<void> {
    const select = byId<HTMLSelectElement>("pipeline-owner");
    if (!this.loadedTeam) await this.team(select);
    const span = months(new Date());
    const data = await request<PipelineData>(pipelineQuery, {
      ownerId: select.value || null,
      currency: "EUR",
      ...span,
    });
    for (const chart of this.charts) chart.destroy();
    this.charts = [
      new Chart(byId<HTMLCanvasElement>("pipeline-chart"), {
        type: "bar",
        data: {
          labels: data.pipeline.map((s) => label(s.stage)),
          datasets: [
            { label: "Amount (EUR)", data: data.pipeline.map((s) => Number(s.amount)), backgroundColor: "#1565c0" },
            { label: "Weighted (EUR)", data: data.pipeline.map((s) => Number(s.weightedAmount)), backgroundColor: "#90caf9" },
          ],
        },
        options: { animation: false, responsive: true, maintainAspectRatio: false },
      }),
      new Chart(byId<HTMLCanvasElement>("forecast-chart"), {
        type: "bar",
        data: {
          labels: data.forecast.map((f) => f.period),
          datasets: [
            { label: "Won", data: data.forecast.map((f) => Number(f.wonAmount)), backgroundColor: "#2e7d32" },
            { label: "Weighted open", data: data.forecast.map((f) => Number(f.weightedAmount)), backgroundColor: "#90caf9" },
            {
              type: "line",
              label: "Target",
              data: data.forecast.map((f) => (f.target === null ? null : Number(f.target))),
              borderColor: "#c62828",
              backgroundColor: "#c62828",
            },
          ],
        },
        options: { animation: false, responsive: true, maintainAspectRatio: false },
      }),
    ];
    byId("pipeline-table").replaceChildren(
      ...data.pipeline.map((s) =>
        el("tr", {}, el("td", {}, label(s.stage)), el("td", {}, String(s.count)), el("td", {}, money(s.amount)), el("td", {}, money(s.weightedAmount))),
      ),
    );
    byId("forecast-table").replaceChildren(
      ...data.forecast.map((f) =>
        el(
          "tr",
          {},
          el("td", {}, f.period),
          el("td", {}, money(f.wonAmount)),
          el("td", {}, money(f.weightedAmount)),
          el("td", {}, f.target === null ? "-" : money(f.target)),
          el("td", {}, f.attainment === null ? "-" : `${Math.round(f.attainment * 100)} %`),
        ),
      ),
    );
    byId("target-table").replaceChildren(
      ...(data.targetStatus.length
        ? data.targetStatus.map((t) =>
            el(
              "tr",
              {},
              el("td", {}, t.user.name),
              el("td", {}, money(t.target)),
              el("td", {}, money(t.wonAmount)),
              el("td", {}, t.attainment === null ? "-" : `${Math.round(t.attainment * 100)} %`),
            ),
          )
        : [el("tr", {}, el("td", { colspan: "4" }, `No targets for ${span.period}.`))]),
    );
    byId("pipeline-panel").dataset.ready = "true";
  }

  private async team(select: HTMLSelectElement): Promise<void> {
    const data = await request<{ users: { edges: { node: User & { active: boolean } }[] } }>(teamQuery);
    const me = this.me();
    const members = data.users.edges
      .map((e) => e.node)
      .filter((u) => u.active && SALES_ROLES.has(u.role) && (!me?.team || u.team === me.team));
    select.replaceChildren(
      el("option", { value: "" }, "All owners"),
      ...members.map((u) => el("option", { value: u.id }, `${u.name} (${label(u.role)})`)),
    );
    this.loadedTeam = true;
  }
}
