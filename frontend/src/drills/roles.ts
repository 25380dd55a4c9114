/** Who schedules, runs and evaluates drills (the server's `drill.write`; it checks the org
 * scope too and says why not). */
export const DRILL_WRITERS = ["admin", "leader", "duty_officer", "drill_coordinator"] as const;
