// The app's page: starts the service worker, reads the tokens and shows
// the screen the address names (#requests, #login/NONCE, #add,
// #activate=CODE, #codes, #settings).

import { $, result, show } from "./ui.js";
import { tokens } from "./db.js";
import { Inbox } from "./inbox.js";
import { Requests } from "./requests.js";
import { Codes } from "./codes.js";
import { Settings } from "./settings.js";
import { Adder } from "./add.js";
import { isInstalled, isIOS } from "./platform.js";

const inbox = new Inbox();
const requests = new Requests(inbox);
const codes = new Codes();
const settings = new Settings(() => reload().then(route));
const adder = new Adder((res, note) => {
  reload().then(() => {
    result({ ok: true, title: "Token added", text: `Token ${res.serial} is ready. ${note || "Sign-in requests arrive as notifications."}` });
  });
});
let all = [];

async function reload() {
  all = (await tokens.all()).sort((a, b) => a.createdAt - b.createdAt);
  inbox.setTokens(all);
  codes.setTokens(all);
  settings.setTokens(all);
}

function route() {
  const h = decodeURIComponent(location.hash.slice(1));
  codes.stop();
  if (h.startsWith("activate=")) {
    history.replaceState(null, "", "#add");
    adder.prefill(h.slice("activate=".length));
  } else if (h.startsWith("login/")) {
    requests.open(h.slice("login/".length));
  } else if (h === "add" || (h === "" && all.length === 0)) {
    show("add");
  } else if (h === "codes") {
    codes.start();
    show("codes");
  } else if (h === "settings") {
    settings.render();
    show("settings");
  } else {
    requests.render();
    show("requests");
  }
}

function startWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("sw.js", { type: "module", scope: "./" }).catch((e) => {
    console.warn("service worker not registered:", e);
  });
  navigator.serviceWorker.addEventListener("message", (ev) => {
    if (ev.data && ev.data.type === "open" && typeof ev.data.nonce === "string") location.hash = `login/${ev.data.nonce}`;
  });
}

async function main() {
  $("install-hint").hidden = !(isIOS() && !isInstalled());
  startWorker();
  await reload();
  addEventListener("hashchange", route);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") inbox.start();
    else inbox.stop();
  });
  route();
  if (document.visibilityState === "visible") inbox.start();
  document.documentElement.dataset.ready = "true";
}

main().catch((e) => {
  result({ ok: false, title: "The app could not start", text: String(e && e.message || e) });
});
