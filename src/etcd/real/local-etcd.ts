// LIVE BRIDGE — real processes, ports and files. Starts a private etcd cluster on loopback (one
// or more real `etcd` processes, each with a temporary data dir, reference §3.5), for tests,
// benchmarks and a notebook that wants to try RealEtcdClient against the real thing. Nothing in
// the simulation uses it.

import { spawn } from "child_process";
import type { ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";

export interface LocalEtcdOptions {
  /** Members (default 1). */
  members?: number;
  /** The etcd binary (default: $ETCD_BIN, then `etcd` on the PATH, /usr/bin, /usr/local/bin). */
  bin?: string;
  /** Where data dirs go (default /dev/shm if present — tmpfs, so fsync costs nothing — else the OS temp dir). */
  dataRoot?: string;
  /** Give up if the cluster has no leader after this many ms (default 15000). */
  readyTimeoutMs?: number;
  /** Extra flags for every member, e.g. ["--quota-backend-bytes", "8589934592"]. */
  extraArgs?: string[];
}

export interface LocalEtcd {
  /** Client URLs, one per member: http://127.0.0.1:PORT. */
  endpoints: string[];
  /** etcd's version line, e.g. "3.4.23". */
  version: string;
  dataDirs: string[];
  /** On tmpfs (no real fsync cost)? */
  tmpfs: boolean;
  /** The last lines each member logged (for error messages). */
  logs(): string[];
  /** Kills one member at once (SIGKILL: a crash), by its index in `endpoints`. */
  kill(member: number): Promise<void>;
  /**
   * Stops every member and removes the data dirs: SIGTERM (a leader first hands over its
   * leadership, which can take a second or two), then SIGKILL after 3 s; or SIGKILL at once.
   */
  stop(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
}

/** The etcd binary, or null if there is none. */
export function findEtcd(): string | null {
  const candidates = [
    process.env.ETCD_BIN,
    ...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((d) => path.join(d, "etcd")),
    "/usr/bin/etcd",
    "/usr/local/bin/etcd",
  ];
  for (const c of candidates) {
    try {
      if (c && fs.statSync(c).isFile()) {
        fs.accessSync(c, fs.constants.X_OK);
        return c;
      }
    } catch {
      // not there
    }
  }
  return null;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", resolve);
  });
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function postJson(url: string, body: string, timeoutMs: number): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent: false, headers: { "content-type": "application/json" }, timeout: timeoutMs }, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (data += c));
      res.on("end", () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(data) });
        } catch {
          reject(new Error(`not JSON: ${data.slice(0, 200)}`));
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

// Children still running when this process exits are killed (a failed test must not leave
// etcd behind).
const running = new Set<ChildProcess>();
let exitHook = false;
function killOnExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.once("exit", () => {
    for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  });
}

/** Starts `members` etcd processes on loopback as one cluster and waits for a leader. */
export async function startLocalEtcd(options: LocalEtcdOptions = {}): Promise<LocalEtcd> {
  const bin = options.bin ?? findEtcd();
  if (!bin) throw new Error("startLocalEtcd: no etcd binary found (install Debian's etcd-server, or set ETCD_BIN)");
  const n = options.members ?? 1;
  const root = options.dataRoot ?? (fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir());
  const tmpfs = root.startsWith("/dev/shm");
  const names = Array.from({ length: n }, (_, i) => `kubelab-${i + 1}`);
  const clientPorts: number[] = [];
  const peerPorts: number[] = [];
  for (let i = 0; i < n; i++) {
    clientPorts.push(await freePort());
    peerPorts.push(await freePort());
  }
  const peerUrl = (i: number) => `http://127.0.0.1:${peerPorts[i]}`;
  const endpoints = clientPorts.map((p) => `http://127.0.0.1:${p}`);
  const initialCluster = names.map((name, i) => `${name}=${peerUrl(i)}`).join(",");
  const token = `kubelab-${process.pid}-${Date.now()}`;
  const dataDirs: string[] = [];
  const procs: ChildProcess[] = [];
  const logs: string[] = names.map(() => "");
  const spawnErrors: (string | undefined)[] = names.map(() => undefined);
  killOnExit();

  /** Resolves when p exits, or after ms (the timer does not hold the process open). */
  const exitWithin = (p: ChildProcess, ms: number) =>
    new Promise<void>((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) return resolve();
      const timer = setTimeout(resolve, ms);
      timer.unref();
      p.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  const stop = async (signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> => {
    await Promise.all(
      procs.map(async (p) => {
        if (p.exitCode === null && p.signalCode === null) {
          p.kill(signal);
          await exitWithin(p, signal === "SIGKILL" ? 1000 : 3000);
          if (p.exitCode === null && p.signalCode === null) {
            p.kill("SIGKILL");
            await exitWithin(p, 1000);
          }
        }
        running.delete(p);
      }),
    );
    for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true });
  };

  try {
    for (let i = 0; i < n; i++) {
      const dir = fs.mkdtempSync(path.join(root, "kubelab-etcd-"));
      dataDirs.push(dir);
      const p = spawn(
        bin,
        [
          "--name", names[i],
          "--data-dir", dir,
          "--listen-client-urls", endpoints[i],
          "--advertise-client-urls", endpoints[i],
          "--listen-peer-urls", peerUrl(i),
          "--initial-advertise-peer-urls", peerUrl(i),
          "--initial-cluster", initialCluster,
          "--initial-cluster-token", token,
          "--initial-cluster-state", "new",
          ...(options.extraArgs ?? []),
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      procs.push(p);
      running.add(p);
      const keep = (d: Buffer) => (logs[i] = (logs[i] + d.toString()).slice(-8000));
      p.stdout!.on("data", keep);
      p.stderr!.on("data", keep);
      p.on("error", (err) => {
        spawnErrors[i] = err.message;
        logs[i] += `\nspawn error: ${err.message}`;
      });
    }
    // Ready: every member answers its status and they agree on a leader.
    const deadline = performance.now() + (options.readyTimeoutMs ?? 15000);
    let version = "";
    for (;;) {
      const failed = spawnErrors.findIndex((e) => e !== undefined);
      if (failed >= 0) throw new Error(`could not start ${bin}: ${spawnErrors[failed]}`);
      const dead = procs.findIndex((p) => p.exitCode !== null || p.signalCode !== null);
      if (dead >= 0) throw new Error(`etcd member ${names[dead]} exited (${procs[dead].exitCode ?? procs[dead].signalCode}):\n${logs[dead]}`);
      const statuses = await Promise.all(endpoints.map((e) => postJson(`${e}/v3/maintenance/status`, "{}", 500).catch(() => undefined)));
      const leaders = statuses.map((s) => (s && s.status === 200 && s.json.leader && s.json.leader !== "0" ? String(s.json.leader) : ""));
      if (leaders.every((l) => l && l === leaders[0])) {
        version = String(statuses[0]!.json.version ?? "");
        break;
      }
      if (performance.now() > deadline) throw new Error(`etcd cluster of ${n} has no leader after ${options.readyTimeoutMs ?? 15000} ms:\n${logs.join("\n---\n")}`);
      await sleep(50);
    }
    const kill = async (member: number): Promise<void> => {
      const p = procs[member];
      if (!p) throw new Error(`LocalEtcd.kill: no member ${member} (there are ${n})`);
      if (p.exitCode !== null || p.signalCode !== null) return;
      p.kill("SIGKILL");
      await exitWithin(p, 2000);
    };
    return { endpoints, version, dataDirs, tmpfs, logs: () => logs.slice(), kill, stop };
  } catch (err) {
    await stop("SIGKILL");
    throw err;
  }
}
