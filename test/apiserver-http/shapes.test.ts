// Pure shapes of what the HTTP front answers by itself: discovery (aggregated and legacy),
// /version, OpenAPI v3, server-side Tables. No server, no cluster.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { RESOURCES } from "../../src/apiserver/registry/resources";
import { AGGREGATED_V2, aggregatedDiscovery, apiGroupList, apiResourceList, discoveryRequest, versionInfo } from "../../src/apiserver/discovery";
import { openapiRequest, openapiV3Document, openapiV3Root } from "../../src/apiserver/openapi";
import { humanDuration, toTable, wantsTable, watchEventToTable } from "../../src/apiserver/table";
import { parseResourcePath, kubeconfigYaml } from "../../src/apiserver/http/server";
import { parse as parseYaml } from "yaml";

const KUBECTL_DISCOVERY_ACCEPT = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
const KUBECTL_TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
const NOW = Date.parse("2025-03-01T12:00:00Z");

test("aggregated discovery: chosen by Accept, every resource and subresource has a responseKind", () => {
  const api = discoveryRequest("/api", KUBECTL_DISCOVERY_ACCEPT)!;
  assert.is(api.contentType, AGGREGATED_V2);
  const apis = discoveryRequest("/apis", KUBECTL_DISCOVERY_ACCEPT)!;
  assert.is(apis.contentType, AGGREGATED_V2);
  const core: any = api.body;
  assert.is(core.kind, "APIGroupDiscoveryList");
  assert.is(core.apiVersion, "apidiscovery.k8s.io/v2");
  assert.equal(core.items.map((i: any) => i.metadata.name), [""]);
  const named: any = apis.body;
  assert.ok(named.items.every((i: any) => i.metadata.name !== ""));
  let count = 0;
  for (const doc of [core, named])
    for (const g of doc.items)
      for (const v of g.versions) {
        assert.is(v.freshness, "Current");
        for (const r of v.resources) {
          count++;
          assert.ok(r.responseKind && r.responseKind.kind, `${r.resource} has a responseKind`);
          assert.ok(r.scope === "Namespaced" || r.scope === "Cluster");
          for (const s of r.subresources ?? []) assert.ok(s.responseKind?.kind, `${r.resource}/${s.subresource} has a responseKind`);
        }
      }
  assert.is(count, RESOURCES.length);
  const deploy = named.items.find((i: any) => i.metadata.name === "apps").versions[0].resources.find((r: any) => r.resource === "deployments");
  assert.equal(deploy.responseKind, { group: "apps", version: "v1", kind: "Deployment" });
  assert.equal(deploy.shortNames, ["deploy"]);
  assert.equal(deploy.categories, ["all"]);
  assert.equal(deploy.subresources.find((s: any) => s.subresource === "scale").responseKind, { group: "autoscaling", version: "v1", kind: "Scale" });
  // v2beta1 only → v2beta1; plain JSON → legacy.
  assert.ok(discoveryRequest("/api", "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList")!.contentType.includes("v=v2beta1"));
  assert.is(discoveryRequest("/api", "application/json")!.contentType, "application/json");
  assert.is(discoveryRequest("/api", undefined)!.contentType, "application/json");
  // parameter order does not matter
  assert.is(discoveryRequest("/apis", "application/json;as=APIGroupDiscoveryList;v=v2;g=apidiscovery.k8s.io")!.contentType, AGGREGATED_V2);
  assert.equal(aggregatedDiscovery(true), aggregatedDiscovery(true), "deterministic");
});

