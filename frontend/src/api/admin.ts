/** The Administration screen's API shapes (docs/api.md: "Authentication", "Roles and scope",
 * "Lists", "Channels and deliveries") and their enumerations. */

export const ROLES = ["admin", "leader", "duty_officer", "team_leader", "drill_coordinator", "viewer"] as const;
export const ORG_KINDS = ["county", "township", "village", "department", "command"] as const;
export const CHANNEL_KINDS = ["sms", "webhook", "wecom", "dingtalk"] as const;
export const SIGNED_KINDS = ["webhook", "dingtalk"] as const;
export const DELIVERY_STATES = ["queued", "sent", "failed"] as const;
export const AUDIT_OBJECTS = ["org", "person", "user", "api_token", "channel", "delivery"] as const;
export const AUDIT_ACTIONS = ["created", "updated", "deleted", "revoked", "sent", "retrying", "deferred", "failed"] as const;
/** The event topics whose changes the Administration screen shows. */
export const ADMIN_TOPICS = ["orgs", "people", "users", "channels", "deliveries"] as const;

export type Role = (typeof ROLES)[number];
export type OrgKind = (typeof ORG_KINDS)[number];
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface OrgRead {
  id: number;
  name: string;
  kind: OrgKind;
  parent_id: number | null;
  division_code: string | null;
  timezone: string;
  lat: number | null;
  lon: number | null;
}

export interface PersonRead {
  id: number;
  name: string;
  org_id: number;
  title: string | null;
  phones: string[];
  superior_id: number | null;
  tags: string[];
}

export interface Grant {
  role: Role;
  org_id: number | null;
}

/** A grant as a form edits it: the org as a select's value, "" for every org. */
export interface GrantRow {
  role: string;
  org_id: string;
}

export interface User {
  id: number;
  username: string;
  person_id: number | null;
  org_id: number | null;
  is_active: boolean;
  grants: Grant[];
  created_at: string;
  updated_at: string;
}

export interface ApiToken {
  id: number;
  user_id: number;
  name: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface ApiTokenCreated extends ApiToken {
  token: string;
}

export interface Channel {
  id: number;
  person_id: number | null;
  org_id: number | null;
  kind: ChannelKind;
  address: string;
  has_secret: boolean;
  label: string | null;
  enabled: boolean;
}

export interface Delivery {
  id: number;
  channel_id: number | null;
  kind: ChannelKind;
  target: string;
  message: { title: string; text: string };
  ref: string;
  org_id: number | null;
  state: DeliveryState;
  attempts: number;
  max_attempts: number;
  next_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor_user_id: number | null;
  actor_username: string | null;
  actor_token_id: number | null;
  action: string;
  object_type: string;
  object_id: string;
  org_id: number | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  request_id: string | null;
  ip: string | null;
}

/** Which tabs a user's roles open (the server checks the org scope too and says why not). */
export function adminTabs(roles: readonly string[]): string[] {
  const has = (...allowed: string[]) => roles.some((r) => allowed.includes(r));
  const staff = has("admin", "leader", "duty_officer");
  return [
    "orgs",
    "people",
    ...(has("admin") ? ["users"] : []),
    "tokens",
    "channels",
    ...(staff ? ["deliveries"] : []),
    ...(has("admin") ? ["audit"] : []),
  ];
}

/** What changed between an audit row's before and after: the keys whose values differ. */
export function changedKeys(before: Record<string, unknown> | null, after: Record<string, unknown> | null): string[] {
  const skip = new Set(["id", "created_at", "updated_at"]);
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  return [...keys].filter((k) => !skip.has(k) && JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k])).sort();
}

/** Phones typed one per line or separated by commas (Chinese or Latin). */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,，、;；]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The start of a calendar day (`2026-12-02`) in the zone `tz`, as ISO 8601 with its offset. */
export function dayStart(date: string, tz: string): string {
  const noon = new Date(`${date}T12:00:00Z`);
  const name = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "longOffset" })
    .formatToParts(noon)
    .find((p) => p.type === "timeZoneName")?.value;
  const offset = name && name !== "GMT" ? name.replace("GMT", "") : "+00:00";
  return `${date}T00:00:00${offset}`;
}

/** The day after `date` (`YYYY-MM-DD`). */
export function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
