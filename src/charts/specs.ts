// Vega-Lite specs from trace rows. Each helper returns a plain Vega-Lite 5 spec (JSON), within
// what Vega-Lite 5.6.1 compiles, because that is the version JupyterLab 4 renders with.
// Data is inlined (no URLs): a chart must render offline, in Lab and in the exported HTML.

export type Row = Record<string, unknown>;
export type Spec = Record<string, unknown>;

export const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

interface Common {
  title?: string;
  width?: number;
  height?: number;
}

/** Axis title for virtual time, which kubelab keeps in milliseconds. */
const TIME_TITLE = "virtual time (ms)";

function base(rows: readonly Row[], o: Common, defaults: { width: number; height: number }): Spec {
  const spec: Spec = {
    $schema: SCHEMA,
    data: { values: rows.map((r) => ({ ...r })) },
    width: o.width ?? defaults.width,
    height: o.height ?? defaults.height,
  };
  if (o.title) spec.title = o.title;
  return spec;
}

function requireFields(helper: string, rows: readonly object[], fields: (string | undefined)[]): void {
  if (!Array.isArray(rows)) throw new Error(`${helper}: rows must be an array of objects, got ${typeof rows}`);
  const needed = fields.filter((f): f is string => !!f);
  for (const [i, r] of rows.entries()) {
    for (const f of needed) {
      if (!(f in r)) {
        const has = Object.keys(r).join(", ") || "no fields";
        throw new Error(`${helper}: row ${i} has no field "${f}" (it has: ${has})`);
      }
    }
  }
}

export interface TimelineOptions extends Common {
  /** Field holding the start time of each span. Default "start". */
  start?: string;
  /** Field holding the end time of each span. Default "end". */
  end?: string;
  /** Field naming the lane (one row of the chart per value), e.g. "member". */
  lane: string;
  /** Field that colours the span, e.g. "role". */
  color?: string;
  /** Fixed colours per value of color, e.g. { leader: "#d62728" }. */
  colors?: Record<string, string>;
  /** Field printed on the span. */
  label?: string;
}

/** Timeline / Gantt: one lane per value of `lane`, a bar from start to end. */
export function timeline(data: readonly object[], o: TimelineOptions): Spec {
  const rows = data as readonly Row[];
  const start = o.start ?? "start";
  const end = o.end ?? "end";
  requireFields("timeline", rows, [start, end, o.lane, o.color, o.label]);
  const bar: Spec = {
    mark: { type: "bar", cornerRadius: 2 },
    encoding: {
      x: { field: start, type: "quantitative", title: TIME_TITLE },
      x2: { field: end },
      y: { field: o.lane, type: "nominal", title: null },
      ...(o.color ? { color: colorEncoding(o.color, o.colors) } : {}),
      tooltip: tooltipOf(rows),
    },
  };
  if (!o.label) return { ...base(rows, o, { width: 600, height: 0 }), height: o.height ?? { step: 24 }, ...bar };
  const text: Spec = {
    mark: { type: "text", align: "left", dx: 3, fontSize: 10, color: "white" },
    encoding: {
      x: { field: start, type: "quantitative" },
      y: { field: o.lane, type: "nominal" },
      text: { field: o.label },
    },
  };
  return { ...base(rows, o, { width: 600, height: 0 }), height: o.height ?? { step: 24 }, layer: [bar, text] };
}

export interface LineOptions extends Common {
  x?: string;
  y: string;
  color?: string;
  /** Draw steps (a value holds until the next sample), right for counters like a commit index. */
  step?: boolean;
  points?: boolean;
  xTitle?: string;
  yTitle?: string;
  /** Horizontal reference lines, e.g. [{ value: 50000, label: "grace period" }]. */
  thresholds?: { value: number; label: string }[];
}

