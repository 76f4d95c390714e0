// The commands a Kubernetes user types every day, run with the real kubectl (v1.32) against
// `kubelab serve`: discovery (api-resources, get all), explain (OpenAPI v3 schemas), edit/patch/
// label/annotate, rollout history/pause/resume/restart/undo, wait, selectors and output formats,
// the create generators, cordon/taint, auth whoami, the health endpoints — and the features this
// cluster genuinely lacks (Jobs, metrics-server, server-side apply) failing the way a real
// server without them makes kubectl fail. One server for the whole file, at 8x the wall clock.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as path from "path";
import { haveKubectl, kubelabServe, rows } from "./kubelab-serve";

const cluster = kubelabServe({ seed: 7, nodes: 2, speed: 8, tmpPrefix: "kubelab-kubectl-daily-" });
const { kubectl, ok, fails } = cluster;

test.before(async () => {
  if (haveKubectl) await cluster.start();
});

test.after(() => {
  if (haveKubectl) cluster.stop();
});

test("api-resources: every kind with its short names, API version, scope and kind", async () => {
  if (!haveKubectl) return console.log("  (kubectl not found: skipped)");
  const out = rows(await ok("api-resources"));
  assert.equal(out[0], ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]);
  const byName = new Map(out.slice(1).map((r) => [r[0], r.slice(1).join(" ")]));
  assert.is(byName.get("poddisruptionbudgets"), "pdb policy/v1 true PodDisruptionBudget");
  assert.is(byName.get("resourcequotas"), "quota v1 true ResourceQuota");
  assert.is(byName.get("limitranges"), "limits v1 true LimitRange");
  assert.is(byName.get("priorityclasses"), "pc scheduling.k8s.io/v1 false PriorityClass");
  // No short names: the columns close up.
  assert.is(byName.get("leases"), "coordination.k8s.io/v1 true Lease");
  assert.is(byName.get("endpointslices"), "discovery.k8s.io/v1 true EndpointSlice");
  assert.is(byName.get("selfsubjectreviews"), "authentication.k8s.io/v1 false SelfSubjectReview");
  // -o wide adds the verbs; SelfSubjectReview takes create only.
  const wide = rows(await ok("api-resources", "-o", "wide", "--api-group=authentication.k8s.io"));
  assert.equal(wide[1], ["selfsubjectreviews", "authentication.k8s.io/v1", "false", "SelfSubjectReview", "create"]);
});

test("explain reads the OpenAPI v3 schemas: fields, types named after their refs, enums, required", async () => {
  if (!haveKubectl) return;
  const strategy = await ok("explain", "deployment.spec.strategy");
  assert.match(strategy, /^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n/);
  assert.match(strategy, /FIELD: strategy <DeploymentStrategy>/);
  assert.match(strategy, /rollingUpdate\t<RollingUpdateDeployment>/);
  assert.match(strategy, /type\t<string>\n  enum: Recreate, RollingUpdate/);
  assert.match(await ok("explain", "deploy.spec.strategy.rollingUpdate.maxSurge"), /FIELD: maxSurge <IntOrString>/);
  const containers = await ok("explain", "pods.spec.containers");
  assert.match(containers, /FIELD: containers <\[\]Container>/);
  assert.match(containers, /name\t<string> -required-/);
  assert.match(await ok("explain", "po.spec.containers.resources.limits"), /FIELD: limits <map\[string\]Quantity>/);
  const recursive = await ok("explain", "deployment.spec", "--recursive");
  assert.match(recursive, /template\t<PodTemplateSpec> -required-\n\s+metadata\t<ObjectMeta>/);
  assert.match(await fails("explain", "svc.spec.bogus"), /field "bogus" does not exist/);
});

test("auth whoami: the caller's user info (SelfSubjectReview)", async () => {
  if (!haveKubectl) return;
  const out = rows(await ok("auth", "whoami"));
  assert.equal(out, [["ATTRIBUTE", "VALUE"], ["Username", "kubernetes-admin"], ["Groups", "[system:masters system:authenticated]"]]);
});