test("legacy discovery: APIVersions, APIGroupList, APIGroup, APIResourceList with subresources", () => {
  assert.equal((discoveryRequest("/api", "application/json")!.body as any).versions, ["v1"]);
  const gl: any = apiGroupList();
  assert.is(gl.kind, "APIGroupList");
  const apps = gl.groups.find((g: any) => g.name === "apps");
  assert.equal(apps.preferredVersion, { groupVersion: "apps/v1", version: "v1" });
  const g: any = discoveryRequest("/apis/apps", undefined)!.body;
  assert.is(g.kind, "APIGroup");
  const v1: any = apiResourceList("", "v1");
  assert.is(v1.groupVersion, "v1");
  const pods = v1.resources.find((r: any) => r.name === "pods");
  assert.equal(pods, { name: "pods", singularName: "pod", namespaced: true, kind: "Pod", verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["po"], categories: ["all"] });
  assert.equal(v1.resources.find((r: any) => r.name === "pods/status"), { name: "pods/status", singularName: "", namespaced: true, kind: "Pod", verbs: ["get", "patch", "update"] });
  const appsList: any = discoveryRequest("/apis/apps/v1", undefined)!.body;
  assert.equal(appsList.resources.find((r: any) => r.name === "deployments/scale"), { name: "deployments/scale", singularName: "", namespaced: true, group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] });
  assert.is(discoveryRequest("/apis/nope/v1", undefined)!.status, 404);
  assert.is(discoveryRequest("/apis/nope", undefined)!.status, 404);
  assert.is(discoveryRequest("/api/v2", undefined)!.status, 404);
  assert.is(discoveryRequest("/api/v1/pods", undefined), undefined, "a resource path is not discovery");
  assert.is(discoveryRequest("/apis/apps/v1/deployments", undefined), undefined);
});

test("/version is v1.32.0-shaped", () => {
  const v: any = versionInfo();
  assert.is(v.major, "1");
  assert.is(v.minor, "32");
  assert.is(v.gitVersion, "v1.32.0");
  assert.is(v.platform, "linux/amd64");
  assert.equal(discoveryRequest("/version", undefined)!.body, v);
});

