/**
 * The roster's calendar arithmetic, in the org's zone (Asia/Shanghai by default) whatever
 * the browser's: a duty day runs from the first changeover of a date to the first changeover
 * of the next, so a 24-hour shift from 08:30 belongs to the date it starts on and a night
 * shift from 20:30 to the same date; a shift cut short at 03:00 stays on its duty day.
 */

const pad = (n: number) => String(n).padStart(2, "0");

/** "YYYY-MM" of an instant in `zone`. */
export function monthOf(at: Date, zone: string): string {
  const p = parts(at, zone);
  return `${p.year}-${pad(p.month)}`;
}

export function todayIn(zone: string, at: Date = new Date()): string {
  const p = parts(at, zone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** `month` moved by `delta` months. */
export function addMonths(month: string, delta: number): string {
  const [y, m] = month.split("-").map(Number);
  const n = y * 12 + (m - 1) + delta;
  return `${Math.floor(n / 12)}-${pad((n % 12) + 1)}`;
}

export function addDays(day: string, delta: number): string {
  const [y, m, d] = day.split("-").map(Number);
  const at = new Date(Date.UTC(y, m - 1, d + delta));
  return at.toISOString().slice(0, 10);
}

export function monthDays(month: string): string[] {
  const [y, m] = month.split("-").map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return Array.from({ length: last }, (_, i) => `${month}-${pad(i + 1)}`);
}

/** ISO weekday 1 (Monday) … 7 (Sunday) of a date. */
export function weekday(day: string): number {
  const [y, m, d] = day.split("-").map(Number);
  return ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;
}

/** The month as weeks from Monday, days outside it null. */
export function weeks(month: string): (string | null)[][] {
  const days: (string | null)[] = monthDays(month);
  const lead = weekday(days[0]!) - 1;
  const cells = [...Array<null>(lead).fill(null), ...days];
  while (cells.length % 7) cells.push(null);
  return Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function parts(at: Date, zone: string): Parts {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    formats.set(zone, format);
  }
  const out: Record<string, number> = {};
  for (const p of format.formatToParts(at)) if (p.type !== "literal") out[p.type] = Number(p.value);
  return { year: out.year, month: out.month, day: out.day, hour: out.hour % 24, minute: out.minute };
}

/** The instant of wall time `time` ("HH:MM") on `day` in `zone`. */
export function atZoned(day: string, time: string, zone: string): Date {
  const [y, m, d] = day.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  let guess = wall;
  for (let i = 0; i < 3; i += 1) {
    const p = parts(new Date(guess), zone);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    if (shown === wall) break;
    guess += wall - shown;
  }
  return new Date(guess);
}

/** The earliest changeover ("HH:MM") of a pattern: where a duty day begins. */
export function dayStart(changeovers: readonly string[]): string {
  return [...changeovers].sort()[0] ?? "00:00";
}

/** The duty day ("YYYY-MM-DD") an instant falls in. */
export function dutyDay(iso: string | Date, start: string, zone: string): string {
  const [hh, mm] = start.split(":").map(Number);
  const at = new Date(typeof iso === "string" ? Date.parse(iso) : iso.getTime());
  const p = parts(at, zone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - (hh * 60 + mm) * 60_000;
  return new Date(wall).toISOString().slice(0, 10);
}

/** The month's duty days as one interval [start, end). */
export function monthRange(month: string, start: string, zone: string): { start: Date; end: Date } {
  const days = monthDays(month);
  return { start: atZoned(days[0]!, start, zone), end: atZoned(addDays(days[days.length - 1]!, 1), start, zone) };
}

/** The duty days an interval [from, to) touches. */
export function daysTouched(from: string, to: string, start: string, zone: string): string[] {
  const first = dutyDay(from, start, zone);
  const last = dutyDay(new Date(Date.parse(to) - 1), start, zone);
  const out: string[] = [];
  for (let d = first; d <= last && out.length < 400; d = addDays(d, 1)) out.push(d);
  return out;
}

/** A "YYYY-MM-DDTHH:MM" value of a datetime-local input, read in `zone`, as ISO with offset. */
export function fromLocalInput(value: string, zone: string): string {
  const [day, time] = value.split("T");
  return atZoned(day, (time ?? "00:00").slice(0, 5), zone).toISOString();
}

/** An instant as the "YYYY-MM-DDTHH:MM" of a datetime-local input in `zone`. */
export function toLocalInput(iso: string | Date, zone: string): string {
  const p = parts(typeof iso === "string" ? new Date(iso) : iso, zone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}
