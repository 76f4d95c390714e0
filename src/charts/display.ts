// Showing charts and tables from a tslab cell.
//
// A chart is ONE display_data message with three representations:
//   application/vnd.vegalite.v5+json  the spec as a JSON object: JupyterLab draws it (interactive)
//   image/svg+xml                     rendered here: Jupyter's HTML export shows this
//   text/plain                        for consoles and text-only front ends
// and no text/html, which JupyterLab would prefer over the chart. tslab's public display API
// sends one MIME type as a string, so we hand the bundle to the kernel's own writer.

import * as nodeModule from "module";
import { toSvg } from "./render";
import type { Row, Spec } from "./specs";

export const VEGALITE_MIME = "application/vnd.vegalite.v5+json";

export interface ChartBundle {
  [VEGALITE_MIME]: Spec;
  "image/svg+xml": string;
  "text/plain": string;
}

export function chartBundle(spec: Spec): ChartBundle {
  return {
    [VEGALITE_MIME]: spec,
    "image/svg+xml": toSvg(spec),
    "text/plain": describe(spec),
  };
}

/** Displays a Vega-Lite chart in the notebook. Outside a kernel, prints its text form. */
export function show(spec: Spec): void {
  const data = chartBundle(spec);
  if (!writeDisplayData(data as unknown as Record<string, unknown>)) console.log(data["text/plain"]);
}

/** Displays rows as a kubectl-style table: HTML in the notebook, aligned text elsewhere. */
export function showTable(data: readonly object[], columns?: string[]): void {
  const rows = data as readonly Row[];
  const text = formatTable(rows, columns);
  const html = tableHtml(rows, columns);
  if (!writeDisplayData({ "text/html": html, "text/plain": text })) console.log(text);
}

/** kubectl's layout: upper-case headers, columns padded and separated by three spaces. */
export function formatTable(data: readonly object[], columns?: string[]): string {
  const rows = data as readonly Row[];
  const cols = columns ?? columnsOf(rows);
  if (rows.length === 0) return "No resources found.";
  const cells = [cols.map((c) => c.toUpperCase()), ...rows.map((r) => cols.map((c) => cell(r[c])))];
  const widths = cols.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) => row.map((v, i) => (i === row.length - 1 ? v : v.padEnd(widths[i] + 3))).join("").trimEnd()).join("\n");
}

export function tableHtml(data: readonly object[], columns?: string[]): string {
  const rows = data as readonly Row[];
  const cols = columns ?? columnsOf(rows);
  if (rows.length === 0) return "<p><em>No resources found.</em></p>";
  const head = cols.map((c) => `<th style="text-align:left">${escapeHtml(c.toUpperCase())}</th>`).join("");
  const body = rows.map((r) => `<tr>${cols.map((c) => `<td style="text-align:left">${escapeHtml(cell(r[c]))}</td>`).join("")}</tr>`).join("\n");
  return `<table class="kubelab-table">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function columnsOf(rows: readonly Row[]): string[] {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return cols;
}

function cell(v: unknown): string {
  if (v === undefined || v === null || v === "") return "<none>";
  if (typeof v === "object") return JSON.stringify(v);
  if (typeof v === "number" && !Number.isInteger(v)) return String(Math.round(v * 1000) / 1000);
  return String(v);
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function describe(spec: Spec): string {
  const title = typeof spec.title === "string" ? spec.title : "chart";
  const values = (spec.data as { values?: unknown[] } | undefined)?.values;
  const n = Array.isArray(values) ? `, ${values.length} data rows` : "";
  return `[Vega-Lite chart: ${title}${n}]`;
}

/**
 * Finds the running tslab kernel's display writer. tslab keeps the writer of the cell being
 * executed in its jupyter module (exports.lastWriteDisplayData); it is set only while a kernel
 * executes a cell, so outside Jupyter (tests, plain node) there is none and we return false.
 */
type ModuleCache = Record<string, { exports?: any } | undefined>;

function writeDisplayData(data: Record<string, unknown>): boolean {
  const m = nodeModule as unknown as { _cache?: ModuleCache; default?: { _cache?: ModuleCache } };
  const cache = m._cache ?? m.default?._cache ?? {};
  for (const file of Object.keys(cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    const write = cache[file]?.exports?.lastWriteDisplayData;
    if (typeof write === "function") {
      write({ data, metadata: {}, transient: {} }, false);
      return true;
    }
  }
  return false;
}
