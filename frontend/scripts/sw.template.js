/* Yingji's service worker, written by scripts/serviceWorker.ts at build time.
 * The app shell (index.html, the built assets, the manifest and icon) is cached on install,
 * so the phone page `/m` and the dispatch screen load while offline; a new build has a new
 * VERSION, installs its own cache and deletes the old one. The API, the WebSocket, the API
 * docs, health and metrics are never cached or answered from a cache. */
const VERSION = "__VERSION__";
const CACHE = `yingji-shell-${VERSION}`;
const SHELL = __SHELL__;
const NEVER = /^\/(api|ws|docs|redoc|openapi\.json|healthz|readyz|metrics)(\/|$)/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith("yingji-shell-") && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || NEVER.test(url.pathname)) return; // the network, untouched
  if (request.mode === "navigate") {
    // the network first (a new build shows at once); without one, the cached app shell
    event.respondWith(
      fetch(request).catch(() =>
        caches.open(CACHE).then((cache) => cache.match("/index.html")).then((shell) => shell || Response.error()),
      ),
    );
    return;
  }
  event.respondWith(
    caches
      .open(CACHE)
      .then((cache) => cache.match(request))
      .then((hit) => hit || fetch(request)),
  );
});
