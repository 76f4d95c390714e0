// LIVE BRIDGE (support): the few protobuf request bodies real kubectl sends.
//
// kubectl speaks JSON for everything that goes through its dynamic client (get, apply, create -f,
// patch, delete, scale), but its typed clients send built-in objects as protobuf
// (Content-Type: application/vnd.kubernetes.protobuf): `auth can-i` (SelfSubjectAccessReview)
// and the generators `create configmap|secret|namespace|serviceaccount`. The engine reads JSON
// only, so the HTTP front turns those bodies into JSON before they enter the simulation. Only
// the fields these commands set are decoded (also for `create deployment` and `create service`);
// any other kind gets 415.
//
// Wire format: the 4 bytes "k8s\0", then a runtime.Unknown message {1: TypeMeta{1: apiVersion,
// 2: kind}, 2: raw (the object's own protobuf), 3: contentEncoding, 4: contentType}; field numbers
// from k8s.io/api's generated.proto.

export const PROTOBUF_TYPE = "application/vnd.kubernetes.protobuf";

type Field = { n: number; wire: number; value: number | Buffer };

function readVarint(b: Buffer, pos: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= b.length) throw new Error("truncated varint");
    const byte = b[pos++];
    result += (byte & 0x7f) * mul;
    mul *= 128;
    if (!(byte & 0x80)) return [result, pos];
  }
  throw new Error("varint too long");
}

function fields(b: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < b.length) {
    const [tag, p1] = readVarint(b, pos);
    pos = p1;
    const n = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const [v, p2] = readVarint(b, pos);
      out.push({ n, wire, value: v });
      pos = p2;
    } else if (wire === 2) {
      const [l, p2] = readVarint(b, pos);
      if (p2 + l > b.length) throw new Error("truncated field");
      out.push({ n, wire, value: b.subarray(p2, p2 + l) });
      pos = p2 + l;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
    if (pos > b.length) throw new Error("truncated field");
  }
  return out;
}

const bytesOf = (fs: Field[], n: number) => fs.filter((f) => f.n === n && f.wire === 2).map((f) => f.value as Buffer);
const str = (fs: Field[], n: number) => {
  const v = bytesOf(fs, n);
  return v.length ? v[v.length - 1].toString("utf8") : undefined;
};
const msg = (fs: Field[], n: number) => {
  const v = bytesOf(fs, n);
  return v.length ? fields(v[v.length - 1]) : undefined;
};
const varint = (fs: Field[], n: number) => {
  const v = fs.filter((f) => f.n === n && f.wire === 0);
  return v.length ? (v[v.length - 1].value as number) : undefined;
};

function map(fs: Field[], n: number, asBase64 = false): Record<string, string> | undefined {
  const entries = bytesOf(fs, n);
  if (!entries.length) return undefined;
  const out: Record<string, string> = {};
  for (const e of entries) {
    const ef = fields(e);
    const k = str(ef, 1) ?? "";
    const raw = bytesOf(ef, 2);
    const v = raw.length ? raw[raw.length - 1] : Buffer.alloc(0);
    out[k] = asBase64 ? v.toString("base64") : v.toString("utf8");
  }
  return out;
}

/** Drops absent and empty values, as Go's JSON omitempty would (protobuf writes empty strings). */
function clean(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === undefined || o[k] === "") delete o[k];
  return o;
}

function objectMeta(fs: Field[] | undefined): Record<string, unknown> {
  if (!fs) return {};
  return clean({
    name: str(fs, 1),
    generateName: str(fs, 2),
    namespace: str(fs, 3),
    resourceVersion: str(fs, 6),
    labels: map(fs, 11),
    annotations: map(fs, 12),
    finalizers: bytesOf(fs, 14).length ? bytesOf(fs, 14).map((b) => b.toString("utf8")) : undefined,
  });
}

const int = (fs: Field[], n: number) => {
  const v = varint(fs, n);
  return v === undefined ? undefined : v > 0x7fffffff ? v - 2 ** 64 : v;
};
const boolOf = (fs: Field[], n: number) => {
  const v = varint(fs, n);
  return v === undefined ? undefined : v !== 0;
};
const strings = (fs: Field[], n: number) => {
  const v = bytesOf(fs, n).map((b) => b.toString("utf8"));
  return v.length ? v : undefined;
};
const messages = (fs: Field[], n: number) => bytesOf(fs, n).map((b) => fields(b));
/** Drops empty objects too (a Go struct without pointers is always written, even when empty). */
function nonEmpty(o: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!o) return undefined;
  clean(o);
  return Object.keys(o).length ? o : undefined;
}

