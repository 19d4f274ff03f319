// The inbox: the pushes waiting for an answer, as the server lists them.
// While the app is visible it keeps one pending call open per token (a
// long poll, docs/device-api.md section 6), so a request shows up even
// when its notification never arrived; pushes that do not verify are
// dropped.

import { APIError, pending } from "./api.js";
import { openPush } from "./push.js";

const LONG_POLL = 25;

function pause(ms, signal) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

export class Inbox extends EventTarget {
  constructor() {
    super();
    this.entries = new Map(); // nonce → {signed, payload, token, at}
    this.errors = new Map(); // device id → APIError of its last call
    this.loaded = new Set(); // device ids whose list has been fetched
    this.tokens = [];
    this.loops = new Map(); // device id → AbortController
    this.running = false;
  }

  list() {
    return [...this.entries.values()].sort((a, b) => Date.parse(a.payload.expires) - Date.parse(b.payload.expires));
  }

  get(nonce) {
    return this.entries.get(nonce);
  }

  // setTokens follows the app's tokens: new ones start polling, removed
  // ones stop and lose their pushes.
  setTokens(tokens) {
    this.tokens = tokens;
    const ids = new Set(tokens.map((t) => t.deviceId));
    for (const [id, ctl] of this.loops) {
      if (!ids.has(id)) {
        ctl.abort();
        this.loops.delete(id);
      }
    }
    for (const [nonce, e] of this.entries) if (!ids.has(e.token.deviceId)) this.entries.delete(nonce);
    if (this.running) for (const t of tokens) this.startLoop(t);
    this.changed();
  }

  start() {
    this.running = true;
    for (const t of this.tokens) this.startLoop(t);
  }

  stop() {
    this.running = false;
    for (const ctl of this.loops.values()) ctl.abort();
    this.loops.clear();
  }

  // refresh asks every token's list again at once.
  refresh() {
    this.stop();
    this.start();
  }

  // forget drops an answered push.
  forget(nonce) {
    this.entries.delete(nonce);
    this.changed();
  }

  startLoop(token) {
    if (this.loops.has(token.deviceId)) return;
    const ctl = new AbortController();
    this.loops.set(token.deviceId, ctl);
    this.loop(token, ctl.signal).finally(() => {
      if (this.loops.get(token.deviceId) === ctl) this.loops.delete(token.deviceId);
    });
  }

  async loop(token, signal) {
    let wait = 0;
    while (!signal.aborted) {
      try {
        const known = this.list().filter((e) => e.token.deviceId === token.deviceId).map((e) => e.payload.nonce);
        const res = await pending(token, { wait, known, signal });
        if (signal.aborted) return;
        await this.replace(token, res.pushes || []);
        this.errors.delete(token.deviceId);
        wait = LONG_POLL;
      } catch (e) {
        if (signal.aborted || e.name === "AbortError") return;
        this.errors.set(token.deviceId, e);
        this.changed();
        if (e instanceof APIError && e.code === "unknown_device") return;
        await pause(e.code === "too_many_polls" ? 6000 : 3000, signal);
      }
    }
  }

  async replace(token, pushes) {
    const fresh = new Map();
    for (const signed of pushes) {
      const opened = await openPush(signed, this.tokens);
      if (!opened || opened.token.deviceId !== token.deviceId) continue;
      const nonce = opened.payload.nonce;
      const old = this.entries.get(nonce);
      fresh.set(nonce, { signed, payload: opened.payload, token: opened.token, at: old ? old.at : new Date() });
    }
    for (const [nonce, e] of this.entries) if (e.token.deviceId === token.deviceId) this.entries.delete(nonce);
    for (const [nonce, e] of fresh) this.entries.set(nonce, e);
    this.loaded.add(token.deviceId);
    this.changed();
  }

  changed() {
    this.dispatchEvent(new Event("change"));
  }
}
