/** The incident page's keyboard shortcuts: one table for the handler and the help overlay
 * (docs/ui.md lists the same). A letter acts only when no form control has the focus. */
export type IncidentAction = "status" | "report" | "plan" | "teams" | "materials" | "numbers" | "grade" | "note" | "ics214" | "language" | "help" | "back";

export const INCIDENT_KEYS: { keys: string; action: IncidentAction }[] = [
  { keys: "S", action: "status" },
  { keys: "R", action: "report" },
  { keys: "P", action: "plan" },
  { keys: "T", action: "teams" },
  { keys: "M", action: "materials" },
  { keys: "E", action: "numbers" },
  { keys: "G", action: "grade" },
  { keys: "N", action: "note" },
  { keys: "X", action: "ics214" },
  { keys: "L", action: "language" },
  { keys: "?", action: "help" },
  { keys: "Esc", action: "back" },
];

const BY_KEY = new Map(INCIDENT_KEYS.map((k) => [k.keys === "Esc" ? "escape" : k.keys.toLowerCase(), k.action]));

/** The action of a key press, or null (a modifier held, or typing in a form control). */
export function incidentAction(e: { key: string; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean }, typing: boolean): IncidentAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (typing) return null;
  return BY_KEY.get(e.key.toLowerCase()) ?? null;
}
