// One-time passcodes as the server checks them (RFC 4226 HOTP, RFC 6238
// TOTP, HMAC-SHA1). The seed is imported once as a non-extractable HMAC
// key, so after activation the app can compute codes, offline, without
// its bytes being readable by script.

// seedKey turns the base32 seed of the activation answer into an HMAC key.
export function seedKey(seedB32) {
  return crypto.subtle.importKey("raw", base32(seedB32), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
}

// base32 decodes RFC 4648 base32 (any case, padding optional).
export function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const clean = text.toUpperCase().replace(/=+$/, "");
  const out = [];
  let bits = 0;
  let value = 0;
  for (const c of clean) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error("seed is not base32");
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

// hotp is the code for counter, digits long, zero-padded.
export async function hotp(key, counter, digits) {
  const msg = new Uint8Array(8);
  let c = BigInt(counter);
  for (let i = 7; i >= 0; i--) {
    msg[i] = Number(c & 0xffn);
    c >>= 8n;
  }
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, msg));
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 10 ** digits).padStart(digits, "0");
}

// totp is the code at time nowMs and the seconds it stays current.
export async function totp(key, nowMs, period, digits) {
  const seconds = Math.floor(nowMs / 1000);
  const step = Math.floor(seconds / period);
  return { code: await hotp(key, step, digits), left: period - (seconds % period) };
}
