// The trace: every component records what it does as rows (time, component, kind, fields).
// Charts and tables are views over these rows, never ad-hoc counters.

export interface TraceRow {
  t: number; // virtual milliseconds
  component: string;
  kind: string;
  [field: string]: unknown;
}

export type TraceFilter = Partial<Pick<TraceRow, "component" | "kind">> | ((row: TraceRow) => boolean);

export class Trace {
  private readonly all: TraceRow[] = [];
  private readonly listeners: ((row: TraceRow) => void)[] = [];

  constructor(
    private readonly clock: () => number,
    /** When false, rows go to listeners but are not kept (long benchmarks, chaos tests). */
    public keep = true,
  ) {}

  record(component: string, kind: string, fields: Record<string, unknown> = {}): TraceRow {
    // Nobody keeps or reads the row: skip copying the fields (a hot path in long benchmarks).
    if (!this.keep && this.listeners.length === 0) return { t: this.clock(), component, kind };
    const row: TraceRow = { ...fields, t: this.clock(), component, kind };
    if (this.keep) this.all.push(row);
    for (const l of this.listeners) l(row);
    return row;
  }

  /** Rows, optionally filtered by component / kind or a predicate. */
  rows(filter?: TraceFilter): TraceRow[] {
    if (!filter) return this.all.slice();
    if (typeof filter === "function") return this.all.filter(filter);
    return this.all.filter(
      (r) => (filter.component === undefined || r.component === filter.component) && (filter.kind === undefined || r.kind === filter.kind),
    );
  }

  /** Called for every row as it is recorded; returns an unsubscribe function. */
  subscribe(listener: (row: TraceRow) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  get length(): number {
    return this.all.length;
  }

  clear(): void {
    this.all.length = 0;
  }
}
