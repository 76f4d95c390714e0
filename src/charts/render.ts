// Vega-Lite → SVG in Node, synchronously, so that show() works from any cell without await.
// vega's own view.toSVG() is async only because it waits for images to load; kubelab charts
// have none, so we run the dataflow and the headless SVG renderer directly, the same steps
// toSVG takes (test/charts pins that the output is identical).

import * as vega from "vega";
import * as vegaLite from "vega-lite";
import type { Spec } from "./specs";

export interface Compiled {
  vega: vega.Spec;
  warnings: string[];
}

/** Compiles a Vega-Lite spec with the Vega-Lite that JupyterLab renders (5.6.1); collects warnings. */
export function compile(spec: Spec): Compiled {
  const warnings: string[] = [];
  const logger = {
    level: () => logger,
    error: (...args: unknown[]) => { throw new Error(`Vega-Lite: ${args.join(" ")}`); },
    warn: (...args: unknown[]) => { warnings.push(args.join(" ")); return logger; },
    info: () => logger,
    debug: () => logger,
  };
  try {
    const out = vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec, { logger: logger as any });
    return { vega: out.spec, warnings };
  } catch (e) {
    throw new Error(`Vega-Lite could not compile this spec: ${(e as Error).message}`);
  }
}

/** Renders a Vega-Lite spec to an SVG string. */
export function toSvg(spec: Spec): string {
  const view = new vega.View(vega.parse(compile(spec).vega), { renderer: "none" });
  view.run();
  const padding = view.padding() as { left: number; right: number; top: number; bottom: number };
  const v = view as unknown as { _viewWidth: number; _viewHeight: number; _origin: [number, number] };
  const width = Math.max(0, v._viewWidth + padding.left + padding.right);
  const height = Math.max(0, v._viewHeight + padding.top + padding.bottom);
  const origin = [padding.left + v._origin[0], padding.top + v._origin[1]];
  const Renderer = (vega as any).renderModule("svg").headless;
  const r = new Renderer(view.loader());
  r.initialize(null, width, height, origin, 1);
  r.background(view.background());
  r.render((view.scenegraph() as any).root);
  const svg: string = r.svg();
  view.finalize();
  return scopeIds(svg);
}

/**
 * vega numbers gradients and clip paths from a process-wide counter (gradient_0, clip3, ...).
 * That breaks determinism (the ids depend on what was drawn before) and, once several SVGs are
 * inlined in one HTML page, makes a chart point at another chart's gradient. So every id is
 * renamed after the chart's own content: same chart, same ids; different charts, different ids.
 */
export function scopeIds(svg: string): string {
  const ids: string[] = [];
  svg.replace(/\sid="([^"]+)"/g, (_m, id: string) => (ids.push(id), ""));
  if (ids.length === 0) return svg;
  const local = new Map(ids.map((id, i) => [id, `${i}`]));
  const rename = (text: string, f: (id: string) => string) =>
    text.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (m, pre: string, id: string) => (local.has(id) ? pre + f(id) : m));
  const scope = fnv1a(rename(svg, (id) => `id${local.get(id)}`));
  return rename(svg, (id) => `kl${scope}-${local.get(id)}`);
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}
