// Label selectors (apimachinery pkg/labels) and field selectors (pkg/fields): the string forms
// of ?labelSelector= and ?fieldSelector=, and the LabelSelector objects of Deployments,
// ReplicaSets and Services. Parsing never throws: a bad selector is an error value the server
// turns into a 400.

export type Op = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!";

export interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

export class Selector {
  constructor(readonly requirements: Requirement[]) {}
  get empty(): boolean {
    return this.requirements.length === 0;
  }
  matches(labels: Record<string, string>): boolean {
    return this.requirements.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(labels, r.key);
      const v = labels[r.key];
      switch (r.op) {
        case "=":
        case "==":
        case "in":
          return has && r.values.includes(v);
        case "!=":
        case "notin":
          return !has || !r.values.includes(v);
        case "exists":
          return has;
        case "!":
          return !has;
      }
    });
  }
  toString(): string {
    return this.requirements
      .map((r) => {
        switch (r.op) {
          case "exists":
            return r.key;
          case "!":
            return `!${r.key}`;
          case "in":
          case "notin":
            return `${r.key} ${r.op} (${r.values.join(",")})`;
          default:
            return `${r.key}${r.op}${r.values[0]}`;
        }
      })
      .join(",");
  }
}

export type Parsed<T> = { ok: true; selector: T } | { ok: false; error: string };

/** Parses "app=web,tier!=db,env in (a,b),!canary,track". */
export function parseLabelSelector(s: string): Parsed<Selector> {
  const reqs: Requirement[] = [];
  const text = s.trim();
  if (text === "") return { ok: true, selector: new Selector([]) };
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  for (const raw of parts) {
    const p = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^([^\s!=(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(p))) {
      const values = m[3].split(",").map((x) => x.trim()).filter((x) => x !== "");
      reqs.push({ key: m[1], op: m[2] as Op, values });
    } else if ((m = /^([^\s!=(),]+)\s*(==|!=|=)\s*([^\s!=(),]*)$/.exec(p))) {
      reqs.push({ key: m[1], op: m[2] as Op, values: [m[3]] });
    } else if ((m = /^!\s*([^\s!=(),]+)$/.exec(p))) {
      reqs.push({ key: m[1], op: "!", values: [] });
    } else if ((m = /^([^\s!=(),]+)$/.exec(p))) {
      reqs.push({ key: m[1], op: "exists", values: [] });
    } else {
      return { ok: false, error: `unable to parse requirement: found '${p}', expected: in, notin, =, ==, !=, gt, lt` };
    }
  }
  return { ok: true, selector: new Selector(reqs) };
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** metav1.LabelSelectorAsSelector. An empty object selects everything. */
export function selectorFromLabelSelector(ls: LabelSelectorObject): Parsed<Selector> {
  const reqs: Requirement[] = [];
  for (const k of Object.keys(ls.matchLabels ?? {}).sort()) reqs.push({ key: k, op: "=", values: [ls.matchLabels![k]] });
  for (const e of ls.matchExpressions ?? []) {
    const op = ({ In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" } as Record<string, Op>)[e.operator];
    if (!op) return { ok: false, error: `"${e.operator}" is not a valid label selector operator` };
    reqs.push({ key: e.key, op, values: (e.values ?? []).slice().sort() });
  }
  return { ok: true, selector: new Selector(reqs) };
}

/** The string form of a LabelSelector (Scale's status.selector, messages). */
export function labelSelectorString(ls: LabelSelectorObject): string {
  const s = selectorFromLabelSelector(ls);
  return s.ok === true ? s.selector.toString() : "";
}

/** A Service's map selector as a Selector (nil/empty selects nothing for Services: callers check). */
export function selectorFromMap(m: Record<string, string> | undefined): Selector {
  return new Selector(Object.keys(m ?? {}).sort().map((k) => ({ key: k, op: "=" as Op, values: [m![k]] })));
}

// ---- field selectors ----

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

export class FieldSelector {
  constructor(readonly requirements: FieldRequirement[]) {}
  get empty(): boolean {
    return this.requirements.length === 0;
  }
  matches(fields: Record<string, string>): boolean {
    return this.requirements.every((r) => (r.op === "=" ? fields[r.field] === r.value : fields[r.field] !== r.value));
  }
  /** The value an equality requirement pins a field to (metadata.name=x narrows a watch). */
  pinned(fieldName: string): string | undefined {
    return this.requirements.find((r) => r.field === fieldName && r.op === "=")?.value;
  }
}

/** The fields each kind can be selected on (the real server's per-kind field label conversions). */
const FIELDS: Record<string, string[]> = {
  Pod: ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"],
  Event: ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"],
  Secret: ["type"],
  Namespace: ["status.phase"],
  Node: ["spec.unschedulable"],
  ReplicaSet: ["status.replicas"],
};

/** Parses "metadata.name=x,status.phase!=Failed" for a kind; unknown fields are a 400, as in Kubernetes. */
export function parseFieldSelector(s: string, kind: string, apiVersion: string): Parsed<FieldSelector> {
  const reqs: FieldRequirement[] = [];
  for (const raw of s.split(",")) {
    const p = raw.trim();
    if (p === "") continue;
    const m = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/.exec(p);
    if (!m) return { ok: false, error: `invalid selector: '${s}'; can't understand '${p}'` };
    const f = m[1].trim();
    if (f !== "metadata.name" && f !== "metadata.namespace" && !(FIELDS[kind] ?? []).includes(f))
      // Kinds with their own field label conversion say so tersely [k/k pkg/apis/core/v1/conversion.go];
      // the rest get the default [apimachinery runtime.DefaultMetaV1FieldSelectorConversion].
      return { ok: false, error: FIELDS[kind] ? `field label not supported: ${f}` : `"${f}" is not a known field selector: only "metadata.name", "metadata.namespace"` };
    reqs.push({ field: f, op: m[2] === "!=" ? "!=" : "=", value: m[3].trim() });
  }
  void apiVersion;
  return { ok: true, selector: new FieldSelector(reqs) };
}

/** The selectable fields of an object, as strings (booleans as "true"/"false"). */
export function objectFields(obj: { kind: string; metadata: { name?: string; namespace?: string }; [k: string]: any }): Record<string, string> {
  const out: Record<string, string> = { "metadata.name": obj.metadata.name ?? "", "metadata.namespace": obj.metadata.namespace ?? "" };
  for (const f of FIELDS[obj.kind] ?? []) {
    let v: any = obj;
    for (const part of f.split(".")) v = v?.[part];
    if (f === "source" && obj.kind === "Event") v = obj.source?.component;
    out[f] = v === undefined || v === null ? "" : String(v);
  }
  return out;
}
