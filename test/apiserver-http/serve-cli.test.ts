// `kubelab serve` as a user runs it: a child process serving a seeded cluster (API server,
// kube-controller-manager, kube-scheduler, stand-in nodes), a kubeconfig written, and the real kubectl talking to
// it. The controllers at work through kubectl are in kubectl-controllers.test.ts.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile, spawnSync } from "child_process";
import * as path from "path";
import { KUBECTL, KUBELAB_BIN as bin, haveKubectl, kubelabServe } from "./kubelab-serve";

/** Starts `kubelab serve` (seed and nodes as given); resolves with its output once it serves, and a kubectl runner that throws on failure. */
async function serve(opts: { seed?: number; nodes?: number }) {
  const server = kubelabServe(opts);
  await server.start();
  const { out, kubeconfig: kc, dir } = server;
  const run = (cmd: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile(KUBECTL, ["--kubeconfig", kc, "--cache-dir", path.join(dir, "cache"), ...cmd], { encoding: "utf8", timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(stderr || String(err))) : resolve(stdout + stderr))),
    );
  return { out, kc, run, stop: server.stop };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("kubelab serve --port 0 --kubeconfig F --nodes 2: kubectl get nodes, ns", async () => {
  if (!haveKubectl) return console.log("  (kubectl not found: skipped)");
  const { out, kc, run, stop } = await serve({ seed: 5, nodes: 2 });
  try {
    assert.match(out, /\(seed 5: kube-controller-manager, kube-scheduler, 2 stand-in nodes\) serving the Kubernetes API on https:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, new RegExp(`kubectl --kubeconfig ${kc.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} get ns`));
    // The stand-in nodes register themselves (their kubelets) once the API server is ready.
    let nodes = "";
    for (let i = 0; i < 20 && nodes.trim() !== "node/node-1\nnode/node-2"; i++, await sleep(100)) nodes = await run(["get", "nodes", "-o", "name"]);
    assert.is(nodes.trim(), "node/node-1\nnode/node-2");
    const ns = await run(["get", "ns", "-o", "name"]);
    assert.match(ns, /namespace\/default/);
    assert.match(ns, /namespace\/kube-system/);
    assert.match(ns, /namespace\/kube-node-lease/);
    // Live mode starts virtual time at the wall clock: a namespace created at start-up is
    // seconds old, not months (kubectl describe computes event ages against this machine's clock).
    const created = Date.parse(await run(["get", "ns", "default", "-o", "jsonpath={.metadata.creationTimestamp}"]));
    assert.ok(Math.abs(Date.now() - created) < 120_000, `default was created at ${new Date(created).toISOString()}`);
  } finally {
    stop();
  }
});

test("kubelab serve --nodes 0: the controllers run, but no node takes the pods (Pending)", async () => {
  if (!haveKubectl) return;
  const { out, run, stop } = await serve({ nodes: 0 });
  try {
    assert.match(out, /\(seed 1: kube-controller-manager, kube-scheduler, 0 stand-in nodes\)/);
    assert.match(await run(["get", "nodes"]), /^No resources found\n$/);
    assert.is((await run(["create", "deployment", "web", "--image=nginx:1.27", "--replicas=2"])).trim(), "deployment.apps/web created");
    // The deployment and replicaset controllers make the pods; nothing binds them.
    let pods: string[][] = [];
    for (let i = 0; i < 30 && pods.length < 2; i++, await sleep(100))
      pods = (await run(["get", "pods", "-l", "app=web", "--no-headers", "-o", "custom-columns=NAME:.metadata.name,PHASE:.status.phase,NODE:.spec.nodeName"]))
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("web-"))
        .map((l) => l.trim().split(/\s+/));
    assert.is(pods.length, 2);
    for (const p of pods) assert.equal(p.slice(1), ["Pending", "<none>"]);
  } finally {
    stop();
  }
});

test("kubelab serve without --kubeconfig is a usage error", () => {
  const r = spawnSync(process.execPath, [bin, "serve", "--port", "0"], { encoding: "utf8" });
  assert.is(r.status, 2);
  assert.match(r.stderr, /--kubeconfig FILE is required/);
});

test("kubelab serve --speed must be a positive number", () => {
  for (const bad of ["0", "-1", "fast"]) {
    const r = spawnSync(process.execPath, [bin, "serve", "--port", "0", "--kubeconfig", "/dev/null", `--speed=${bad}`], { encoding: "utf8" });
    assert.is(r.status, 2, `--speed=${bad}`);
    assert.match(r.stderr, /kubelab serve: --speed must be a (positive )?number/);
  }
});

test.run();