test("OpenAPI v3: root with hashed URLs; per group version a patch op with GVK and inline fieldValidation", () => {
  const root: any = openapiV3Root();
  assert.ok(root.paths["api/v1"].serverRelativeURL.startsWith("/openapi/v3/api/v1?hash="));
  assert.ok(root.paths["apis/apps/v1"]);
  assert.ok(root.paths["apis/rbac.authorization.k8s.io/v1"]);
  const doc: any = openapiV3Document("apps", "v1");
  const item = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
  assert.equal(item.patch["x-kubernetes-group-version-kind"], { group: "apps", version: "v1", kind: "Deployment" });
  const params = item.patch.parameters.map((p: any) => `${p.in}:${p.name}`);
  for (const n of ["dryRun", "fieldManager", "fieldValidation", "force"]) assert.ok(params.includes(`query:${n}`), n);
  assert.is(item.patch.requestBody, undefined, "no requestBody: kubectl uses its compiled-in types for apply");
  const scale = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
  assert.equal(scale.patch["x-kubernetes-group-version-kind"], { group: "autoscaling", version: "v1", kind: "Scale" });
  const core: any = openapiV3Document("", "v1");
  assert.ok(core.paths["/api/v1/namespaces/{name}"], "cluster-scoped path");
  assert.ok(core.paths["/api/v1/namespaces/{namespace}/pods/{name}"]);
  assert.is(core.paths["/api/v1/namespaces/{namespace}/bindings/{name}"], undefined, "create-only kinds have no patch");
  assert.is(openapiRequest("/openapi/v2")!.status, 404, "no JSON v2");
  const v2 = openapiRequest("/openapi/v2", undefined, "application/com.github.proto-openapi.spec.v2@v1.0+protobuf")!;
  assert.is(v2.status, 200, "an empty protobuf v2, so that kubectl reaches the mapping error for unknown kinds");
  assert.is(v2.contentType, "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
  assert.ok(Buffer.isBuffer(v2.body) && (v2.body as Buffer).includes(Buffer.from("2.0")));
  assert.is(openapiRequest("/openapi/v3/apis/nope/v1")!.status, 404);
  assert.is((openapiRequest("/openapi/v3/apis/apps/v1")!.body as any).openapi, "3.0.0");
  assert.is(openapiRequest("/api/v1"), undefined);
  assert.equal(openapiV3Root(), openapiV3Root(), "hashes are deterministic");
});

test("humanDuration follows apimachinery", () => {
  const s = 1000, m = 60 * s, h = 60 * m, d = 24 * h;
  const cases: [number, string][] = [
    [-5 * s, "<invalid>"], [-1 * s, "0s"], [0, "0s"], [59 * s, "59s"], [119 * s, "119s"], [2 * m, "2m"], [3 * m + 12 * s, "3m12s"],
    [10 * m, "10m"], [179 * m, "179m"], [3 * h, "3h"], [5 * h + 3 * m, "5h3m"], [8 * h, "8h"], [47 * h, "47h"], [2 * d, "2d"], [3 * d + 4 * h, "3d4h"],
    [8 * d, "8d"], [400 * d, "400d"], [365 * 2 * d, "2y"], [365 * 2 * d + 10 * d, "2y10d"], [365 * 9 * d, "9y"],
  ];
  for (const [ms, want] of cases) assert.is(humanDuration(ms), want, `${ms} ms`);
});

test("Accept detection for Tables", () => {
  assert.is(wantsTable(KUBECTL_TABLE_ACCEPT), "v1");
  assert.is(wantsTable("application/json;as=Table;g=meta.k8s.io;v=v1beta1"), "v1beta1");
  assert.is(wantsTable("application/json"), undefined);
  assert.is(wantsTable("application/json, */*"), undefined);
  assert.is(wantsTable(undefined), undefined);
  assert.is(wantsTable("application/json;as=Table;v=v1;g=other.io"), undefined);
});

const pod = (name: string, extra: any = {}) => ({
  kind: "Pod",
  apiVersion: "v1",
  metadata: { name, namespace: "default", uid: "u-" + name, resourceVersion: "12", creationTimestamp: "2025-03-01T11:55:00Z", labels: { app: "web" } },
  spec: { nodeName: "node-1", containers: [{ name: "c", image: "nginx" }], ...extra.spec },
  status: { phase: "Running", podIP: "10.244.0.5", containerStatuses: [{ name: "c", ready: true, restartCount: 0, state: { running: {} } }], ...extra.status },
});

test("pod table: columns, wide columns, cells, PartialObjectMetadata", () => {
  const list = { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "40", continue: "abc" }, items: [pod("web-1"), pod("web-2", { status: { phase: "Pending", podIP: undefined, containerStatuses: [{ name: "c", ready: false, restartCount: 3, lastState: { terminated: { finishedAt: "2025-03-01T11:58:00Z" } }, state: { waiting: { reason: "CrashLoopBackOff" } } }] } })] };
  const t = toTable({ group: "", kind: "Pod" }, list, { now: NOW });
  assert.is(t.kind, "Table");
  assert.is(t.apiVersion, "meta.k8s.io/v1");
  assert.equal(t.metadata, { resourceVersion: "40", continue: "abc" });
  assert.equal(t.columnDefinitions.map((c) => [c.name, c.priority]), [["Name", 0], ["Ready", 0], ["Status", 0], ["Restarts", 0], ["Age", 0], ["IP", 1], ["Node", 1], ["Nominated Node", 1], ["Readiness Gates", 1]]);
  assert.equal(t.rows[0].cells, ["web-1", "1/1", "Running", "0", "5m", "10.244.0.5", "node-1", "<none>", "<none>"]);
  assert.equal(t.rows[1].cells, ["web-2", "0/1", "CrashLoopBackOff", "3 (2m ago)", "5m", "<none>", "node-1", "<none>", "<none>"]);
  assert.equal(t.rows[0].object, { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: list.items[0].metadata });
  const full = toTable({ group: "", kind: "Pod" }, list, { now: NOW, includeObject: "Object" });
  assert.equal(full.rows[0].object, list.items[0]);
  assert.is(toTable({ group: "", kind: "Pod" }, list, { now: NOW, includeObject: "None" }).rows[0].object, undefined);
  const terminating = pod("t", {});
  (terminating.metadata as any).deletionTimestamp = "2025-03-01T12:00:00Z";
  assert.is(toTable({ group: "", kind: "Pod" }, terminating, { now: NOW }).rows[0].cells[2], "Terminating");
});

