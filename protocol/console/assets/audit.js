// The Audit page's live tail: an EventSource on /console/audit/stream (the
// admin API's GET /v1/audit/stream with the page's filters) adds each new
// record at the top of the table. Data goes in with textContent only.

const button = document.getElementById("audit-live");
const state = document.getElementById("audit-live-state");
const holder = document.getElementById("audit-rows");
const rows = holder && holder.querySelector("tbody");
let source = null;

// cell appends a <td> holding text (or a link to href with text).
function cell(tr, text, href, className) {
  const td = document.createElement("td");
  if (className) {
    td.className = className;
  }
  if (href) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    td.appendChild(a);
  } else {
    td.textContent = text;
  }
  tr.appendChild(td);
}

// row is a record's table row, as the page's template draws it.
function row(r) {
  const tr = document.createElement("tr");
  tr.dataset.id = String(r.id);
  tr.className = "audit-new";
  cell(tr, new Date(r.time).toISOString().slice(0, 19).replace("T", " "));
  cell(tr, r.user, "/console/users/" + encodeURIComponent(r.user));
  cell(tr, r.admin ? `${r.client} ${r.admin}: ${r.action}` : r.client);
  cell(tr, r.outcome, null, "o-" + r.outcome);
  cell(tr, r.reason);
  cell(tr, r.provider);
  cell(tr, r.phone_ms ? String(r.phone_ms) : "");
  cell(tr, String(r.duration_ms));
  cell(tr, r.node || "");
  cell(tr, "details", "/console/audit/logins/" + encodeURIComponent(r.login_id), "audit-detail-cell");
  tr.lastChild.firstChild.className = "audit-detail";
  return tr;
}

function add(event) {
  let r;
  try {
    r = JSON.parse(event.data);
  } catch {
    return;
  }
  if (rows.querySelector(`tr[data-id="${Number(r.id)}"]`)) {
    return;
  }
  const none = rows.querySelector(".audit-none");
  if (none) {
    none.remove();
  }
  rows.insertBefore(row(r), rows.firstChild);
}

function say(text) {
  state.textContent = text;
}

function start() {
  source = new EventSource(button.dataset.stream);
  source.addEventListener("audit", add);
  source.addEventListener("open", () => say("Live: new records appear at the top."));
  source.addEventListener("error", () => {
    if (source && source.readyState === EventSource.CLOSED) {
      stop();
      say("Live stopped: the server refused the stream (signed out, or too many open). Press Live to try again.");
      return;
    }
    say("Live: reconnecting…");
  });
  button.setAttribute("aria-pressed", "true");
  button.textContent = "Stop";
  say("Live: connecting…");
}

function stop() {
  source.close();
  source = null;
  button.setAttribute("aria-pressed", "false");
  button.textContent = "Live";
  say("Off.");
}

if (button && rows && !holder.dataset.paged) {
  button.addEventListener("click", () => (source ? stop() : start()));
} else if (button) {
  button.disabled = true;
}
