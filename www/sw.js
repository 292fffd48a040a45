// opdcheck's service worker: the app opens without a network (offline first). The app's files
// are cached when the app loads; the hashed assets never change under their name, so they are
// served from the cache first; the page itself is fetched from the network when there is one (so
// a new build is picked up) and from the cache when there is not. The API is never cached: the
// outbox in IndexedDB is what keeps documents while offline.
const CACHE = 'opdcheck-app-v1';

// The page names its hashed files (Trunk writes them into index.html): cache the page and them.
async function cacheShell() {
  const cache = await caches.open(CACHE);
  const page = await fetch('./', { cache: 'no-cache' });
  const html = await page.clone().text();
  const assets = [...html.matchAll(/(?:href|src)="([^"]+\.(?:js|wasm|css))"/g)].map((m) => m[1]);
  await cache.put('./', page);
  await cache.addAll(assets);
}

self.addEventListener('install', (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  // The API, the QA workspace, the widget and its demo portal (other pages, not the app's
  // shell): network only.
  if (req.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/') || url.pathname === '/healthz'
    || url.pathname.startsWith('/qa/') || url.pathname.startsWith('/widget/') || url.pathname.startsWith('/portal/')) {
    return;
  }
  const hashed = /-[0-9a-f]{16}(_bg)?\.(js|wasm|css)$/.test(url.pathname);
  if (hashed) {
    event.respondWith(
      caches.match(req).then((hit) => hit || fetch(req).then((resp) => {
        if (resp.ok) {
          const copy = resp.clone();
          caches.open(CACHE).then((c) => c.put(req, copy));
        }
        return resp;
      })),
    );
    return;
  }
  // The page (and anything else of ours): network first, the cached copy when offline.
  event.respondWith(
    fetch(req)
      .then((resp) => {
        if (resp.ok && (req.mode === 'navigate' || url.pathname === '/')) {
          const copy = resp.clone();
          caches.open(CACHE).then((c) => c.put('./', copy));
        }
        return resp;
      })
      .catch(() => caches.match(req).then((hit) => hit || caches.match('./'))),
  );
});
