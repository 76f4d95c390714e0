// Validation: what the real API server's per-kind strategies check (k8s pkg/apis/*/validation),
// as field errors with Kubernetes' paths and messages. Not every rule of the real validators is
// here; each kind gets the ones a learner (or a wrong manifest) runs into.

import { Path, FieldError, GoValue, field } from "./field-errors";
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isPathSegmentName, isQualifiedName, isValidLabelValue, isValidPortName } from "./names";
import { deepEqual, isPlainObject, KubeObject } from "./object";
import type { ResourceInfo } from "./resources";
import { selectorFromLabelSelector, labelSelectorString } from "./selectors";
import { POLICY_KIND_RULES, validatePolicyUpdate } from "./validation-policy";
import { validatePodDisruptionBudget, validatePDBStatus } from "./validation-pdb";

type Errs = FieldError[];
type NameCheck = (v: string) => string[];

/** How each kind's metadata.name is checked (ValidateObjectMeta's nameFn). */
const NAME_RULE: Record<string, NameCheck> = {
  Namespace: isDNS1123Label,
  Service: isDNS1035Label,
  Role: isPathSegmentName,
  ClusterRole: isPathSegmentName,
  RoleBinding: isPathSegmentName,
  ClusterRoleBinding: isPathSegmentName,
};

export function validateObjectMeta(obj: KubeObject, info: ResourceInfo, errs: Errs): void {
  const m = obj.metadata;
  const p = new Path("metadata");
  const name = m.name;
  if (!name) {
    if (!m.generateName) errs.push(field.required(p.child("name").s, "name or generateName is required"));
  } else {
    for (const msg of (NAME_RULE[info.kind] ?? isDNS1123Subdomain)(name)) errs.push(field.invalid(p.child("name").s, name, msg));
  }
  if (info.namespaced) {
    if (!m.namespace) errs.push(field.required(p.child("namespace").s, ""));
    else for (const msg of isDNS1123Label(m.namespace)) errs.push(field.invalid(p.child("namespace").s, m.namespace, msg));
  } else if (m.namespace) {
    errs.push(field.forbidden(p.child("namespace").s, "not allowed on this type"));
  }
  validateLabels(m.labels, p.child("labels"), errs);
  if (m.annotations !== undefined) {
    let size = 0;
    for (const [k, v] of Object.entries(m.annotations)) {
      for (const msg of isQualifiedName(k.toLowerCase())) errs.push(field.invalid(p.child("annotations").s, k, msg));
      size += k.length + String(v).length;
    }
    if (size > 256 * 1024) errs.push(field.tooLong(p.child("annotations").s, 256 * 1024));
  }
  (m.finalizers ?? []).forEach((f, i) => {
    for (const msg of isQualifiedName(f)) errs.push(field.invalid(p.child("finalizers").index(i).s, f, msg));
  });
  (m.ownerReferences ?? []).forEach((o, i) => {
    const op = p.child("ownerReferences").index(i);
    if (!o.apiVersion) errs.push(field.invalid(op.child("apiVersion").s, o.apiVersion ?? "", "version must not be empty"));
    if (!o.kind) errs.push(field.invalid(op.child("kind").s, o.kind ?? "", "kind must not be empty"));
    if (!o.name) errs.push(field.invalid(op.child("name").s, o.name ?? "", "name must not be empty"));
    if (!o.uid) errs.push(field.invalid(op.child("uid").s, o.uid ?? "", "uid must not be empty"));
  });
}

export function validateLabels(labels: Record<string, string> | undefined, p: Path, errs: Errs): void {
  if (!labels) return;
  for (const [k, v] of Object.entries(labels)) {
    for (const msg of isQualifiedName(k)) errs.push(field.invalid(p.s, k, msg));
    for (const msg of isValidLabelValue(String(v))) errs.push(field.invalid(p.s, v, msg));
  }
}

