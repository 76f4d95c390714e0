// Kernel throughput: timer events through the event queue, and the cost of one chart.
import { performance } from "perf_hooks";
import { chartBundle, line } from "../src/charts";
import { Simulation } from "../src/sim";
import { report } from "./report";

export function benchKernel(): void {
  // 1M timer events: each event schedules the next at a pseudo-random future time, so the heap
  // holds a realistic spread (1000 live timers) rather than a sorted sequence.
  const sim = new Simulation({ seed: 1, trace: false });
  const N = 1_000_000;
  let fired = 0;
  const tick = () => {
    fired++;
    if (fired + 1000 <= N) sim.after(1 + sim.rng.int(1000), tick);
  };
  for (let i = 0; i < 1000; i++) sim.after(1 + sim.rng.int(1000), tick);
  const t0 = performance.now();
  while (sim.step()) {}
  const secs = (performance.now() - t0) / 1000;
  report("kernel.events_per_second", Math.round(fired / secs), "events/s", { events: fired });

  // Network messages: send + deliver through the simulated network, trace off.
  const net = new Simulation({ seed: 1, trace: false });
  for (const n of ["a", "b", "c"]) net.network.register(n, { deliver() {} });
  net.network.traceMessages = false;
  net.network.configure({ latency: "5ms", jitter: "2ms" });
  const M = 300_000;
  const t1 = performance.now();
  for (let i = 0; i < M; i++) {
    net.network.send("a", i % 2 ? "b" : "c", i);
    if (i % 1000 === 999) net.runFor("1ms");
  }
  net.runFor("1s");
  report("kernel.network_messages_per_second", Math.round(M / ((performance.now() - t1) / 1000)), "messages/s", { messages: M });

  // show(): spec → bundle (Vega-Lite compile + vega dataflow + SVG), 200 points.
  const rows = Array.from({ length: 200 }, (_, i) => ({ t: i * 10, v: (i * 37) % 101, m: `m${i % 3}` }));
  const spec = line(rows, { y: "v", color: "m", title: "bench" });
  chartBundle(spec); // warm up
  const K = 30;
  const t2 = performance.now();
  for (let i = 0; i < K; i++) chartBundle(spec);
  report("charts.show_ms", round((performance.now() - t2) / K), "ms per chart", { points: rows.length });
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
