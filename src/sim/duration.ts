// Durations, as Kubernetes and Go write them: "150ms", "30s", "5m", "1h30m", "2.5s".
// Virtual time in kubelab is a number of milliseconds; a plain number is taken as milliseconds.

export type Duration = string | number;

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const ACCEPTED = 'a number of milliseconds, or a Go-style duration such as "150ms", "30s", "5m", "1h30m" (units: ns, us, ms, s, m, h)';

/** Parses a duration into milliseconds. Throws, saying what is accepted, on anything else. */
export function parseDuration(d: Duration): number {
  if (typeof d === "number") {
    if (!Number.isFinite(d) || d < 0) throw new Error(`invalid duration ${d}: expected ${ACCEPTED}, not negative or infinite`);
    return d;
  }
  if (typeof d !== "string") throw new Error(`invalid duration ${JSON.stringify(d)}: expected ${ACCEPTED}`);
  const s = d.trim();
  if (s === "0") return 0;
  // A sequence of <number><unit> parts, as Go's time.ParseDuration reads them.
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    part.lastIndex = pos;
    const m = part.exec(s);
    if (!m) throw new Error(`invalid duration ${JSON.stringify(d)}: expected ${ACCEPTED}`);
    total += Number(m[1]) * UNIT_MS[m[2]];
    pos = part.lastIndex;
  }
  if (s.length === 0) throw new Error(`invalid duration "": expected ${ACCEPTED}`);
  return total;
}

/** Formats milliseconds the way kubectl prints short durations: "850ms", "1.5s", "2m30s", "1h5m". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${round(ms)}ms`;
  if (ms < 60_000) return `${round(ms / 1000)}s`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = round((ms % 60_000) / 1000);
  if (h > 0) return `${h}h${m ? `${m}m` : ""}`;
  return `${m}m${s ? `${s}s` : ""}`;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
