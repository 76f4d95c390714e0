// OpenAPI: the minimum that kubectl 1.32 needs for `create -f` / `apply -f` / `replace -f` with
// the default --validate=strict. Pure functions of the resource catalog.
//
// kubectl fetches GET /openapi/v3 (a root listing one document per group version, each with a
// serverRelativeURL carrying a content hash), then the document of the object's group version.
// If that document has, for the object's kind, a path whose `patch` operation carries
// `x-kubernetes-group-version-kind` and an inline `fieldValidation` query parameter, kubectl
// leaves validation to the server and just sends fieldValidation=Strict. The documents of core/v1,
// apps/v1 and policy/v1 also carry component schemas for their main kinds (openapi-schemas.ts),
// which is what `kubectl explain` reads. No operation has a requestBody, so `kubectl apply` still
// computes its strategic merge patch from its compiled-in Go types (as it does when the v3
// document has no patch schema). OpenAPI v2 (protobuf only) is not served: 404.

import { createHash } from "crypto";
import { RESOURCES } from "./registry/resources";
import type { ResourceInfo } from "./registry/resources";
import { groups } from "./discovery";
import { componentSchemas } from "./openapi-schemas";

/** "api/v1", "apis/apps/v1": the key of a group version in the /openapi/v3 root. */
export function openapiKey(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const queryParam = (name: string, description: string) => ({ name, in: "query", description, schema: { type: "string", uniqueItems: true } });

function patchOperation(r: ResourceInfo, sub?: string): object {
  const params = [
    queryParam("dryRun", "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed"),
    queryParam("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
    queryParam("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict"),
    { name: "force", in: "query", description: "Force is going to \"force\" Apply requests.", schema: { type: "boolean", uniqueItems: true } },
  ];
  const kind = sub ? r.subresources.find((s) => s.name === sub)!.kind : { group: r.group, version: r.version, kind: r.kind };
  return {
    tags: [tagOf(r)],
    description: `partially update the specified ${r.kind}${sub ? ` ${sub}` : ""}`,
    operationId: `patch${r.namespaced ? "Namespaced" : ""}${r.kind}${sub ? sub[0].toUpperCase() + sub.slice(1) : ""}`,
    parameters: params,
    responses: { "200": { description: "OK" }, "201": { description: "Created" }, "401": { description: "Unauthorized" } },
    "x-kubernetes-action": "patch",
    "x-kubernetes-group-version-kind": { group: kind.group, version: kind.version, kind: kind.kind },
  };
}

function tagOf(r: ResourceInfo): string {
  const g = r.group === "" ? "core" : r.group.replace(/\.k8s\.io$/, "").replace(/\.(\w)/g, (_m, c: string) => c.toUpperCase());
  return `${g}_${r.version}`;
}

function pathParams(r: ResourceInfo): object[] {
  const ps: object[] = [{ name: "name", in: "path", description: `name of the ${r.kind}`, required: true, schema: { type: "string", uniqueItems: true } }];
  if (r.namespaced) ps.push({ name: "namespace", in: "path", description: "object name and auth scope, such as for teams and projects", required: true, schema: { type: "string", uniqueItems: true } });
  ps.push({ name: "pretty", in: "query", description: "If 'true', then the output is pretty printed.", schema: { type: "string", uniqueItems: true } });
  return ps;
}

/** The OpenAPI v3 document of one group version, or undefined if the group version is not served. */
export function openapiV3Document(group: string, version: string, resources: readonly ResourceInfo[] = RESOURCES): object | undefined {
  const rs = resources.filter((r) => r.group === group && r.version === version);
  if (!rs.length) return undefined;
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const paths: Record<string, object> = {};
  for (const r of rs) {
    // Kinds that only take POST (Binding, SelfSubjectAccessReview) have no item path to patch.
    if (!r.verbs.includes("patch")) continue;
    const base = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.resource}/{name}` : `${prefix}/${r.resource}/{name}`;
    paths[base] = { patch: patchOperation(r), parameters: pathParams(r) };
    for (const s of r.subresources) if (s.verbs.includes("patch")) paths[`${base}/${s.name}`] = { patch: patchOperation(r, s.name), parameters: pathParams(r) };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0" },
    paths,
    components: { schemas: componentSchemas(group, version) },
  };
}

/** SHA-512 of the document, upper-case hex, as the real server's ?hash= (deterministic). */
export function documentHash(doc: object): string {
  return createHash("sha512").update(JSON.stringify(doc)).digest("hex").toUpperCase();
}

/** The /openapi/v3 root: one entry per served group version. */
export function openapiV3Root(resources: readonly ResourceInfo[] = RESOURCES): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const g of groups(resources))
    for (const v of g.versions) {
      const key = openapiKey(g.group, v);
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${documentHash(openapiV3Document(g.group, v, resources)!)}` };
    }
  return { paths };
}

export interface OpenApiAnswer {
  status: number;
  contentType: string;
  body: unknown;
}

/** What kubectl asks for (Accept) and the Content-Type of the answer ("@" is not a valid media-type character, so the answer uses "."). */
export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
export const OPENAPI_V2_PROTOBUF_RESPONSE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/**
 * An empty OpenAPI v2 document in protobuf (gnostic openapi_v2.Document: swagger = 1,
 * info = 2 {title = 1, version = 2}): no definitions, no paths. kubectl falls back to v2 for
 * kinds the v3 root does not list (CRs, or built-in kinds we do not serve); with an empty v2 it
 * skips client-side validation and goes on to map the kind, so the user sees the real error
 * ("no matches for kind ...") instead of "failed to download openapi".
 */
export function openapiV2Protobuf(): Buffer {
  const str = (n: number, s: string) => {
    const b = Buffer.from(s, "utf8");
    return Buffer.concat([Buffer.from([(n << 3) | 2, b.length]), b]);
  };
  const info = Buffer.concat([str(1, "Kubernetes"), str(2, "v1.32.0")]);
  return Buffer.concat([str(1, "2.0"), Buffer.from([(2 << 3) | 2, info.length]), info]);
}

/** Answers GET /openapi/v2, /openapi/v3 and /openapi/v3/<gv>; undefined for other paths. */
export function openapiRequest(path: string, resources: readonly ResourceInfo[] = RESOURCES, accept?: string): OpenApiAnswer | undefined {
  const p = path.replace(/\/+$/, "");
  if (p !== "/openapi" && !p.startsWith("/openapi/")) return undefined;
  if (p === "/openapi/v2" && (accept ?? "").includes(OPENAPI_V2_PROTOBUF)) return { status: 200, contentType: OPENAPI_V2_PROTOBUF_RESPONSE, body: openapiV2Protobuf() };
  if (p === "/openapi/v3") return { status: 200, contentType: "application/json", body: openapiV3Root(resources) };
  const m = /^\/openapi\/v3\/(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))$/.exec(p);
  const doc = m ? (m[1] ? openapiV3Document("", m[1], resources) : openapiV3Document(m[2], m[3], resources)) : undefined;
  if (doc) return { status: 200, contentType: "application/json", body: doc };
  return {
    status: 404,
    contentType: "application/json",
    body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "the server could not find the requested resource", reason: "NotFound", details: {}, code: 404 },
  };
}
