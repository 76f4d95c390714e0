#!/usr/bin/env node
// The kubelab command. Later chapters add sub-commands here (`kubelab etcd`, `kubelab serve`);
// each is a small module so that `kubelab --help` stays the one place that lists them.
"use strict";
const path = require("path");
const { spawnSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const pkg = require(path.join(root, "package.json"));

const commands = {
  etcd: {
    summary: "serve a simulated 3-member etcd's v3 JSON API on loopback (--port P [--seed S] [--members N])",
    run: (args) => {
      const o = parseFlags("etcd", args, { port: "int", seed: "string", members: "int", host: "string" });
      return runAsync(async () => {
        const { serveEtcd } = loadTs("src/etcd/http/index.ts");
        const s = await serveEtcd({ port: o.port ?? 2379, seed: o.seed, members: o.members, host: o.host });
        console.log(`kubelab etcd: ${s.etcd.members.length} simulated members (seed ${o.seed ?? 1}), leader ${s.etcd.leader()}`);
        console.log(`serving etcd's v3 JSON API on ${s.url}  (try: curl -s ${s.url}/v3/kv/put -d '{"key":"Zm9v","value":"YmFy"}')`);
        const stop = () => s.close().then(() => process.exit(0));
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    },
  },
  serve: {
    summary:
      "serve a seeded cluster (API server, controller manager, scheduler, stand-in nodes) live, for kubectl (--port P --kubeconfig FILE [--seed S] [--nodes N=3] [--speed X=1])",
    run: (args) => {
      const o = parseFlags("serve", args, { port: "int", kubeconfig: "string", seed: "string", nodes: "int", speed: "number", host: "string" });
      if (o.kubeconfig === undefined) throw new UsageError("kubelab serve: --kubeconfig FILE is required (where to write the kubeconfig for kubectl)");
      if (o.speed !== undefined && !(o.speed > 0)) throw new UsageError(`kubelab serve: --speed must be a positive number, got "${o.speed}"`);
      return runAsync(async () => {
        const { Cluster } = loadTs("src/cluster/cluster.ts");
        const { serveApi, writeKubeconfig } = loadTs("src/apiserver/http/index.ts");
        // Live mode: virtual time 0 is now, so ages kubectl computes itself (describe's events)
        // agree with the machine's clock. (Notebooks keep the fixed epoch: deterministic.)
        loadTs("src/apiserver/registry/object.ts").setEpoch(Math.floor(Date.now() / 1000));
        // Everything built so far: the API server, a kube-controller-manager running every
        // controller (chapter 04), kube-scheduler with the default profile (chapter 05), and N
        // stand-in nodes that heartbeat and "run" the pods bound to them (until chapter 06).
        // Live mode: the bridge paces virtual time to the wall clock (times --speed).
        const nodes = o.nodes ?? 3;
        const speed = o.speed ?? 1;
        const cluster = new Cluster({ seed: o.seed ?? 1, trace: false, controllers: true, scheduler: { explain: false, leaderElect: true, identity: "control-plane-1" }, nodes });
        const s = await serveApi({ port: o.port ?? 6443, host: o.host, cluster, speed });
        const file = path.resolve(o.kubeconfig);
        writeKubeconfig(file, s.url, cluster.adminToken, s.ca);
        const pace = speed === 1 ? "" : `, virtual time at ${speed}x the wall clock`;
        console.log(
          `kubelab serve: a simulated cluster (seed ${o.seed ?? 1}: kube-controller-manager, kube-scheduler, ${nodes} stand-in node${nodes === 1 ? "" : "s"}${pace}) serving the Kubernetes API on ${s.url}`,
        );
        console.log(`kubeconfig (admin token) written to ${file}; try:`);
        console.log(`  export KUBECONFIG=${file}; kubectl get nodes`);
        console.log(`  kubectl create deployment web --image=nginx:1.27 --replicas=3; kubectl rollout status deployment/web`);
        console.log(`  kubectl --kubeconfig ${file} get ns`);
        console.log(`(kubectl caches discovery per server address in ~/.kube/cache; after the API changes, delete it or pass --cache-dir)`);
        const stop = () => s.close().then(() => process.exit(0));
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    },
  },
  course: { summary: "execute every chapter and export the HTML course to site/", run: (args) => npmScript("course", args) },
  lab: { summary: "open JupyterLab on notebooks/ with the TypeScript kernel", run: (args) => npmScript("lab", args) },
  version: { summary: "print the kubelab version", run: (args) => (noArgs("version", args), console.log(`kubelab ${pkg.version}`), 0) },
  help: { summary: "show this help", run: () => (console.log(usage()), 0) },
};

function usage() {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: kubelab <command> [flags]\n\nCommands:\n${lines.join("\n")}\n\nRun 'kubelab help' for this list.`;
}

class UsageError extends Error {}

function noArgs(cmd, args) {
  if (args.length) throw new UsageError(`kubelab ${cmd}: unknown flag or argument "${args[0]}"`);
}

/** Parses --name value / --name=value flags of the given types; anything else is a usage error. */
function parseFlags(cmd, args, spec) {
  const out = {};
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]);
    if (!m || !(m[1] in spec)) throw new UsageError(`kubelab ${cmd}: unknown flag or argument "${args[i]}"`);
    const value = m[2] !== undefined ? m[2] : args[++i];
    if (value === undefined) throw new UsageError(`kubelab ${cmd}: --${m[1]} needs a value`);
    if (spec[m[1]] === "int") {
      if (!/^\d+$/.test(value)) throw new UsageError(`kubelab ${cmd}: --${m[1]} must be a whole number, got "${value}"`);
      out[m[1]] = Number(value);
    } else if (spec[m[1]] === "number") {
      if (!/^(\d+\.?\d*|\.\d+)$/.test(value)) throw new UsageError(`kubelab ${cmd}: --${m[1]} must be a number, got "${value}"`);
      out[m[1]] = Number(value);
    } else out[m[1]] = value;
  }
  return out;
}

/** Loads a TypeScript module of the engine (through tsx, which compiles it on the fly). */
function loadTs(rel) {
  require("tsx/cjs/api").register();
  return require(path.join(root, rel));
}

/** A long-running command: keep the process alive; report failures with a non-zero exit. */
function runAsync(fn) {
  fn().catch((e) => {
    console.error(`kubelab: ${e && e.message ? e.message : e}`);
    process.exit(1);
  });
  return undefined;
}

function npmScript(name, args) {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["run", "--silent", name, ...(args.length ? ["--", ...args] : [])], { cwd: root, stdio: "inherit" });
  return r.status ?? 1;
}

function main(argv) {
  const [cmd, ...args] = argv;
  if (cmd === undefined || cmd === "-h" || cmd === "--help") {
    console.log(usage());
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === "--version" || cmd === "-v") return commands.version.run([]);
  const c = Object.prototype.hasOwnProperty.call(commands, cmd) ? commands[cmd] : undefined;
  if (!c) {
    console.error(`kubelab: unknown command "${cmd}"\n\n${usage()}`);
    return 2;
  }
  try {
    return c.run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${usage()}`);
      return 2;
    }
    throw e;
  }
}

const code = main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
