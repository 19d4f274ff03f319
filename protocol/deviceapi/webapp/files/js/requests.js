// The requests screen (what waits for an answer) and the approval screen
// of one request: its context, Approve or the three numbers under number
// matching, Deny and "Deny — this wasn't me".

import { $, el, result, setText, show, tokenName } from "./ui.js";
import { agentLabel, clock, isExpired, openPush, outcome } from "./push.js";
import { answer } from "./api.js";
import { pushes, tokens } from "./db.js";
import { closeFor } from "./notify.js";

export class Requests {
  constructor(inbox) {
    this.inbox = inbox;
    this.current = null; // the entry on the approval screen
    this.timer = 0;
    inbox.addEventListener("change", () => this.render());
    $("approve").addEventListener("click", () => this.decide("approve"));
    $("deny").addEventListener("click", () => this.decide("deny"));
    $("report").addEventListener("click", () => this.decide("deny", { report: true }));
    for (let i = 0; i < 3; i++) {
      $(`number-${i}`).addEventListener("click", (ev) => this.decide("approve", { number: Number(ev.currentTarget.dataset.number) }));
    }
  }

  render() {
    const list = this.inbox.list();
    const ul = $("requests-list");
    ul.replaceChildren(...list.map((e) => this.card(e)));
    const none = this.inbox.tokens.length === 0;
    $("requests-none").hidden = !none;
    $("requests-empty").hidden = none || list.length > 0;
    const errs = [...this.inbox.errors.entries()];
    const names = new Map(this.inbox.tokens.map((t) => [t.deviceId, tokenName(t)]));
    const say = (e) => (e.code === "unknown_device"
      ? "this token is no longer active on the server (removed, or activated elsewhere); remove it in Settings."
      : e.message);
    setText("requests-status", errs.map(([id, e]) => `${names.get(id) || id}: ${say(e)}`).join(" "));
  }

  card(e) {
    const p = e.payload;
    const from = p.calling_station_id ? ` from ${p.calling_station_id}` : "";
    return el("li", { class: "card", "data-nonce": p.nonce },
      el("a", { class: "request", href: `#login/${p.nonce}` },
        el("div", { class: "who" }, `${p.user} → ${p.client}`),
        el("div", { class: "meta" }, `${agentLabel(p.agent)}${from} · ${clock(e.at)}`)));
  }

  // open shows the approval screen of a push: from the inbox, or one the
  // service worker stored (opened from a notification).
  async open(nonce) {
    let e = this.inbox.get(nonce);
    if (!e) {
      const stored = await pushes.get(nonce);
      const opened = stored && (await openPush(stored.signed, await tokens.all()));
      if (opened) e = { signed: stored.signed, payload: opened.payload, token: opened.token, at: new Date(stored.at) };
    }
    if (!e) {
      result({ ok: false, title: "Nothing to answer", text: "This request is no longer waiting: it was answered, expired or the sign-in ended." });
      return;
    }
    this.current = e;
    const p = e.payload;
    setText("login-user", p.user);
    setText("login-client", p.client);
    setText("login-agent", agentLabel(p.agent));
    setText("login-station", p.calling_station_id || "unknown");
    setText("login-time", clock(e.at));
    setText("login-token", tokenName(e.token));
    setText("login-busy", "");
    const choices = Array.isArray(p.number_choices) && p.number_choices.length === 3 ? p.number_choices : null;
    $("login-plain").hidden = !!choices;
    $("login-numbers").hidden = !choices;
    if (choices) {
      choices.forEach((n, i) => {
        const b = $(`number-${i}`);
        b.textContent = String(n);
        b.dataset.number = String(n);
      });
    }
    this.enable(true);
    show("login");
    clearInterval(this.timer);
    this.tick();
    this.timer = setInterval(() => this.tick(), 1000);
  }

  tick() {
    if (!this.current || $("screen-login").hidden) {
      clearInterval(this.timer);
      return;
    }
    const p = this.current.payload;
    if (isExpired(p)) {
      setText("login-expires", "This request has expired; Approve is too late, Deny still cancels the sign-in.");
      return;
    }
    const left = Math.max(0, Math.round((Date.parse(p.expires) - Date.now()) / 1000));
    setText("login-expires", `Answer within ${left} s (until ${clock(new Date(p.expires))}).`);
  }

  enable(on) {
    for (const id of ["approve", "deny", "report", "number-0", "number-1", "number-2"]) $(id).disabled = !on;
  }

  async decide(decision, opts = {}) {
    const e = this.current;
    if (!e) return;
    this.enable(false);
    setText("login-busy", "Sending your answer…");
    let err = null;
    try {
      await answer(e.token, e.payload, decision, opts);
    } catch (x) {
      err = x;
    }
    const o = outcome(decision, opts, err);
    if (err && (err.code === "unavailable" || err.code === "network" || err.code === "number_required")) {
      this.enable(true);
      setText("login-busy", `${o.title}: ${o.text}`);
      return;
    }
    this.current = null;
    clearInterval(this.timer);
    this.inbox.forget(e.payload.nonce);
    await pushes.remove(e.payload.nonce).catch(() => {});
    await closeFor(e.payload.login_id).catch(() => {});
    result(o);
  }
}
