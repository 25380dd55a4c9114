/** Routes: `/` dispatch screen, `/warnings/:id` one warning, `/incidents/:id` one incident, `/m` the phone page, `/login`;
 * the office screens: `/plans` (and `/plans/:id/:number?`), `/resources` (and its teams and depots),
 * `/drills` (and `/drills/:id`, its after-action report `/drills/:id/report`), `/admin`. */
import { createRouter, createWebHistory } from "vue-router";
import { loggedIn } from "./api/session";

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/", name: "dispatch", component: () => import("./views/DispatchView.vue") },
    { path: "/warnings/:id(\\d+)", name: "warning", component: () => import("./views/WarningView.vue"), props: true },
    { path: "/incidents/:id(\\d+)", name: "incident", component: () => import("./views/IncidentView.vue"), props: true },
    { path: "/roster", name: "roster", component: () => import("./views/roster/RosterView.vue") },
    { path: "/plans", name: "plans", component: () => import("./views/plans/PlansView.vue") },
    { path: "/plans/:id(\\d+)/:number(\\d+)?", name: "plan", component: () => import("./views/plans/PlanView.vue"), props: true },
    { path: "/resources", name: "resources", component: () => import("./views/resources/ResourcesView.vue") },
    { path: "/resources/teams/:id(\\d+)", name: "team", component: () => import("./views/resources/TeamView.vue"), props: true },
    { path: "/resources/depots/:id(\\d+)", name: "depot", component: () => import("./views/resources/DepotView.vue"), props: true },
    { path: "/admin", name: "admin", component: () => import("./views/admin/AdminView.vue") },
    { path: "/drills", name: "drills", component: () => import("./views/drills/DrillsView.vue") },
    { path: "/drills/:id(\\d+)", name: "drill", component: () => import("./views/drills/DrillView.vue"), props: true },
    { path: "/drills/:id(\\d+)/report", name: "drill-report", component: () => import("./views/drills/DrillReportView.vue"), props: true },
    { path: "/m", name: "phone", component: () => import("./views/PhoneView.vue"), meta: { phone: true } },
    { path: "/login", name: "login", component: () => import("./views/LoginView.vue"), meta: { public: true } },
    { path: "/:rest(.*)*", name: "missing", component: () => import("./views/MissingView.vue"), meta: { public: true } },
  ],
});

router.beforeEach((to) => {
  if (to.meta.public || loggedIn()) return true;
  return { name: "login", query: { next: to.fullPath } };
});
