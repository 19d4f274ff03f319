// The app's service worker (scope /app/): keeps the app's files for
// offline starts, turns Web Push messages into notifications and answers
// from a notification's Approve / Deny buttons.

import { pushes, tokens } from "./js/db.js";
import { describe, openPush, outcome } from "./js/push.js";
import { answer, updateSubscription, webPushKey } from "./js/api.js";
import { fromBase64url } from "./js/bytes.js";

const CACHE = "pushauth-app-v1";
const SHELL = [
  "./", "app.css", "manifest.webmanifest", "icons/icon.svg", "icons/icon-192.png",
  "js/main.js", "js/ui.js", "js/db.js", "js/inbox.js", "js/requests.js", "js/codes.js", "js/settings.js",
  "js/add.js", "js/api.js", "js/push.js", "js/signature.js", "js/bytes.js", "js/otp.js", "js/notify.js", "js/platform.js",
];

self.addEventListener("install", (ev) => {
  ev.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (ev) => {
  ev.waitUntil((async () => {
    for (const k of await caches.keys()) if (k !== CACHE) await caches.delete(k);
    await self.clients.claim();
  })());
});

// The app's own files: the network first (a new version arrives at once),
// the cache when offline. API calls are never cached.
self.addEventListener("fetch", (ev) => {
  const url = new URL(ev.request.url);
  if (ev.request.method !== "GET" || url.origin !== self.location.origin || !url.pathname.startsWith("/app/")) return;
  ev.respondWith((async () => {
    try {
      const resp = await fetch(ev.request);
      if (resp.ok) {
        const copy = resp.clone();
        caches.open(CACHE).then((c) => c.put(ev.request, copy));
      }
      return resp;
    } catch (e) {
      const hit = await caches.match(ev.request, { ignoreSearch: true });
      if (hit) return hit;
      throw e;
    }
  })());
});

self.addEventListener("push", (ev) => {
  ev.waitUntil(onPush(ev.data));
});

// onPush shows the notification of a push that verifies and is for one of
// the app's tokens; anything else is dropped unseen.
async function onPush(data) {
  let signed;
  try {
    signed = data ? data.json() : null;
  } catch {
    signed = null;
  }
  const opened = await openPush(signed, await tokens.all());
  if (!opened) return;
  const p = opened.payload;
  const at = Date.now();
  await pushes.put({ nonce: p.nonce, signed, at, deviceId: p.device_id, expires: p.expires });
  await prune();
  const text = describe(p, new Date(at));
  const numbers = Array.isArray(p.number_choices);
  await self.registration.showNotification(text.title, {
    body: numbers ? `${text.body}. Open to pick the number shown.` : text.body,
    tag: p.login_id,
    renotify: true,
    requireInteraction: true,
    timestamp: at,
    icon: "icons/icon-192.png",
    badge: "icons/icon-192.png",
    data: { nonce: p.nonce, loginID: p.login_id },
    actions: numbers ? [{ action: "deny", title: "Deny" }]
      : [{ action: "approve", title: "Approve" }, { action: "deny", title: "Deny" }],
  });
}

// prune forgets stored pushes a minute after they expired.
async function prune() {
  const limit = Date.now() - 60000;
  for (const s of await pushes.all()) if (Date.parse(s.expires) < limit) await pushes.remove(s.nonce);
}

self.addEventListener("notificationclick", (ev) => {
  ev.notification.close();
  const { nonce } = ev.notification.data || {};
  if (ev.action === "approve" || ev.action === "deny") ev.waitUntil(answerFromNotification(nonce, ev.action));
  else ev.waitUntil(openApp(nonce));
});

// answerFromNotification sends the decision of a notification's button and
// says in a new notification what the server answered; when the answer
// cannot be sent it opens the app on the request instead.
async function answerFromNotification(nonce, decision) {
  const stored = nonce && (await pushes.get(nonce));
  const opened = stored && (await openPush(stored.signed, await tokens.all()));
  if (!opened) return openApp(nonce);
  let err = null;
  try {
    await answer(opened.token, opened.payload, decision);
  } catch (e) {
    err = e;
  }
  if (err && (err.code === "network" || err.code === "unavailable" || err.code === "number_required")) return openApp(nonce);
  await pushes.remove(nonce);
  const o = outcome(decision, {}, err);
  await self.registration.showNotification(o.title, {
    body: o.text, tag: opened.payload.login_id, icon: "icons/icon-192.png", data: {},
  });
}

// openApp focuses the app (or opens it) on the request's approval screen.
async function openApp(nonce) {
  const target = new URL(nonce ? `./#login/${nonce}` : "./", self.registration.scope).href;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const w of windows) {
    if (new URL(w.url).pathname.startsWith("/app/")) {
      await w.focus();
      w.postMessage({ type: "open", nonce });
      return;
    }
  }
  await self.clients.openWindow(target);
}

// The browser replaced the subscription: register the new one for every
// token that gets notifications.
self.addEventListener("pushsubscriptionchange", (ev) => {
  ev.waitUntil((async () => {
    let sub = ev.newSubscription;
    if (!sub) {
      const key = await webPushKey();
      if (!key) return;
      sub = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64url(key) });
    }
    for (const t of await tokens.all()) if (t.pushKind === "webpush") await updateSubscription(t, sub.toJSON());
  })());
});
