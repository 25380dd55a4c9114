import { createApp } from "vue";
import "leaflet/dist/leaflet.css";
import "./styles.css";
import App from "./App.vue";
import { whenUnauthorized } from "./api/http";
import { currentLocale, i18n, setLocale } from "./i18n";
import { clearSession } from "./api/session";
import { stopRealtime, whenRealtimeUnauthorized } from "./live";
import { router } from "./router";
import { registerServiceWorker } from "./serviceWorker";

setLocale(currentLocale());
function toLogin() {
  stopRealtime();
  const here = router.currentRoute.value;
  if (here.name !== "login") void router.push({ name: "login", query: { next: here.fullPath } });
}
whenUnauthorized(toLogin);
whenRealtimeUnauthorized(() => {
  clearSession(); // the token expired or was revoked: log in again (the outbox is kept)
  toLogin();
});

createApp(App).use(i18n).use(router).mount("#app");
registerServiceWorker(router);
