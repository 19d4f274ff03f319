// ECDSA P-256 with SHA-256 through WebCrypto. WebCrypto signs and verifies
// raw r‖s (64 octets, IEEE P1363); the device API wants ASN.1 DER
// SEQUENCE { r INTEGER, s INTEGER }, so signatures are converted both ways.

import { fromBase64, toBase64, utf8 } from "./bytes.js";

const ecdsa = { name: "ECDSA", namedCurve: "P-256" };
const sha256 = { name: "ECDSA", hash: "SHA-256" };

// newKeyPair makes the device key. The private key is not extractable: it
// can sign and be stored in IndexedDB, but its bytes never reach script.
export function newKeyPair() {
  return crypto.subtle.generateKey(ecdsa, false, ["sign", "verify"]);
}

// publicKeyBase64 is the public key as the API takes it: PKIX DER, base64.
export async function publicKeyBase64(publicKey) {
  return toBase64(await crypto.subtle.exportKey("spki", publicKey));
}

// sign returns the base64 DER signature of message (a string) by key.
export async function sign(privateKey, message) {
  const raw = new Uint8Array(await crypto.subtle.sign(sha256, privateKey, utf8(message)));
  return toBase64(rawToDER(raw));
}

// verify tells whether signature (base64 DER) is spki's (PKIX DER, base64)
// over message; anything malformed is false.
export async function verify(spki, message, signature) {
  try {
    const key = await crypto.subtle.importKey("spki", fromBase64(spki), ecdsa, false, ["verify"]);
    return await crypto.subtle.verify(sha256, key, derToRaw(fromBase64(signature)), utf8(message));
  } catch {
    return false;
  }
}

// rawToDER encodes r‖s (32 octets each) as a DER SEQUENCE of two INTEGERs.
export function rawToDER(raw) {
  if (raw.length !== 64) throw new Error("ECDSA P-256 signature must be 64 octets");
  const r = derInteger(raw.subarray(0, 32));
  const s = derInteger(raw.subarray(32));
  return Uint8Array.from([0x30, r.length + s.length, ...r, ...s]);
}

// derInteger is a positive big-endian number as a DER INTEGER: leading
// zeros dropped, one zero added when the high bit is set.
function derInteger(n) {
  let i = 0;
  while (i < n.length - 1 && n[i] === 0) i++;
  const v = Array.from(n.subarray(i));
  if (v[0] & 0x80) v.unshift(0);
  return [0x02, v.length, ...v];
}

// derToRaw decodes a DER ECDSA signature into r‖s, or throws.
export function derToRaw(der) {
  const fail = () => { throw new Error("malformed DER signature"); };
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) fail();
  const out = new Uint8Array(64);
  let at = 2;
  for (const half of [0, 32]) {
    if (der[at] !== 0x02) fail();
    const len = der[at + 1];
    let v = der.subarray(at + 2, at + 2 + len);
    if (len === 0 || v.length !== len) fail();
    while (v.length > 1 && v[0] === 0) v = v.subarray(1);
    if (v.length > 32) fail();
    out.set(v, half + 32 - v.length);
    at += 2 + len;
  }
  if (at !== der.length) fail();
  return out;
}
