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
