// Shapes of the answers to the queries in ./queries (checked against the served schema by the test suite).
export type Attitude = "SUPPORTER" | "NEUTRAL" | "SKEPTIC" | "OPPONENT" | "UNKNOWN";
export type RelationType = "REPORTS_TO" | "INFLUENCES" | "KNOWS";
export type Stage = "PROSPECTING" | "QUALIFICATION" | "PROPOSAL" | "NEGOTIATION" | "CLOSED_WON" | "CLOSED_LOST";

export interface Ref {
  id: string;
}
export interface Named extends Ref {
  name: string;
}
export interface User extends Named {
  role: string;
  team: string | null;
}
export interface Relation {
  type: RelationType;
  strength: number | null;
  from: Ref;
  to: Ref;
}
export interface Member {
  roles: string[];
  attitude: Attitude;
  lastInteractionAt: string | null;
  external: boolean;
  person: { id: string; fullName: string; jobTitle: string | null; company: Named | null };
}
export interface Opportunity extends Named {
  stage: Stage;
  amount: string;
  currency: string;
  company: Named | null;
}
export interface BuyingCenter {
  missingRoles: string[];
  members: Member[];
  neglectedMembers: Ref[];
  relations: Relation[];
}
export interface BuyingCenterData {
  opportunity: (Opportunity & { buyingCenter: BuyingCenter }) | null;
}
export interface PersonPath {
  people: { id: string; fullName: string }[];
  relations: Relation[];
}
export interface IntroductionPath {
  hops: number;
  weight: number;
  user: { id: string; name: string; email: string };
  people: { id: string; fullName: string }[];
}
export type SearchHit =
  | { __typename: "Opportunity"; id: string; name: string; stage: Stage; company: Named | null }
  | { __typename: "Company"; id: string; name: string; city: string | null }
  | { __typename: "Person" | "Lead" | "Ticket" };
export interface Activity {
  id: string;
  type: string;
  subject: string;
  outcome: string | null;
  occurredAt: string;
  by: { name: string } | null;
}
export interface Unit extends Named {
  children?: Unit[];
}
export interface AccountNode extends Named {
  city: string | null;
  units: Unit[];
  opportunities: { edges: { node: { id: string; name: string; stage: Stage; amount: string; currency: string } }[] };
  subsidiaries?: AccountNode[];
}
export interface OrgChartNode {
  managerId: string | null;
  depth: number;
  person: { id: string; fullName: string; jobTitle: string | null };
}
export interface PipelineData {
  pipeline: { stage: Stage; count: number; amount: string; weightedAmount: string }[];
  forecast: {
    period: string;
    openAmount: string;
    weightedAmount: string;
    wonAmount: string;
    target: string | null;
    attainment: number | null;
  }[];
  targetStatus: {
    period: string;
    target: string;
    wonAmount: string;
    weightedAmount: string;
    attainment: number | null;
    user: Named;
  }[];
}
