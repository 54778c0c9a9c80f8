// The check-in offline worker (served as /checkin/sw.js, scope /checkin/).
// Pages under /checkin/: network first, the last copy when offline. Static files: the cached copy
// first, refreshed in the background. The JSON API is never cached here: the page queues scans
// itself when the network is gone.
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
    const kept = await cache.match(request, { ignoreSearch: true });
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

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(event.request));
  } else if (event.request.mode === "navigate" && url.pathname.startsWith("/checkin/")) {
    event.respondWith(networkFirst(event.request));
  }
});
