// Notifications and the Web Push subscription. Permission is asked only
// from a tap (iOS refuses otherwise); the subscription is shared by every
// token of the app: the service worker sorts pushes by device id.

import { fromBase64url } from "./bytes.js";
import { pushSupported } from "./platform.js";

export function permission() {
  return "Notification" in self ? Notification.permission : "unsupported";
}

// askPermission must be called straight from a tap, before any await.
export function askPermission() {
  if (!("Notification" in self)) return Promise.resolve("unsupported");
  if (Notification.permission !== "default") return Promise.resolve(Notification.permission);
  return Notification.requestPermission();
}

// registration is the app's active service worker registration, or null
// when none becomes active within a few seconds.
export async function registration() {
  if (!("serviceWorker" in navigator)) return null;
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 10000));
  return Promise.race([navigator.serviceWorker.ready, timeout]);
}

function sameKey(a, b) {
  if (!a) return false;
  const x = new Uint8Array(a);
  return x.length === b.length && x.every((v, i) => v === b[i]);
}

// subscribe returns a push subscription for the server's VAPID key
// (base64url), reusing the current one when it is for the same key.
// It throws when the browser refuses (no permission, no push service).
export async function subscribe(vapidKey) {
  if (!pushSupported()) throw new Error("this browser has no Web Push");
  const reg = await registration();
  if (!reg) throw new Error("the app's service worker did not start");
  const key = fromBase64url(vapidKey);
  const existing = await reg.pushManager.getSubscription();
  if (existing && existing.options && sameKey(existing.options.applicationServerKey, key)) return existing;
  if (existing) await existing.unsubscribe();
  // A browser whose push service cannot be reached may never settle.
  const late = new Promise((_, reject) => setTimeout(() => reject(new Error("the browser's push service did not answer")), 15000));
  return Promise.race([reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }), late]);
}

// closeFor closes the notifications of a login (it was answered here).
export async function closeFor(loginID) {
  const reg = await registration();
  if (!reg) return;
  for (const n of await reg.getNotifications({ tag: loginID })) n.close();
}
