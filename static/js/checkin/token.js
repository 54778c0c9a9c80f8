// Badge tokens as maruf_reg/badges/tokens.py makes them: base32 (A–Z, 2–7, no padding) of
// version (1) | registration id (4, big-endian) | serial (2) | category code (1) | Ed25519 signature (64),
// the signature covering "MARUF-BADGE" followed by the first 8 bytes.
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const TOKEN_LENGTH = 116;
const TOKEN_BYTES = 72;
const DOMAIN = new TextEncoder().encode("MARUF-BADGE");

// What scanners and keyboards do to a token: spaces, line ends, lower case, Turkish dotted/dotless I.
export function normaliseToken(text) {
  return String(text).replace(/\s+/g, "").replace(/[ıİi]/g, "I").toUpperCase().replace(/=+$/, "");
}

export function decodeToken(text) {
  const token = normaliseToken(text);
  if (token.length !== TOKEN_LENGTH) return null;
  const bytes = new Uint8Array(TOKEN_BYTES);
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of token) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) return null;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      if (index < TOKEN_BYTES) bytes[index++] = (buffer >> bits) & 0xff;
      buffer &= (1 << bits) - 1;
    }
  }
  // The spare bits of the last character must be zero: only the canonical spelling counts.
  if (index !== TOKEN_BYTES || buffer !== 0) return null;
  if (bytes[0] !== 1) return null;
  const view = new DataView(bytes.buffer);
  return {
    id: view.getUint32(1),
    serial: view.getUint16(5),
    category: bytes[7],
    header: bytes.slice(0, 8),
    signature: bytes.slice(8),
  };
}

function hexBytes(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

// WebCrypto's Ed25519 where the browser has it; else the vendored @noble/ed25519.
export async function verifySignature(bundle, claims, nobleUrl) {
  const message = new Uint8Array(DOMAIN.length + claims.header.length);
  message.set(DOMAIN);
  message.set(claims.header, DOMAIN.length);
  const raw = hexBytes(bundle.data.public_key);
  if (bundle.key === null) {
    try {
      bundle.key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    } catch (error) {
      bundle.key = "noble";
    }
  }
  if (bundle.key !== "noble") {
    return crypto.subtle.verify({ name: "Ed25519" }, bundle.key, claims.signature, message);
  }
  const ed = await import(nobleUrl);
  try {
    return await ed.verifyAsync(claims.signature, message, raw);
  } catch (error) {
    return false;
  }
}
