// Discovery: how a client learns which resources the API server serves. Pure functions of the
// resource catalog (RESOURCES); no state, no clock.
//
// Two formats, as in Kubernetes 1.32:
// - aggregated (apidiscovery.k8s.io/v2 APIGroupDiscoveryList): one document at /api (the core
//   group) and one at /apis (every named group), each resource with its responseKind, scope,
//   verbs, short names, categories and subresources. kubectl asks for it first and decides by the
//   answer's Content-Type alone.
// - legacy: /api → APIVersions, /apis → APIGroupList, /apis/<group> → APIGroup, and one
//   APIResourceList per group version (/api/v1, /apis/apps/v1) listing "pods", "pods/status", ...
// Plus /version, shaped like a v1.32.0 server's.

import { RESOURCES, groupVersion } from "./registry/resources";
import type { ResourceInfo } from "./registry/resources";

export const AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
export const AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

export interface DiscoveryAnswer {
  status: number;
  contentType: string;
  body: unknown;
}

/** A group and its versions in preference order (every group serves one version here). */
export interface GroupVersions {
  group: string;
  versions: string[];
}

/** The groups in the order of the catalog, the core group ("") first. */
export function groups(resources: readonly ResourceInfo[] = RESOURCES): GroupVersions[] {
  const out: GroupVersions[] = [];
  for (const r of resources) {
    let g = out.find((x) => x.group === r.group);
    if (!g) out.push((g = { group: r.group, versions: [] }));
    if (!g.versions.includes(r.version)) g.versions.push(r.version);
  }
  return out.sort((a, b) => (a.group === "" ? -1 : b.group === "" ? 1 : 0));
}

// ---- media types -------------------------------------------------------------------------

interface MediaType {
  type: string;
  params: Record<string, string>;
}

/** Splits an Accept header into media types with their parameters (order of parameters is free). */
export function parseAccept(accept: string | undefined): MediaType[] {
  if (!accept) return [];
  return accept.split(",").map((part) => {
    const [type, ...ps] = part.split(";").map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of ps) {
      const i = p.indexOf("=");
      if (i > 0) params[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim().replace(/^"(.*)"$/, "$1");
    }
    return { type: (type ?? "").toLowerCase(), params };
  });
}

/** "v2" or "v2beta1" when the client accepts aggregated discovery (first acceptable one wins). */
export function aggregatedVersion(accept: string | undefined): "v2" | "v2beta1" | undefined {
  for (const m of parseAccept(accept)) {
    if (m.type !== "application/json" || m.params.as !== "APIGroupDiscoveryList" || m.params.g !== "apidiscovery.k8s.io") continue;
    if (m.params.v === "v2" || m.params.v === "v2beta1") return m.params.v;
  }
  return undefined;
}

// ---- aggregated ----------------------------------------------------------------------------

function aggregatedResource(r: ResourceInfo): object {
  const out: Record<string, unknown> = {
    resource: r.resource,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? "Namespaced" : "Cluster",
    singularResource: r.singular,
    verbs: [...r.verbs],
  };
  if (r.shortNames.length) out.shortNames = [...r.shortNames];
  if (r.categories.length) out.categories = [...r.categories];
  if (r.subresources.length)
    out.subresources = r.subresources.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.kind.group, version: s.kind.version, kind: s.kind.kind },
      verbs: [...s.verbs],
    }));
  return out;
}

/** The APIGroupDiscoveryList for /api (core: true) or /apis (core: false). */
export function aggregatedDiscovery(core: boolean, version: "v2" | "v2beta1" = "v2", resources: readonly ResourceInfo[] = RESOURCES): object {
  const items = groups(resources)
    .filter((g) => (g.group === "") === core)
    .map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: resources.filter((r) => r.group === g.group && r.version === v).map(aggregatedResource),
        freshness: "Current",
      })),
    }));
  return { kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

// ---- legacy --------------------------------------------------------------------------------

export function apiVersions(): object {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "" }] };
}

function apiGroup(g: GroupVersions): object {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
  return { name: g.group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(resources: readonly ResourceInfo[] = RESOURCES): object {
  return { kind: "APIGroupList", apiVersion: "v1", groups: groups(resources).filter((g) => g.group !== "").map(apiGroup) };
}

/** The APIResourceList of one group version (legacy discovery), or undefined if it is not served. */
export function apiResourceList(group: string, version: string, resources: readonly ResourceInfo[] = RESOURCES): object | undefined {
  const rs = resources.filter((r) => r.group === group && r.version === version);
  if (!rs.length) return undefined;
  const out: object[] = [];
  for (const r of rs) {
    const main: Record<string, unknown> = { name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: [...r.verbs] };
    if (r.shortNames.length) main.shortNames = [...r.shortNames];
    if (r.categories.length) main.categories = [...r.categories];
    out.push(main);
    for (const s of r.subresources) {
      const sub: Record<string, unknown> = { name: `${r.resource}/${s.name}`, singularName: "", namespaced: r.namespaced };
      if (s.kind.group !== r.group || s.kind.version !== r.version) {
        sub.group = s.kind.group;
        sub.version = s.kind.version;
      }
      sub.kind = s.kind.kind;
      sub.verbs = [...s.verbs];
      out.push(sub);
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: groupVersion({ group, version }), resources: out };
}

// ---- /version ------------------------------------------------------------------------------

export function versionInfo(): object {
  return {
    major: "1",
    minor: "32",
    gitVersion: "v1.32.0",
    gitCommit: "70d3cc986aa8221cd1dfb1121852688902d3bf53",
    gitTreeState: "clean",
    buildDate: "2024-12-11T17:59:15Z",
    goVersion: "go1.23.3",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

// ---- routing -------------------------------------------------------------------------------

function notFound(path: string): DiscoveryAnswer {
  return {
    status: 404,
    contentType: "application/json",
    body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `the server could not find the requested resource`, reason: "NotFound", details: { causes: [{ reason: "UnexpectedServerResponse", message: `404 page not found: ${path}` }] }, code: 404 },
  };
}

/**
 * The answer to a GET of a discovery path (/api, /apis, /api/v1, /apis/<g>, /apis/<g>/<v>,
 * /version), or undefined when the path is not a discovery path (it is a resource path).
 */
export function discoveryRequest(path: string, accept: string | undefined, resources: readonly ResourceInfo[] = RESOURCES): DiscoveryAnswer | undefined {
  const p = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const json = (body: unknown): DiscoveryAnswer => ({ status: 200, contentType: "application/json", body });
  if (p === "/version") return json(versionInfo());
  if (p === "/api" || p === "/apis") {
    const v = aggregatedVersion(accept);
    if (v) return { status: 200, contentType: v === "v2" ? AGGREGATED_V2 : AGGREGATED_V2BETA1, body: aggregatedDiscovery(p === "/api", v, resources) };
    return json(p === "/api" ? apiVersions() : apiGroupList(resources));
  }
  const parts = p.split("/").slice(1);
  if (parts[0] === "api" && parts.length === 2) {
    const list = apiResourceList("", parts[1], resources);
    return list ? json(list) : notFound(p);
  }
  if (parts[0] === "apis" && parts.length === 2) {
    const g = groups(resources).find((x) => x.group === parts[1] && x.group !== "");
    return g ? json({ kind: "APIGroup", apiVersion: "v1", ...apiGroup(g) }) : notFound(p);
  }
  if (parts[0] === "apis" && parts.length === 3) {
    const list = apiResourceList(parts[1], parts[2], resources);
    return list ? json(list) : notFound(p);
  }
  return undefined;
}
