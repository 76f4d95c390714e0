// LIVE BRIDGE (support): a fresh self-signed TLS certificate for the loopback API server.
//
// Why TLS on loopback: kubectl (client-go's clientcmd) only reads the user's credentials from a
// kubeconfig — token, client certificate, exec plugin — when the server URL is https. Over plain
// http it sends no Authorization header at all, and the API server (anonymous auth off) answers
// 401 to everything. So `kubelab serve` speaks https with a certificate made at start-up for
// 127.0.0.1 / localhost, and writes that certificate into the kubeconfig as the cluster's CA.
//
// Node can make keys and signatures but not certificates, so the X.509 structure (DER) is built
// here by hand: an ECDSA P-256 key, SHA-256 signature, subjectAltName IP:127.0.0.1, ::1 and
// DNS:localhost, valid from an hour ago for a year. Key material comes from node's crypto (real
// randomness: this is outside the simulation, like the sockets).

import * as crypto from "crypto";

export interface SelfSignedCert {
  /** PEM private key (PKCS#8). */
  key: string;
  /** PEM certificate. */
  cert: string;
}

// ---- minimal DER encoder ---------------------------------------------------------------------

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), len(body.length), body]);
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const ctx = (n: number, body: Buffer, constructed = true) => tlv((constructed ? 0xa0 : 0x80) | n, body);
const octets = (b: Buffer) => tlv(0x04, b);
const bitString = (b: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, "utf8"));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));

function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  let body = b.subarray(i);
  if (body[0] & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return tlv(0x02, body);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const out = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const stack = [p & 0x7f];
    let v = p >>> 7;
    while (v > 0) {
      stack.unshift(0x80 | (v & 0x7f));
      v >>>= 7;
    }
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}

function utcTime(d: Date): Buffer {
  const p2 = (n: number) => String(n).padStart(2, "0");
  const s = `${p2(d.getUTCFullYear() % 100)}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, "ascii"));
}

const name = (cn: string) => seq(set(seq(oid("2.5.4.3"), utf8(cn))));
const ext = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

/** A new self-signed certificate for the loopback addresses. */
export function selfSignedCert(commonName = "kubelab"): SelfSignedCert {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const spki = publicKey.export({ type: "spki", format: "der" }) as Buffer;
  const ecdsaWithSha256 = seq(oid("1.2.840.10045.4.3.2"));
  const now = Date.now();
  const san = seq(
    ctx(7, Buffer.from([127, 0, 0, 1]), false),
    ctx(7, Buffer.concat([Buffer.alloc(15), Buffer.from([1])]), false),
    ctx(2, Buffer.from("localhost", "ascii"), false),
  );
  const extensions = seq(
    ext("2.5.29.19", true, seq(bool(true))), // basicConstraints: CA (it is its own CA in the kubeconfig)
    ext("2.5.29.15", true, tlv(0x03, Buffer.from([2, 0x84]))), // keyUsage: digitalSignature, keyCertSign
    ext("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1"))), // extKeyUsage: serverAuth
    ext("2.5.29.17", false, san), // subjectAltName
  );
  const tbs = seq(
    ctx(0, integer(Buffer.from([2]))), // v3
    integer(Buffer.concat([Buffer.from([0x01]), crypto.randomBytes(15)])),
    ecdsaWithSha256,
    name(commonName),
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 365 * 24 * 3600_000))),
    name(commonName),
    spki,
    ctx(3, extensions),
  );
  const signature = crypto.sign("sha256", tbs, { key: privateKey, dsaEncoding: "der" });
  const der = seq(tbs, ecdsaWithSha256, bitString(signature));
  const pem = `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END CERTIFICATE-----\n`;
  return { key: privateKey.export({ type: "pkcs8", format: "pem" }) as string, cert: pem };
}
