// A project-local Jupyter: a Python venv at .venv with JupyterLab, nbclient and nbconvert,
// and the project's own tslab registered in it as the kernel "tslab". Shared by course.js,
// lab.js and notebooks-test.js. ensure() is idempotent and costs a few stat calls once set up.
"use strict";
const fs = require("fs");
const path = require("path");
const cp = require("child_process");

const ROOT = path.resolve(__dirname, "..");
const VENV = path.join(ROOT, ".venv");
const PY = path.join(VENV, "bin", "python");
const STAMP = path.join(VENV, "kubelab-stamp.json");
const TSLAB = path.join(ROOT, "node_modules", "tslab", "bin", "tslab");
const KERNEL_JSON = path.join(VENV, "share", "jupyter", "kernels", "tslab", "kernel.json");

// Ranges, not pins: pip here installs from the machine's package index. nbconvert and its
// lab template decide the HTML bytes, so a change of these re-runs the install.
const PACKAGES = ["jupyterlab>=4.4,<5", "nbclient>=0.10,<1", "nbconvert>=7.16,<8"];

// The kernel is started as `<this node> scripts/kernel.js kernel ...` with absolute paths, so it
// does not depend on PATH (tslab's own bin starts with `#!/usr/bin/env node`); kernel.js runs
// the project's tslab from the project root (why: see there).
const KERNEL_ARGV = [process.execPath, path.join(__dirname, "kernel.js"), "kernel", "--config-path", "{connection_file}"];

const dirs = {
  root: ROOT,
  notebooks: path.resolve(process.env.KUBELAB_NOTEBOOKS || path.join(ROOT, "notebooks")),
  site: path.resolve(process.env.KUBELAB_SITE || path.join(ROOT, "site")),
  executed: path.resolve(process.env.KUBELAB_BUILD || path.join(ROOT, "build"), "executed"),
};

const log = (msg) => process.stderr.write(`kubelab: ${msg}\n`);

function run(cmd, args, opts = {}) {
  const r = cp.spawnSync(cmd, args, { encoding: "utf8", ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return r;
}

function check(r, what) {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr || r.stdout}`);
}

function readJson(file) {
  try { return JSON.parse(fs.readFileSync(file, "utf8")); } catch { return null; }
}

const stampOk = () => JSON.stringify(readJson(STAMP)) === JSON.stringify(PACKAGES);
const kernelOk = () => JSON.stringify((readJson(KERNEL_JSON) || {}).argv) === JSON.stringify(KERNEL_ARGV);
const ready = () => fs.existsSync(PY) && fs.existsSync(path.join(VENV, "bin", "jupyter-lab")) && stampOk() && kernelOk(); // existsSync follows the python symlink

function ensure() {
  if (ready()) return PY;
  if (!fs.existsSync(TSLAB)) throw new Error(`${TSLAB} is missing: run npm install first`);
  withLock(() => {
    if (ready()) return; // another process set it up while we waited
    const t0 = Date.now();
    if (!fs.existsSync(PY) || run(PY, ["-c", "import sys"]).status !== 0) createVenv();
    if (!stampOk()) {
      log("installing jupyterlab, nbclient, nbconvert into .venv (about 20 s)");
      // --retries 0: with retries pip waits >10 min on an unreachable index instead of failing.
      check(run(PY, ["-m", "pip", "install", "--retries", "0", "-q", ...PACKAGES]), "pip install (it needs a reachable Python package index)");
      fs.writeFileSync(STAMP, JSON.stringify(PACKAGES));
    }
    if (!kernelOk()) {
      check(run(process.execPath, [TSLAB, "install", `--python=${PY}`, "--sys-prefix", `--binary=${TSLAB}`]), "tslab install");
      // tslab install writes argv[0] = --binary; prepend this node (see KERNEL_ARGV).
      const spec = readJson(KERNEL_JSON);
      fs.writeFileSync(KERNEL_JSON, JSON.stringify({ ...spec, argv: KERNEL_ARGV }, null, 1) + "\n");
    }
    log(`.venv ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
  return PY;
}

function createVenv() {
  const python = process.env.KUBELAB_PYTHON || "python3";
  fs.rmSync(VENV, { recursive: true, force: true });
  log(`creating .venv with ${python}`);
  let r = run(python, ["-m", "venv", VENV]);
  if (r.status !== 0 && /ensurepip|venv/.test(r.stderr) && process.getuid?.() === 0 && hasApt()) {
    // Debian splits venv/ensurepip out of python3 into python3-venv.
    log("python3 cannot create a venv; installing python3-venv with apt-get");
    run("sh", ["-c", "apt-get update && apt-get install -y python3-venv"], { stdio: "inherit" });
    fs.rmSync(VENV, { recursive: true, force: true });
    r = run(python, ["-m", "venv", VENV]);
  }
  if (r.status !== 0) {
    fs.rmSync(VENV, { recursive: true, force: true });
    throw new Error(`\`${python} -m venv\` failed:\n${r.stderr}\n` +
      "Install Python 3 with venv support, e.g. on Debian/Ubuntu: sudo apt-get install -y python3 python3-venv\n" +
      "(or point KUBELAB_PYTHON at a python3 that has venv).");
  }
}

const hasApt = () => run("sh", ["-c", "command -v apt-get"]).status === 0;

// Two processes (say `npm test` and `npm run course`) may set up .venv at once: a directory
// lock serialises them. A lock older than 15 min is taken to be left by a killed process.
function withLock(fn) {
  const lock = `${VENV}.lock`;
  for (;;) {
    try { fs.mkdirSync(lock); break; } catch (e) {
      if (e.code !== "EEXIST") throw e;
      try { if (Date.now() - fs.statSync(lock).mtimeMs > 15 * 60e3) fs.rmSync(lock, { recursive: true, force: true }); } catch {}
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try { return fn(); } finally { fs.rmSync(lock, { recursive: true, force: true }); }
}

function listNotebooks(dir = dirs.notebooks) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort().map((f) => path.join(dir, f));
}

// A path as messages show it: relative to the project when inside it.
const shown = (p) => (path.relative(ROOT, p).startsWith("..") ? p : path.relative(ROOT, p));

// Executes one notebook on the tslab kernel (scripts/execute.py) and writes the executed copy
// to `out`. Returns { ok, seconds, error } where error names the notebook, cell and error.
function executeNotebook(notebook, out, { timeout = 300 } = {}) {
  ensure();
  const t0 = Date.now();
  const r = cp.spawnSync(PY, [path.join(__dirname, "execute.py"), shown(notebook), out, "--timeout", String(timeout)],
    { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 });
  const seconds = (Date.now() - t0) / 1000;
  // execute.py prints only its verdict on stdout; stderr is kernel/Jupyter chatter, shown only
  // when the executor itself broke (exit code other than 0 and 1).
  const error = r.status === 0 ? null
    : r.status === 1 ? r.stdout.trim()
    : `${shown(notebook)}: executor failed (${r.error ? r.error.message : `exit ${r.status}`})\n${r.stdout}${r.stderr}`.trim();
  return { ok: r.status === 0, seconds, error };
}

module.exports = { ensure, dirs, listNotebooks, executeNotebook, shown, PY, VENV, ROOT, log };

if (require.main === module) {
  try { ensure(); console.log(PY); } catch (e) { console.error(`kubelab: ${e.message}`); process.exit(1); }
}
