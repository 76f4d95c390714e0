// Notebook checks for the test runner (scripts/test.js). All synchronous.
//   testNotebooks(dir?)     all of the below as one list of { name, ok, error } (error: text or null)
//   checkLocalImports(src?) relative imports in src/ that name a folder ("../sim"): tslab loads
//                           local modules by appending ".js" only and fails on them at run time
//                           (Cannot find module '../sim') though tsc and tsx accept them; write
//                           "../sim/index". Returns [{ file, line, specifier }].
//   checkCommitted(dir?)    committed notebooks carry no outputs or execution counts and name the
//                           tslab kernel: [{ name, ok, problems: [string] }]
//   executeAll(dir?)        every notebook on the real tslab kernel (scripts/execute.py, as
//                           `npm run course` does; copies land in build/executed/): any `error`
//                           output or stderr text fails, except in cells tagged raises-exception.
//                           [{ name, ok, seconds, error }]
// `node scripts/notebooks-test.js` prints testNotebooks() and ends with "N passed, N failed".
"use strict";
const fs = require("fs");
const path = require("path");
const jupyter = require("./jupyter");

const KERNELSPEC = { name: "tslab", display_name: "TypeScript", language: "typescript" };
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.\.?(?:\/[^"']*)?)["']/g;

function checkLocalImports(dir = path.join(jupyter.ROOT, "src")) {
  const found = [];
  const isFile = (p) => fs.existsSync(p) && fs.statSync(p).isFile();
  const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
    const p = path.join(d, e.name);
    if (e.isDirectory()) return walk(p);
    if (!/\.tsx?$/.test(e.name) || e.name.endsWith(".d.ts")) return;
    fs.readFileSync(p, "utf8").split("\n").forEach((text, i) => {
      for (const m of text.matchAll(IMPORT)) {
        const target = path.resolve(path.dirname(p), m[1]);
        if (fs.existsSync(target) && ![".ts", ".tsx", ".js", ".json", ""].some((ext) => isFile(target + ext))) {
          found.push({ file: jupyter.shown(p), line: i + 1, specifier: m[1] });
        }
      }
    });
  });
  if (fs.existsSync(dir)) walk(dir);
  return found;
}

function problemsOf(file) {
  let nb;
  try { nb = JSON.parse(fs.readFileSync(file, "utf8")); } catch (e) { return [`not JSON: ${e.message}`]; }
  const problems = [];
  const meta = nb.metadata || {};
  for (const [k, v] of Object.entries(KERNELSPEC)) {
    const got = (meta.kernelspec || {})[k];
    if (got !== v) problems.push(`metadata.kernelspec.${k} is ${JSON.stringify(got)}, expected ${JSON.stringify(v)}`);
  }
  const lang = (meta.language_info || {}).name;
  if (lang !== "typescript") problems.push(`metadata.language_info.name is ${JSON.stringify(lang)}, expected "typescript"`);
  if (nb.nbformat !== 4) problems.push(`nbformat is ${nb.nbformat}, expected 4`);
  (nb.cells || []).forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    if ((cell.outputs || []).length) problems.push(`cell ${i + 1} has outputs (clear them before committing)`);
    if (cell.execution_count != null) problems.push(`cell ${i + 1} has execution_count ${cell.execution_count}`);
  });
  return problems;
}

function checkCommitted(dir = jupyter.dirs.notebooks) {
  return jupyter.listNotebooks(dir).map((file) => {
    const problems = problemsOf(file);
    return { name: path.basename(file), ok: problems.length === 0, problems };
  });
}

function executeAll(dir = jupyter.dirs.notebooks) {
  return jupyter.listNotebooks(dir).map((file) => ({
    name: path.basename(file),
    ...jupyter.executeNotebook(file, path.join(jupyter.dirs.executed, path.basename(file))),
  }));
}

function testNotebooks(dir = jupyter.dirs.notebooks) {
  const folders = checkLocalImports();
  let runs;
  try {
    runs = executeAll(dir).map((r) => ({ name: `${r.name} runs (${r.seconds.toFixed(1)} s)`, ok: r.ok, error: r.error }));
  } catch (e) { // no Jupyter: .venv could not be set up
    runs = [{ name: "Jupyter in .venv", ok: false, error: e.message }];
  }
  return [
    {
      name: "src/ imports name files, not folders (tslab)",
      ok: folders.length === 0,
      error: folders.map((f) => `${f.file}:${f.line}: "${f.specifier}" is a folder; import "${f.specifier}/index"`).join("\n") || null,
    },
    ...checkCommitted(dir).map((r) => ({ name: `${r.name} committed without outputs`, ok: r.ok, error: r.problems.join("\n") || null })),
    ...runs,
  ];
}

module.exports = { testNotebooks, checkLocalImports, checkCommitted, executeAll };

if (require.main === module) {
  const results = testNotebooks();
  for (const r of results) console.log(`${r.ok ? "ok  " : "FAIL"} ${r.name}${r.error ? `\n${r.error.replace(/^/gm, "     ")}` : ""}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