test("what the cluster does not have fails as on a real server without it", async () => {
  if (!haveKubectl) return;
  // No batch group: the typed client's POST finds no resource (404), whatever its protobuf body.
  assert.match(await fails("create", "job", "j", "--image=busybox"), /error: failed to create job: the server could not find the requested resource/);
  assert.match(await fails("get", "jobs"), /the server doesn't have a resource type "jobs"/);
  // No metrics.k8s.io (no metrics-server).
  assert.match(await fails("top", "nodes"), /error: Metrics API not available/);
  // No server-side apply: a clear 415 that does not list apply-patch+yaml.
  fs.writeFileSync(path.join(cluster.dir, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: \"1\"\n");
  const ssa = await fails("apply", "--server-side", "-f", path.join(cluster.dir, "cm.yaml"));
  assert.match(ssa, /Server-side apply not available on the server/);
  assert.not.match(ssa, /accepted media types include:[^(]*apply-patch/);
});

test("get --raw: /healthz /livez /readyz, ?verbose lists the checks, one check by path", async () => {
  if (!haveKubectl) return;
  for (const p of ["/healthz", "/livez", "/readyz", "/readyz/etcd"]) assert.is(await ok("get", "--raw", p), "ok");
  const verbose = (await ok("get", "--raw", "/readyz?verbose")).trim().split("\n");
  assert.is(verbose[0], "[+]ping ok");
  assert.ok(verbose.includes("[+]etcd ok") && verbose.includes("[+]informer-sync ok"), verbose.join("\n"));
  assert.is(verbose[verbose.length - 1], "readyz check passed");
  assert.match(await fails("get", "--raw", "/readyz/nope"), /NotFound/);
});

test("a Deployment: get all, edit with $EDITOR, patch json/merge/strategic, rollout history", async () => {
  if (!haveKubectl) return;
  await ok("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2");
  await ok("rollout", "status", "deployment/web", "--timeout=30s");
  const all = await ok("get", "all");
  for (const section of ["pod/web-", "service/kubernetes", "deployment.apps/web", "replicaset.apps/web-"]) assert.ok(all.includes(section), all);
  assert.match(all, /deployment\.apps\/web\s+2\/2\s+2\s+2/);
  const allNs = await ok("get", "all", "-A");
  assert.match(allNs, /^NAMESPACE\s+NAME\s+READY/);
  assert.match(allNs, /default\s+deployment\.apps\/web/);

  const editor = path.join(cluster.dir, "editor.sh");
  fs.writeFileSync(editor, "#!/bin/sh\nsed -i 's/replicas: 2/replicas: 3/' \"$1\"\n", { mode: 0o755 });
  const edit = await kubectl(["edit", "deployment/web"], { EDITOR: editor, KUBE_EDITOR: editor });
  assert.is(edit.code, 0, edit.stderr);
  assert.is(edit.stdout.trim(), "deployment.apps/web edited");
  assert.is(await ok("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"), "3");

  assert.is((await ok("patch", "deploy", "web", "--type=json", "-p", '[{"op":"replace","path":"/spec/replicas","value":2}]')).trim(), "deployment.apps/web patched");
  await ok("patch", "deploy", "web", "--type=merge", "-p", '{"metadata":{"labels":{"tier":"fe"}}}');
  // A JSON patch on a missing path, or a failing test op, is the server's 422 (kubectl: "The request is invalid").
  assert.match(await fails("patch", "deploy", "web", "--type=json", "-p", '[{"op":"replace","path":"/spec/nope/x","value":1}]'), /The request is invalid: .*missing path.*\/spec\/nope\/x/);
  assert.match(await fails("patch", "deploy", "web", "--type=json", "-p", '[{"op":"test","path":"/spec/replicas","value":5}]'), /The request is invalid: testing value \/spec\/replicas failed/);
  // Strategic merge: the container list is merged by name, the image changed in place.
  await ok("patch", "deploy", "web", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}');
  const d = JSON.parse(await ok("get", "deploy", "web", "-o", "json"));
  assert.is(d.spec.replicas, 2);
  assert.is(d.metadata.labels.tier, "fe");
  assert.equal(d.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`), ["nginx=nginx:1.28"]);
  await ok("rollout", "status", "deployment/web", "--timeout=30s");
  const history = rows(await ok("rollout", "history", "deployment/web"));
  assert.equal(history.slice(1), [["REVISION", "CHANGE-CAUSE"], ["1", "<none>"], ["2", "<none>"]]);
  assert.match(await ok("rollout", "history", "deployment/web", "--revision=2"), /Image:\s+nginx:1\.28/);
});

test("label and annotate: --overwrite, and removal with key-", async () => {
  if (!haveKubectl) return;
  assert.match(await fails("label", "deploy", "web", "tier=be"), /'tier' already has a value \(fe\), and --overwrite is false/);
  assert.is((await ok("label", "deploy", "web", "tier=be", "--overwrite")).trim(), "deployment.apps/web labeled");
  assert.is(await ok("get", "deploy", "web", "-o", "jsonpath={.metadata.labels.tier}"), "be");
  assert.is((await ok("label", "deploy", "web", "tier-")).trim(), "deployment.apps/web unlabeled");
  await ok("annotate", "deploy", "web", "note=x");
  await fails("annotate", "deploy", "web", "note=y");
  await ok("annotate", "deploy", "web", "note=y", "--overwrite");
  assert.is(await ok("get", "deploy", "web", "-o", "jsonpath={.metadata.annotations.note}"), "y");
  await ok("annotate", "deploy", "web", "note-");
  const meta = JSON.parse(await ok("get", "deploy", "web", "-o", "json")).metadata;
  assert.is(meta.labels.tier, undefined);
  assert.is(meta.annotations.note, undefined);
});

test("rollout pause/resume/restart/undo and wait --for=condition", async () => {
  if (!haveKubectl) return;
  assert.is((await ok("rollout", "pause", "deployment/web")).trim(), "deployment.apps/web paused");
  assert.is(await ok("get", "deploy", "web", "-o", "jsonpath={.spec.paused}"), "true");
  assert.match(await fails("rollout", "pause", "deployment/web"), /already paused/);
  assert.is((await ok("rollout", "resume", "deployment/web")).trim(), "deployment.apps/web resumed");
  assert.is((await ok("rollout", "restart", "deployment/web")).trim(), "deployment.apps/web restarted");
  assert.match(await ok("get", "deploy", "web", "-o", "jsonpath={.spec.template.metadata.annotations}"), /kubectl\.kubernetes\.io\/restartedAt/);
  await ok("rollout", "status", "deployment/web", "--timeout=30s");
  assert.is((await ok("rollout", "undo", "deployment/web", "--to-revision=1")).trim(), "deployment.apps/web rolled back");
  await ok("rollout", "status", "deployment/web", "--timeout=30s");
  assert.is(await ok("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"), "nginx:1.27");
  assert.match(await ok("wait", "--for=condition=Available", "deployment/web", "--timeout=20s"), /deployment\.apps\/web condition met/);
  const podNames = (await ok("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}")).split(" ");
  const waited = await ok("wait", "--for=condition=Ready", "pod", ...podNames, "--timeout=20s");
  for (const p of podNames) assert.ok(waited.includes(`pod/${p} condition met`), waited);
});

test("selectors and output formats: field selectors, set-based labels, jsonpath, custom-columns, go-template", async () => {
  if (!haveKubectl) return;
  const running = rows(await ok("get", "pods", "--field-selector", "status.phase=Running", "-l", "app=web"));
  assert.is(running.length - 1, 2);
  assert.ok(running.slice(1).every((r) => r[2] === "Running"));
  assert.match((await kubectl(["get", "pods", "--field-selector", "status.phase=Pending"])).stderr, /No resources found in default namespace\./);
  assert.match(await fails("get", "pods", "--field-selector", "foo=bar"), /field label not supported: foo/);
  assert.match(await fails("get", "cm", "--field-selector", "foo=bar"), /"foo" is not a known field selector: only "metadata\.name", "metadata\.namespace"/);
  assert.is(rows(await ok("get", "pods", "-l", "app in (web,other)")).length - 1, 2);
  assert.match((await kubectl(["get", "pods", "-l", "app notin (web)"])).stderr, /No resources found/);
  assert.is(await ok("get", "deploy", "-o", "jsonpath={.items[*].metadata.name}"), "web");
  assert.equal(rows(await ok("get", "deploy", "-o", "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas,IMAGE:.spec.template.spec.containers[0].image")), [
    ["NAME", "REPLICAS", "IMAGE"],
    ["web", "2", "nginx:1.27"],
  ]);
  assert.is(await ok("get", "deploy", "-o", "go-template={{range .items}}{{.metadata.name}}:{{.status.readyReplicas}}{{\"\\n\"}}{{end}}"), "web:2\n");
  // Events sorted by lastTimestamp: the deployment controller's scaling events are there, in time order.
  const events = await ok("get", "events", "--sort-by=.lastTimestamp", "-o", "jsonpath={range .items[*]}{.lastTimestamp} {.reason}{\"\\n\"}{end}");
  const times = events.trim().split("\n").map((l) => l.split(" ")[0]);
  assert.ok(times.length > 3 && events.includes("ScalingReplicaSet"), events);
  assert.equal(times, [...times].sort());
});

test("create configmap / secret generic --from-literal; diff -f", async () => {
  if (!haveKubectl) return;
  assert.is((await ok("create", "configmap", "cfg", "--from-literal=a=1", "--from-literal=b=2")).trim(), "configmap/cfg created");
  assert.is((await ok("create", "secret", "generic", "sec", "--from-literal=pw=s3cret")).trim(), "secret/sec created");
  assert.equal(JSON.parse(await ok("get", "cm", "cfg", "-o", "jsonpath={.data}")), { a: "1", b: "2" });
  assert.is(Buffer.from(await ok("get", "secret", "sec", "-o", "jsonpath={.data.pw}"), "base64").toString(), "s3cret");
  assert.is(await ok("get", "secret", "sec", "-o", "jsonpath={.type}"), "Opaque");
  // diff: exit 1 and a unified diff when the live object differs, exit 0 when it does not.
  const file = path.join(cluster.dir, "cfg.yaml");
  fs.writeFileSync(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: \"1\"\n  b: \"3\"\n");
  const diff = await kubectl(["diff", "-f", file]);
  assert.is(diff.code, 1, diff.stderr);
  assert.match(diff.stdout, /-  b: "2"\n\+  b: "3"/);
  fs.writeFileSync(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: \"1\"\n  b: \"2\"\n");
  const same = await kubectl(["diff", "-f", file]);
  assert.is(same.code, 0, same.stdout + same.stderr);
  assert.is(same.stdout, "");
});

test("cordon/uncordon and taint/untaint a node", async () => {
  if (!haveKubectl) return;
  assert.is((await ok("cordon", "node-1")).trim(), "node/node-1 cordoned");
  assert.equal(rows(await ok("get", "node", "node-1"))[1].slice(0, 2), ["node-1", "Ready,SchedulingDisabled"]);
  assert.is((await ok("uncordon", "node-1")).trim(), "node/node-1 uncordoned");
  assert.is(await ok("get", "node", "node-1", "-o", "jsonpath={.spec.unschedulable}"), "");
  assert.is((await ok("taint", "nodes", "node-1", "key=value:NoSchedule")).trim(), "node/node-1 tainted");
  assert.equal(JSON.parse(await ok("get", "node", "node-1", "-o", "jsonpath={.spec.taints}")), [{ effect: "NoSchedule", key: "key", value: "value" }]);
  assert.match(await fails("taint", "nodes", "node-1", "key=other:NoSchedule"), /already has key taint\(s\) with same effect\(s\) and --overwrite is false/);
  assert.is((await ok("taint", "nodes", "node-1", "key:NoSchedule-")).trim(), "node/node-1 untainted");
  assert.is(await ok("get", "node", "node-1", "-o", "jsonpath={.spec.taints}"), "");
});

test("wait --for=delete: returns once the pod is gone", async () => {
  if (!haveKubectl) return;
  await ok("run", "solo", "--image=nginx:1.27");
  await ok("wait", "--for=condition=Ready", "pod/solo", "--timeout=20s");
  await ok("delete", "pod", "solo", "--wait=false");
  assert.match(await ok("wait", "--for=delete", "pod/solo", "--timeout=30s"), /pod\/solo condition met/);
  assert.match(await fails("get", "pod", "solo"), /pods "solo" not found/);
});

test.run();
