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

/** Continue tokens: base64 JSON {v, rv, start}, the shape the real server uses. */
export interface ContinueToken {
  v: "meta.k8s.io/v1";
  rv: number;
  start: string;
}

export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv, start } as ContinueToken), "utf8").toString("base64");
}

export function decodeContinue(token: string): ContinueToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
    if (t && t.v === "meta.k8s.io/v1" && Number.isInteger(t.rv) && t.rv > 0 && typeof t.start === "string") return t;
  } catch {
    /* fall through */
  }
  return undefined;
}
