// The object model: defaults, validation messages, patches, selectors — pure functions, table-driven.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { applyDefaults, defaultPullPolicy } from "../../src/apiserver/registry/defaults";
import { validateCreate } from "../../src/apiserver/registry/validation";
import { findByKind } from "../../src/apiserver/registry/resources";
import { jsonPatch, mergePatch, strategicMergePatch } from "../../src/apiserver/registry/patch";
import { objectFields, parseFieldSelector, parseLabelSelector, selectorFromLabelSelector } from "../../src/apiserver/registry/selectors";
import { Errors } from "../../src/apiserver/registry/errors";
import { timestamp } from "../../src/apiserver/registry/object";

test("imagePullPolicy: Always for :latest or no tag, else IfNotPresent", () => {
  const cases: [string, string][] = [
    ["nginx", "Always"],
    ["nginx:latest", "Always"],
    ["nginx:1.27", "IfNotPresent"],
    ["localhost:5000/app", "Always"],
    ["localhost:5000/app:v2", "IfNotPresent"],
    ["nginx@sha256:abcd", "IfNotPresent"],
  ];
  for (const [image, want] of cases) assert.is(defaultPullPolicy(image), want, image);
});

test("defaults of Pod, Deployment, Service", () => {
  const p: any = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 80 }] }] } };
  applyDefaults(p);
  assert.is(p.spec.restartPolicy, "Always");
  assert.is(p.spec.dnsPolicy, "ClusterFirst");
  assert.is(p.spec.terminationGracePeriodSeconds, 30);
  assert.is(p.spec.schedulerName, "default-scheduler");
  assert.is(p.spec.containers[0].terminationMessagePath, "/dev/termination-log");
  assert.is(p.spec.containers[0].terminationMessagePolicy, "File");
  assert.is(p.spec.containers[0].ports[0].protocol, "TCP");
  assert.is(p.status.phase, "Pending");
  assert.is(p.status.qosClass, "BestEffort");
  const d: any = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { template: { spec: { containers: [{ name: "c", image: "x:1" }] } } } };
  applyDefaults(d);
  assert.equal(d.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
  assert.is(d.spec.replicas, 1);
  assert.is(d.spec.revisionHistoryLimit, 10);
  assert.is(d.spec.progressDeadlineSeconds, 600);
  const s: any = { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 80 }] } };
  applyDefaults(s);
  assert.is(s.spec.type, "ClusterIP");
  assert.is(s.spec.sessionAffinity, "None");
  assert.equal(s.spec.ports[0], { port: 80, protocol: "TCP", targetPort: 80 });
});

