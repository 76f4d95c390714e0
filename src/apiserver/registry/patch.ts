// The three PATCH bodies the API server accepts: JSON merge patch (RFC 7386), strategic merge
// patch (Kubernetes': lists merged by a key, what `kubectl apply/label/annotate` send) and JSON
// patch (RFC 6902). Each returns a new object or throws a PatchError (the server's 422/400).

import { clone, deepEqual, isPlainObject } from "./object";

export class PatchError extends Error {
  constructor(message: string, readonly code: 400 | 422 = 422) {
    super(message);
    this.name = "PatchError";
  }
}

// ---- RFC 7386 ----

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ---- strategic merge patch ----

/**
 * patchMergeKey per list, by field name (the Go struct tags in k8s.io/api). A list not named
 * here is replaced whole, as in a merge patch; "$set" lists are merged as sets of primitives.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  volumes: "name",
  env: "name",
  imagePullSecrets: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  conditions: "type",
  addresses: "type",
  ownerReferences: "uid",
  hostAliases: "ip",
  topologySpreadConstraints: "topologyKey",
  secrets: "name",
  finalizers: "$set",
};

/** Lists whose merge key depends on where they are: container ports vs Service ports. */
function mergeKeyFor(path: string[], name: string): string | undefined {
  if (name === "ports") {
    const parent = path[path.length - 1];
    // spec.ports of a Service is keyed by port; a container's ports by containerPort.
    return parent === "spec" && path.length === 1 ? "port" : "containerPort";
  }
  if (name === "addresses" && path.includes("subsets")) return undefined; // Endpoints addresses: replace
  return MERGE_KEYS[name];
}

export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) throw new PatchError("json: cannot unmarshal into Go value of type map[string]interface {}", 400);
  return smpObject(isPlainObject(target) ? target : {}, patch, []);
}

