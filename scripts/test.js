#!/usr/bin/env node
// npm test: the type check, every uvu suite in test/, then every notebook through the real
// tslab kernel. Ends with one line "N passed, N failed" (what CI reads).
"use strict";
const { spawnSync } = require("child_process");
const path = require("path");

const root = path.resolve(__dirname, "..");
let passed = 0;
let failed = 0;
const failures = [];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" }, maxBuffer: 1 << 28, ...opts });
  return { code: r.status, out: (r.stdout || "") + (r.stderr || "") };
}
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");

// 1. Types: the engine must compile under strict TypeScript.
{
  process.stdout.write("== typecheck (tsc --noEmit)\n");
  const r = run(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "."]);
  if (r.code === 0) passed++;
  else {
    failed++;
    failures.push("typecheck");
    process.stdout.write(r.out);
  }
}

// 1b. The same sources as tslab compiles them for a notebook: TypeScript 5.0.4 (tslab's own),
// not strict. Code that only the newer or stricter compiler accepts would fail in a cell.
{
  process.stdout.write("== typecheck as tslab (TypeScript 5.0, tsconfig.tslab.json)\n");
  const r = run(process.execPath, [path.join(root, "node_modules", "@tslab", "typescript-for-tslab", "bin", "tsc"), "-p", "tsconfig.tslab.json"]);
  if (r.code === 0) passed++;
  else {
    failed++;
    failures.push("typecheck as tslab");
    process.stdout.write(r.out);
  }
}

// 2. Unit tests: uvu over test/**/*.test.ts, TypeScript loaded by tsx.
{
  process.stdout.write("== unit tests (uvu)\n");
  const pattern = process.env.KUBELAB_TEST_PATTERN || "\\.test\\.ts$";
  // A suite that leaves a handle open would keep the runner alive forever: cap it at 15 minutes.
  const r = run(process.execPath, ["--import", "tsx", path.join(root, "node_modules", "uvu", "bin.js"), "test", pattern], { timeout: 15 * 60 * 1000 });
  if (r.code === null) process.stdout.write("unit tests: timed out after 15 minutes (a test left a server, socket or timer open?)\n");
  const out = strip(r.out);
  process.stdout.write(out.split("\n").filter((l) => !/^[\s•✘]*$/.test(l) || l.includes("✘")).join("\n") + "\n");
  const total = Number((out.match(/Total:\s+(\d+)/) || [])[1] || 0);
  const ok = Number((out.match(/Passed:\s+(\d+)/) || [])[1] || 0);
  const skipped = Number((out.match(/Skipped:\s+(\d+)/) || [])[1] || 0);
  if (total === 0 || r.code !== 0 && total === ok + skipped) {
    // The runner died before or after counting (a file that does not load): one failure.
    failed++;
    failures.push("uvu run");
  }
  passed += ok;
  failed += total - ok - skipped;
  if (total - ok - skipped > 0) failures.push(`${total - ok - skipped} unit test(s)`);
}

// 3. Notebooks: executed through real Jupyter and the tslab kernel.
if (process.env.KUBELAB_SKIP_NOTEBOOKS !== "1") {
  process.stdout.write("== notebooks (tslab kernel)\n");
  const { testNotebooks } = require("./notebooks-test.js");
  const results = testNotebooks();
  for (const r of results) {
    process.stdout.write(`${r.ok ? "ok  " : "FAIL"} ${r.name}${r.ok ? "" : "\n" + r.error}\n`);
    if (r.ok) passed++;
    else {
      failed++;
      failures.push(r.name);
    }
  }
}

if (failures.length) process.stdout.write(`\nfailed: ${failures.join(", ")}\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
