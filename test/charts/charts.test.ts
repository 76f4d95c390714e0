import { test } from "uvu";
import * as assert from "uvu/assert";
import * as vega from "vega";
import {
  bar, chartBundle, scopeIds, compile, formatTable, heatmap, histogram, line, sequence, tableHtml, timeline, toMessages, toSpans, toSvg, VEGALITE_MIME,
} from "../../src/charts";
import { Simulation } from "../../src/sim";

const rows = [
  { t: 0, commit: 0, member: "etcd-1" },
  { t: 100, commit: 2, member: "etcd-1" },
  { t: 120, commit: 2, member: "etcd-2" },
];

// Every helper, once, with a representative input.
const specs = {
  timeline: timeline([{ start: 0, end: 1000, member: "etcd-1", role: "follower" }, { start: 1000, end: 1500, member: "etcd-1", role: "leader" }], {
    lane: "member", color: "role", label: "role", title: "roles",
  }),
  line: line(rows, { y: "commit", color: "member", step: true, title: "commit index" }),
  lineWithThreshold: line(rows, { y: "commit", thresholds: [{ value: 1, label: "quorum" }] }),
  bar: bar([{ node: "n1", pods: 3 }, { node: "n2", pods: 5 }], { x: "node", y: "pods" }),
  barWithThreshold: bar([{ node: "n1", pods: 3 }], { x: "node", y: "pods", thresholds: [{ value: 4, label: "limit" }] }),
  heatmap: heatmap([{ node: "n1", plugin: "Fit", score: 80 }, { node: "n2", plugin: "Fit", score: 40 }], { x: "node", y: "plugin", value: "score" }),
  histogram: histogram([{ latency: 1 }, { latency: 3 }, { latency: 3.5 }], { field: "latency", step: 1 }),
  sequence: sequence([{ from: "a", to: "b", sent: 0, received: 10, msg: "ping" }, { from: "b", to: "a", sent: 5, received: null, msg: "pong" }], { color: "msg" }),
};

for (const [name, spec] of Object.entries(specs)) {
  test(`${name}: a Vega-Lite 5 spec that Vega-Lite 5.6.1 (JupyterLab's) compiles without warnings`, () => {
    assert.is(spec.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
    assert.equal(compile(spec).warnings, []);
  });
  test(`${name}: the synchronous SVG is exactly what vega's own async toSVG() gives`, async () => {
    const view = new vega.View(vega.parse(compile(spec).vega), { renderer: "none" });
    const expected = await view.toSVG();
    assert.is(toSvg(spec), scopeIds(expected));
  });
}

test("the chart bundle has Vega-Lite as an object, SVG and text, and no text/html", () => {
  const b = chartBundle(specs.line) as unknown as Record<string, unknown>;
  assert.equal(Object.keys(b).sort(), ["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]);
  assert.type(b[VEGALITE_MIME], "object");
  assert.ok((b["image/svg+xml"] as string).startsWith("<svg"));
  assert.ok((b["image/svg+xml"] as string).includes("commit index"), "the title is drawn");
  assert.is(b["text/plain"], "[Vega-Lite chart: commit index, 3 data rows]");
  // JSON round trip: what the kernel sends over the wire is plain data.
  assert.equal(JSON.parse(JSON.stringify(b[VEGALITE_MIME])), b[VEGALITE_MIME]);
});

test("rendering is deterministic and carries no network reference to load", () => {
  const a = toSvg(specs.timeline);
  assert.is(toSvg(specs.timeline), a);
  assert.not.match(a, /(href|src)="https?:/);
});

test("gradient and clip ids are scoped to the chart: stable across renders, distinct across charts", () => {
  const a = toSvg(specs.heatmap);
  toSvg(specs.heatmap); // bumps vega's global counters
  assert.is(toSvg(specs.heatmap), a);
  const ids = (svg: string) => [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(ids(a).length > 0);
  for (const id of ids(a)) assert.ok(a.includes(`url(#${id})`), `${id} is referenced under its new name`);
  const other = toSvg(heatmap([{ node: "n9", plugin: "X", score: 1 }, { node: "n8", plugin: "X", score: 2 }], { x: "node", y: "plugin", value: "score" }));
  for (const id of ids(other)) assert.not.ok(ids(a).includes(id));
});

test("a helper names the missing field and the fields a row has", () => {
  assert.throws(() => line([{ t: 1, x: 2 }], { y: "commit" }), /line: row 0 has no field "commit" \(it has: t, x\)/);
  assert.throws(() => timeline([{ start: 0, end: 1 }], { lane: "member" }), /timeline: row 0 has no field "member"/);
  assert.throws(() => histogram("nope" as any, { field: "x" }), /rows must be an array/);
});

test("an invalid spec is an error from Vega-Lite, not a blank chart", () => {
  assert.throws(() => toSvg({ mark: "nonsense", data: { values: [] } }), /Vega-Lite could not compile this spec/);
});

test("toSpans turns state changes into spans, merging repeats, ending at `until`", () => {
  const changes = [
    { t: 0, member: "a", role: "follower" },
    { t: 0, member: "b", role: "follower" },
    { t: 1200, member: "a", role: "candidate" },
    { t: 1210, member: "a", role: "leader" },
    { t: 1300, member: "b", role: "follower" },
  ];
  assert.equal(toSpans(changes, { lane: "member", state: "role", until: 2000 }), [
    { member: "a", state: "follower", start: 0, end: 1200 },
    { member: "a", state: "candidate", start: 1200, end: 1210 },
    { member: "a", state: "leader", start: 1210, end: 2000 },
    { member: "b", state: "follower", start: 0, end: 2000 },
  ]);
});

test("toMessages pairs sends with deliveries and drops from a real network trace", () => {
  const sim = new Simulation({ seed: 1 });
  for (const n of ["a", "b"]) sim.network.register(n, { deliver() {} });
  sim.network.configure({ latency: "10ms" });
  sim.network.send("a", "b", { type: "ping" });
  sim.network.isolate("b");
  sim.network.send("b", "a", { type: "pong" });
  sim.runFor("1s");
  const msgs = toMessages(sim.trace.rows({ component: "network" }));
  assert.equal(msgs.map((m) => [m.msg, m.received, m.dropped]), [["ping", null, "partitioned"], ["pong", null, "partitioned"]]);
  sim.network.heal();
  sim.network.send("a", "b", { type: "ping" });
  sim.runFor("1s");
  const last = toMessages(sim.trace.rows({ component: "network" })).pop()!;
  assert.is(last.latency, 10);
});

test("kubectl-style table: upper-case headers, three-space gaps, <none> for empty", () => {
  const text = formatTable([{ name: "web-1", status: "Running", node: "" }, { name: "db-0", status: "Pending" }], ["name", "status", "node"]);
  assert.is(text, "NAME    STATUS    NODE\nweb-1   Running   <none>\ndb-0    Pending   <none>");
  assert.is(formatTable([]), "No resources found.");
  assert.match(tableHtml([{ name: "<b>" }]), /&lt;b&gt;/);
});

test.run();
