// Kubernetes' Status errors (apimachinery pkg/api/errors): every failure the API server returns
// is a Status object with a reason, a code and the exact message kubectl prints after
// "Error from server (<reason>): ". One class carries them through the pipeline.

import type { ResourceInfo } from "./resources";
import type { FieldError } from "./field-errors";
import { aggregate } from "./field-errors";

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, unknown>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A failed request: thrown by synchronous stages, passed as `err` by callback ones. */
export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? "");
    this.name = "StatusError";
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string {
    return this.status.reason ?? "";
  }
}

function make(code: number, reason: string, message: string, details?: StatusDetails): StatusError {
  const status: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
  if (details) {
    // No undefined fields: the Status must look the same in memory as after JSON.
    const clean: StatusDetails = {};
    for (const [k, v] of Object.entries(details)) if (v !== undefined) (clean as Record<string, unknown>)[k] = v;
    status.details = clean;
  }
  return new StatusError(status);
}

/** "pods", "deployments.apps": the group-qualified resource the messages name. */
export function qualifiedResource(info: Pick<ResourceInfo, "group" | "resource">): string {
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}

/** "Pod", "Deployment.apps": the group-qualified kind of Invalid messages. */
export function qualifiedKind(info: Pick<ResourceInfo, "group" | "kind">): string {
  return info.group ? `${info.kind}.${info.group}` : info.kind;
}

type Res = Pick<ResourceInfo, "group" | "resource">;

export const Errors = {
  notFound(info: Res, name: string): StatusError {
    return make(404, "NotFound", `${qualifiedResource(info)} "${name}" not found`, { name, group: info.group || undefined, kind: info.resource });
  },
  alreadyExists(info: Res, name: string): StatusError {
    return make(409, "AlreadyExists", `${qualifiedResource(info)} "${name}" already exists`, { name, group: info.group || undefined, kind: info.resource });
  },
  generateNameConflict(info: Res, name: string): StatusError {
    const e = make(409, "AlreadyExists", `${qualifiedResource(info)} "${name}" already exists, the server was not able to generate a unique name for the object`, {
      name,
      group: info.group || undefined,
      kind: info.resource,
      retryAfterSeconds: 1,
    });
    return e;
  },
  conflict(info: Res, name: string, why = "the object has been modified; please apply your changes to the latest version and try again"): StatusError {
    return make(409, "Conflict", `Operation cannot be fulfilled on ${qualifiedResource(info)} "${name}": ${why}`, { name, group: info.group || undefined, kind: info.resource });
  },
  /**
   * A failed precondition (DeleteOptions.preconditions, a uid in an update's body, a Binding's
   * uid): the storage layer's 409 [apiserver@1.32 pkg/storage/interfaces.go Preconditions.Check].
   * Undefined when the object meets it.
   */
  precondition(info: Res, name: string, pre: { uid?: string; resourceVersion?: string }, cur: { uid?: string; resourceVersion?: string }): StatusError | undefined {
    if (pre.uid && pre.uid !== cur.uid) return Errors.conflict(info, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.uid}`);
    if (pre.resourceVersion && pre.resourceVersion !== cur.resourceVersion)
      return Errors.conflict(info, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.resourceVersion}`);
    return undefined;
  },
  invalid(info: Pick<ResourceInfo, "group" | "kind">, name: string, errs: FieldError[]): StatusError {
    return make(422, "Invalid", `${qualifiedKind(info)} "${name}" is invalid: ${aggregate(errs)}`, {
      name,
      group: info.group || undefined,
      kind: info.kind,
      causes: errs.map((e) => ({ reason: e.reason, message: e.detailMessage(), field: e.field })),
    });
  },
  /** RBAC denial or an admission plugin's refusal: `<res> "<name>" is forbidden: <why>`. */
  forbidden(info: Res, name: string, why: string): StatusError {
    const what = name ? `${qualifiedResource(info)} "${name}"` : qualifiedResource(info);
    return make(403, "Forbidden", `${what} is forbidden: ${why}`, { name: name || undefined, group: info.group || undefined, kind: info.resource });
  },
  unauthorized(): StatusError {
    return make(401, "Unauthorized", "Unauthorized");
  },
  /** A resourceVersion (watch, exact list) that etcd has compacted away. */
  expired(message: string): StatusError {
    return make(410, "Expired", message);
  },
  gone(message: string): StatusError {
    return make(410, "Gone", message);
  },
  badRequest(message: string): StatusError {
    return make(400, "BadRequest", message);
  },
  methodNotAllowed(verb: string, info: Res): StatusError {
    return make(405, "MethodNotAllowed", `${verb} is not supported on resources of kind "${qualifiedResource(info)}"`);
  },
  /** 404 for a path the server does not serve at all (no resource there). */
  pathNotFound(): StatusError {
    return make(404, "NotFound", "the server could not find the requested resource");
  },
  /** A body over the request limit (3 MiB), or an object too big for etcd (1.5 MiB). */
  tooLarge(limit: number): StatusError {
    return make(413, "RequestEntityTooLarge", `Request entity too large: limit is ${limit}`);
  },
  /**
   * A PATCH body type the server does not take. Server-side apply (application/apply-patch+yaml)
   * is not implemented, so it is not listed: this is what a server without it answers, and
   * `kubectl apply --server-side` reports "Server-side apply not available on the server".
   */
  unsupportedMediaType(contentType: string): StatusError {
    return make(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got "${contentType}")`);
  },
  internal(message: string): StatusError {
    return make(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ message }] });
  },
  timeout(message: string): StatusError {
    return make(504, "Timeout", `Timeout: ${message}`);
  },
  tooManyRequests(message: string): StatusError {
    return make(429, "TooManyRequests", `Too many requests: ${message}`);
  },
};

/** Any thrown value as a Status: a StatusError's own, anything else a 500 (a bug, said so). */
export function toStatus(err: unknown): Status {
  if (err instanceof StatusError) return err.status;
  const msg = err instanceof Error ? err.message : String(err);
  return Errors.internal(msg).status;
}

export function successStatus(details?: StatusDetails): Status {
  const s: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 200 };
  if (details) s.details = details;
  return s;
}
