/** The service worker (`/sw.js`, built by scripts/serviceWorker.ts) keeps the app shell so
 * that `/m` and the dispatch screen load offline. Registered in a built app only (the dev
 * server has no sw.js). After a new build took over, a screen left open still holds the
 * old build: a lazily loaded screen of it is gone, so that navigation loads the page anew. */
import type { Router } from "vue-router";

export function registerServiceWorker(router: Router): void {
  router.onError((error, to) => {
    if (/dynamically imported module|Importing a module script failed|Failed to fetch/i.test(String(error))) window.location.assign(to.fullPath);
  });
  if (!import.meta.env.PROD || !("serviceWorker" in navigator)) return;
  const register = () => void navigator.serviceWorker.register("/sw.js").catch(() => undefined); // no worker: the app still runs online
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
}
