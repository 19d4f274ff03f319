// Settings: notification permission (asked again only from a tap), the
// Home Screen hint on iOS, installing on Android, and removing tokens with
// the signed removal call.

import { $, el, setText, tokenName } from "./ui.js";
import { APIError, removeDevice, updateSubscription, webPushKey } from "./api.js";
import { askPermission, permission, subscribe } from "./notify.js";
import { isInstalled, isIOS, pushSupported } from "./platform.js";
import { tokens as store } from "./db.js";

export class Settings {
  constructor(onRemoved) {
    this.onRemoved = onRemoved;
    this.tokens = [];
    this.installPrompt = null;
    this.armed = ""; // the device id whose Remove was tapped once
    $("notify-ask").addEventListener("click", () => this.ask());
    addEventListener("beforeinstallprompt", (ev) => {
      ev.preventDefault();
      this.installPrompt = ev;
      $("install").hidden = false;
    });
    $("install").addEventListener("click", async () => {
      if (!this.installPrompt) return;
      this.installPrompt.prompt();
      this.installPrompt = null;
      $("install").hidden = true;
    });
  }

  setTokens(tokens) {
    this.tokens = tokens;
  }

  render() {
    this.renderNotifications();
    $("tokens-list").replaceChildren(...this.tokens.map((t) => this.card(t)));
    $("tokens-none").hidden = this.tokens.length > 0;
  }

  renderNotifications() {
    const p = permission();
    const ask = $("notify-ask");
    ask.hidden = true;
    if (isIOS() && !isInstalled()) {
      setText("notify-status", "Add to Home Screen to receive sign-in requests: tap Share, then Add to Home Screen, and open pushauth from there.");
    } else if (!pushSupported() || p === "unsupported") {
      setText("notify-status", "This browser cannot show sign-in notifications. Open the app to see requests.");
    } else if (p === "granted") {
      setText("notify-status", "Notifications are allowed: sign-in requests arrive as notifications.");
    } else if (p === "denied") {
      setText("notify-status", "Notifications are blocked. Allow them for this site in the browser's settings, then tap below.");
      ask.hidden = false;
    } else {
      setText("notify-status", "Notifications are not allowed yet: without them, open the app to see sign-in requests.");
      ask.hidden = false;
    }
  }

  // ask requests permission (from the tap) and then gives the push tokens
  // a fresh subscription.
  async ask() {
    const perm = await askPermission();
    this.renderNotifications();
    if (perm !== "granted") return;
    try {
      const key = await webPushKey();
      if (!key) return;
      const sub = await subscribe(key);
      for (const t of this.tokens.filter((x) => x.pushKind === "webpush")) await updateSubscription(t, sub.toJSON());
      setText("settings-status", "Notifications are set up.");
    } catch (e) {
      setText("settings-status", `Notifications could not be set up: ${e.message}`);
    }
  }

  card(t) {
    const b = el("button", { type: "button", class: "quiet-danger small", id: `remove-${t.deviceId}` }, "Remove");
    b.addEventListener("click", () => this.remove(t, b));
    const how = t.pushKind === "webpush" ? "notifications" : "open the app to see requests";
    return el("li", { class: "card", "data-device": t.deviceId },
      el("div", { class: "who" }, tokenName(t)),
      el("div", { class: "meta" }, `Serial ${t.serial} · ${how}`),
      b);
  }

  // remove asks for a second tap, then deletes the device on the server
  // and the token here. A device the server no longer knows is removed
  // here too.
  async remove(t, button) {
    if (this.armed !== t.deviceId) {
      this.armed = t.deviceId;
      button.textContent = "Tap again to remove: sign-ins will need a new activation";
      return;
    }
    this.armed = "";
    button.disabled = true;
    try {
      await removeDevice(t);
    } catch (e) {
      if (!(e instanceof APIError) || e.code !== "unknown_device") {
        button.disabled = false;
        button.textContent = "Remove";
        setText("settings-status", `Not removed: ${e.message}`);
        return;
      }
    }
    await store.remove(t.deviceId);
    setText("settings-status", `${tokenName(t)} was removed.`);
    this.onRemoved();
  }
}
