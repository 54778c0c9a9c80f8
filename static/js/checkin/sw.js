// The check-in offline worker (served as /checkin/sw.js, scope /checkin/).
// It keeps only what holds no personal data: the static files (the cached copy first, refreshed in
// the background) and the app's shell, the points list and the scanner pages (network first, the
// last copy when offline; names and counts come from the API). Every other page (the desk's
// search, the counts, the forms) and every API answer (the offline bundle, people, scans) goes to
// the network alone: the page itself keeps the bundle and its queue in IndexedDB, and "sign out
// this device" clears both.
const VERSION = "checkin-v1";
const PRECACHE = [
  "/static/css/app.css",
  "/static/css/checkin.css",
  "/static/js/app.js",
  "/static/js/checkin/presence.js",
  "/static/js/checkin/scanner.js",
  "/static/js/checkin/store.js",
  "/static/js/checkin/token.js",
  "/static/js/checkin/icon.svg",
  "/static/vendor/qr-scanner-1.4.2/qr-scanner.min.js",
  "/static/vendor/qr-scanner-1.4.2/qr-scanner-worker.min.js",
  "/static/vendor/noble-ed25519-3.2.0/index.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(VERSION).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== VERSION).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

async function networkFirst(request) {
  const cache = await caches.open(VERSION);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) cache.put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(request);
    if (kept) return kept;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(VERSION);
  const kept = await cache.match(request, { ignoreSearch: true });
  const fresh = fetch(request)
    .then((response) => {
      if (response.ok) cache.put(request, response.clone());
      return response;
    })
    .catch(() => null);
  return kept || (await fresh) || Response.error();
}

// The shell: the points list and one point's scanner page, nothing else (no query string).
const SHELL_PAGE = /^\/checkin\/(\d+)?$/;

// How a request is served: "static", "shell" (both cached) or null (the network alone).
function cacheRule(method, url, mode) {
  if (method !== "GET" || url.origin !== self.location.origin) return null;
  if (url.pathname.startsWith("/static/")) return "static";
  if (mode === "navigate" && SHELL_PAGE.test(url.pathname) && !url.search) return "shell";
  return null;
}
self.cacheRule = cacheRule;

self.addEventListener("fetch", (event) => {
  const rule = cacheRule(event.request.method, new URL(event.request.url), event.request.mode);
  if (rule === "static") event.respondWith(cacheFirst(event.request));
  else if (rule === "shell") event.respondWith(networkFirst(event.request));
});
