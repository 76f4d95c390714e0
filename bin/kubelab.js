#!/usr/bin/env node
// The kubelab command. Later chapters add sub-commands here (`kubelab etcd`, `kubelab serve`);
// each is a small module so that `kubelab --help` stays the one place that lists them.
"use strict";
const path = require("path");
const { spawnSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const pkg = require(path.join(root, "package.json"));

const commands = {
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

process.exitCode = main(process.argv.slice(2));