test("deployment, replicaset, service, node, namespace and default tables", () => {
  const dep = { kind: "Deployment", metadata: { name: "web", creationTimestamp: "2025-03-01T10:00:00Z" }, spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: { spec: { containers: [{ name: "nginx", image: "nginx:1.27" }, { name: "side", image: "busybox" }] } } }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } };
  const dt = toTable({ group: "apps", kind: "Deployment" }, dep, { now: NOW });
  assert.equal(dt.columnDefinitions.map((c) => c.name), ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"]);
  assert.equal(dt.rows[0].cells, ["web", "2/3", 3, 2, "120m", "nginx,side", "nginx:1.27,busybox", "app=web"]);
  const rs = toTable({ group: "apps", kind: "ReplicaSet" }, { ...dep, kind: "ReplicaSet", status: { replicas: 3, readyReplicas: 1 } }, { now: NOW });
  assert.equal(rs.rows[0].cells.slice(0, 5), ["web", 3, 3, 1, "120m"]);
  const svc = { metadata: { name: "web", creationTimestamp: "2025-03-01T11:59:30Z" }, spec: { type: "NodePort", clusterIP: "10.96.0.10", ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }, { port: 53, protocol: "UDP" }], selector: { app: "web" } } };
  assert.equal(toTable({ group: "", kind: "Service" }, svc, { now: NOW }).rows[0].cells, ["web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53/UDP", "30s", "app=web"]);
  const node = { metadata: { name: "node-1", creationTimestamp: "2025-02-27T12:00:00Z", labels: { "node-role.kubernetes.io/control-plane": "" } }, status: { conditions: [{ type: "Ready", status: "True" }], nodeInfo: { kubeletVersion: "v1.32.0" }, addresses: [{ type: "InternalIP", address: "10.0.0.1" }] } };
  assert.equal(toTable({ group: "", kind: "Node" }, node, { now: NOW }).rows[0].cells.slice(0, 6), ["node-1", "Ready", "control-plane", "2d", "v1.32.0", "10.0.0.1"]);
  const ns = { metadata: { name: "default", creationTimestamp: "2025-03-01T11:00:00Z" }, status: { phase: "Active" } };
  assert.equal(toTable({ group: "", kind: "Namespace" }, ns, { now: NOW }).rows[0].cells, ["default", "Active", "60m"]);
  const cm = { metadata: { name: "c", creationTimestamp: "2025-03-01T11:59:00Z" }, data: { a: "1", b: "2" } };
  assert.equal(toTable({ group: "", kind: "ConfigMap" }, cm, { now: NOW }).rows[0].cells, ["c", 2, "60s"]);
  const ev = { metadata: { name: "e1", creationTimestamp: "2025-03-01T11:50:00Z" }, type: "Normal", reason: "Scheduled", message: "Successfully assigned default/web-1 to node-1", involvedObject: { kind: "Pod", name: "web-1" }, count: 1, lastTimestamp: "2025-03-01T11:59:00Z", firstTimestamp: "2025-03-01T11:50:00Z" };
  assert.equal(toTable({ group: "", kind: "Event" }, ev, { now: NOW }).rows[0].cells.slice(0, 7), ["60s", "Normal", "Scheduled", "pod/web-1", "", "", "Successfully assigned default/web-1 to node-1"]);
  const role = { metadata: { name: "r", creationTimestamp: "2025-03-01T11:59:58Z" } };
  const rt = toTable({ group: "rbac.authorization.k8s.io", kind: "Role" }, role, { now: NOW });
  assert.equal(rt.columnDefinitions.map((c) => c.name), ["Name", "Age"]);
  assert.equal(rt.rows[0].cells, ["r", "2s"]);
  assert.equal(toTable({ group: "", kind: "Secret" }, { metadata: { name: "s" }, type: "Opaque", data: { k: "dg==" } }, { now: NOW }).rows[0].cells, ["s", "Opaque", 1, "<unknown>"]);
});

