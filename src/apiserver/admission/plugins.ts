// Admission plugins, in the fixed order of the real server (NamespaceLifecycle → LimitRanger →
// ServiceAccount → DefaultTolerationSeconds → ... → ResourceQuota). Each may mutate the object
// (mutating phase, before validation) and/or refuse it (validating phase, after validation).
// They are synchronous: what they look up comes from the server's caches.
//
// LimitRanger and Priority live in their own files; ResourceQuota needs a compare-and-swap on
// the quota's status, so the server runs it as a step between admission and storage
// (../server/quota.ts). Not here: PodSecurity, NodeRestriction, TaintNodesByCondition.

import { Errors } from "../registry/errors";
import { LimitRanger } from "./limit-ranger";
import { Priority } from "./priority";
import type { KubeObject } from "../registry/object";
import type { ResourceInfo } from "../registry/resources";
import type { UserInfo } from "../server/authn";

export interface AdmissionAttributes {
  operation: "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
  info: ResourceInfo;
  subresource: string;
  namespace: string | undefined;
  name: string;
  user: UserInfo;
  object: KubeObject | undefined;
  oldObject: KubeObject | undefined;
}

export interface AdmissionLookups {
  namespace(name: string): KubeObject | undefined;
  serviceAccount(namespace: string, name: string): KubeObject | undefined;
  /** Every PriorityClass (cluster-scoped). */
  priorityClasses(): KubeObject[];
  /** The LimitRanges of a namespace. */
  limitRanges(namespace: string): KubeObject[];
  /** Five characters from the name alphabet, from the seeded generator. */
  randomSuffix(): string;
}

export interface AdmissionPlugin {
  name: string;
  mutate?(a: AdmissionAttributes, lookups: AdmissionLookups): void;
  validate?(a: AdmissionAttributes, lookups: AdmissionLookups): void;
}

/** Namespaces that exist from the start and may never be deleted. */
export const IMMORTAL_NAMESPACES = ["default", "kube-system", "kube-public"];

export const NamespaceLifecycle: AdmissionPlugin = {
  name: "NamespaceLifecycle",
  validate(a, lookups) {
    if (a.operation === "DELETE" && a.info.kind === "Namespace" && IMMORTAL_NAMESPACES.includes(a.name))
      throw Errors.forbidden(a.info, a.name, "this namespace may not be deleted");
    if (a.operation !== "CREATE" || !a.info.namespaced || !a.namespace) return;
    const ns = lookups.namespace(a.namespace);
    if (!ns) throw Errors.notFound({ group: "", resource: "namespaces" }, a.namespace);
    // Creating a subresource (a pod's binding) in a terminating namespace is still allowed.
    if (ns.status?.phase === "Terminating" && !a.subresource) {
      const e = Errors.forbidden(a.info, a.name, `unable to create new content in namespace ${a.namespace} because it is being terminated`);
      e.status.details!.causes = [{ reason: "NamespaceTerminating", message: `namespace ${a.namespace} is being terminated`, field: "metadata.namespace" }];
      throw e;
    }
  },
};

const SA_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * ServiceAccount: a pod without serviceAccountName runs as "default"; the account must exist
 * (we refuse, as the real plugin does, rather than wait for the ServiceAccount controller of
 * chapter 04 — the Cluster creates "default" in each namespace meanwhile); and the account's
 * token is mounted as the projected volume kube-api-access-<random>.
 */
export const ServiceAccount: AdmissionPlugin = {
  name: "ServiceAccount",
  mutate(a, lookups) {
    if (a.operation !== "CREATE" || a.info.kind !== "Pod" || a.subresource || !a.object) return;
    const spec = a.object.spec ?? (a.object.spec = {});
    if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || "default";
    spec.serviceAccount = spec.serviceAccountName;
    const sa = lookups.serviceAccount(a.namespace ?? "", spec.serviceAccountName);
    const automount = spec.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? true;
    if (!automount) return;
    const containers: any[] = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
    if (containers.some((c) => (c.volumeMounts ?? []).some((m: any) => m.mountPath === SA_MOUNT))) return;
    const volName = `kube-api-access-${lookups.randomSuffix()}`;
    spec.volumes = [
      ...(spec.volumes ?? []),
      {
        name: volName,
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
            { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
            { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
          ],
        },
      },
    ];
    for (const c of containers) c.volumeMounts = [...(c.volumeMounts ?? []), { name: volName, readOnly: true, mountPath: SA_MOUNT }];
  },
  validate(a, lookups) {
    if (a.operation !== "CREATE" || a.info.kind !== "Pod" || a.subresource || !a.object) return;
    const name = a.object.spec?.serviceAccountName ?? "default";
    if (!lookups.serviceAccount(a.namespace ?? "", name))
      throw Errors.forbidden(a.info, a.object.metadata.name ?? "", `error looking up service account ${a.namespace}/${name}: serviceaccount "${name}" not found`);
  },
};

/** Pods tolerate not-ready and unreachable nodes for 300 s unless they say otherwise. */
export const DefaultTolerationSeconds: AdmissionPlugin = {
  name: "DefaultTolerationSeconds",
  mutate(a) {
    if (a.operation !== "CREATE" || a.info.kind !== "Pod" || a.subresource || !a.object) return;
    const spec = a.object.spec ?? (a.object.spec = {});
    const tols: any[] = spec.tolerations ?? [];
    for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
      const tolerated = tols.some((t) => (t.key === key || (!t.key && t.operator === "Exists")) && (!t.effect || t.effect === "NoExecute"));
      if (!tolerated) tols.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
    }
    spec.tolerations = tols;
  },
};

/** The real order: NamespaceLifecycle, LimitRanger, ServiceAccount, ..., Priority, DefaultTolerationSeconds, ..., ResourceQuota (which runs as the storage step's reservation). */
export const DEFAULT_PLUGINS: AdmissionPlugin[] = [NamespaceLifecycle, LimitRanger, ServiceAccount, Priority, DefaultTolerationSeconds];