const invalidCases: [string, any, string][] = [
  ["image required", { kind: "Pod", apiVersion: "v1", metadata: { name: "x", namespace: "d" }, spec: { containers: [{ name: "c" }] } }, `Pod "x" is invalid: spec.containers[0].image: Required value`],
  ["containers required", { kind: "Pod", apiVersion: "v1", metadata: { name: "x", namespace: "d" }, spec: {} }, `Pod "x" is invalid: spec.containers: Required value`],
  ["name or generateName", { kind: "ConfigMap", apiVersion: "v1", metadata: { namespace: "d" } }, `ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required`],
  [
    "DNS-1123 label for namespaces",
    { kind: "Namespace", apiVersion: "v1", metadata: { name: "A" } },
    `Namespace "A" is invalid: metadata.name: Invalid value: "A": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
  ],
  ["restartPolicy", { kind: "Pod", apiVersion: "v1", metadata: { name: "x", namespace: "d" }, spec: { restartPolicy: "Sometimes", containers: [{ name: "c", image: "i" }] } }, `Pod "x" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"`],
  ["duplicate container", { kind: "Pod", apiVersion: "v1", metadata: { name: "x", namespace: "d" }, spec: { containers: [{ name: "c", image: "i" }, { name: "c", image: "i" }] } }, `Pod "x" is invalid: spec.containers[1].name: Duplicate value: "c"`],
  ["port range", { kind: "Pod", apiVersion: "v1", metadata: { name: "x", namespace: "d" }, spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: 70000 }] }] } }, `Pod "x" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive`],
  [
    "selector must match template",
    { kind: "Deployment", apiVersion: "apps/v1", metadata: { name: "d", namespace: "d" }, spec: { selector: { matchLabels: { app: "a" } }, template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } },
    'Deployment.apps "d" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`',
  ],
  ["replicas >= 0", { kind: "ReplicaSet", apiVersion: "apps/v1", metadata: { name: "r", namespace: "d" }, spec: { replicas: -1, selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } }, `ReplicaSet.apps "r" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`],
  ["service ports", { kind: "Service", apiVersion: "v1", metadata: { name: "s", namespace: "d" }, spec: {} }, `Service "s" is invalid: spec.ports: Required value`],
  ["rolebinding roleRef", { kind: "RoleBinding", apiVersion: "rbac.authorization.k8s.io/v1", metadata: { name: "rb", namespace: "d" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Thing", name: "x" } }, `RoleBinding.rbac.authorization.k8s.io "rb" is invalid: roleRef.kind: Unsupported value: "Thing": supported values: "ClusterRole", "Role"`],
  ["binding target", { kind: "Binding", apiVersion: "v1", metadata: { name: "p", namespace: "d" }, target: {} }, `Binding "p" is invalid: target.name: Required value`],
];

for (const [name, obj, want] of invalidCases) {
  test(`validation: ${name}`, () => {
    const info = findByKind(obj.apiVersion, obj.kind)!;
    const errs = validateCreate(obj, info);
    assert.ok(errs.length > 0, "expected errors");
    assert.is(Errors.invalid(info, obj.metadata.name ?? "", errs).message, want);
  });
}

test("valid objects have no errors", () => {
  const p = { kind: "Pod", apiVersion: "v1", metadata: { name: "ok", namespace: "d", labels: { "app.kubernetes.io/name": "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } };
  assert.is(validateCreate(p as any, findByKind("v1", "Pod")!).length, 0);
});

test("JSON merge patch (RFC 7386)", () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: ["b"] }, { a: ["c"] }, { a: ["c"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [["a"], { a: "b" }, { a: "b" }],
  ];
  for (const [t, p, want] of cases) assert.equal(mergePatch(t, p), want);
});

test("strategic merge patch: lists by key, $patch delete, directives stripped", () => {
  const pod = { spec: { containers: [{ name: "a", image: "a:1", env: [{ name: "X", value: "1" }] }, { name: "b", image: "b:1" }] }, metadata: { finalizers: ["x"] } };
  const out: any = strategicMergePatch(pod, {
    $setElementOrder: undefined,
    spec: { "$setElementOrder/containers": [{ name: "a" }, { name: "b" }], containers: [{ name: "a", image: "a:2", env: [{ name: "Y", value: "2" }] }, { name: "b", $patch: "delete" }] },
    metadata: { finalizers: ["y"] },
  });
  assert.equal(out.spec.containers, [{ name: "a", image: "a:2", env: [{ name: "X", value: "1" }, { name: "Y", value: "2" }] }]);
  assert.equal(out.metadata.finalizers, ["x", "y"]);
  const ports: any = strategicMergePatch({ spec: { containers: [{ name: "a", ports: [{ containerPort: 80, name: "http" }] }] } }, { spec: { containers: [{ name: "a", ports: [{ containerPort: 443 }] }] } });
  assert.equal(ports.spec.containers[0].ports, [{ containerPort: 80, name: "http" }, { containerPort: 443 }]);
  const labels: any = strategicMergePatch({ metadata: { labels: { a: "1", b: "2" } } }, { metadata: { labels: { b: null, c: "3" } } });
  assert.equal(labels.metadata.labels, { a: "1", c: "3" });
});

test("JSON patch (RFC 6902)", () => {
  const doc = { a: [1, 2], b: { c: "d" } };
  assert.equal(
    jsonPatch(doc, [
      { op: "add", path: "/a/-", value: 3 },
      { op: "replace", path: "/b/c", value: "e" },
      { op: "remove", path: "/a/0" },
      { op: "copy", from: "/b", path: "/f" },
      { op: "test", path: "/f/c", value: "e" },
    ]),
    { a: [2, 3], b: { c: "e" }, f: { c: "e" } },
  );
  assert.throws(() => jsonPatch(doc, [{ op: "test", path: "/b/c", value: "x" }]), /testing value/);
  assert.throws(() => jsonPatch(doc, [{ op: "replace", path: "/nope", value: 1 }]), /missing/);
});

test("label selectors: equality and set-based", () => {
  const labels = { app: "web", tier: "front", env: "prod" };
  const cases: [string, boolean][] = [
    ["app=web", true],
    ["app==web,tier=front", true],
    ["app!=web", false],
    ["env in (prod,staging)", true],
    ["env notin (prod)", false],
    ["tier", true],
    ["!canary", true],
    ["!app", false],
    ["", true],
  ];
  for (const [s, want] of cases) {
    const p = parseLabelSelector(s);
    assert.ok(p.ok === true, s);
    if (p.ok === true) assert.is(p.selector.matches(labels), want, s);
  }
  assert.is(parseLabelSelector("a in b").ok, false);
  const ls = selectorFromLabelSelector({ matchLabels: { app: "web" }, matchExpressions: [{ key: "env", operator: "NotIn", values: ["dev"] }] });
  assert.ok(ls.ok === true && ls.selector.matches(labels));
});

test("field selectors: metadata, pod fields with !=, events, unknown field refused", () => {
  const p = { kind: "Pod", metadata: { name: "p", namespace: "ns" }, spec: { nodeName: "n1" }, status: { phase: "Running" } };
  const fs = parseFieldSelector("spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed", "Pod", "v1");
  assert.ok(fs.ok === true && fs.selector.matches(objectFields(p)));
  const ev = { kind: "Event", metadata: { name: "e", namespace: "ns" }, involvedObject: { kind: "Pod", name: "p", namespace: "ns", uid: "u" } };
  const es = parseFieldSelector("involvedObject.name=p,involvedObject.kind=Pod,involvedObject.uid=u", "Event", "v1");
  assert.ok(es.ok === true && es.selector.matches(objectFields(ev)));
  assert.is(parseFieldSelector("spec.foo=x", "Pod", "v1").ok, false);
});

test("timestamps come from the virtual clock", () => {
  assert.is(timestamp(0), "2026-01-01T00:00:00Z");
  assert.is(timestamp(90_500), "2026-01-01T00:01:30Z");
});

test.run();