export function validateLabelSelector(sel: any, p: Path, errs: Errs): void {
  if (!sel) return;
  validateLabels(sel.matchLabels, p.child("matchLabels"), errs);
  (sel.matchExpressions ?? []).forEach((e: any, i: number) => {
    const ep = p.child("matchExpressions").index(i);
    const ops = ["In", "NotIn", "Exists", "DoesNotExist"];
    if (!ops.includes(e.operator)) errs.push(field.invalid(ep.child("operator").s, e.operator, "not a valid selector operator"));
    else if ((e.operator === "In" || e.operator === "NotIn") && !(e.values?.length > 0))
      errs.push(field.required(ep.child("values").s, "must be specified when `operator` is 'In' or 'NotIn'"));
    else if ((e.operator === "Exists" || e.operator === "DoesNotExist") && e.values?.length > 0)
      errs.push(field.forbidden(ep.child("values").s, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    for (const msg of isQualifiedName(String(e.key ?? ""))) errs.push(field.invalid(ep.child("key").s, e.key, msg));
  });
}

// ---- Pods ----

const PROTOCOLS = ["SCTP", "TCP", "UDP"];

function validatePort(n: unknown, p: Path, errs: Errs): void {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 65535) errs.push(field.invalid(p.s, n, "must be between 1 and 65535, inclusive"));
}

function validateContainers(list: any[], p: Path, errs: Errs, names: Set<string>, volumes: Set<string>): void {
  list.forEach((c, i) => {
    const cp = p.index(i);
    if (!isPlainObject(c)) return void errs.push(field.invalid(cp.s, c, "must be an object"));
    if (!c.name) errs.push(field.required(cp.child("name").s));
    else {
      for (const msg of isDNS1123Label(c.name)) errs.push(field.invalid(cp.child("name").s, c.name, msg));
      if (names.has(c.name)) errs.push(field.duplicate(cp.child("name").s, c.name));
      names.add(c.name);
    }
    if (!c.image || (typeof c.image === "string" && c.image.trim() === "")) errs.push(field.required(cp.child("image").s));
    const seen = new Set<string>();
    (c.ports ?? []).forEach((port: any, j: number) => {
      const pp = cp.child("ports").index(j);
      validatePort(port.containerPort, pp.child("containerPort"), errs);
      if (port.hostPort !== undefined && port.hostPort !== 0) validatePort(port.hostPort, pp.child("hostPort"), errs);
      if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) errs.push(field.notSupported(pp.child("protocol").s, port.protocol, PROTOCOLS));
      if (port.name) {
        // [k/k pkg/apis/core/validation/validation.go validateContainerPorts]: an invalid name
        // is reported instead of (not as well as) a duplicate.
        const msgs = isValidPortName(String(port.name));
        for (const msg of msgs) errs.push(field.invalid(pp.child("name").s, port.name, msg));
        if (msgs.length === 0 && seen.has(port.name)) errs.push(field.duplicate(pp.child("name").s, port.name));
        seen.add(port.name);
      }
    });
    (c.env ?? []).forEach((e: any, j: number) => {
      if (!e.name) errs.push(field.required(cp.child("env").index(j).child("name").s));
    });
    (c.volumeMounts ?? []).forEach((vm: any, j: number) => {
      const vp = cp.child("volumeMounts").index(j);
      if (!vm.name) errs.push(field.required(vp.child("name").s));
      else if (!volumes.has(vm.name)) errs.push(field.notFound(vp.child("name").s, vm.name));
      if (!vm.mountPath) errs.push(field.required(vp.child("mountPath").s));
    });
    const policies = ["Always", "IfNotPresent", "Never"];
    if (c.imagePullPolicy !== undefined && !policies.includes(c.imagePullPolicy)) errs.push(field.notSupported(cp.child("imagePullPolicy").s, c.imagePullPolicy, policies));
    for (const kind of ["limits", "requests"]) {
      for (const [res, q] of Object.entries(c.resources?.[kind] ?? {})) {
        if (!isQuantity(q)) errs.push(field.invalid(cp.child("resources").child(kind).key(res).s, q, "must be a valid quantity"));
      }
    }
  });
}