/** Line over time: y against x (default "t", virtual time), one line per value of color. */
export function line(data: readonly object[], o: LineOptions): Spec {
  const rows = data as readonly Row[];
  const x = o.x ?? "t";
  requireFields("line", rows, [x, o.y, o.color]);
  const lines: Spec = {
    mark: { type: "line", interpolate: o.step ? "step-after" : "linear", point: o.points ?? false },
    encoding: {
      x: { field: x, type: "quantitative", title: o.xTitle ?? (x === "t" ? TIME_TITLE : x) },
      y: { field: o.y, type: "quantitative", title: o.yTitle ?? o.y },
      ...(o.color ? { color: { field: o.color, type: "nominal" } } : {}),
      tooltip: tooltipOf(rows),
    },
  };
  if (!o.thresholds?.length) return { ...base(rows, o, { width: 600, height: 220 }), ...lines };
  return { ...base(rows, o, { width: 600, height: 220 }), layer: [lines, ...thresholdLayers(o.thresholds)] };
}

export interface BarOptions extends Common {
  x: string;
  y: string;
  color?: string;
  /** Horizontal bars: x is the category, drawn on the vertical axis. */
  horizontal?: boolean;
  /** Sort categories by value ("-y" descending) or keep data order (null, the default). */
  sort?: string | null;
  yTitle?: string;
  /** Reference lines across the bars (vertical bars only), e.g. [{ value: 100, label: "expected" }]. */
  thresholds?: { value: number; label: string }[];
}

/** Bar chart: one bar per category x of height y (stacked by color when given). */
export function bar(data: readonly object[], o: BarOptions): Spec {
  const rows = data as readonly Row[];
  requireFields("bar", rows, [o.x, o.y, o.color]);
  const cat = { field: o.x, type: "nominal", sort: o.sort ?? null, title: o.x };
  const val = { field: o.y, type: "quantitative", title: o.yTitle ?? o.y };
  const bars: Spec = {
    mark: "bar",
    encoding: {
      ...(o.horizontal ? { y: cat, x: val } : { x: cat, y: val }),
      ...(o.color ? { color: { field: o.color, type: "nominal" } } : {}),
      tooltip: tooltipOf(rows),
    },
  };
  if (!o.thresholds?.length || o.horizontal) return { ...base(rows, o, { width: 400, height: 220 }), ...bars };
  return { ...base(rows, o, { width: 400, height: 220 }), layer: [bars, ...thresholdLayers(o.thresholds)] };
}

/** A dashed red rule with a label per threshold, for layering over a chart with a y scale. */
function thresholdLayers(thresholds: { value: number; label: string }[]): Spec[] {
  const values = thresholds.map((th) => ({ threshold: th.value, label: th.label }));
  return [
    { data: { values }, mark: { type: "rule", strokeDash: [4, 4], color: "#d62728" }, encoding: { y: { field: "threshold", type: "quantitative" } } },
    {
      data: { values },
      mark: { type: "text", align: "left", dx: 4, dy: -6, color: "#d62728", fontSize: 10 },
      encoding: { y: { field: "threshold", type: "quantitative" }, x: { value: 0 }, text: { field: "label" } },
    },
  ];
}

export interface HeatmapOptions extends Common {
  x: string;
  y: string;
  value: string;
  /** Print the value in each cell. Default true. */
  labels?: boolean;
  scheme?: string;
}

/** Heatmap: a cell per (x, y), coloured by value. */
export function heatmap(data: readonly object[], o: HeatmapOptions): Spec {
  const rows = data as readonly Row[];
  requireFields("heatmap", rows, [o.x, o.y, o.value]);
  const rect: Spec = {
    mark: "rect",
    encoding: {
      x: { field: o.x, type: "nominal", sort: null },
      y: { field: o.y, type: "nominal", sort: null },
      color: { field: o.value, type: "quantitative", scale: { scheme: o.scheme ?? "blues" } },
      tooltip: tooltipOf(rows),
    },
  };
  const layers: Spec[] = [rect];
  if (o.labels ?? true) {
    layers.push({
      mark: { type: "text", fontSize: 10 },
      encoding: {
        x: { field: o.x, type: "nominal", sort: null },
        y: { field: o.y, type: "nominal", sort: null },
        text: { field: o.value, type: "quantitative", format: ".3~f" },
      },
    });
  }
  return { ...base(rows, o, { width: 0, height: 0 }), width: o.width ?? { step: 40 }, height: o.height ?? { step: 24 }, layer: layers };
}

