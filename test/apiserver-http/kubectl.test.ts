// The real kubectl (v1.32, on the machine) against the HTTP front of a simulated cluster:
// create, apply (created / unchanged / configured), get (table, yaml, wide), get -w, scale,
// label, annotate, delete, auth can-i, version and error cases, outputs checked.
//
// Each run gets its own kubeconfig and --cache-dir, so kubectl's discovery cache is never stale.
// kubectl runs as a child process, asynchronously: this process must keep serving meanwhile.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Cluster } from "../../src/cluster/cluster";
import { serveApi, writeKubeconfig } from "../../src/apiserver/http/index";
import type { ApiHttpServer } from "../../src/apiserver/http/index";
import { KUBECTL, Run, haveKubectl, rows } from "./kubelab-serve";


let cluster: Cluster;
let server: ApiHttpServer;
let dir: string;
let kubeconfig: string;

function kubectl(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(KUBECTL, ["--kubeconfig", kubeconfig, "--cache-dir", path.join(dir, "cache"), "--request-timeout", "20s", ...args], { encoding: "utf8", timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as any).code ?? 1) : 0, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

/** Runs kubectl with a long-running command (get -w) until `until(stdout)` holds, then kills it. */
function kubectlUntil(args: string[], until: (out: string) => boolean, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, ["--kubeconfig", kubeconfig, "--cache-dir", path.join(dir, "cache"), ...args]);
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`kubectl ${args.join(" ")}: timed out; stdout so far:\n${out}\nstderr:\n${err}`));
    }, timeoutMs);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      out += d;
      if (until(out)) {
        clearTimeout(timer);
        child.kill();
        resolve(out);
      }
    });
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (!until(out)) reject(new Error(`kubectl ${args.join(" ")} exited (${code}) early; stdout:\n${out}\nstderr:\n${err}`));
    });
  });
}

