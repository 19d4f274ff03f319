// Byte encodings the device API uses: standard base64 with padding for keys
// and signatures, base64url for the Web Push server key, UTF-8 for signed
// messages.

export function toBase64(bytes) {
  const b = new Uint8Array(bytes);
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return btoa(s);
}

export function fromBase64(text) {
  const s = atob(text);
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

export function fromBase64url(text) {
  const t = text.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(t + "=".repeat((4 - (t.length % 4)) % 4));
}

export function utf8(text) {
  return new TextEncoder().encode(text);
}
