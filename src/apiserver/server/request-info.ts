// From a REST request to the attributes every later stage reads (apiserver's RequestInfo):
// verb, API group and version, namespace, resource, subresource, name.

import type { RestRequest } from "../rest";
import { Errors } from "../registry/errors";
import { findByResource, ResourceInfo, RESOURCES } from "../registry/resources";

export interface RequestInfo {
  verb: string;
  group: string;
  version: string;
  namespace: string | undefined;
  resource: string;
  subresource: string;
  name: string;
  info: ResourceInfo;
}

export function query(req: RestRequest, name: string): string | undefined {
  const v = req.query[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Parses /api/v1/... and /apis/<group>/<version>/...; throws a StatusError for paths it cannot serve. */
export function parseRequest(req: RestRequest): RequestInfo {
  const parts = req.path.split("/").filter((s) => s !== "").map((s) => decodeURIComponent(s));
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 2) {
    group = "";
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 3) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else throw Errors.pathNotFound();
  let namespace: string | undefined;
  // /namespaces/<ns>/<resource>... ; but /namespaces and /namespaces/<name>[/status] are namespaces themselves.
  // (as the real RequestInfoFactory: "status" and "finalize" after a namespace name are its subresources)
  if (rest[0] === "namespaces" && rest.length >= 3 && !(rest.length === 3 && (rest[2] === "status" || rest[2] === "finalize"))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name = "", subresource = ""] = rest;
  if (!resource || rest.length > 3) throw Errors.pathNotFound();
  const info = findByResource(group, version, resource);
  if (!info) {
    if (!RESOURCES.some((r) => r.group === group && r.version === version)) throw Errors.pathNotFound();
    throw Errors.pathNotFound();
  }
  if (info.namespaced === false && namespace !== undefined) throw Errors.pathNotFound();
  const watch = query(req, "watch");
  const isWatch = watch === "true" || watch === "1";
  let verb: string;
  switch (req.method) {
    case "GET":
      verb = isWatch ? "watch" : name ? "get" : "list";
      break;
    case "POST":
      verb = "create";
      break;
    case "PUT":
      verb = "update";
      break;
    case "PATCH":
      verb = "patch";
      break;
    case "DELETE":
      verb = name ? "delete" : "deletecollection";
      break;
    default:
      throw Errors.badRequest(`unsupported method ${String(req.method)}`);
  }
  // Namespaced resources listed across all namespaces: namespace stays undefined.
  return { verb, group, version, namespace, resource, subresource, name, info };
}