const ok = (r: Run, what: string) => assert.is(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

const DEPLOY = (replicas: number, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: ${image}
        ports:
        - containerPort: 80
`;

test.before(async () => {
  if (!haveKubectl) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-kubectl-"));
  kubeconfig = path.join(dir, "kubeconfig");
  // Two stand-in nodes (chapter 04's), no controllers: this file is about the API server.
  cluster = new Cluster({ seed: 7, nodes: 2, binder: "none" });
  cluster.runFor("5s");
  server = await serveApi({ port: 0, cluster });
  writeKubeconfig(kubeconfig, server.url, cluster.adminToken, server.ca);
});

test.after(async () => {
  if (!haveKubectl) return;
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("kubectl version and api-resources", async () => {
  if (!haveKubectl) return console.log("  (kubectl not found: skipped)");
  const v = await kubectl(["version"]);
  ok(v, "version");
  assert.match(v.stdout, /Server Version: v1\.32\.0/);
  const ar = await kubectl(["api-resources"]);
  ok(ar, "api-resources");
  assert.match(ar.stdout, /deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
  assert.match(ar.stdout, /pods\s+po\s+v1\s+true\s+Pod/);
});

test("kubectl get ns, nodes (tables)", async () => {
  if (!haveKubectl) return;
  const ns = await kubectl(["get", "ns"]);
  ok(ns, "get ns");
  assert.equal(rows(ns.stdout)[0], ["NAME", "STATUS", "AGE"]);
  assert.ok(rows(ns.stdout).some((r) => r[0] === "default" && r[1] === "Active"), ns.stdout);
  const dn = await kubectl(["describe", "node", "node-1"]);
  ok(dn, "describe node");
  assert.match(dn.stdout, /Name:\s+node-1/);
  const nodes = await kubectl(["get", "nodes"]);
  ok(nodes, "get nodes");
  assert.equal(rows(nodes.stdout)[0], ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
  assert.equal(rows(nodes.stdout).slice(1).map((r) => [r[0], r[1]]), [["node-1", "Ready"], ["node-2", "Ready"]]);
});

test("kubectl create -f, then the same again is AlreadyExists", async () => {
  if (!haveKubectl) return;
  const f = file("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c1\ndata:\n  a: \"1\"\n  b: \"2\"\n");
  const r = await kubectl(["create", "-f", f]);
  ok(r, "create");
  assert.is(r.stdout.trim(), "configmap/c1 created");
  const again = await kubectl(["create", "-f", f]);
  assert.is.not(again.code, 0);
  assert.match(again.stderr, /Error from server \(AlreadyExists\).*configmaps "c1" already exists/);
  const get = await kubectl(["get", "cm", "c1"]);
  ok(get, "get cm");
  assert.equal(rows(get.stdout)[0], ["NAME", "DATA", "AGE"]);
  assert.equal(rows(get.stdout)[1].slice(0, 2), ["c1", "2"]);
});

test("kubectl apply -f: created, unchanged, configured", async () => {
  if (!haveKubectl) return;
  const f = file("deploy.yaml", DEPLOY(2, "nginx:1.27"));
  const a = await kubectl(["apply", "-f", f]);
  ok(a, "apply 1");
  assert.is(a.stdout.trim(), "deployment.apps/web created");
  const b = await kubectl(["apply", "-f", f]);
  ok(b, "apply 2");
  assert.is(b.stdout.trim(), "deployment.apps/web unchanged");
  const c = await kubectl(["apply", "-f", file("deploy2.yaml", DEPLOY(2, "nginx:1.28"))]);
  ok(c, "apply 3");
  assert.is(c.stdout.trim(), "deployment.apps/web configured");
  const y = await kubectl(["get", "deploy", "web", "-o", "yaml"]);
  ok(y, "get -o yaml");
  assert.match(y.stdout, /kind: Deployment/);
  assert.match(y.stdout, /image: nginx:1\.28/);
  assert.match(y.stdout, /kubectl\.kubernetes\.io\/last-applied-configuration/);
  assert.match(y.stdout, /generation: 2/);
});

test("kubectl get deploy (table, wide, json)", async () => {
  if (!haveKubectl) return;
  const t = await kubectl(["get", "deploy"]);
  ok(t, "get deploy");
  assert.equal(rows(t.stdout)[0], ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
  assert.is(rows(t.stdout)[1][0], "web");
  const w = await kubectl(["get", "deploy", "-o", "wide"]);
  ok(w, "get -o wide");
  assert.equal(rows(w.stdout)[0], ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]);
  assert.equal(rows(w.stdout)[1].slice(5), ["nginx", "nginx:1.28", "app=web"]);
  const j = await kubectl(["get", "deploy", "web", "-o", "json"]);
  ok(j, "get -o json");
  assert.is(JSON.parse(j.stdout).spec.replicas, 2);
  const all = await kubectl(["get", "deploy", "-A", "--show-labels"]);
  ok(all, "get -A --show-labels");
  assert.equal(rows(all.stdout)[0], ["NAMESPACE", "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "LABELS"]);
  assert.equal([rows(all.stdout)[1][0], rows(all.stdout)[1][6]], ["default", "app=web"]);
});

test("kubectl get -w prints the list, then changes as they happen", async () => {
  if (!haveKubectl) return;
  const watching = kubectlUntil(["get", "cm", "-w"], (out) => /^c2\s+1\s+\S+\n/m.test(out));
  await new Promise((r) => setTimeout(r, 1500));
  const c = await kubectl(["create", "configmap", "c2", "--from-literal=x=1"]);
  ok(c, "create configmap c2");
  const out = await watching;
  const lines = rows(out);
  assert.equal(lines[0], ["NAME", "DATA", "AGE"]);
  assert.ok(lines.some((r) => r[0] === "c1"), out);
  assert.ok(lines.some((r) => r[0] === "c2" && r[1] === "1"), out);
});

test("kubectl scale, label, annotate", async () => {
  if (!haveKubectl) return;
  const s = await kubectl(["scale", "deploy", "web", "--replicas=5"]);
  ok(s, "scale");
  assert.is(s.stdout.trim(), "deployment.apps/web scaled");
  const r = await kubectl(["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]);
  assert.is(r.stdout, "5");
  const l = await kubectl(["label", "cm", "c1", "tier=db"]);
  ok(l, "label");
  assert.is(l.stdout.trim(), "configmap/c1 labeled");
  const an = await kubectl(["annotate", "cm", "c1", "note=hello"]);
  ok(an, "annotate");
  assert.is(an.stdout.trim(), "configmap/c1 annotated");
  const got = await kubectl(["get", "cm", "-l", "tier=db", "-o", "jsonpath={.items[*].metadata.annotations.note}"]);
  ok(got, "get -l");
  assert.is(got.stdout, "hello");
});

test("generators (typed clients, protobuf bodies): create deployment|service|secret|namespace|serviceaccount", async () => {
  if (!haveKubectl) return;
  const d = await kubectl(["create", "deployment", "gen", "--image=nginx:1.27", "--replicas=2", "--port=80"]);
  ok(d, "create deployment");
  assert.is(d.stdout.trim(), "deployment.apps/gen created");
  const dj = JSON.parse((await kubectl(["get", "deploy", "gen", "-o", "json"])).stdout);
  assert.is(dj.spec.replicas, 2);
  assert.equal(dj.spec.selector, { matchLabels: { app: "gen" } });
  assert.equal([dj.spec.template.spec.containers[0].image, dj.spec.template.spec.containers[0].ports[0].containerPort], ["nginx:1.27", 80]);
  const sv = await kubectl(["create", "service", "nodeport", "gen", "--tcp=80:8080"]);
  ok(sv, "create service");
  const sj = JSON.parse((await kubectl(["get", "svc", "gen", "-o", "json"])).stdout);
  assert.equal([sj.spec.type, sj.spec.ports[0].port, sj.spec.ports[0].targetPort], ["NodePort", 80, 8080]);
  ok(await kubectl(["create", "secret", "generic", "gen", "--from-literal=k=v"]), "create secret");
  assert.is((await kubectl(["get", "secret", "gen", "-o", "jsonpath={.data.k}"])).stdout, Buffer.from("v").toString("base64"));
  ok(await kubectl(["create", "namespace", "gen"]), "create namespace");
  ok(await kubectl(["create", "serviceaccount", "gen", "-n", "gen"]), "create serviceaccount");
  ok(await kubectl(["delete", "deploy/gen", "svc/gen", "secret/gen"]), "delete several");
});

test("kubectl auth can-i", async () => {
  if (!haveKubectl) return;
  const r = await kubectl(["auth", "can-i", "create", "deployments"]);
  ok(r, "auth can-i");
  assert.is(r.stdout.trim(), "yes");
  const all = await kubectl(["auth", "can-i", "delete", "nodes", "--all-namespaces"]);
  assert.is(all.stdout.trim(), "yes");
  // A user the cluster does not know is refused at authentication.
  const other = path.join(dir, "kubeconfig-stranger");
  writeKubeconfig(other, server.url, "not-a-token", server.ca);
  const no = await new Promise<Run>((resolve) => execFile(KUBECTL, ["--kubeconfig", other, "--cache-dir", path.join(dir, "cache"), "get", "pods"], { encoding: "utf8" }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr })));
  assert.is(no.code, 1);
  assert.match(no.stderr, /error: You must be logged in to the server \(Unauthorized\)/);
});

test("errors: invalid object, not found, unknown kind — the Kubernetes text, nothing stored", async () => {
  if (!haveKubectl) return;
  const bad = file("bad.yaml", DEPLOY(1, "x").replace("name: web\n", "name: bad\n").replace("        image: x\n", ""));
  const r = await kubectl(["create", "-f", bad]);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /The Deployment "bad" is invalid: spec\.template\.spec\.containers\[0\]\.image: Required value/);
  const nf = await kubectl(["get", "deploy", "bad"]);
  assert.is.not(nf.code, 0);
  assert.match(nf.stderr, /Error from server \(NotFound\): deployments\.apps "bad" not found/);
  const badName = await kubectl(["create", "configmap", "Not_A_Name"]);
  assert.is.not(badName.code, 0);
  assert.match(badName.stderr, /ConfigMap "Not_A_Name" is invalid: metadata\.name: Invalid value: "Not_A_Name"/);
  const kind = await kubectl(["apply", "-f", file("crd.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n")]);
  assert.is.not(kind.code, 0);
  assert.match(kind.stderr, /no matches for kind "Widget" in version "example\.com\/v1"/);
});

test("fieldValidation=Strict: an unknown field is refused (kubectl create -f)", async () => {
  if (!haveKubectl) return;
  const unknown = file("unknown.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c9\nbogus: 1\n");
  const u = await kubectl(["create", "-f", unknown]);
  assert.is.not(u.code, 0, `created anyway:\n${u.stdout}`);
  assert.match(u.stderr, /strict decoding error: unknown field "bogus"/);
  const nf = await kubectl(["get", "cm", "c9"]);
  assert.is.not(nf.code, 0);
  assert.match(nf.stderr, /Error from server \(NotFound\): configmaps "c9" not found/);
});

test("pods: get (Pending, no scheduler yet), get pod -w, describe, get all", async () => {
  if (!haveKubectl) return;
  const pod = file("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p1\n  labels: {app: p}\nspec:\n  containers:\n  - name: c\n    image: nginx\n");
  ok(await kubectl(["apply", "-f", pod]), "apply pod");
  const g = await kubectl(["get", "pods", "-o", "wide"]);
  ok(g, "get pods -o wide");
  assert.equal(rows(g.stdout)[0], ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]);
  assert.equal(rows(g.stdout)[1].slice(0, 4), ["p1", "0/1", "Pending", "0"]);
  const w = await kubectlUntil(["get", "pod", "p1", "-w"], (out) => /^p1\s.*\n/m.test(out));
  assert.match(w, /NAME\s+READY\s+STATUS/);
  const d = await kubectl(["describe", "pod", "p1"]);
  ok(d, "describe pod");
  assert.match(d.stdout, /Name:\s+p1/);
  assert.match(d.stdout, /Image:\s+nginx/);
  const all = await kubectl(["get", "all"]);
  ok(all, "get all");
  assert.match(all.stdout, /pod\/p1/);
  assert.match(all.stdout, /service\/kubernetes/);
  const n = await kubectl(["get", "pods", "-o", "name"]);
  assert.is(n.stdout.trim(), "pod/p1");
  const del = await kubectl(["delete", "pod", "p1"]);
  ok(del, "delete pod");
  assert.is(del.stdout.trim(), 'pod "p1" deleted');
});

test("policy tables: get quota, limits, pc (short names, the 1.32 printers' columns and cells)", async () => {
  if (!haveKubectl) return;
  const f = file("policy.yaml", `apiVersion: v1
kind: Namespace
metadata: {name: team}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: team}
spec: {hard: {pods: "10", configmaps: "4", limits.memory: 1Gi}}
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: team}
spec: {limits: [{type: Container, default: {cpu: 500m}}]}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: batch-low}
value: -10
preemptionPolicy: Never
`);
  ok(await kubectl(["create", "-f", f]), "create policy objects");
  // The quota's status is written when something is charged to it: one ConfigMap.
  ok(await kubectl(["-n", "team", "create", "configmap", "one"]), "create cm");
  const quota = await kubectl(["-n", "team", "get", "quota"]);
  ok(quota, "get quota");
  const q = rows(quota.stdout);
  assert.equal(q[0], ["NAME", "AGE", "REQUEST", "LIMIT"]);
  assert.is(q[1][0], "compute");
  assert.is(q[1][2], "configmaps: 1/4, pods: 0/10", quota.stdout);
  assert.is(q[1][3], "limits.memory: 0/1Gi", quota.stdout);
  const limits = await kubectl(["-n", "team", "get", "limits"]);
  ok(limits, "get limits");
  assert.equal(rows(limits.stdout), [["NAME", "CREATED AT"], ["defaults", rows(limits.stdout)[1][1]]]);
  assert.match(rows(limits.stdout)[1][1], /^2026-01-01T\d\d:\d\d:\d\dZ$/, "a timestamp, not an age");
  const pc = await kubectl(["get", "pc"]);
  ok(pc, "get pc");
  const p = rows(pc.stdout);
  assert.equal(p[0], ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]);
  const low = p.find((r) => r[0] === "batch-low")!;
  assert.equal([low[1], low[2], low[4]], ["-10", "false", "Never"], pc.stdout);
  const critical = p.find((r) => r[0] === "system-cluster-critical");
  assert.equal(critical && [critical[1], critical[4]], ["2000000000", "PreemptLowerPriority"], "bootstrapped, policy defaulted");
});

test("kubectl delete", async () => {
  if (!haveKubectl) return;
  const d = await kubectl(["delete", "cm", "c1"]);
  ok(d, "delete cm");
  assert.is(d.stdout.trim(), 'configmap "c1" deleted');
  const dd = await kubectl(["delete", "deploy", "web"]);
  ok(dd, "delete deploy");
  assert.is(dd.stdout.trim(), 'deployment.apps "web" deleted');
  const g = await kubectl(["get", "deploy"]);
  ok(g, "get deploy after delete");
  assert.match(g.stderr, /No resources found in default namespace\./);
});

test.run();