export interface HistogramOptions extends Common {
  field: string;
  maxbins?: number;
  /** Fixed bin width (in the field's unit), instead of maxbins. */
  step?: number;
  color?: string;
  xTitle?: string;
}

/** Histogram of one numeric field. */
export function histogram(data: readonly object[], o: HistogramOptions): Spec {
  const rows = data as readonly Row[];
  requireFields("histogram", rows, [o.field, o.color]);
  return {
    ...base(rows, o, { width: 400, height: 200 }),
    mark: "bar",
    encoding: {
      x: { field: o.field, type: "quantitative", bin: o.step ? { step: o.step } : { maxbins: o.maxbins ?? 30 }, title: o.xTitle ?? o.field },
      y: { aggregate: "count", type: "quantitative", title: "count" },
      ...(o.color ? { color: { field: o.color, type: "nominal" } } : {}),
    },
  };
}

export interface SequenceOptions extends Common {
  /** Lanes in order, top to bottom (e.g. the endpoints). Default: in order of appearance. */
  lanes?: string[];
  /** Field colouring the arrows (e.g. "msg"). */
  color?: string;
}

/**
 * Message sequence chart: each row {from, to, sent, received} is a line from the sender's lane
 * at send time to the receiver's lane at arrival time. Dropped messages (received null) are
 * drawn as crosses at the sender.
 */
export function sequence(data: readonly object[], o: SequenceOptions = {}): Spec {
  const rows = data as readonly Row[];
  requireFields("sequence", rows, ["from", "to", "sent", "received", o.color]);
  const lanes = o.lanes ?? [...new Set(rows.flatMap((r) => [String(r.from), String(r.to)]))];
  const y = { type: "nominal", scale: { domain: lanes }, title: null };
  const color = o.color ? { color: { field: o.color, type: "nominal" } } : {};
  return {
    ...base(rows, o, { width: 600, height: Math.max(60, 40 * lanes.length) }),
    layer: [
      {
        transform: [{ filter: "datum.received != null" }],
        mark: { type: "rule", strokeWidth: 1.5 },
        encoding: {
          // Messages happen late in a run: the axis starts at the first one, not at t=0.
          x: { field: "sent", type: "quantitative", title: TIME_TITLE, scale: { zero: false } },
          x2: { field: "received" },
          y: { field: "from", ...y },
          y2: { field: "to" },
          ...color,
          tooltip: tooltipOf(rows),
        },
      },
      {
        transform: [{ filter: "datum.received != null" }],
        mark: { type: "point", filled: true, size: 30 },
        encoding: { x: { field: "received", type: "quantitative" }, y: { field: "to", ...y }, ...color },
      },
      {
        transform: [{ filter: "datum.received == null" }],
        mark: { type: "point", shape: "cross", size: 60, color: "#d62728" },
        encoding: { x: { field: "sent", type: "quantitative" }, y: { field: "from", ...y } },
      },
    ],
  };
}

function colorEncoding(field: string, colors?: Record<string, string>): Spec {
  if (!colors) return { field, type: "nominal" };
  return { field, type: "nominal", scale: { domain: Object.keys(colors), range: Object.values(colors) } };
}

function tooltipOf(rows: readonly Row[]): Spec[] {
  const fields = new Set<string>();
  for (const r of rows.slice(0, 50)) for (const k of Object.keys(r)) fields.add(k);
  return [...fields].map((f) => ({ field: f }));
}
