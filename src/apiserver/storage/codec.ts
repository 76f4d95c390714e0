// How objects sit in etcd: JSON as UTF-8 bytes (the real server writes protobuf with a "k8s\0"
// prefix; JSON keeps the chapter's "look inside etcd" readable). resourceVersion is not stored:
// it is the key's mod_revision, set on the way out.

import { text, utf8 } from "../../etcd/mvcc/bytes";
import type { KeyValue } from "../../etcd/mvcc/types";
import type { KubeObject } from "../registry/object";

export function encode(obj: KubeObject): string {
  const copy: KubeObject = { ...obj, metadata: { ...obj.metadata } };
  delete copy.metadata.resourceVersion;
  return utf8(JSON.stringify(copy));
}

export function decode(kv: KeyValue, revision = kv.mod_revision): KubeObject {
  const obj = JSON.parse(text(kv.value)) as KubeObject;
  obj.metadata = obj.metadata ?? {};
  obj.metadata.resourceVersion = String(revision);
  return obj;
}

/**
 * Continue tokens: unpadded base64url of JSON {v, rv, start}, the real server's encoding
 * [apiserver@1.32 pkg/storage/continue.go]. rv -1 means "continue at the latest revision": the
 * inconsistent token a 410 on an expired token hands out.
 */
export interface ContinueToken {
  v: "meta.k8s.io/v1";
  rv: number;
  start: string;
}

export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv, start } as ContinueToken), "utf8").toString("base64url");
}

/** The token, or the reason it is not one (the real DecodeContinue's messages). */
export function decodeContinue(token: string): ContinueToken | { error: string } {
  if (!/^[A-Za-z0-9_-]*$/.test(token)) return { error: "continue key is not valid: illegal base64 data" };
  let t: any;
  try {
    t = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch (e) {
    return { error: `continue key is not valid: ${(e as Error).message}` };
  }
  if (!t || typeof t !== "object" || t.v !== "meta.k8s.io/v1") return { error: `continue key is not valid: server does not recognize this encoded version ${t && typeof t === "object" ? String(t.v ?? "") : ""}`.trimEnd() };
  if (!Number.isInteger(t.rv) || t.rv === 0) return { error: "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)" };
  if (typeof t.start !== "string" || t.start === "") return { error: "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)" };
  if (t.start.split("/").includes("..")) return { error: "continue key is not valid: start key may not contain a relative path" };
  return t as ContinueToken;
}
