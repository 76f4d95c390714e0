// What the real-kubectl test files share: finding kubectl, running `kubelab serve` as a child
// process (the command a user types), and running kubectl against it.
//
//   const cluster = kubelabServe({ seed: 11, speed: 4, tmpPrefix: "kubelab-kubectl-ctl-" });
//   const { ok, eventually } = cluster;
//   test.before(async () => { if (haveKubectl) await cluster.start(); });
//   test.after(() => { if (haveKubectl) cluster.stop(); });
//   test("...", async () => { if (!haveKubectl) return; rows(await ok("get", "nodes")); });
//
// The handle exists before the server does, so a test file can take `ok`, `eventually`, ...
// apart at the top and call them as plain functions once `start()` has run.
//
// Every kubectl gets the server's kubeconfig and its own --cache-dir (one per server), so the
// discovery cache never holds another server's API; --request-timeout 20s makes a request the
// server never answers fail rather than hang.
import * as assert from "uvu/assert";
import { ChildProcess, execFile, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The kubectl binary: $KUBECTL, or kubectl on the PATH. */
export const KUBECTL = process.env.KUBECTL || "kubectl";

/** Whether kubectl runs on this machine; the files that need it skip their tests without it. */
export const haveKubectl = spawnSync(KUBECTL, ["version", "--client"], { encoding: "utf8" }).status === 0;

/** The `kubelab` command (bin/kubelab.js), run with this node. */
export const KUBELAB_BIN = path.resolve(__dirname, "..", "..", "bin", "kubelab.js");

/** A finished kubectl: its exit code and what it printed. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Splits kubectl's table output into rows of cells (header first): columns are 2+ spaces apart. */
export const rows = (out: string) => out.trim().split("\n").map((l) => l.trim().split(/\s{2,}/));

export interface ServeOptions {
  /** --seed; left out, the server's default. */
  seed?: number;
  /** --nodes (stand-in nodes); left out, the server's default. */
  nodes?: number;
  /** --speed (virtual seconds per wall second); left out, the server's default (1). */
  speed?: number;
  /** The temporary folder's name prefix (kubeconfig, kubectl's cache, files a test writes). */
  tmpPrefix?: string;
  /** How long one kubectl may run before it is killed (ms). */
  kubectlTimeoutMs?: number;
}

export interface KubelabServe {
  /** Starts the server; resolves once it prints its "kubectl --kubeconfig F get ns" line (30 s at most). */
  start(): Promise<void>;
  /** Stops the server (SIGTERM) and removes the temporary folder. */
  stop(): void;
  /** The temporary folder (after start). */
  readonly dir: string;
  /** The kubeconfig the server wrote (after start). */
  readonly kubeconfig: string;
  /** What the server printed up to its startup line, stdout and stderr (after start). */
  readonly out: string;
  /** Runs kubectl with args (and extra environment variables); never rejects. */
  kubectl(args: string[], env?: Record<string, string>): Promise<Run>;
  /** Runs kubectl, asserts it exits 0, and returns its stdout. */
  ok(...args: string[]): Promise<string>;
  /** Runs kubectl, asserts it fails, and returns its stderr. */
  fails(...args: string[]): Promise<string>;
  /** Runs `ok(...args)` every 200 ms until check(stdout) holds (the controllers are eventually consistent), 10 s at most. */
  eventually(args: string[], check: (out: string) => boolean): Promise<string>;
}

/** A `kubelab serve --port 0 --kubeconfig F [--seed] [--nodes] [--speed]` child process, not yet started. */
export function kubelabServe(opts: ServeOptions = {}): KubelabServe {
  const { tmpPrefix = "kubelab-serve-", kubectlTimeoutMs = 60_000 } = opts;
  let server: ChildProcess | undefined;
  let dir = "";
  let kubeconfig = "";
  let out = "";

  const stop = () => {
    server?.kill("SIGTERM");
    server = undefined;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  };

  const start = async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
    kubeconfig = path.join(dir, "kubeconfig");
    const flags = [["--seed", opts.seed], ["--nodes", opts.nodes], ["--speed", opts.speed]].flatMap(([flag, v]) => (v === undefined ? [] : [String(flag), String(v)]));
    const child = spawn(process.execPath, [KUBELAB_BIN, "serve", "--port", "0", "--kubeconfig", kubeconfig, ...flags]);
    server = child;
    out = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`kubelab serve did not start:\n${out}`)), 30_000);
        child.stdout.on("data", (d: string) => {
          out += d;
          if (out.includes("get ns")) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.stderr.on("data", (d: string) => (out += d));
        child.on("exit", (code) => reject(new Error(`kubelab serve exited (${code}):\n${out}`)));
      });
    } catch (e) {
      stop();
      throw e;
    }
  };

  const kubectl = (args: string[], env: Record<string, string> = {}) =>
    new Promise<Run>((resolve) => {
      const argv = ["--kubeconfig", kubeconfig, "--cache-dir", path.join(dir, "cache"), "--request-timeout", "20s", ...args];
      execFile(KUBECTL, argv, { encoding: "utf8", timeout: kubectlTimeoutMs, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as any).code ?? 1) : 0, stdout, stderr });
      });
    });

  const ok = async (...args: string[]) => {
    const r = await kubectl(args);
    assert.is(r.code, 0, `kubectl ${args.join(" ")} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };

  const fails = async (...args: string[]) => {
    const r = await kubectl(args);
    assert.is.not(r.code, 0, `kubectl ${args.join(" ")} should fail:\n${r.stdout}`);
    return r.stderr;
  };

  const eventually = async (args: string[], check: (out: string) => boolean) => {
    let last = "";
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      last = await ok(...args);
      if (check(last)) return last;
    }
    throw new Error(`kubectl ${args.join(" ")}: condition not met within 10 s; last output:\n${last}`);
  };

  return {
    start,
    stop,
    get dir() {
      return dir;
    },
    get kubeconfig() {
      return kubeconfig;
    },
    get out() {
      return out;
    },
    kubectl,
    ok,
    fails,
    eventually,
  };
}
