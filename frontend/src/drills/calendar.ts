/**
 * The month view's arithmetic, in the service's zone (Asia/Shanghai by default) whatever the
 * browser's: the month's range as UTC instants for `GET /drills?from=&to=`, the weeks of the
 * grid (Monday first), the drills on each day, and `datetime-local` values to and from ISO.
 */

export interface Day {
  date: string; // YYYY-MM-DD, local to the zone
  inMonth: boolean;
  weekday: number; // 0 Monday … 6 Sunday
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The zone's offset from UTC at `instant`, in milliseconds. */
export function zoneOffset(instant: number, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour") % 24, get("minute"), get("second"));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant of a local wall-clock time in the zone. */
export function zonedTime(y: number, m: number, d: number, hh: number, mm: number, zone: string): Date {
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  let at = guess - zoneOffset(guess, zone);
  at = guess - zoneOffset(at, zone); // once more across a change of offset
  return new Date(at);
}

/** The local date of an instant in the zone, as YYYY-MM-DD. */
export function localDay(iso: string | Date, zone: string): string {
  const instant = typeof iso === "string" ? Date.parse(iso) : iso.getTime();
  const shifted = new Date(instant + zoneOffset(instant, zone));
  return `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}`;
}

/** The month (1–12) and its neighbours. */
export function addMonths(year: number, month: number, n: number): { year: number; month: number } {
  const index = year * 12 + (month - 1) + n;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/** From the first local midnight of the month to the first of the next, as ISO instants. */
export function monthRange(year: number, month: number, zone: string): { from: string; to: string } {
  const next = addMonths(year, month, 1);
  return {
    from: zonedTime(year, month, 1, 0, 0, zone).toISOString(),
    to: zonedTime(next.year, next.month, 1, 0, 0, zone).toISOString(),
  };
}

/** The weeks shown for the month, Monday first, with the days of the months around it. */
export function monthGrid(year: number, month: number): Day[][] {
  const first = new Date(Date.UTC(year, month - 1, 1));
  const lead = (first.getUTCDay() + 6) % 7; // days of the previous month before the 1st
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const weeks: Day[][] = [];
  const total = Math.ceil((lead + days) / 7) * 7;
  for (let i = 0; i < total; i += 1) {
    const at = new Date(Date.UTC(year, month - 1, 1 - lead + i));
    const day: Day = {
      date: `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`,
      inMonth: at.getUTCMonth() === month - 1,
      weekday: i % 7,
    };
    if (i % 7 === 0) weeks.push([]);
    weeks[weeks.length - 1].push(day);
  }
  return weeks;
}

/** Each local day with the drills that take place on it (a drill over midnight on both). */
export function byDay<T extends { start_at: string; end_at: string }>(drills: T[], zone: string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const drill of drills) {
    const first = localDay(drill.start_at, zone);
    // the end instant belongs to the day before when it is exactly midnight
    const last = localDay(new Date(Date.parse(drill.end_at) - 1), zone);
    let [y, m, d] = first.split("-").map(Number);
    for (let guard = 0; guard < 62; guard += 1) {
      const date = `${y}-${pad(m)}-${pad(d)}`;
      out.set(date, [...(out.get(date) ?? []), drill]);
      if (date >= last) break;
      const next = new Date(Date.UTC(y, m - 1, d + 1));
      [y, m, d] = [next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()];
    }
  }
  return out;
}

/** An instant as the value of an `<input type="datetime-local">` in the zone. */
export function toLocalInput(iso: string | null | undefined, zone: string): string {
  if (!iso) return "";
  const instant = Date.parse(iso);
  const shifted = new Date(instant + zoneOffset(instant, zone));
  return `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}T${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}`;
}

/** A `datetime-local` value read in the zone, as an ISO instant (null when empty or bad). */
export function fromLocalInput(value: string, zone: string): string | null {
  const found = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!found) return null;
  const [y, m, d, hh, mm] = found.slice(1).map(Number);
  return zonedTime(y, m, d, hh, mm, zone).toISOString();
}