function labelSelector(fs: Field[] | undefined): Record<string, unknown> | undefined {
  if (!fs) return undefined;
  const exprs = messages(fs, 2).map((e) => clean({ key: str(e, 1), operator: str(e, 2), values: strings(e, 3) }));
  return nonEmpty({ matchLabels: map(fs, 1), matchExpressions: exprs.length ? exprs : undefined });
}

// core/v1 Container: name 1, image 2, command 3, args 4, workingDir 5, ports 6 (ContainerPort:
// name 1, hostPort 2, containerPort 3, protocol 4), env 7 (EnvVar: name 1, value 2),
// imagePullPolicy 14.
function container(fs: Field[]): Record<string, unknown> {
  const ports = messages(fs, 6).map((p) => clean({ name: str(p, 1), hostPort: int(p, 2) || undefined, containerPort: int(p, 3), protocol: str(p, 4) }));
  const env = messages(fs, 7).map((e) => clean({ name: str(e, 1), value: str(e, 2) }));
  return clean({ name: str(fs, 1), image: str(fs, 2), command: strings(fs, 3), args: strings(fs, 4), workingDir: str(fs, 5), ports: ports.length ? ports : undefined, env: env.length ? env : undefined, imagePullPolicy: str(fs, 14) });
}

// core/v1 PodTemplateSpec: metadata 1, spec 2 (PodSpec: containers 2, restartPolicy 3,
// serviceAccountName 8, initContainers 20).
function podTemplate(fs: Field[] | undefined): Record<string, unknown> | undefined {
  if (!fs) return undefined;
  const spec = msg(fs, 2) ?? [];
  const init = messages(spec, 20).map(container);
  return clean({
    metadata: objectMeta(msg(fs, 1)),
    spec: clean({ containers: messages(spec, 2).map(container), initContainers: init.length ? init : undefined, restartPolicy: str(spec, 3), serviceAccountName: str(spec, 8) }),
  });
}

