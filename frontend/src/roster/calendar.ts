/**
 * One org's month as calendar cells: who holds each post on each duty day, the gaps (a post
 * under its minimum), the official calendar (statutory holidays, adjusted working days, a
 * year not yet published) and the key periods. Reloaded on `duty` events and after a resync.
 */
import { computed, ref, shallowRef, watch, type Ref } from "vue";
import { all, api } from "../api/http";
import type { DutyShift, Holiday, Holidays, KeyPeriod, Post, RosterGap, RosterGaps, Schedule } from "../api/roster";
import { onLiveEvents } from "../composables/liveEvents";
import { ensurePeople, personName } from "../resources/lookup";
import { dayStart, daysTouched, dutyDay, monthDays, monthRange } from "./month";

export interface Holder {
  shift: DutyShift;
  name: string;
}

export interface PostCell {
  post: Post;
  holders: Holder[];
  gaps: RosterGap[];
}

export interface DayCell {
  date: string;
  holiday: Holiday | null;
  keyPeriods: KeyPeriod[];
  posts: PostCell[];
  gap: boolean;
}

export function buildDays(
  month: string,
  schedule: Schedule,
  shifts: DutyShift[],
  gaps: RosterGap[],
  holidays: Holiday[],
  periods: KeyPeriod[],
  name: (id: number) => string,
): DayCell[] {
  const start = dayStart(schedule.changeovers);
  const zone = schedule.timezone;
  const byDay = new Map<string, DutyShift[]>();
  for (const shift of shifts) {
    const day = dutyDay(shift.start_at, start, zone);
    byDay.set(day, [...(byDay.get(day) ?? []), shift]);
  }
  const gapsByDay = new Map<string, RosterGap[]>();
  for (const gap of gaps) {
    for (const day of daysTouched(gap.start_at, gap.end_at, start, zone)) gapsByDay.set(day, [...(gapsByDay.get(day) ?? []), gap]);
  }
  const official = new Map(holidays.map((h) => [h.date, h]));
  return monthDays(month).map((date) => {
    const posts = schedule.posts.map((post) => {
      const holders = (byDay.get(date) ?? [])
        .filter((s) => s.post_id === post.id)
        .map((shift) => ({ shift, name: name(shift.person_id) }));
      return { post, holders, gaps: (gapsByDay.get(date) ?? []).filter((g) => g.post_id === post.id) };
    });
    return {
      date,
      holiday: official.get(date) ?? null,
      keyPeriods: periods.filter((p) => p.start_date <= date && date <= p.end_date),
      posts,
      gap: posts.some((p) => p.gaps.length > 0),
    };
  });
}

export function useMonth(orgId: Ref<number | null>, month: Ref<string>) {
  const schedule = shallowRef<Schedule | null>(null);
  const shifts = shallowRef<DutyShift[]>([]);
  const gaps = shallowRef<RosterGap[]>([]);
  const holidays = shallowRef<Holidays | null>(null);
  const periods = shallowRef<KeyPeriod[]>([]);
  const loading = ref(false);
  const error = ref("");
  const missing = ref(false); // the org has no shift pattern yet
  let generation = 0;

  async function load(): Promise<void> {
    const org = orgId.value;
    if (!org) return;
    const mine = ++generation;
    loading.value = true;
    try {
      const days = monthDays(month.value);
      const [plan, official, keys] = await Promise.all([
        api<Schedule>(`/duty/schedules/${org}`),
        api<Holidays>(`/duty/holidays?from=${days[0]}&to=${days[days.length - 1]}`),
        all<KeyPeriod>(`/duty/key-periods?org_id=${org}`),
      ]);
      if (mine !== generation) return;
      missing.value = !plan.changeovers.length;
      const zone = plan.timezone;
      const range = monthRange(month.value, dayStart(plan.changeovers.length ? plan.changeovers : ["00:00"]), zone);
      const window = `org_id=${org}&start=${encodeURIComponent(range.start.toISOString())}&end=${encodeURIComponent(range.end.toISOString())}`;
      const [rows, holes] = await Promise.all([
        all<DutyShift>(`/duty/shifts?${window}`),
        plan.changeovers.length ? api<RosterGaps>(`/duty/gaps?${window}`) : Promise.resolve({ data: [], count: 0, warnings: [] }),
      ]);
      await ensurePeople(rows.map((s) => s.person_id));
      if (mine !== generation) return;
      schedule.value = plan;
      holidays.value = official;
      periods.value = keys;
      shifts.value = rows;
      gaps.value = holes.data;
      error.value = "";
    } catch (e) {
      if (mine === generation) error.value = e instanceof Error ? e.message : String(e);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  const days = computed<DayCell[]>(() =>
    schedule.value
      ? buildDays(month.value, schedule.value, shifts.value, gaps.value, holidays.value?.data ?? [], periods.value, personName)
      : [],
  );

  watch([orgId, month], () => void load(), { immediate: true });
  onLiveEvents(["duty"], () => void load());
  return { schedule, days, gaps, holidays, periods, loading, error, missing, reload: load };
}
