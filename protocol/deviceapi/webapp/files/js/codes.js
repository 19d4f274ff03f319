// The passcodes screen: each token's current one-time passcode, computed on
// the phone (works offline). TOTP codes change every period with a
// countdown; an HOTP token shows its next code on request.

import { $, el, tokenName } from "./ui.js";
import { hotp, totp } from "./otp.js";
import { updateToken } from "./db.js";

export class Codes {
  constructor() {
    this.tokens = [];
    this.timer = 0;
  }

  setTokens(tokens) {
    this.tokens = tokens;
  }

  // start renders the screen and updates it every second until stop.
  start() {
    const ul = $("codes-list");
    ul.replaceChildren(...this.tokens.map((t) => this.card(t)));
    $("codes-none").hidden = this.tokens.length > 0;
    clearInterval(this.timer);
    this.tick();
    this.timer = setInterval(() => this.tick(), 1000);
  }

  stop() {
    clearInterval(this.timer);
  }

  card(t) {
    const id = t.deviceId;
    const li = el("li", { class: "card", "data-device": id },
      el("div", { class: "who" }, tokenName(t)),
      el("div", { class: "meta" }, t.name ? `Serial ${t.serial}` : "Serial number"),
      el("div", { class: "code", id: `code-${id}`, "aria-live": "polite" }, "······"));
    if (t.otp.algorithm === "hotp") {
      const b = el("button", { type: "button", class: "small", id: `next-${id}` }, "Show a passcode");
      b.addEventListener("click", () => this.nextHOTP(t));
      li.append(el("div", { class: "meta" }, "Each passcode works once; show the next one when you need it."), b);
    } else {
      li.append(el("progress", { id: `left-${id}`, max: String(t.otp.period), value: "0" }),
        el("div", { class: "meta", id: `until-${id}` }, ""));
    }
    return li;
  }

  async tick() {
    const now = Date.now();
    for (const t of this.tokens) {
      if (t.otp.algorithm === "hotp") continue;
      const { code, left } = await totp(t.otp.key, now, t.otp.period, t.otp.digits);
      const c = $(`code-${t.deviceId}`);
      if (!c) continue;
      c.textContent = code;
      $(`left-${t.deviceId}`).value = left;
      $(`until-${t.deviceId}`).textContent = `Changes in ${left} s`;
    }
  }

  async nextHOTP(t) {
    const counter = t.otp.counter;
    await updateToken(t.deviceId, (r) => { r.otp.counter = counter + 1; });
    t.otp.counter = counter + 1;
    $(`code-${t.deviceId}`).textContent = await hotp(t.otp.key, counter, t.otp.digits);
  }
}
