// Decoding a request body: JSON (or YAML, which some clients send), an object, of the kind the
// URL names. Every refusal is a 400 (or 413 / 415) before anything reaches storage.

import { parse as parseYaml } from "yaml";
import { Errors } from "../registry/errors";
import { isPlainObject, KubeObject } from "../registry/object";
import { groupVersion, ResourceInfo } from "../registry/resources";
import { pruneUnknownFields } from "../registry/schema";

/** The real server's limit on a request body (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function parseBody(body: string | undefined, contentType: string | undefined): unknown {
  if (body === undefined || body.trim() === "") throw Errors.badRequest("the body of the request was empty");
  if (Buffer.byteLength(body, "utf8") > MAX_BODY_BYTES) throw Errors.tooLarge(MAX_BODY_BYTES);
  const ct = (contentType ?? "application/json").split(";")[0].trim().toLowerCase();
  if (ct.includes("yaml")) {
    try {
      return parseYaml(body, { maxAliasCount: 100 });
    } catch (e) {
      throw Errors.badRequest(`error converting YAML to JSON: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  try {
    return JSON.parse(body);
  } catch (e) {
    throw Errors.badRequest(`json: ${(e as Error).message}`);
  }
}

/** The decoded object for a create/update of `info`: apiVersion/kind default to the endpoint's. */
export function decodeObject(value: unknown, info: { group: string; version: string; kind: string }, fieldValidation = "", warnings?: string[]): KubeObject {
  const gv = groupVersion(info);
  if (!isPlainObject(value)) throw Errors.badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: json: cannot unmarshal ${jsonType(value)} into Go value of type struct`);
  const obj = value as KubeObject;
  // Missing (or empty) apiVersion and kind default to the endpoint's, as the real decoder's
  // gvkWithDefaults does: a body without them is accepted.
  if (obj.apiVersion === "" || obj.apiVersion === null) delete (obj as Partial<KubeObject>).apiVersion;
  if (obj.kind === "" || obj.kind === null) delete (obj as Partial<KubeObject>).kind;
  if (obj.apiVersion !== undefined && obj.apiVersion !== gv) {
    if (typeof obj.apiVersion !== "string") throw Errors.badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: apiVersion must be a string`);
    throw Errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${gv})`);
  }
  if (obj.kind !== undefined && obj.kind !== info.kind) {
    throw Errors.badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: the kind in the data (${String(obj.kind)}) does not match the expected kind (${info.kind})`);
  }
  // apiVersion and kind first, as the server writes objects.
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  const out = { apiVersion: gv, kind: info.kind, ...rest } as KubeObject;
  if (out.metadata === undefined || out.metadata === null) out.metadata = {};
  checkTypes(out, info.kind, info.version);
  // Fields the kind does not have are dropped; with fieldValidation=Strict they are an error.
  const unknown = pruneUnknownFields(out, info.kind);
  if (unknown.length && fieldValidation === "Strict")
    throw Errors.badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(", ")}`);
  // Warn, the default when the parameter is unset, drops them with a warning header each
  // (kubectl prints `Warning: unknown field "spec.foo"`) [apiserver@1.32 pkg/endpoints/handlers/create.go fieldValidation].
  if (warnings && (fieldValidation === "" || fieldValidation === "Warn")) for (const f of unknown) if (!warnings.includes(`unknown field "${f}"`)) warnings.push(`unknown field "${f}"`);
  return out;
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

type T = "string" | "number" | "boolean" | "object" | "array" | "map[string]string";
/** Wrong-typed fields the real decoder refuses (a subset: the fields manifests get wrong). */
const TYPES: [string, T][] = [
  ["metadata", "object"],
  ["metadata.name", "string"],
  ["metadata.generateName", "string"],
  ["metadata.namespace", "string"],
  ["metadata.labels", "map[string]string"],
  ["metadata.annotations", "map[string]string"],
  ["metadata.finalizers", "array"],
  ["metadata.ownerReferences", "array"],
  ["metadata.resourceVersion", "string"],
  ["spec", "object"],
  ["spec.replicas", "number"],
  ["spec.containers", "array"],
  ["spec.initContainers", "array"],
  ["spec.volumes", "array"],
  ["spec.nodeName", "string"],
  ["spec.selector", "object"],
  ["spec.template", "object"],
  ["spec.template.spec", "object"],
  ["spec.template.spec.containers", "array"],
  ["spec.ports", "array"],
  ["spec.type", "string"],
  ["status", "object"],
  ["data", "map[string]string"],
  ["rules", "array"],
  ["subjects", "array"],
  ["roleRef", "object"],
];

function checkTypes(obj: KubeObject, kind: string, version: string): void {
  for (const [path, t] of TYPES) {
    let v: any = obj;
    for (const p of path.split(".")) v = v === undefined || v === null ? undefined : v[p];
    if (v === undefined || v === null) continue;
    if (kind === "Service" && path === "spec.selector") continue; // a map there, not a LabelSelector
    const ok =
      t === "array" ? Array.isArray(v) : t === "object" ? isPlainObject(v) : t === "map[string]string" ? isPlainObject(v) && Object.values(v).every((x) => typeof x === "string") : typeof v === t;
    if (!ok) {
      const goType = t === "number" ? "int32" : t === "array" ? "[]" : t === "object" ? "struct" : t;
      throw Errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: json: cannot unmarshal ${jsonType(v)} into Go struct field ${path} of type ${goType}`);
    }
  }
  for (const c of [...(obj.spec?.containers ?? []), ...(obj.spec?.template?.spec?.containers ?? [])]) {
    if (!isPlainObject(c)) throw Errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: json: cannot unmarshal ${jsonType(c)} into Go struct field PodSpec.spec.containers of type v1.Container`);
    for (const f of ["name", "image"]) if (c[f] !== undefined && typeof c[f] !== "string")
      throw Errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: json: cannot unmarshal ${jsonType(c[f])} into Go struct field Container.spec.containers.${f} of type string`);
  }
}

/** For subresource bodies (Scale, Binding) that are not the resource's own kind. */
export function decodeAs(value: unknown, apiVersion: string, kind: string, fieldValidation = ""): KubeObject {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return decodeObject(value, { group, version, kind } as ResourceInfo, fieldValidation);
}