test("watch events as one-row Tables; headers only on the first", () => {
  const first: any = watchEventToTable({ group: "", kind: "Pod" }, { type: "ADDED", object: pod("a") }, { now: NOW });
  assert.is(first.type, "ADDED");
  assert.is(first.object.kind, "Table");
  assert.is(first.object.rows.length, 1);
  assert.ok(first.object.columnDefinitions.length > 0);
  const later: any = watchEventToTable({ group: "", kind: "Pod" }, { type: "MODIFIED", object: pod("a") }, { now: NOW, noHeaders: true });
  assert.equal(later.object.columnDefinitions, []);
  const err = { type: "ERROR", object: { kind: "Status", code: 410 } };
  assert.equal(watchEventToTable({ group: "", kind: "Pod" }, err, { now: NOW }), err);
  const bm: any = watchEventToTable({ group: "", kind: "Pod" }, { type: "BOOKMARK", object: { kind: "Pod", metadata: { resourceVersion: "99" } } }, { now: NOW });
  assert.equal(bm.object.metadata, { resourceVersion: "99" });
  assert.equal(bm.object.rows, []);
});

test("resource paths and kubeconfig", () => {
  const p = parseResourcePath("/api/v1/namespaces/default/pods/web-1/status")!;
  assert.equal([p.info.resource, p.namespace, p.name, p.subresource], ["pods", "default", "web-1", "status"]);
  const ns = parseResourcePath("/api/v1/namespaces/default")!;
  assert.equal([ns.info.resource, ns.namespace, ns.name], ["namespaces", undefined, "default"]);
  const nsStatus = parseResourcePath("/api/v1/namespaces/default/status")!;
  assert.equal([nsStatus.info.resource, nsStatus.name, nsStatus.subresource], ["namespaces", "default", "status"]);
  const all = parseResourcePath("/apis/apps/v1/deployments")!;
  assert.equal([all.info.resource, all.namespace, all.name], ["deployments", undefined, undefined]);
  assert.is(parseResourcePath("/api/v1/nothings"), undefined);
  assert.is(parseResourcePath("/apis/apps/v1/namespaces/ns/deployments/x/scale/extra"), undefined);
  const kc = parseYaml(kubeconfigYaml("http://127.0.0.1:1234", "tok"));
  assert.is(kc["current-context"], "kubelab");
  assert.is(kc.clusters[0].cluster.server, "http://127.0.0.1:1234");
  assert.is(kc.users[0].user.token, "tok");
});

test("Tables for quota, limits, priorityclasses: quota cells from status (none before it is filled), limits.* apart", () => {
  const created = "2026-01-01T00:00:00Z";
  const quota = (status?: unknown) => ({ metadata: { name: "q", creationTimestamp: created }, spec: { hard: { pods: "2" } }, status });
  const fresh = toTable({ group: "", kind: "ResourceQuota" }, quota(), { now: NOW });
  assert.equal(fresh.columnDefinitions.map((c) => c.name), ["Name", "Age", "Request", "Limit"]);
  assert.equal(fresh.rows[0].cells.slice(2), ["", ""], "spec.hard is not printed: status.hard is what the quota enforces");
  const charged = toTable({ group: "", kind: "ResourceQuota" }, quota({ hard: { "requests.cpu": "2", "limits.cpu": "4", pods: "2", "limits.memory": "1Gi" }, used: { pods: "1", "limits.cpu": "500m" } }), { now: NOW });
  assert.equal(charged.rows[0].cells.slice(2), ["pods: 1/2, requests.cpu: 0/2", "limits.cpu: 500m/4, limits.memory: 0/1Gi"]);
  const lr = toTable({ group: "", kind: "LimitRange" }, { metadata: { name: "l", creationTimestamp: created } }, { now: NOW });
  assert.equal(lr.columnDefinitions.map((c) => [c.name, c.type]), [["Name", "string"], ["Created At", "date"]]);
  assert.equal(lr.rows[0].cells, ["l", created]);
  const pc = toTable({ group: "scheduling.k8s.io", kind: "PriorityClass" }, { metadata: { name: "p", creationTimestamp: created }, value: 7, globalDefault: true, preemptionPolicy: "PreemptLowerPriority" }, { now: NOW });
  assert.equal(pc.columnDefinitions.map((c) => c.name), ["Name", "Value", "Global-Default", "Age", "PreemptionPolicy"]);
  assert.equal([pc.rows[0].cells[1], pc.rows[0].cells[2], pc.rows[0].cells[4]], [7, true, "PreemptLowerPriority"]);
});

test.run();
