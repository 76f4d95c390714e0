export { timeline, line, bar, heatmap, histogram, sequence, SCHEMA } from "./specs";
export type { Row, Spec, TimelineOptions, LineOptions, BarOptions, HeatmapOptions, HistogramOptions, SequenceOptions } from "./specs";
export { toSpans, toMessages } from "./transform";
export type { Span } from "./transform";
export { compile, toSvg, scopeIds } from "./render";
export { show, showTable, chartBundle, formatTable, tableHtml, VEGALITE_MIME } from "./display";
export type { ChartBundle } from "./display";
