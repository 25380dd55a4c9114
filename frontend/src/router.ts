/** Routes: `/` dispatch screen, `/warnings/:id` one warning, `/incidents/:id` one incident, `/m` the phone page, `/login`. */
import { createRouter, createWebHistory } from "vue-router";
import { loggedIn } from "./api/session";

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/", name: "dispatch", component: () => import("./views/DispatchView.vue") },
    { path: "/warnings/:id(\\d+)", name: "warning", component: () => import("./views/WarningView.vue"), props: true },
    { path: "/incidents/:id(\\d+)", name: "incident", component: () => import("./views/IncidentView.vue"), props: true },
    { path: "/m", name: "phone", component: () => import("./views/PhoneView.vue"), meta: { phone: true } },
    { path: "/login", name: "login", component: () => import("./views/LoginView.vue"), meta: { public: true } },
    { path: "/:rest(.*)*", name: "missing", component: () => import("./views/MissingView.vue"), meta: { public: true } },
  ],
});

router.beforeEach((to) => {
  if (to.meta.public || loggedIn()) return true;
  return { name: "login", query: { next: to.fullPath } };
});
