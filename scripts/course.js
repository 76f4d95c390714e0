// npm run course: execute every chapter (notebooks/*.ipynb, in name order) on the tslab kernel
// under real Jupyter, then write the course as static offline HTML: site/index.html and
// site/<name>.html, with previous / contents / next links. Stops at the first failing cell.
// KUBELAB_NOTEBOOKS, KUBELAB_SITE and KUBELAB_BUILD move the folders (for trials).
"use strict";
const fs = require("fs");
const path = require("path");
const cp = require("child_process");
const jupyter = require("./jupyter");

// Title of a chapter: the first `# ` heading of its first Markdown cell.
function chapterTitle(file) {
  const nb = JSON.parse(fs.readFileSync(file, "utf8"));
  const md = nb.cells.find((c) => c.cell_type === "markdown");
  const m = /^#\s+(.+?)\s*#*\s*$/m.exec(md ? [].concat(md.source).join("") : "");
  return m ? m[1].replace(/[*`]/g, "") : path.basename(file, ".ipynb");
}

const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

function indexPage(chapters) {
  const items = chapters.map((c) => `  <li><a href="${c.href}">${escapeHtml(c.title)}</a></li>`).join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>kubelab</title>
<style>
body { margin: 0; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; background: #fafafa; }
main { max-width: 44em; margin: 3em auto; padding: 0 1.5em; }
h1 { font-size: 2em; margin-bottom: 0.2em; }
p.lead { color: #555; margin-top: 0; }
ul { list-style: none; padding: 0; }
li { margin: 0.5em 0; font-size: 1.1em; }
a { color: #1565c0; text-decoration: none; }
a:hover { text-decoration: underline; }
</style>
</head>
<body>
<main>
<h1>kubelab</h1>
<p class="lead">A Kubernetes cluster, built chapter by chapter on a deterministic simulation.</p>
<ul>
${items}
</ul>
</main>
</body>
</html>
`;
}

// Anything a page would fetch from the network: src= / <link href=> / CSS url() / @import with
// an absolute or protocol-relative URL. Plain <a href> links are navigation, not loads.
function remoteLoads(html) {
  const re = /\bsrc\s*=\s*["']?(?:https?:)?\/\/[^"'\s>]*|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?\/\/[^"'\s>]*|url\(\s*["']?(?:https?:)?\/\/[^)]*\)|@import\s+["']?(?:https?:)?\/\/\S*/gi;
  return html.match(re) || [];
}

function main() {
  const t0 = Date.now();
  const { dirs } = jupyter;
  const py = jupyter.ensure();
  const sources = jupyter.listNotebooks();
  if (sources.length === 0) throw new Error(`no notebooks in ${dirs.notebooks}`);

  const chapters = [];
  for (const src of sources) {
    const name = path.basename(src, ".ipynb");
    const executed = path.join(dirs.executed, `${name}.ipynb`);
    const r = jupyter.executeNotebook(src, executed);
    if (!r.ok) {
      console.error(`\ncourse: FAILED\n${r.error}`);
      process.exit(1);
    }
    console.log(`  ${name.padEnd(32)} ${r.seconds.toFixed(1).padStart(6)} s`);
    chapters.push({ name, src, executed, href: `${name}.html`, title: chapterTitle(src) });
  }

  const jobs = chapters.map((c, i) => ({
    notebook: c.executed,
    html: path.join(dirs.site, c.href),
    title: c.title,
    source_dir: path.dirname(c.src),
    kubelab: {
      prev: i > 0 ? { href: chapters[i - 1].href, title: chapters[i - 1].title } : null,
      next: i + 1 < chapters.length ? { href: chapters[i + 1].href, title: chapters[i + 1].title } : null,
      index: "index.html",
    },
  }));
  fs.mkdirSync(dirs.site, { recursive: true });
  const exp = cp.spawnSync(py, [path.join(__dirname, "export.py")], { input: JSON.stringify(jobs), encoding: "utf8" });
  if (exp.status !== 0) throw new Error(`HTML export failed:\n${exp.stderr}`);
  fs.writeFileSync(path.join(dirs.site, "index.html"), indexPage(chapters));

  // Drop pages of chapters that no longer exist, so site/ is exactly this build.
  const written = new Set(["index.html", ...chapters.map((c) => c.href)]);
  for (const f of fs.readdirSync(dirs.site)) if (f.endsWith(".html") && !written.has(f)) fs.rmSync(path.join(dirs.site, f));

  const offline = [...written].flatMap((f) => remoteLoads(fs.readFileSync(path.join(dirs.site, f), "utf8")).map((u) => `${f}: ${u}`));
  if (offline.length) throw new Error(`pages would load from the network:\n${offline.join("\n")}`);

  const where = jupyter.shown(dirs.site);
  console.log(`course: ${chapters.length} chapters -> ${where}/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

try {
  main();
} catch (e) {
  console.error(`course: ${e.message}`);
  process.exit(1);
}
