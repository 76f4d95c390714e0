// Keys and values are bytes, as in etcd (protobuf `bytes`). We carry them as *byte strings*: a JS
// string whose every character code is 0..255 stands for one byte (what Go's `string(b)` is for a
// []byte). Byte strings compare with `<` in byte order (etcd sorts keys with bytes.Compare), hash
// as Map keys, and serialize into a JSON snapshot without a codec. Text is not bytes: a string
// with a character above \xff is refused rather than silently encoded, and `utf8()` / `text()`
// convert on purpose (the API server stores JSON as UTF-8, as kube-apiserver does).

import { EtcdError, GrpcCode } from "./errors";

/** A byte string: every char code is in 0..255. */
export type Bytes = string;

/** What callers may pass for a key or value: a byte string or the bytes themselves. */
export type ByteInput = string | Uint8Array;

/** Normalizes a caller's key/value to a byte string; refuses text that is not bytes. */
export function toBytes(input: ByteInput | undefined | null, field = "value"): Bytes {
  if (input === undefined || input === null) return "";
  if (typeof input === "string") {
    for (let i = 0; i < input.length; i++) {
      if (input.charCodeAt(i) > 0xff) {
        throw new EtcdError(
          GrpcCode.InvalidArgument,
          `kubelab: ${field} is not a byte string (character ${JSON.stringify(input[i])} at ${i} is above \\xff); encode text with utf8()`,
        );
      }
    }
    return input;
  }
  if (input instanceof Uint8Array) return fromUint8Array(input);
  throw new EtcdError(GrpcCode.InvalidArgument, `kubelab: ${field} must be a string or Uint8Array, got ${typeof input}`);
}

export function fromUint8Array(b: Uint8Array): Bytes {
  let s = "";
  // Chunked to stay under the argument limit of String.fromCharCode.
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, Array.from(b.subarray(i, i + 8192)));
  return s;
}

export function toUint8Array(s: Bytes): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const ASCII = /^[\x00-\x7f]*$/;

/** Text -> its UTF-8 bytes as a byte string. */
export function utf8(textValue: string): Bytes {
  // ASCII text is its own UTF-8 (the common case: JSON of Kubernetes objects).
  if (ASCII.test(textValue)) return textValue;
  return fromUint8Array(new TextEncoder().encode(textValue));
}

/** UTF-8 bytes -> text (invalid sequences become U+FFFD). */
export function text(b: Bytes): string {
  if (ASCII.test(b)) return b;
  return new TextDecoder().decode(toUint8Array(b));
}

/** bytes.Compare: -1, 0 or 1 in byte order. */
export function compareBytes(a: Bytes, b: Bytes): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The range end that makes [key, end) cover every key with this prefix (clientv3's
 * GetPrefixRangeEnd): the last byte below 0xff plus one, shorter if trailing bytes are 0xff; a
 * prefix of only 0xff bytes (or empty) has no upper bound, which etcd spells "\0".
 */
export function prefixEnd(prefix: ByteInput): Bytes {
  const p = toBytes(prefix, "prefix");
  for (let i = p.length - 1; i >= 0; i--) {
    const c = p.charCodeAt(i);
    if (c < 0xff) return p.slice(0, i) + String.fromCharCode(c + 1);
  }
  return "\0";
}

// ---- base64 as Go's encoding/base64.StdEncoding (what grpc-gateway uses for `bytes`) ----

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export function base64Encode(b: Bytes): string {
  let out = "";
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b.charCodeAt(i) << 16) | (b.charCodeAt(i + 1) << 8) | b.charCodeAt(i + 2);
    out += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b.charCodeAt(i) << 16;
    out += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63] + "==";
  } else if (rest === 2) {
    const n = (b.charCodeAt(i) << 16) | (b.charCodeAt(i + 1) << 8);
    out += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + "=";
  }
  return out;
}

/**
 * Decodes standard base64 with padding. Errors carry Go's message, "illegal base64 data at input
 * byte N", with N the same byte offset Go reports (its decodeQuantum rules: CR/LF are skipped,
 * a short final quantum without padding is an error at the quantum's start, trailing data after
 * padding is an error at its first byte).
 */
export function base64Decode(encoded: string): Bytes {
  const src = utf8(encoded); // offsets are byte offsets in the JSON string's UTF-8 form
  const n = src.length;
  const corrupt = (at: number) => new EtcdError(GrpcCode.InvalidArgument, `illegal base64 data at input byte ${at}`);
  let out = "";
  let si = 0;
  for (;;) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let j = 0;
    let end = false;
    for (; j < 4; j++) {
      if (si === n) {
        if (j === 0) return out;
        throw corrupt(si - j);
      }
      const c = src.charCodeAt(si);
      si++;
      const v = DECODE[c];
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (c === 10 || c === 13) {
        j--;
        continue;
      }
      if (c !== 61 /* = */) throw corrupt(si - 1);
      if (j === 0 || j === 1) throw corrupt(si - 1);
      if (j === 2) {
        while (si < n && (src.charCodeAt(si) === 10 || src.charCodeAt(si) === 13)) si++;
        if (si === n) throw corrupt(n);
        if (src.charCodeAt(si) !== 61) throw corrupt(si - 1);
        si++;
      }
      while (si < n && (src.charCodeAt(si) === 10 || src.charCodeAt(si) === 13)) si++;
      if (si < n) throw corrupt(si);
      dlen = j;
      end = true;
      break;
    }
    const v = (dbuf[0] << 18) | (dbuf[1] << 12) | (dbuf[2] << 6) | dbuf[3];
    const b0 = (v >> 16) & 0xff;
    const b1 = (v >> 8) & 0xff;
    const b2 = v & 0xff;
    if (dlen === 4) out += String.fromCharCode(b0, b1, b2);
    else if (dlen === 3) out += String.fromCharCode(b0, b1);
    else if (dlen === 2) out += String.fromCharCode(b0);
    if (end) return out;
  }
}

/** A printable form of a byte string for errors, tables and traces: "foo", "a\x00". */
export function showBytes(b: Bytes): string {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const c = b.charCodeAt(i);
    s += c >= 0x20 && c < 0x7f && c !== 0x5c ? b[i] : "\\x" + c.toString(16).padStart(2, "0");
  }
  return s;
}
