// A client of the device API (docs/device-api.md) on the app's own origin.
// Every call that acts for a device is signed with the device key; pending
// calls use the poll token of an earlier signed call while it is good.

import { sign } from "./signature.js";
import { updateToken } from "./db.js";

// APIError is a refusal ({status, code} from the server's JSON error) or,
// with status 0 and code "network", no answer at all.
export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function call(method, path, body, headers = {}, signal = undefined) {
  let resp;
  try {
    resp = await fetch(path, {
      method,
      headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
      body: body === undefined || typeof body === "string" ? body : JSON.stringify(body),
      signal,
      cache: "no-store",
      credentials: "omit",
    });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new APIError(0, "network", "The server cannot be reached. Check your connection.");
  }
  let json = {};
  try {
    json = await resp.json();
  } catch {
    json = {};
  }
  if (!resp.ok) throw new APIError(resp.status, json.code || `http_${resp.status}`, json.error || resp.statusText);
  return json;
}

const now = () => Math.floor(Date.now() / 1000);

// webPushKey is the server's VAPID public key (base64url), or "" when the
// server does not offer Web Push.
export async function webPushKey() {
  try {
    const c = await call("GET", "/v1/webpush/config");
    return c.vapid_public_key || "";
  } catch (e) {
    if (e instanceof APIError && e.status !== 0) return "";
    throw e;
  }
}

export function activate(request) {
  return call("POST", "/v1/activate", request);
}

// pending lists the device's pending pushes, waiting up to wait seconds for
// one whose nonce is not in known.
export async function pending(token, { wait = 0, known = [], signal } = {}) {
  const path = `/v1/devices/${encodeURIComponent(token.deviceId)}/pending`;
  const body = { wait, known: known.slice(0, 64) };
  if (token.pollToken && token.pollTokenExpires - now() > 60) {
    try {
      return await call("POST", path, body, { "X-Pushauth-Poll-Token": token.pollToken }, signal);
    } catch (e) {
      if (!(e instanceof APIError) || e.code !== "bad_poll_token") throw e;
      token.pollToken = "";
    }
  }
  const ts = now();
  const signature = await sign(token.privateKey, `pending|${token.deviceId}|${ts}`);
  const res = await call("POST", path, { ...body, timestamp: ts }, { "X-Pushauth-Signature": signature }, signal);
  if (res.poll_token) {
    token.pollToken = res.poll_token;
    token.pollTokenExpires = res.poll_token_expires;
    await updateToken(token.deviceId, (t) => {
      t.pollToken = res.poll_token;
      t.pollTokenExpires = res.poll_token_expires;
    });
  }
  return res;
}

// answer sends the signed decision ("approve" or "deny") for a push;
// number is the picked number under number matching, report marks a deny
// as "this wasn't me".
export async function answer(token, payload, decision, { number, report } = {}) {
  let message = `${payload.login_id}|${payload.nonce}|${decision}`;
  if (number !== undefined) message += `|${number}`;
  const body = {
    device_id: token.deviceId,
    login_id: payload.login_id,
    nonce: payload.nonce,
    decision,
    signature: await sign(token.privateKey, message),
  };
  if (number !== undefined) body.number = number;
  if (report) body.report = true;
  return call("POST", "/v1/answers", body);
}

// updateSubscription registers a new Web Push subscription (the browser
// replaced the old one). The signature covers the subscription's JSON
// exactly as it appears in the body, so the body is written by hand.
export async function updateSubscription(token, subscription) {
  const ts = now();
  const json = JSON.stringify(subscription);
  const signature = await sign(token.privateKey, `push-token|${token.deviceId}|${ts}|${json}`);
  return call("POST", `/v1/devices/${encodeURIComponent(token.deviceId)}/push-token`,
    `{"timestamp":${ts},"push_subscription":${json}}`, { "X-Pushauth-Signature": signature });
}

// removeDevice takes the token's device off the server.
export async function removeDevice(token) {
  const ts = now();
  const signature = await sign(token.privateKey, `remove|${token.deviceId}|${ts}`);
  return call("POST", `/v1/devices/${encodeURIComponent(token.deviceId)}/remove`,
    { timestamp: ts }, { "X-Pushauth-Signature": signature });
}