/** A resource quantity: "100m", "1Gi", "2", 0.5 ... */
export function isQuantity(q: unknown): boolean {
  if (typeof q === "number") return Number.isFinite(q) && q >= 0;
  return typeof q === "string" && /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[numkKMGTPE])?$/.test(q);
}

export function validatePodSpec(spec: any, p: Path, errs: Errs): void {
  if (!isPlainObject(spec)) return void errs.push(field.required(p.s));
  const volumes = new Set<string>();
  (spec.volumes ?? []).forEach((v: any, i: number) => {
    const vp = p.child("volumes").index(i);
    if (!v.name) errs.push(field.required(vp.child("name").s));
    else {
      for (const msg of isDNS1123Label(v.name)) errs.push(field.invalid(vp.child("name").s, v.name, msg));
      if (volumes.has(v.name)) errs.push(field.duplicate(vp.child("name").s, v.name));
      volumes.add(v.name);
    }
  });
  const names = new Set<string>();
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) errs.push(field.required(p.child("containers").s));
  else validateContainers(spec.containers, p.child("containers"), errs, names, volumes);
  if (Array.isArray(spec.initContainers)) validateContainers(spec.initContainers, p.child("initContainers"), errs, names, volumes);
  const restart = ["Always", "OnFailure", "Never"];
  if (spec.restartPolicy !== undefined && !restart.includes(spec.restartPolicy)) errs.push(field.notSupported(p.child("restartPolicy").s, spec.restartPolicy, restart));
  const dns = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];
  if (spec.dnsPolicy !== undefined && !dns.includes(spec.dnsPolicy)) errs.push(field.notSupported(p.child("dnsPolicy").s, spec.dnsPolicy, dns));
  for (const f of ["terminationGracePeriodSeconds", "activeDeadlineSeconds"]) {
    const v = spec[f];
    if (v !== undefined && (typeof v !== "number" || v < 0 || (f === "activeDeadlineSeconds" && v === 0)))
      errs.push(field.invalid(p.child(f).s, v, f === "activeDeadlineSeconds" ? "must be between 1 and 2147483647, inclusive" : "must be greater than or equal to 0"));
  }
  if (spec.nodeName) for (const msg of isDNS1123Subdomain(spec.nodeName)) errs.push(field.invalid(p.child("nodeName").s, spec.nodeName, msg));
  if (spec.nodeSelector) validateLabels(spec.nodeSelector, p.child("nodeSelector"), errs);
  (spec.tolerations ?? []).forEach((t: any, i: number) => {
    const tp = p.child("tolerations").index(i);
    const ops = ["Exists", "Equal"];
    if (t.operator !== undefined && !ops.includes(t.operator)) errs.push(field.notSupported(tp.child("operator").s, t.operator, ops));
    if (t.operator === "Exists" && t.value) errs.push(field.invalid(tp.child("operator").s, t.value, "value must be empty when `operator` is 'Exists'"));
    const effects = ["NoExecute", "NoSchedule", "PreferNoSchedule"];
    if (t.effect && !effects.includes(t.effect)) errs.push(field.notSupported(tp.child("effect").s, t.effect, effects));
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") errs.push(field.invalid(tp.child("effect").s, t.effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set"));
  });
}