function smpObject(target: Record<string, any>, patch: Record<string, any>, path: string[]): Record<string, any> {
  if (patch.$patch !== undefined && !["replace", "merge", "delete"].includes(patch.$patch)) throw new PatchError(`Unknown patch type: ${JSON.stringify(patch.$patch)} in map: ${JSON.stringify(patch)}`);
  if (patch.$patch === "replace") {
    const { $patch: _p, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (patch.$patch === "delete") return {};
  const out: Record<string, any> = clone(target);
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$patch" || k === "$retainKeys") continue;
    if (k.startsWith("$setElementOrder/")) continue; // order hints: our merge keeps the original order
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const name = k.slice("$deleteFromPrimitiveList/".length);
      if (Array.isArray(out[name]) && Array.isArray(v)) out[name] = out[name].filter((x: unknown) => !v.some((y) => deepEqual(x, y)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const key = mergeKeyFor(path, k);
    if (Array.isArray(v) && key) out[k] = smpList(Array.isArray(out[k]) ? out[k] : [], v, key, [...path, k]);
    else if (isPlainObject(v)) out[k] = smpObject(isPlainObject(out[k]) ? out[k] : {}, v, [...path, k]);
    else out[k] = clone(v);
  }
  if (Array.isArray(patch.$retainKeys)) {
    for (const k of Object.keys(out)) if (!patch.$retainKeys.includes(k)) delete out[k];
  }
  return out;
}

function smpList(target: any[], patch: any[], key: string, path: string[]): any[] {
  if (key === "$set") {
    const out = target.slice();
    for (const v of patch) if (!out.some((x) => deepEqual(x, v))) out.push(clone(v));
    return out;
  }
  // A list-level {"$patch": "replace"} element replaces the whole list.
  if (patch.some((e) => isPlainObject(e) && e.$patch === "replace" && e[key] === undefined)) {
    return patch.filter((e) => !(isPlainObject(e) && e.$patch === "replace")).map(stripDirectives);
  }
  const out = target.map((x) => clone(x));
  for (const el of patch) {
    if (!isPlainObject(el)) {
      if (!out.some((x) => deepEqual(x, el))) out.push(clone(el));
      continue;
    }
    const id = el[key];
    if (id === undefined) throw new PatchError(`map: ${JSON.stringify(el)} does not contain declared merge key: ${key}`);
    const i = out.findIndex((x) => isPlainObject(x) && x[key] === id);
    if (el.$patch === "delete") {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) out[i] = smpObject(out[i], el, path);
    else out.push(stripDirectives(el));
  }
  return out;
}

function stripDirectives(v: any): any {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isPlainObject(v)) return v;
  const out: Record<string, any> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith("$")) out[k] = stripDirectives(x);
  return out;
}

// ---- RFC 6902 ----

export interface JsonPatchOp {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: unknown;
  from?: string;
}

function parsePointer(p: string): string[] {
  if (p === "") return [];
  if (!p.startsWith("/")) throw new PatchError(`invalid JSON pointer "${p}": must start with /`, 400);
  return p.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError("json: cannot unmarshal object into Go value of type jsonpatch.Patch", 400);
  let doc = clone(target);
  for (const raw of ops) {
    if (!isPlainObject(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") throw new PatchError("invalid JSON patch operation: every operation needs an op and a path", 400);
    const op = raw as JsonPatchOp;
    const path = parsePointer(op.path);
    switch (op.op) {
      case "add":
        if (!("value" in op)) throw new PatchError(`missing value for add at ${op.path}`, 400);
        doc = put(doc, path, clone(op.value), "add");
        break;
      case "remove":
        get(doc, path, op.path);
        doc = remove(doc, path);
        break;
      case "replace":
        get(doc, path, op.path);
        doc = put(doc, path, clone(op.value), "replace");
        break;
      case "move": {
        const from = parsePointer(op.from ?? "");
        const v = get(doc, from, op.from ?? "");
        doc = put(remove(doc, from), path, v, "add");
        break;
      }
      case "copy": {
        const v = get(doc, parsePointer(op.from ?? ""), op.from ?? "");
        doc = put(doc, path, clone(v), "add");
        break;
      }
      case "test":
        if (!deepEqual(get(doc, path, op.path), op.value)) throw new PatchError(`testing value ${op.path} failed`);
        break;
      default:
        throw new PatchError(`Unexpected kind: ${String((op as { op: unknown }).op)}`, 400);
    }
  }
  return doc;
}

function get(doc: any, path: string[], text: string): any {
  let cur = doc;
  for (const seg of path) {
    if (Array.isArray(cur)) {
      const i = Number(seg);
      if (!/^\d+$/.test(seg) || i >= cur.length) throw new PatchError(`doc is missing path: "${text}": missing value`);
      cur = cur[i];
    } else if (isPlainObject(cur) && seg in cur) cur = cur[seg];
    else throw new PatchError(`doc is missing path: "${text}": missing value`);
  }
  return cur;
}

function put(doc: any, path: string[], value: unknown, mode: "add" | "replace"): any {
  if (path.length === 0) return value;
  const parent = get(doc, path.slice(0, -1), "/" + path.slice(0, -1).join("/"));
  const last = path[path.length - 1];
  if (Array.isArray(parent)) {
    const i = last === "-" ? parent.length : Number(last);
    if (!(Number.isInteger(i) && i >= 0 && i <= parent.length - (mode === "replace" ? 1 : 0)))
      throw new PatchError(`add operation does not apply: doc is missing path: "/${path.join("/")}": missing value`);
    if (mode === "add") parent.splice(i, 0, value);
    else parent[i] = value;
  } else if (isPlainObject(parent)) parent[last] = value;
  else throw new PatchError(`doc is missing path: "/${path.join("/")}": missing value`);
  return doc;
}

function remove(doc: any, path: string[]): any {
  if (path.length === 0) return undefined;
  const parent = get(doc, path.slice(0, -1), "/" + path.slice(0, -1).join("/"));
  const last = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return doc;
}

/** The PATCH content types and which function applies each. */
export const PATCH_TYPES: Record<string, (target: unknown, patch: unknown) => unknown> = {
  "application/merge-patch+json": mergePatch,
  "application/strategic-merge-patch+json": strategicMergePatch,
  "application/json-patch+json": jsonPatch,
};
