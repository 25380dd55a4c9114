/** Drills' API shapes (docs/api.md, "Drills") and their enumerations. */

export const DRILL_TYPES = ["tabletop", "functional", "full_scale", "evacuation"] as const;
export const DRILL_SCOPES = ["county_comprehensive", "command", "township", "department", "unit"] as const;
export const DRILL_STATUSES = ["planned", "notified", "in_progress", "completed", "evaluated", "closed", "cancelled"] as const;
export const CRITERIA = ["plan", "command", "personnel", "equipment", "timeliness"] as const;
export const ACTION_STATUSES = ["open", "in_progress", "done", "cancelled"] as const;
export const COMPLIANCE_STATES = ["overdue", "due_soon", "due", "met"] as const;
/** The lifecycle steps a drill's page may show as buttons (`actions` of the detail). */
export const STEPS = ["notify", "start", "complete", "close", "cancel"] as const;

export type DrillType = (typeof DRILL_TYPES)[number];
export type DrillScope = (typeof DRILL_SCOPES)[number];
export type DrillStatus = (typeof DRILL_STATUSES)[number];
export type Criterion = (typeof CRITERIA)[number];
export type ActionStatus = (typeof ACTION_STATUSES)[number];
export type ComplianceState = (typeof COMPLIANCE_STATES)[number];
export type Step = (typeof STEPS)[number];

export interface Drill {
  id: number;
  org_id: number;
  title: string;
  type: DrillType;
  scope: DrillScope;
  status: DrillStatus;
  plan_id: number | null;
  plan_version: number | null;
  level: string | null;
  scenario: string | null;
  location: string | null;
  lat: number | null;
  lon: number | null;
  start_at: string;
  end_at: string;
  org_ids: number[];
  team_ids: number[];
  person_ids: number[];
  multi_department: boolean;
  evaluation: Evaluation | null;
  notified_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  evaluated_at: string | null;
  closed_at: string | null;
  cancelled_at: string | null;
  cancel_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface Evaluation {
  scores: { criterion: Criterion; score: number; comment: string | null }[];
  summary: string | null;
  overall?: number | null;
}

export interface Conflict {
  kind: "drill" | "incident";
  team_id: number;
  team_name: string;
  drill_id: number | null;
  drill_title: string | null;
  incident_id: number | null;
  incident_title: string | null;
  since: string | null;
}

export interface DrillDetail extends Drill {
  conflicts: Conflict[];
  reminders: { offset_s: number; due_at: string; state: string }[];
  actions: string[];
}

export interface Finding {
  id: number;
  drill_id: number;
  criterion: Criterion | null;
  text: string;
  revision_plan_id: number | null;
  revision_version: number | null;
  created_at: string;
}

export interface CorrectiveAction {
  id: number;
  drill_id: number;
  finding_id: number;
  text: string;
  owner_person_id: number | null;
  owner_org_id: number | null;
  due_date: string;
  status: ActionStatus;
  note: string | null;
  done_at: string | null;
  overdue: boolean;
  created_at: string;
  updated_at: string;
}

export interface FindingDetail extends Finding {
  actions: CorrectiveAction[];
}

export interface AnswerTiming {
  person_id: number;
  name: string | null;
  state: string;
  called_at: string | null;
  acked_at: string | null;
  answer_s: number | null;
  escalated: boolean;
}

export interface WarningRun {
  warning_id: number;
  title: string;
  level: string;
  status: string;
  issued_at: string | null;
  recipients: number;
  answered: number;
  escalated: number;
  slowest_answer_s: number | null;
  recipients_timing: AnswerTiming[];
}

export interface IncidentRun {
  incident_id: number;
  title: string;
  grade: string;
  status: string;
  reported_at: string;
  first_dispatch_at: string | null;
  first_dispatch_s: number | null;
  dispatches: number;
  reports_sent: number;
}

export interface RunLog {
  drill_id: number;
  started_at: string | null;
  completed_at: string | null;
  warnings: WarningRun[];
  incidents: IncidentRun[];
}

export interface Named {
  id: number;
  name: string;
}

export interface AfterActionReport {
  drill: Drill;
  organiser: Named;
  plan: { id: number; title: string; kind?: string; version?: number | null; level?: string | null; level_name?: string | null } | null;
  orgs: Named[];
  teams: Named[];
  people: Named[];
  log: RunLog;
  overall_score: number | null;
  findings: FindingDetail[];
  open_actions: number;
}

export interface ComplianceRule {
  code: string;
  title: string;
  applies_to: string;
  every: "year" | "half" | "three_years";
  citations: string[];
}

export interface ComplianceItem {
  rule: string;
  org_id: number;
  org_name: string;
  plan_id: number | null;
  plan_title: string | null;
  period_start: string;
  period_end: string;
  state: ComplianceState;
  drill_ids: number[];
  planned_drill_ids: number[];
}

export interface Compliance {
  year: number;
  as_of: string;
  rules: ComplianceRule[];
  items: ComplianceItem[];
}

export const drillPath = (id: number) => `/drills/${id}`;

/** Where a corrective action may go from each status (the buttons beside it). */
export const ACTION_NEXT: Record<ActionStatus, ActionStatus[]> = {
  open: ["in_progress", "done", "cancelled"],
  in_progress: ["done", "cancelled"],
  done: [],
  cancelled: [],
};

/** Seconds as "m:ss" (or "h:mm:ss"): an answer time, or how long someone has been waiting. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** The order the compliance table shows: overdue first, then due soon, due, met. */
export function byUrgency(a: ComplianceItem, b: ComplianceItem): number {
  return (
    COMPLIANCE_STATES.indexOf(a.state) - COMPLIANCE_STATES.indexOf(b.state) ||
    a.org_name.localeCompare(b.org_name, "zh-CN") ||
    a.period_start.localeCompare(b.period_start)
  );
}
