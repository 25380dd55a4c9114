/** The duty roster's API shapes (docs/api.md, "Duty roster") and their enumerations. */
import type { Person } from "./types";

export const SWAP_STATES = ["requested", "accepted", "approved", "rejected", "cancelled"] as const;
export const SWAP_STEPS = ["accept", "approve", "reject", "cancel"] as const;
export const ROTATION_KINDS = ["regular", "holiday"] as const;
export const DAY_FILTERS = ["all", "workdays", "restdays"] as const;
export const MATTER_KINDS = ["incident", "warning", "other"] as const;
export const SHIFT_SOURCES = ["rotation", "holiday", "override", "swap", "import"] as const;

export type SwapState = (typeof SWAP_STATES)[number];
export type SwapStep = (typeof SWAP_STEPS)[number];
export type RotationKind = (typeof ROTATION_KINDS)[number];
export type DayFilter = (typeof DAY_FILTERS)[number];
export type MatterKind = (typeof MATTER_KINDS)[number];

export interface Post {
  id: number;
  org_id: number;
  key: string;
  name: string;
  min_count: number;
  max_count: number | null;
}

export interface Schedule {
  org_id: number;
  changeovers: string[];
  timezone: string;
  posts: Post[];
  updated_at: string | null;
}

export interface DutyShift {
  id: number;
  org_id: number;
  post_id: number;
  person_id: number;
  start_at: string;
  end_at: string;
  source: string;
  rotation_id: number | null;
  override_id: number | null;
  note: string | null;
  provisional: boolean;
  checked_in_at: string | null;
  sequence: number;
}

export interface OpenMatter {
  kind: MatterKind;
  id?: number | null;
  title: string;
}

export interface Handover {
  id: number;
  shift_id: number;
  next_shift_id: number | null;
  org_id: number;
  notes: string;
  open_matters: OpenMatter[];
  created_by: number | null;
  created_at: string;
  acknowledged_at: string | null;
  acknowledged_by: number | null;
}

export interface ShiftDetail extends DutyShift {
  person: Person | null;
  handover: Handover | null;
  received: Handover | null;
}

export interface DutyWarning {
  code: string;
  message: string;
}

export interface RosterNow {
  org_id: number;
  at: string;
  leader: Person | null;
  officers: Person[];
  shift_id: number | null;
  shifts: DutyShift[];
  warnings: DutyWarning[];
}

export interface RosterGap {
  post_id: number;
  post_key: string;
  start_at: string;
  end_at: string;
  count: number;
  min_count: number;
}

export interface RosterGaps {
  data: RosterGap[];
  count: number;
  warnings: DutyWarning[];
}

export interface Holiday {
  date: string;
  workday: boolean;
  statutory: boolean;
  adjusted: boolean;
  name: string | null;
  name_zh: string | null;
  known: boolean;
}

export interface Holidays {
  data: Holiday[];
  count: number;
  unpublished_years: number[];
  warnings: DutyWarning[];
}

export interface KeyPeriod {
  id: number;
  org_id: number;
  name: string;
  start_date: string;
  end_date: string;
  report_time: string;
}

export interface Rotation {
  id: number;
  org_id: number;
  post_id: number;
  name: string;
  kind: RotationKind;
  people: number[];
  start_date: string;
  end_date: string | null;
  period_days: number;
  days: DayFilter;
  weekdays: number[];
  slots: number[];
  updated_at: string;
}

export interface Override {
  id: number;
  org_id: number;
  post_id: number;
  person_id: number;
  replaces_person_id: number | null;
  start_at: string;
  end_at: string;
  source: string;
  reason: string | null;
  swap_id: number | null;
  created_at: string;
}

export interface Swap {
  id: number;
  org_id: number;
  post_id: number;
  shift_id: number | null;
  counterpart_shift_id: number | null;
  requester_id: number;
  counterpart_id: number;
  start_at: string;
  end_at: string;
  counterpart_start_at: string | null;
  counterpart_end_at: string | null;
  state: SwapState;
  reason: string | null;
  accepted_at: string | null;
  decided_at: string | null;
  decided_by: number | null;
  created_at: string;
}

export interface ImportProblem {
  line: number;
  field: string;
  code: string;
  message: string;
}

export interface ImportOutcome {
  month: string;
  rows: { line: number; date: string; post: string; person_id: number; person: string | null }[];
  problems: ImportProblem[];
  imported: boolean;
}

/** Who may press which swap step (the server checks again and says why not). */
export function swapSteps(swap: Swap, me: { person_id: number | null; roles: readonly string[] }): SwapStep[] {
  const pending = swap.state === "requested" || swap.state === "accepted";
  if (!pending) return [];
  const out: SwapStep[] = [];
  const party = me.person_id === swap.requester_id || me.person_id === swap.counterpart_id;
  const approver = me.roles.some((r) => r === "admin" || r === "leader") && !party;
  if (swap.state === "requested" && me.person_id === swap.counterpart_id) out.push("accept");
  if (swap.state === "accepted" && approver) out.push("approve");
  if (me.person_id === swap.counterpart_id || approver) out.push("reject");
  if (me.person_id === swap.requester_id || me.roles.some((r) => r === "admin" || r === "leader" || r === "duty_officer"))
    out.push("cancel");
  return out;
}

/** A post's name in the UI language: the two posts every schedule has are translated
 * (`duty.post.*`), the org's own posts keep their name. */
export function postLabel(post: Pick<Post, "key" | "name">, t: (key: string) => string): string {
  return post.key === "leader" || post.key === "officer" ? t(`duty.post.${post.key}`) : post.name;
}
