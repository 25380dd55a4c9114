/** Times in the service's zone (Asia/Shanghai by default), short and readable. */
import { uiConfig } from "./live";

export function clock(iso: string | null | undefined, withDate = false, withSeconds = false): string {
  if (!iso) return "—";
  const options: Intl.DateTimeFormatOptions = {
    timeZone: uiConfig.timezone,
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  };
  if (withDate) Object.assign(options, { month: "2-digit", day: "2-digit" });
  if (withSeconds) options.second = "2-digit";
  return new Intl.DateTimeFormat("zh-CN", options).format(new Date(iso));
}

/**
 * "mm:ss" (or "h:mm:ss") until `iso`; negative once passed. Whole seconds left, rounded
 * down: a deadline an hour after something that just happened never shows more than
 * 1:00:00 (the views' `now` ticks once a second, so it may be up to a second old when new
 * data renders), and a deadline is overdue from the moment it passes.
 */
export function countdown(iso: string | null | undefined, now: number): { text: string; overdue: boolean } {
  if (!iso) return { text: "—", overdue: false };
  const left = Math.floor((Date.parse(iso) - now) / 1000);
  const s = Math.abs(left);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  const text = (left < 0 ? "-" : "") + (h ? `${h}:${pad(m)}:${pad(sec)}` : `${pad(m)}:${pad(sec)}`);
  return { text, overdue: left < 0 };
}

export function telHref(phone: string): string {
  return `tel:${phone.replace(/[^+\d]/g, "")}`;
}

export function displayPhone(phone: string): string {
  const digits = phone.replace(/^\+86/, "");
  return /^1\d{10}$/.test(digits) ? `${digits.slice(0, 3)} ${digits.slice(3, 7)} ${digits.slice(7)}` : digits;
}
