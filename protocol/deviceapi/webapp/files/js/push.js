// Pushes: checking a signed push the way docs/device-api.md section 5
// asks (verify the server's signature over the data string as received,
// then parse, then check the device id), describing it to the user, and
// saying in words what the server answered to the user's decision.

import { verify } from "./signature.js";
import { APIError } from "./api.js";

// openPush verifies a signed push {data, signature} against the server key
// of the app's tokens and returns {token, payload}, or null when it does
// not verify or is for no token of this app.
export async function openPush(signed, tokens) {
  if (!signed || typeof signed.data !== "string" || typeof signed.signature !== "string") return null;
  const keys = [...new Set(tokens.map((t) => t.serverKey))];
  let good = false;
  for (const k of keys) {
    if (await verify(k, signed.data, signed.signature)) {
      good = true;
      break;
    }
  }
  if (!good) return null;
  let payload;
  try {
    payload = JSON.parse(signed.data);
  } catch {
    return null;
  }
  const token = tokens.find((t) => t.deviceId === payload.device_id && t.serverKey);
  if (!token || !(await verify(token.serverKey, signed.data, signed.signature))) return null;
  return { token, payload };
}

const agents = {
  ddl: "computer sign-in",
  eap: "network sign-in (Wi-Fi or wired)",
  isapi: "web sign-in",
  generic: "VPN or remote access",
};

export function agentLabel(agent) {
  return agents[agent] || "sign-in";
}

export function clock(date) {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

// describe is the notification text of a push received at `at`.
export function describe(payload, at = new Date()) {
  const from = payload.calling_station_id ? ` from ${payload.calling_station_id}` : "";
  return {
    title: "Sign-in request",
    body: `${payload.user} is signing in to ${payload.client}${from} at ${clock(at)}`,
  };
}

export function isExpired(payload, nowMs = Date.now()) {
  const t = Date.parse(payload.expires);
  return Number.isFinite(t) && t <= nowMs;
}

// outcome says what the server's reply (or refusal `err`) to a decision
// means: {ok, title, text}.
export function outcome(decision, { number, report } = {}, err = null) {
  if (!err) {
    if (decision === "approve" && number !== undefined) {
      return { ok: true, title: `You picked ${number}`,
        text: `If ${number} is the number on the sign-in screen, the sign-in goes ahead; if not, it is refused.` };
    }
    if (decision === "approve") return { ok: true, title: "Approved", text: "The sign-in goes ahead." };
    if (report) {
      return { ok: true, title: "Denied and reported",
        text: "The sign-in was refused and reported. Sign-in requests for this account are paused for a while. Tell your IT team, and change your password if it may be known." };
    }
    return { ok: true, title: "Denied", text: "The sign-in was refused." };
  }
  return refusal(err);
}

function refusal(err) {
  const fail = (title, text) => ({ ok: false, title, text });
  if (!(err instanceof APIError)) return fail("Something went wrong", String(err && err.message || err));
  switch (err.code) {
    case "already_answered":
      return fail("Already answered", "This request was answered before; your first answer counts.");
    case "push_expired":
      return fail("Too late", "This request expired or a newer one replaced it. Start the sign-in again if it was you.");
    case "unknown_login":
      return fail("Too late", "This sign-in has already finished.");
    case "unknown_push":
    case "not_your_push":
      return fail("Not for this token", "The server does not know this request for this token.");
    case "unknown_device":
      return fail("Token not active", "This token was removed or activated on another device. Add it again with a new activation code.");
    case "number_required":
      return fail("Pick a number", "Tap the number the sign-in screen shows.");
    case "unavailable":
      return fail("Try again", "The server could not reach the sign-in in time. Tap your answer again.");
    case "network":
      return fail("No connection", err.message);
    default:
      return fail("Refused by the server", `${err.message} (${err.code})`);
  }
}
