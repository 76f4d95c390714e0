import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "child_process";
import * as path from "path";

const bin = path.resolve(__dirname, "..", "bin", "kubelab.js");
const kubelab = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test("kubelab version prints the package version", () => {
  const r = kubelab("version");
  assert.is(r.code, 0);
  assert.match(r.out, /^kubelab \d+\.\d+\.\d+\n$/);
});

test("an unknown sub-command gets the usage and exit code 2", () => {
  const r = kubelab("frobnicate");
  assert.is(r.code, 2);
  assert.match(r.err, /unknown command "frobnicate"/);
  assert.match(r.err, /Usage: kubelab <command>/);
});

test("an unknown flag gets the usage and exit code 2", () => {
  const r = kubelab("version", "--loud");
  assert.is(r.code, 2);
  assert.match(r.err, /unknown flag or argument "--loud"/);
});

test("no arguments: usage, non-zero; --help: usage, zero", () => {
  assert.is(kubelab().code, 2);
  const h = kubelab("--help");
  assert.is(h.code, 0);
  assert.match(h.out, /Commands:[\s\S]*\n\s+course\s/);
  assert.match(h.out, /\n\s+etcd\s/);
  assert.match(h.out, /\n\s+serve\s/);
});

test.run();
