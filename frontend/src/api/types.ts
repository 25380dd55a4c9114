/** The API's shapes the screens use (docs/api.md). */

export type Level = "blue" | "yellow" | "orange" | "red";
export type RecipientState = "pending" | "acknowledged" | "late" | "escalated";
export type TaskState = "pending" | "acknowledged" | "escalated" | "stopped";
export type WarningStatus = "draft" | "issued" | "lifted" | "cancelled";

export interface Page<T> {
  data: T[];
  count: number;
}

export interface Me {
  id: number;
  username: string;
  person_id: number | null;
  org_id: number | null;
  roles: string[];
}

export interface Org {
  id: number;
  name: string;
  kind: string;
  parent_id: number | null;
  lat: number | null;
  lon: number | null;
}

export interface Person {
  id: number;
  name: string;
  org_id: number;
  title: string | null;
  phones: string[];
}

export interface Shift {
  id: number;
  post_id: number;
  person_id: number;
  start_at: string;
  end_at: string;
  checked_in_at: string | null;
}

export interface DutyNow {
  org_id: number;
  at: string;
  leader: Person | null;
  officers: Person[];
  shift_id: number | null;
  shifts: Shift[];
}

export interface Gap {
  post_key: string;
  start_at: string;
  end_at: string;
  count: number;
  min_count: number;
}

export interface Task {
  id: number;
  recipient_id: number;
  assignee_id: number;
  org_id: number;
  step: number;
  via: string;
  state: TaskState;
  deadline_at: string;
  acked_at: string | null;
}

export interface Recipient {
  id: number;
  person_id: number;
  name: string | null;
  phones: string[];
  org_id: number;
  township_id: number | null;
  state: RecipientState;
  calls: number;
  called_at: string | null;
  deadline_at: string | null;
  acked_at: string | null;
  on_behalf: boolean;
  escalated_at: string | null;
  chain: Task[];
}

export interface RollUp {
  org_id: number | null;
  name: string | null;
  recipients: number;
  answered: number;
  late: number;
  pending: number;
  escalated: number;
}

export interface Warning {
  id: number;
  org_id: number;
  status: WarningStatus;
  hazard: string;
  level: Level;
  title: string;
  content: string;
  instruction: string | null;
  org_ids: number[];
  effective_at: string;
  expires_at: string;
  respond_within_s: number;
  issued_at: string | null;
  created_at: string;
  version: number;
  /** issued in a drill (CAP status Exercise): marked 演练 wherever it shows */
  exercise?: boolean;
}

export interface WarningStatusRead extends Warning {
  totals: RollUp;
  by_township: RollUp[];
  recipients: Recipient[];
}

export interface UiConfig {
  version: string;
  timezone: string;
  tile_url: string | null;
  tile_attribution: string | null;
  tile_max_zoom: number;
  map_center: [number, number] | null;
  map_zoom: number;
}

export type Grade = "general" | "large" | "major" | "especially_major";
export type IncidentStatus = "reported" | "responding" | "stabilized" | "closed";
export type ReportState = "due" | "overdue" | "sent" | "cancelled";

export interface Incident {
  id: number;
  org_id: number;
  title: string;
  type: string;
  source: string;
  status: IncidentStatus;
  lat: number | null;
  lon: number | null;
  address: string | null;
  occurred_at: string;
  reported_at: string;
  deaths: number;
  missing: number;
  serious_injuries: number;
  injuries: number;
  trapped: number;
  direct_loss_yuan: number;
  description: string | null;
  attachments: string[];
  grade: Grade;
  computed_grade: Grade;
  grade_manual: boolean;
  grade_reason: string | null;
  /** recorded in a drill: marked 演练 wherever it shows */
  exercise?: boolean;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface IncidentReport {
  id: number;
  incident_id: number;
  kind: string;
  level: string | null;
  state: ReportState;
  due_at: string | null;
  sent_at: string | null;
  sent_to: string | null;
  via: string | null;
}

export interface GradeChange {
  id: number;
  grade: Grade;
  previous: Grade | null;
  manual: boolean;
  reason: string;
  at: string;
}

/** An open incident on the dispatch screen: with the report due soonest (or null). */
export interface IncidentSummary extends Incident {
  next_report: IncidentReport | null;
}

export interface IncidentDetail extends Incident {
  grades: GradeChange[];
  reports: IncidentReport[];
}

export interface IncidentTask {
  id: number;
  activation_id: number;
  level: string;
  position: number;
  action: string;
  responsible: string;
  due_at: string | null;
  state: "open" | "done" | "cancelled";
  done_at: string | null;
  note: string | null;
}

export interface Activation {
  id: number;
  incident_id: number;
  plan_id: number;
  version_number: number;
  plan_title: string;
  level: string;
  state: "active" | "deactivated";
  activated_at: string;
  deactivated_at: string | null;
  tasks: IncidentTask[];
}

export type DispatchStatus = "requested" | "en_route" | "on_scene" | "returned" | "cancelled";

export interface IncidentDispatch {
  id: number;
  incident_id: number;
  kind: "team" | "material";
  team_id: number | null;
  team_kind: string | null;
  quantity: number | null;
  name: string;
  status: DispatchStatus;
  distance_km: number | null;
  requested_at: string;
}

export interface LogEntry {
  id: number;
  at: string;
  kind: string;
  text: string;
  author: string;
}

export interface NearestTeam {
  kind: "team";
  id: number;
  name: string;
  org_id: number;
  distance_km: number;
  team_kind: string;
  status: string;
  headcount: number | null;
}

export interface PlanSummary {
  id: number;
  title: string;
  published_version: number | null;
}
