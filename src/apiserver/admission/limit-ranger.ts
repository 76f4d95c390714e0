// LimitRanger [k/k plugin/pkg/admission/limitranger/admission.go]: the LimitRanges of a pod's
// namespace fill in the resources its containers left out (mutating: default → limits,
// defaultRequest → requests, noted in the annotation kubernetes.io/limit-ranger), then hold
// every container to min/max (validating), refusing with the real messages, e.g.
//   pods "web" is forbidden: maximum cpu usage per Container is 500m, but limit is 1.
// Pod-level and PVC limits and maxLimitRequestRatio are not enforced here.

import { Errors } from "../registry/errors";
import { parseQuantity } from "../registry/quantity";
import type { AdmissionPlugin } from "./plugins";

const ANNOTATION = "kubernetes.io/limit-ranger";

function containers(spec: any): { c: any; kind: string }[] {
  const out: { c: any; kind: string }[] = [];
  for (const c of spec?.containers ?? []) out.push({ c, kind: "container" });
  for (const c of spec?.initContainers ?? []) out.push({ c, kind: "init container" });
  return out.filter((x) => x.c && typeof x.c === "object");
}

function containerItems(lookups: Parameters<NonNullable<AdmissionPlugin["mutate"]>>[1], namespace: string): any[] {
  return lookups
    .limitRanges(namespace)
    .flatMap((lr) => lr.spec?.limits ?? [])
    .filter((i: any) => i?.type === "Container");
}

function minConstraint(res: string, enforced: string, req: any, lim: any): string | undefined {
  const e = parseQuantity(enforced) ?? 0;
  if (req === undefined) return `minimum ${res} usage per Container is ${enforced}.  No request is specified`;
  if ((parseQuantity(req) ?? 0) < e) return `minimum ${res} usage per Container is ${enforced}, but request is ${req}`;
  if (lim !== undefined && (parseQuantity(lim) ?? 0) < e) return `minimum ${res} usage per Container is ${enforced}, but limit is ${lim}`;
  return undefined;
}

function maxConstraint(res: string, enforced: string, req: any, lim: any): string | undefined {
  const e = parseQuantity(enforced) ?? 0;
  if (lim === undefined) return `maximum ${res} usage per Container is ${enforced}.  No limit is specified`;
  if ((parseQuantity(lim) ?? 0) > e) return `maximum ${res} usage per Container is ${enforced}, but limit is ${lim}`;
  if (req !== undefined && (parseQuantity(req) ?? 0) > e) return `maximum ${res} usage per Container is ${enforced}, but request is ${req}`;
  return undefined;
}

export const LimitRanger: AdmissionPlugin = {
  name: "LimitRanger",
  mutate(a, lookups) {
    if (a.operation !== "CREATE" || a.info.kind !== "Pod" || a.subresource || !a.object || !a.namespace) return;
    const items = containerItems(lookups, a.namespace);
    if (!items.length) return;
    const notes: string[] = [];
    for (const { c, kind } of containers(a.object.spec)) {
      const r = c.resources && typeof c.resources === "object" ? c.resources : (c.resources = {});
      const setReq: string[] = [];
      const setLim: string[] = [];
      for (const item of items) {
        for (const [k, v] of Object.entries(item.default ?? {})) {
          r.limits = r.limits ?? {};
          if (r.limits[k] === undefined) {
            r.limits[k] = v;
            setLim.push(k);
          }
        }
        for (const [k, v] of Object.entries(item.defaultRequest ?? {})) {
          r.requests = r.requests ?? {};
          if (r.requests[k] === undefined) {
            r.requests[k] = v;
            setReq.push(k);
          }
        }
      }
      if (setReq.length) notes.push(`${setReq.join(", ")} request for ${kind} ${c.name}`);
      if (setLim.length) notes.push(`${setLim.join(", ")} limit for ${kind} ${c.name}`);
    }
    if (notes.length) a.object.metadata.annotations = { ...(a.object.metadata.annotations ?? {}), [ANNOTATION]: `LimitRanger plugin set: ${notes.join("; ")}` };
  },
  validate(a, lookups) {
    if ((a.operation !== "CREATE" && a.operation !== "UPDATE") || a.info.kind !== "Pod" || a.subresource || !a.object || !a.namespace) return;
    const items = containerItems(lookups, a.namespace);
    const errs: string[] = [];
    for (const item of items) {
      for (const { c } of containers(a.object.spec)) {
        const req = c.resources?.requests ?? {};
        const lim = c.resources?.limits ?? {};
        for (const [k, v] of Object.entries(item.min ?? {})) {
          const e = minConstraint(k, String(v), req[k], lim[k]);
          if (e) errs.push(e);
        }
        for (const [k, v] of Object.entries(item.max ?? {})) {
          const e = maxConstraint(k, String(v), req[k], lim[k]);
          if (e) errs.push(e);
        }
      }
    }
    // utilerrors.NewAggregate: one error as itself, several as [a, b].
    if (errs.length) throw Errors.forbidden(a.info, a.object.metadata.name ?? "", errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`);
  },
};
