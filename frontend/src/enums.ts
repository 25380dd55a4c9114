/** The API's enumerations the screens translate (labels under `level.*`, `hazard.*` …). */
export const LEVELS = ["blue", "yellow", "orange", "red"] as const;
export const HAZARDS = [
  "rainstorm",
  "flood",
  "mountain_torrent",
  "geological",
  "forest_fire",
  "earthquake",
  "cold_wave",
  "snow_ice",
  "strong_wind",
  "hazardous_chemicals",
  "other",
] as const;
export const ANSWER_STATES = ["answered", "late", "pending", "escalated"] as const;
export const RECIPIENT_STATES = ["pending", "acknowledged", "late", "escalated"] as const;
export const TASK_STATES = ["pending", "acknowledged", "escalated", "stopped"] as const;
export const CONNECTION_STATES = ["connecting", "live", "reconnecting", "offline", "unauthorized", "stopped"] as const;
export const FEED_KINDS = ["warning", "answer", "escalation", "duty", "incident"] as const;
export const GRADES = ["general", "large", "major", "especially_major"] as const;
export const INCIDENT_STATUSES = ["reported", "responding", "stabilized", "closed"] as const;
export const INCIDENT_TYPES = [
  "mine",
  "hazardous_chemicals",
  "fire",
  "road_traffic",
  "construction",
  "gas",
  "special_equipment",
  "industrial",
  "flood",
  "geological",
  "forest_fire",
  "earthquake",
  "other",
] as const;
export const REPORT_KINDS = ["initial", "follow_up", "final", "supplement"] as const;
export const REPORT_LEVELS = ["county", "city", "province", "state"] as const;
export const REPORT_STATES = ["due", "overdue", "sent", "cancelled"] as const;
export const DISPATCH_STATUSES = ["requested", "en_route", "on_scene", "returned", "cancelled"] as const;
export const INCIDENT_TASK_STATES = ["open", "done", "cancelled"] as const;
export const RESPONSE_LEVELS = ["I", "II", "III", "IV"] as const;
export const TEAM_KINDS = [
  "comprehensive",
  "fire",
  "mine_rescue",
  "hazmat",
  "forest_fire",
  "flood",
  "medical",
  "social_volunteer",
  "enterprise",
  "other",
] as const;
export const TEAM_STATUSES = ["available", "standby", "dispatched", "resting", "offline"] as const;
export const INCIDENT_FEED_EVENTS = ["created", "graded", "report_overdue", "report_sent", "activated", "dispatched"] as const;
