// apoa's service worker (issue 12): the reporter's pages open and fill with no
// connection, and reports made offline are sent when it returns. Served at /sw.js
// (scope "/") by apoa/home/offline.py, which fills in the precache list below.
/* global workbox, idb, apoaOutbox */
"use strict";
importScripts(
  "{{ url_for('static', filename='vendor/workbox-core/workbox-core.prod.js') }}",
  "{{ url_for('static', filename='vendor/workbox-routing/workbox-routing.prod.js') }}",
  "{{ url_for('static', filename='vendor/workbox-strategies/workbox-strategies.prod.js') }}",
  "{{ url_for('static', filename='vendor/workbox-precaching/workbox-precaching.prod.js') }}",
  "{{ url_for('static', filename='vendor/workbox-cacheable-response/workbox-cacheable-response.prod.js') }}",
  "{{ url_for('static', filename='vendor/idb/umd.js') }}",
  "{{ url_for('static', filename='js/outbox.js') }}"
);

workbox.core.setCacheNameDetails({ prefix: "apoa" });
self.skipWaiting();
workbox.core.clientsClaim();

// Scripts, styles and icons, each with a hash of its content: a changed file changes
// this script, and the browser installs the new worker with the new files.
workbox.precaching.precacheAndRoute({{ precache|tojson }});
workbox.precaching.cleanupOutdatedCaches();

// The reporter's pages: the network first (fresh data, a fresh CSRF token), the last
// good copy when the network is gone or slower than the timeout. Only real pages are
// kept: a redirect (to the sign-in page) or an error never replaces the form.
var pageCache = "apoa-pages";
var keepGoodPages = {
  cacheWillUpdate: async function (param) {
    var response = param.response;
    return response && response.status === 200 && !response.redirected ? response : null;
  },
};
var pages = new workbox.strategies.NetworkFirst({
  cacheName: pageCache,
  networkTimeoutSeconds: {{ network_timeout }},
  plugins: [keepGoodPages],
  matchOptions: { ignoreSearch: true },
});
var cachedPaths = {{ cached_pages|tojson }};
workbox.routing.registerRoute(function (options) {
  return options.request.mode === "navigate" && cachedPaths.indexOf(options.url.pathname) !== -1;
}, pages);

// The region lists the address pickers load (public reference data): the last answer is
// kept, so an RT head's area and its villages still show with no connection.
workbox.routing.registerRoute(function (options) {
  return options.url.origin === self.location.origin && options.url.pathname.indexOf("/api/regions/") === 0;
}, new workbox.strategies.StaleWhileRevalidate({
  cacheName: "apoa-regions",
  plugins: [new workbox.cacheableResponse.CacheableResponsePlugin({ statuses: [200] })],
}));

// Every other page from the network only (the guest list holds personal data: never
// kept on the phone); while offline, the offline page, which lists the waiting reports.
workbox.routing.registerRoute(function (options) {
  return options.request.mode === "navigate";
}, new workbox.strategies.NetworkOnly());
workbox.routing.setCatchHandler(async function (options) {
  if (options.request.mode === "navigate") {
    var cached = await caches.match("{{ url_for('home.offline_page') }}", { cacheName: pageCache, ignoreSearch: true });
    if (cached) return cached;
  }
  return Response.error();
});
self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(pageCache).then(function (cache) {
    return cache.add("{{ url_for('home.offline_page') }}");
  }).catch(function () {}));
});

// Background Sync, where the browser has it: send the outbox without an open page.
self.addEventListener("sync", function (event) {
  if (event.tag !== apoaOutbox.SYNC_TAG) return;
  // Still waiting after this round: fail the sync, so the browser tries again later.
  event.waitUntil(apoaOutbox.sendAll({ force: true }).then(function (results) {
    if (results.some(function (e) { return e.status === "waiting"; })) throw new Error("waiting");
  }));
});
self.addEventListener("message", function (event) {
  if (event.data === "send-outbox") event.waitUntil(apoaOutbox.sendAll());
});