const DECODERS: Record<string, (fs: Field[]) => Record<string, unknown>> = {
  // apps/v1 DeploymentSpec: replicas 1, selector 2, template 3, strategy 4 (type 1).
  "apps/v1 Deployment": (fs) => {
    const spec = msg(fs, 2) ?? [];
    const strategy = msg(spec, 4);
    return {
      metadata: objectMeta(msg(fs, 1)),
      spec: clean({ replicas: int(spec, 1), selector: labelSelector(msg(spec, 2)), template: podTemplate(msg(spec, 3)), strategy: strategy ? nonEmpty({ type: str(strategy, 1) }) : undefined }),
    };
  },
  // core/v1 ServiceSpec: ports 1 (ServicePort: name 1, protocol 2, port 3, targetPort 4
  // (IntOrString: type 1, intVal 2, strVal 3), nodePort 5), selector 2, clusterIP 3, type 4,
  // externalName 10.
  "v1 Service": (fs) => {
    const spec = msg(fs, 2) ?? [];
    const ports = messages(spec, 1).map((p) => {
      const t = msg(p, 4);
      const targetPort = t ? (int(t, 1) === 1 ? str(t, 3) : int(t, 2)) : undefined;
      return clean({ name: str(p, 1), protocol: str(p, 2), port: int(p, 3), targetPort, nodePort: int(p, 5) || undefined });
    });
    return { metadata: objectMeta(msg(fs, 1)), spec: clean({ ports: ports.length ? ports : undefined, selector: map(spec, 2), clusterIP: str(spec, 3), type: str(spec, 4), externalName: str(spec, 10) }) };
  },
  "authorization.k8s.io/v1 SelfSubjectAccessReview": (fs) => {
    const spec = msg(fs, 2) ?? [];
    const ra = msg(spec, 1);
    const nra = msg(spec, 2);
    const outSpec: Record<string, unknown> = {};
    if (ra)
      outSpec.resourceAttributes = clean({ namespace: str(ra, 1), verb: str(ra, 2), group: str(ra, 3), version: str(ra, 4), resource: str(ra, 5), subresource: str(ra, 6), name: str(ra, 7) });
    if (nra) outSpec.nonResourceAttributes = clean({ path: str(nra, 1), verb: str(nra, 2) });
    return { metadata: objectMeta(msg(fs, 1)), spec: outSpec };
  },
  // authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`): only metadata 1.
  "authentication.k8s.io/v1 SelfSubjectReview": (fs) => ({ metadata: objectMeta(msg(fs, 1)) }),
  "v1 ConfigMap": (fs) => {
    const immutable = varint(fs, 4);
    return clean({ metadata: objectMeta(msg(fs, 1)), data: map(fs, 2), binaryData: map(fs, 3, true), immutable: immutable === undefined ? undefined : immutable !== 0 });
  },
  "v1 Secret": (fs) => {
    const immutable = varint(fs, 5);
    return clean({ metadata: objectMeta(msg(fs, 1)), data: map(fs, 2, true), type: str(fs, 3), stringData: map(fs, 4), immutable: immutable === undefined ? undefined : immutable !== 0 });
  },
  "v1 Namespace": (fs) => {
    const spec = msg(fs, 2);
    const fin = spec ? bytesOf(spec, 1).map((b) => b.toString("utf8")) : [];
    return clean({ metadata: objectMeta(msg(fs, 1)), spec: fin.length ? { finalizers: fin } : undefined });
  },
  "v1 ServiceAccount": (fs) => ({ metadata: objectMeta(msg(fs, 1)) }),
  // policy/v1 PodDisruptionBudgetSpec (`kubectl create pdb`): minAvailable 1, selector 2,
  // maxUnavailable 3 (IntOrString), unhealthyPodEvictionPolicy 4.
  "policy/v1 PodDisruptionBudget": (fs) => {
    const spec = msg(fs, 2) ?? [];
    return { metadata: objectMeta(msg(fs, 1)), spec: clean({ minAvailable: intOrString(msg(spec, 1)), selector: labelSelector(msg(spec, 2)), maxUnavailable: intOrString(msg(spec, 3)), unhealthyPodEvictionPolicy: str(spec, 4) }) };
  },
  // policy/v1 Eviction (`kubectl drain`): metadata 1, deleteOptions 2 (meta/v1 DeleteOptions:
  // gracePeriodSeconds 1, preconditions 2 {uid 1, resourceVersion 2}, orphanDependents 3,
  // propagationPolicy 4, dryRun 5).
  "policy/v1 Eviction": (fs) => {
    const d = msg(fs, 2);
    const pre = d ? msg(d, 2) : undefined;
    const deleteOptions = d
      ? nonEmpty({ gracePeriodSeconds: int(d, 1), preconditions: pre ? nonEmpty({ uid: str(pre, 1), resourceVersion: str(pre, 2) }) : undefined, orphanDependents: boolOf(d, 3), propagationPolicy: str(d, 4), dryRun: strings(d, 5) })
      : undefined;
    return clean({ metadata: objectMeta(msg(fs, 1)), deleteOptions });
  },
};

/** An IntOrString message: type 1 (0 int, 1 string), intVal 2, strVal 3. */
function intOrString(fs: Field[] | undefined): number | string | undefined {
  if (!fs) return undefined;
  return int(fs, 1) === 1 ? str(fs, 3) ?? "" : int(fs, 2) ?? 0;
}

/** Either json (the decoded body) or an error status, reason and message. */
export interface ProtobufDecode {
  json?: string;
  error?: { status: number; reason: string; message: string };
}

/** Turns a Kubernetes protobuf request body into the equivalent JSON, for the kinds above. */
export function protobufToJson(body: Buffer): ProtobufDecode {
  try {
    if (body.length < 4 || body.subarray(0, 4).toString("latin1") !== "k8s\u0000")
      return { error: { status: 400, reason: "BadRequest", message: "provided protobuf body has no \"k8s\\x00\" prefix" } };
    const unknown = fields(body.subarray(4));
    const tm = msg(unknown, 1) ?? [];
    const apiVersion = str(tm, 1) ?? "";
    const kind = str(tm, 2) ?? "";
    const decode = DECODERS[`${apiVersion} ${kind}`];
    if (!decode)
      return { error: { status: 415, reason: "UnsupportedMediaType", message: `the kubelab API server decodes protobuf only for ${Object.keys(DECODERS).map((k) => k.split(" ")[1]).join(", ")}; send ${kind || "this object"} as application/json` } };
    const raw = bytesOf(unknown, 2);
    const obj = { apiVersion, kind, ...decode(fields(raw.length ? raw[0] : Buffer.alloc(0))) };
    return { json: JSON.stringify(obj) };
  } catch (e) {
    return { error: { status: 400, reason: "BadRequest", message: `unable to decode protobuf body: ${e instanceof Error ? e.message : String(e)}` } };
  }
}
