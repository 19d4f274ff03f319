// Small DOM helpers: no framework, no HTML strings (text goes in as text).

export const $ = (id) => document.getElementById(id);

// el builds an element: attrs are attributes (class, href, data-*), kids
// are nodes or strings (added as text).
export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
}

const screens = ["requests", "login", "result", "add", "codes", "settings"];

// show makes one screen visible and marks its tab.
export function show(name) {
  for (const s of screens) $(`screen-${s}`).hidden = s !== name;
  for (const a of document.querySelectorAll(".tabs a")) {
    if (a.id === `tab-${name}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

export function setText(id, text) {
  $(id).textContent = text;
}

// result shows the result screen for an outcome {ok, title, text}. The
// address becomes #result, so any tab tapped next is a change of address.
export function result(o) {
  history.replaceState(null, "", "#result");
  const s = $("screen-result");
  s.className = o.ok ? "good" : "bad";
  setText("result-mark", o.ok ? "✓" : "!");
  setText("result-title", o.title);
  setText("result-text", o.text);
  show("result");
}

export function tokenName(t) {
  return t.name || t.serial;
}