/** Go's %#v of a map[string]string, as the selector-mismatch message prints the labels. */
function goStringMap(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  return `map[string]string{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(m![k])}`).join(", ")}}`;
}

function validateWorkload(obj: KubeObject, errs: Errs, kind: "Deployment" | "ReplicaSet"): void {
  const spec = obj.spec;
  const p = new Path("spec");
  if (!isPlainObject(spec)) return void errs.push(field.required("spec"));
  if (spec.replicas !== undefined && (typeof spec.replicas !== "number" || spec.replicas < 0)) errs.push(field.invalid(p.child("replicas").s, spec.replicas, "must be greater than or equal to 0"));
  const sel = spec.selector;
  if (!sel) errs.push(field.required(p.child("selector").s));
  else {
    validateLabelSelector(sel, p.child("selector"), errs);
    if (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)
      errs.push(field.invalid(p.child("selector").s, labelSelectorString(sel), `empty selector is invalid for ${kind === "Deployment" ? "deployment" : "replicaset"}`));
  }
  const tpl = spec.template;
  const tp = p.child("template");
  if (!isPlainObject(tpl)) errs.push(field.required(tp.s));
  else {
    const labels = tpl.metadata?.labels;
    validateLabels(labels, tp.child("metadata").child("labels"), errs);
    if (sel) {
      const s = selectorFromLabelSelector(sel);
      if (s.ok === true && !s.selector.empty && !s.selector.matches(labels ?? {}))
        errs.push(field.invalid(tp.child("metadata").child("labels").s, new GoValue(goStringMap(labels)), "`selector` does not match template `labels`"));
    }
    validatePodSpec(tpl.spec, tp.child("spec"), errs);
    if (tpl.spec?.restartPolicy !== undefined && tpl.spec.restartPolicy !== "Always") errs.push(field.notSupported(tp.child("spec").child("restartPolicy").s, tpl.spec.restartPolicy, ["Always"]));
  }
  if (kind === "Deployment") {
    const st = spec.strategy;
    const types = ["Recreate", "RollingUpdate"];
    if (st?.type !== undefined && !types.includes(st.type)) errs.push(field.notSupported(p.child("strategy").child("type").s, st.type, types));
    if (st?.type === "Recreate" && st.rollingUpdate) errs.push(field.forbidden(p.child("strategy").child("rollingUpdate").s, "may not be specified when strategy `type` is 'Recreate'"));
    if (st?.type !== "Recreate" && st?.rollingUpdate) validateRollingUpdate(st.rollingUpdate, p.child("strategy").child("rollingUpdate"), errs);
    for (const f of ["revisionHistoryLimit", "progressDeadlineSeconds", "minReadySeconds"]) {
      if (spec[f] !== undefined && (typeof spec[f] !== "number" || spec[f] < 0)) errs.push(field.invalid(p.child(f).s, spec[f], "must be greater than or equal to 0"));
    }
  }
}

/** ValidateRollingUpdateDeployment [k/k pkg/apis/apps/validation/validation.go]. */
function validateRollingUpdate(ru: any, p: Path, errs: Errs): void {
  const value = (v: unknown): number | undefined => {
    if (typeof v === "number") return v;
    if (typeof v === "string" && /^-?\d+%$/.test(v)) return parseInt(v, 10);
    return undefined;
  };
  for (const f of ["maxUnavailable", "maxSurge"]) {
    const v = ru[f];
    if (v === undefined) continue;
    if (typeof v === "string" && value(v) === undefined) errs.push(field.invalid(p.child(f).s, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
    else if (typeof v !== "string" && typeof v !== "number") errs.push(field.invalid(p.child(f).s, v, "must be an integer or percentage (e.g '5%')"));
    else if ((value(v) ?? 0) < 0) errs.push(field.invalid(p.child(f).s, v, "must be greater than or equal to 0"));
  }
  if ((value(ru.maxUnavailable) ?? 1) === 0 && (value(ru.maxSurge) ?? 1) === 0) errs.push(field.invalid(p.child("maxUnavailable").s, ru.maxUnavailable, "may not be 0 when `maxSurge` is 0"));
  if (typeof ru.maxUnavailable === "string" && (value(ru.maxUnavailable) ?? 0) > 100) errs.push(field.invalid(p.child("maxUnavailable").s, ru.maxUnavailable, "must not be greater than 100%"));
}

// ---- Services, endpoints ----

function validateService(obj: KubeObject, errs: Errs): void {
  const spec = obj.spec;
  const p = new Path("spec");
  if (!isPlainObject(spec)) return void errs.push(field.required("spec"));
  const types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
  if (spec.type !== undefined && !types.includes(spec.type)) errs.push(field.notSupported(p.child("type").s, spec.type, types));
  const ports: any[] = spec.ports ?? [];
  if (spec.type !== "ExternalName" && ports.length === 0 && spec.clusterIP !== "None") errs.push(field.required(p.child("ports").s));
  if (spec.type === "ExternalName" && !spec.externalName) errs.push(field.required(p.child("externalName").s));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const pp = p.child("ports").index(i);
    if (ports.length > 1 && !port.name) errs.push(field.required(pp.child("name").s));
    if (port.name) {
      for (const msg of isDNS1123Label(port.name)) errs.push(field.invalid(pp.child("name").s, port.name, msg));
      if (names.has(port.name)) errs.push(field.duplicate(pp.child("name").s, port.name));
      names.add(port.name);
    }
    validatePort(port.port, pp.child("port"), errs);
    if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) errs.push(field.notSupported(pp.child("protocol").s, port.protocol, PROTOCOLS));
    if (typeof port.targetPort === "number") validatePort(port.targetPort, pp.child("targetPort"), errs);
    // A named targetPort must be a name a container port could have [validateServicePort].
    else if (typeof port.targetPort === "string") for (const msg of isValidPortName(port.targetPort)) errs.push(field.invalid(pp.child("targetPort").s, port.targetPort, msg));
    if (port.nodePort !== undefined && port.nodePort !== 0) {
      if (spec.type !== "NodePort" && spec.type !== "LoadBalancer") errs.push(field.forbidden(pp.child("nodePort").s, "may not be used when `type` is 'ClusterIP'"));
      else if (port.nodePort < 30000 || port.nodePort > 32767) errs.push(field.invalid(pp.child("nodePort").s, port.nodePort, "provided port is not in the valid range. The range of valid ports is 30000-32767"));
    }
  });
  if (spec.selector) validateLabels(spec.selector, p.child("selector"), errs);
  const aff = ["ClientIP", "None"];
  if (spec.sessionAffinity !== undefined && !aff.includes(spec.sessionAffinity)) errs.push(field.notSupported(p.child("sessionAffinity").s, spec.sessionAffinity, aff));
  if (spec.clusterIP && spec.clusterIP !== "None" && !isIPv4(spec.clusterIP)) errs.push(field.invalid(p.child("clusterIPs").index(0).s, spec.clusterIP, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
}

export function isIPv4(s: unknown): boolean {
  return typeof s === "string" && /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s) && s.split(".").every((x) => +x <= 255 && String(+x) === x);
}

function validateEndpoints(obj: KubeObject, errs: Errs): void {
  (obj.subsets ?? []).forEach((s: any, i: number) => {
    const sp = new Path("subsets").index(i);
    for (const list of ["addresses", "notReadyAddresses"]) {
      (s[list] ?? []).forEach((a: any, j: number) => {
        if (!isIPv4(a.ip)) errs.push(field.invalid(sp.child(list).index(j).child("ip").s, a.ip ?? "", "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
      });
    }
    (s.ports ?? []).forEach((port: any, j: number) => validatePort(port.port, sp.child("ports").index(j).child("port"), errs));
  });
}

function validateEndpointSlice(obj: KubeObject, errs: Errs): void {
  const types = ["FQDN", "IPv4", "IPv6"];
  if (!obj.addressType) errs.push(field.required("addressType"));
  else if (!types.includes(obj.addressType)) errs.push(field.notSupported("addressType", obj.addressType, types));
  (obj.endpoints ?? []).forEach((e: any, i: number) => {
    const ep = new Path("endpoints").index(i);
    if (!Array.isArray(e.addresses) || e.addresses.length === 0) errs.push(field.required(ep.child("addresses").s, "must contain at least 1 address"));
    else if (obj.addressType === "IPv4") e.addresses.forEach((a: string, j: number) => {
      if (!isIPv4(a)) errs.push(field.invalid(ep.child("addresses").index(j).s, a, "must be a valid IPv4 address"));
    });
  });
}

// ---- config ----

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
function validateConfigKeys(data: Record<string, unknown> | undefined, p: Path, errs: Errs): void {
  for (const k of Object.keys(data ?? {})) {
    if (!CONFIG_KEY.test(k) || k.length > 253)
      errs.push(field.invalid(p.s, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
  }
}

function validateSecret(obj: KubeObject, errs: Errs): void {
  validateConfigKeys(obj.data, new Path("data"), errs);
  validateConfigKeys(obj.stringData, new Path("stringData"), errs);
  for (const [k, v] of Object.entries(obj.data ?? {})) {
    if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) errs.push(field.invalid(new Path("data").key(k).s, "<secret contents redacted>", "illegal base64 data"));
  }
}

// ---- RBAC ----

function validateRules(obj: KubeObject, errs: Errs): void {
  (obj.rules ?? []).forEach((r: any, i: number) => {
    const rp = new Path("rules").index(i);
    if (!Array.isArray(r.verbs) || r.verbs.length === 0) errs.push(field.required(rp.child("verbs").s, "verbs must contain at least one value"));
    const urls = r.nonResourceURLs ?? [];
    if (urls.length > 0) {
      if (obj.kind === "Role") errs.push(field.invalid(rp.child("nonResourceURLs").s, urls, "namespaced rules cannot apply to non-resource URLs"));
      if ((r.apiGroups ?? []).length > 0 || (r.resources ?? []).length > 0) errs.push(field.invalid(rp.child("nonResourceURLs").s, urls, "rules cannot apply to both regular resources and non-resource URLs"));
      return;
    }
    if (!Array.isArray(r.apiGroups) || r.apiGroups.length === 0) errs.push(field.required(rp.child("apiGroups").s, "resource rules must supply at least one api group"));
    if (!Array.isArray(r.resources) || r.resources.length === 0) errs.push(field.required(rp.child("resources").s, "resource rules must supply at least one resource"));
  });
}

function validateBinding(obj: KubeObject, errs: Errs, cluster: boolean): void {
  const ref = obj.roleRef;
  const p = new Path("roleRef");
  if (!isPlainObject(ref)) errs.push(field.required(p.s));
  else {
    const kinds = cluster ? ["ClusterRole"] : ["ClusterRole", "Role"];
    if (!kinds.includes(ref.kind)) errs.push(field.notSupported(p.child("kind").s, ref.kind ?? "", kinds));
    if (ref.apiGroup !== "rbac.authorization.k8s.io") errs.push(field.notSupported(p.child("apiGroup").s, ref.apiGroup ?? "", ["rbac.authorization.k8s.io"]));
    if (!ref.name) errs.push(field.required(p.child("name").s));
  }
  (obj.subjects ?? []).forEach((s: any, i: number) => {
    const sp = new Path("subjects").index(i);
    const kinds = ["Group", "ServiceAccount", "User"];
    if (!s.name) errs.push(field.required(sp.child("name").s));
    if (!kinds.includes(s.kind)) errs.push(field.notSupported(sp.child("kind").s, s.kind ?? "", kinds));
    else if (s.kind === "ServiceAccount") {
      if (s.apiGroup) errs.push(field.notSupported(sp.child("apiGroup").s, s.apiGroup, [""]));
      if (cluster && !s.namespace) errs.push(field.required(sp.child("namespace").s));
    } else if (s.apiGroup !== "rbac.authorization.k8s.io") errs.push(field.notSupported(sp.child("apiGroup").s, s.apiGroup ?? "", ["rbac.authorization.k8s.io"]));
  });
}

// ---- per kind ----

const KIND_RULES: Record<string, (obj: KubeObject, errs: Errs) => void> = {
  ...POLICY_KIND_RULES,
  PodDisruptionBudget: (o, e) => validatePodDisruptionBudget(o, e, validateLabelSelector),
  Pod: (o, e) => validatePodSpec(o.spec, new Path("spec"), e),
  Deployment: (o, e) => validateWorkload(o, e, "Deployment"),
  ReplicaSet: (o, e) => validateWorkload(o, e, "ReplicaSet"),
  Service: validateService,
  Endpoints: validateEndpoints,
  EndpointSlice: validateEndpointSlice,
  ConfigMap: (o, e) => {
    validateConfigKeys(o.data, new Path("data"), e);
    validateConfigKeys(o.binaryData, new Path("binaryData"), e);
    for (const k of Object.keys(o.data ?? {})) if (o.binaryData && k in o.binaryData) e.push(field.invalid(new Path("data").key(k).s, k, "duplicate of key present in binaryData"));
  },
  Secret: validateSecret,
  Role: validateRules,
  ClusterRole: validateRules,
  RoleBinding: (o, e) => validateBinding(o, e, false),
  ClusterRoleBinding: (o, e) => validateBinding(o, e, true),
  Binding: (o, e) => {
    const t = o.target;
    if (!isPlainObject(t) || !t.name) e.push(field.required("target.name"));
    if (isPlainObject(t) && t.kind && t.kind !== "Node") e.push(field.invalid("target.kind", t.kind, "must be empty or 'Node'"));
  },
  Lease: (o, e) => {
    const d = o.spec?.leaseDurationSeconds;
    if (d !== undefined && !(typeof d === "number" && d > 0)) e.push(field.invalid("spec.leaseDurationSeconds", d, "must be greater than 0"));
  },
  Event: (o, e) => {
    if (!isPlainObject(o.involvedObject)) e.push(field.required("involvedObject"));
    else if (o.involvedObject.namespace && o.metadata.namespace && o.involvedObject.namespace !== o.metadata.namespace)
      e.push(field.invalid("involvedObject.namespace", o.involvedObject.namespace, "does not match event.namespace"));
  },
  Node: (o, e) => {
    (o.spec?.taints ?? []).forEach((t: any, i: number) => {
      const effects = ["NoExecute", "NoSchedule", "PreferNoSchedule"];
      if (!t.key) e.push(field.required(`spec.taints[${i}].key`));
      if (!effects.includes(t.effect)) e.push(field.notSupported(`spec.taints[${i}].effect`, t.effect ?? "", effects));
    });
  },
};

/** Validation on create (ValidateObjectMeta + the kind's rules). */
export function validateCreate(obj: KubeObject, info: ResourceInfo): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(obj, info, errs);
  KIND_RULES[info.kind]?.(obj, errs);
  return errs;
}

/** Validation on update: the create rules plus what may not change. */
export function validateUpdate(obj: KubeObject, old: KubeObject, info: ResourceInfo): FieldError[] {
  const errs = validateCreate(obj, info);
  validatePolicyUpdate(obj, old, errs);
  if (info.kind === "PodDisruptionBudget") validatePDBStatus(obj, errs);
  if (info.kind === "Deployment" || info.kind === "ReplicaSet") {
    if (!deepEqual(normSel(obj.spec?.selector), normSel(old.spec?.selector)))
      errs.push(field.invalid("spec.selector", labelSelectorString(obj.spec?.selector ?? {}), "field is immutable"));
  }
  if (info.kind === "Service" && old.spec?.clusterIP && obj.spec?.clusterIP !== undefined && obj.spec.clusterIP !== old.spec.clusterIP)
    errs.push(field.invalid("spec.clusterIPs[0]", obj.spec.clusterIP, "may not change once set"));
  if (info.kind === "Pod") {
    // Pods are mostly immutable: images, activeDeadlineSeconds and added tolerations may change.
    const strip = (s: any) => ({ ...s, containers: (s?.containers ?? []).map((c: any) => ({ ...c, image: undefined })), initContainers: (s?.initContainers ?? []).map((c: any) => ({ ...c, image: undefined })), activeDeadlineSeconds: undefined, tolerations: undefined, nodeName: undefined });
    if (!deepEqual(JSON.parse(JSON.stringify(strip(obj.spec))), JSON.parse(JSON.stringify(strip(old.spec)))) || (old.spec?.nodeName && obj.spec?.nodeName !== old.spec.nodeName))
      errs.push(field.forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"));
  }
  return errs;
}

function normSel(s: any): unknown {
  if (!s) return null;
  return { matchLabels: s.matchLabels ?? {}, matchExpressions: s.matchExpressions ?? [] };
}
