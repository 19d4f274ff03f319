// Adding a token: the activation code from a link (/app/#activate=CODE),
// a scanned QR code or typing; a new non-extractable device key; a Web
// Push subscription when the server offers Web Push and the user allows
// notifications (else the app asks for pending requests itself).

import { $, setText, show } from "./ui.js";
import { activate, webPushKey } from "./api.js";
import { newKeyPair, publicKeyBase64 } from "./signature.js";
import { seedKey } from "./otp.js";
import { tokens } from "./db.js";
import { askPermission, subscribe } from "./notify.js";
import { browserName, isInstalled, isIOS } from "./platform.js";

// parseCode takes what the user entered (a code, with spaces or dashes,
// or the whole activation link) and returns the code, or throws.
export function parseCode(input) {
  let text = input.trim();
  if (/^https?:\/\//i.test(text)) {
    const u = new URL(text);
    if (u.origin !== location.origin) {
      throw new Error(`This activation link is for another server (${u.host}). Open the link itself on this phone: it offers that server's app.`);
    }
    text = u.searchParams.get("code") || "";
  }
  const code = text.toUpperCase().replace(/[\s-]/g, "");
  if (!/^[A-Z2-7]{8,64}$/.test(code)) throw new Error("That is not an activation code: it has 16 letters and digits (2 to 7).");
  return code;
}

export class Adder {
  constructor(onAdded) {
    this.onAdded = onAdded;
    this.stream = null;
    $("add-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.submit();
    });
    if ("BarcodeDetector" in self) {
      $("add-scan").hidden = false;
      $("add-scan").addEventListener("click", () => this.scan());
    }
  }

  // prefill shows the add screen with a code from a link.
  prefill(code) {
    $("add-code").value = code;
    if (isIOS() && !isInstalled()) {
      setText("add-status", `On iPhone and iPad, add pushauth to the Home Screen first (Share, then Add to Home Screen), open it from there and type this code: ${code}`);
    } else {
      setText("add-status", "Tap Add token to finish.");
    }
    show("add");
  }

  submit() {
    // Asked here, straight from the tap: iOS allows it only then.
    const asking = askPermission().catch(() => "denied");
    this.add($("add-code").value, $("add-name").value.trim(), asking);
  }

  async add(input, name, asking) {
    this.stopScan();
    let code;
    try {
      code = parseCode(input);
    } catch (e) {
      setText("add-status", e.message);
      return;
    }
    $("add-submit").disabled = true;
    setText("add-status", "Adding the token…");
    try {
      const keys = await newKeyPair();
      const push = await this.pushRegistration(await asking);
      const res = await activate({
        code, platform: "web", os_version: browserName(), public_key: await publicKeyBase64(keys.publicKey), ...push.request,
      });
      await tokens.put({
        deviceId: res.device_id,
        serial: res.serial,
        name,
        createdAt: Date.now(),
        privateKey: keys.privateKey,
        serverKey: res.server_public_key,
        pushKind: push.request.push_kind,
        otp: {
          key: await seedKey(res.otp.seed_b32),
          algorithm: res.otp.algorithm,
          digits: res.otp.digits || 6,
          period: res.otp.period || 30,
          counter: res.otp.counter || 0,
        },
      });
      $("add-code").value = "";
      $("add-name").value = "";
      setText("add-status", "");
      this.onAdded(res, push.note);
    } catch (e) {
      setText("add-status", `The token was not added: ${e.message}`);
    } finally {
      $("add-submit").disabled = false;
    }
  }

  // pushRegistration is the push part of the activation request and a
  // note for the user when notifications will not come.
  async pushRegistration(perm) {
    const poll = (note) => ({ request: { push_kind: "poll" }, note });
    const key = await webPushKey();
    if (!key) return poll("This server sends no notifications: open the app to see sign-in requests.");
    if (perm !== "granted") return poll("Notifications are off: open the app to see sign-in requests, or allow notifications in Settings and add the token again.");
    try {
      const sub = await subscribe(key);
      return { request: { push_kind: "webpush", push_subscription: sub.toJSON() }, note: "" };
    } catch (e) {
      return poll(`Notifications could not be set up (${e.message}): open the app to see sign-in requests.`);
    }
  }

  async scan() {
    try {
      const detector = new BarcodeDetector({ formats: ["qr_code"] });
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      const video = $("scan-video");
      video.srcObject = this.stream;
      video.hidden = false;
      await video.play();
      setText("add-status", "Point the camera at the QR code.");
      while (this.stream) {
        const codes = await detector.detect(video).catch(() => []);
        if (codes.length > 0) {
          $("add-code").value = codes[0].rawValue;
          this.stopScan();
          setText("add-status", "QR code read. Tap Add token to finish.");
          return;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    } catch (e) {
      this.stopScan();
      setText("add-status", `The camera could not be used (${e.message}): type the code instead.`);
    }
  }

  stopScan() {
    if (this.stream) for (const t of this.stream.getTracks()) t.stop();
    this.stream = null;
    $("scan-video").hidden = true;
  }
}
