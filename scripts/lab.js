// npm run lab [-- jupyter-lab args]: JupyterLab from .venv on notebooks/, kernel tslab ready.
// Cells run with the project root as cwd whichever folder Lab starts them in (scripts/kernel.js).
"use strict";
const fs = require("fs");
const path = require("path");
const cp = require("child_process");
const jupyter = require("./jupyter");

try {
  jupyter.ensure();
} catch (e) {
  console.error(`kubelab: ${e.message}`);
  process.exit(1);
}
fs.mkdirSync(jupyter.dirs.notebooks, { recursive: true });
const args = ["lab", `--notebook-dir=${jupyter.dirs.notebooks}`];
if (process.getuid?.() === 0) args.push("--allow-root"); // Jupyter refuses root without it (containers run as root)
args.push(...process.argv.slice(2));

const child = cp.spawn(path.join(jupyter.VENV, "bin", "jupyter"), args, { stdio: "inherit" });
// Ctrl-C reaches Lab by itself (same process group) and Lab asks to confirm; pass on the others.
process.on("SIGINT", () => {});
for (const sig of ["SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
