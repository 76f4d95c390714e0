// `kubelab serve` as a user runs it: a child process serving a seeded cluster, a kubeconfig
// written, and the real kubectl listing the stand-in nodes through it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const KUBECTL = process.env.KUBECTL || "kubectl";
const haveKubectl = spawnSync(KUBECTL, ["version", "--client"], { encoding: "utf8" }).status === 0;
const bin = path.resolve(__dirname, "..", "..", "bin", "kubelab.js");

test("kubelab serve --port 0 --kubeconfig F --nodes 2: kubectl get nodes, ns", async () => {
  if (!haveKubectl) return console.log("  (kubectl not found: skipped)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-serve-"));
  const kc = path.join(dir, "kubeconfig");
  const child = spawn(process.execPath, [bin, "serve", "--port", "0", "--kubeconfig", kc, "--seed", "5", "--nodes", "2"]);
  try {
    let out = "";
    child.stdout.setEncoding("utf8");
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kubelab serve did not start:\n${out}`)), 30_000);
      child.stdout.on("data", (d: string) => {
        out += d;
        if (out.includes("get ns")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`kubelab serve exited (${code}):\n${out}`)));
    });
    assert.match(out, /serving the Kubernetes API on https:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, new RegExp(`kubectl --kubeconfig ${kc.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} get ns`));
    const run = (args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile(KUBECTL, ["--kubeconfig", kc, "--cache-dir", path.join(dir, "cache"), ...args], { encoding: "utf8", timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(stderr || String(err))) : resolve(stdout))),
      );
    const nodes = await run(["get", "nodes", "-o", "name"]);
    assert.is(nodes.trim(), "node/node-1\nnode/node-2");
    const ns = await run(["get", "ns", "-o", "name"]);
    assert.match(ns, /namespace\/default/);
    assert.match(ns, /namespace\/kube-system/);
  } finally {
    child.kill("SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("kubelab serve without --kubeconfig is a usage error", () => {
  const r = spawnSync(process.execPath, [bin, "serve", "--port", "0"], { encoding: "utf8" });
  assert.is(r.status, 2);
  assert.match(r.stderr, /--kubeconfig FILE is required/);
});

test.run();
