// Explainability: for one scheduling attempt, what every plugin said about every node — the
// per-plugin filter verdicts and raw / normalized / weighted scores that
// kube-scheduler-simulator records as pod annotations, here kept as a plain record the
// scheduler returns from explain(podKey) and a notebook can render as a table.
//
// Recording it costs a few objects per node and plugin, so it is switchable
// (SchedulerOptions.explain); the compact "decision" trace row is always written.

export interface PluginVerdict {
  plugin: string;
  code: string;
  reasons: string[];
}

export interface PluginScore {
  plugin: string;
  raw: number;
  normalized: number;
  weight: number;
  weighted: number;
}

export interface NodeExplanation {
  node: string;
  /** Filter plugins in profile order up to (and including) the first that rejected. */
  filters: PluginVerdict[];
  /** Present for nodes that passed Filter and were scored. */
  scores?: PluginScore[];
  total?: number;
}

export interface Explanation {
  pod: string;
  /** Virtual ms of the attempt. */
  time: number;
  attempt: number;
  profile: string;
  /** Nodes in the snapshot / filtered / found feasible. */
  numNodes: number;
  evaluatedNodes: number;
  feasibleNodes: number;
  preFilter: PluginVerdict[];
  /** Nodes PreFilter restricted the search to (PreFilterResult), if any. */
  preFilterNodes?: string[];
  /** The nominated node tried first, if the pod had one. */
  nominatedNode?: string;
  nodes: NodeExplanation[];
  postFilter?: PluginVerdict & { nominatedNodeName?: string };
  /** The node chosen, if any. */
  selected?: string;
  /** How many nodes shared the best total (ties broken with the seeded generator). */
  tiedNodes?: number;
  result: "Scheduled" | "Unschedulable" | "Error";
  message?: string;
}

/** A node's row for a table: node, per-filter verdicts, per-plugin weighted scores, total. */
export function explanationRows(e: Explanation): Record<string, unknown>[] {
  return e.nodes.map((n) => {
    const row: Record<string, unknown> = { node: n.node };
    const failed = n.filters.find((f) => f.code !== "Success");
    row.filter = failed ? `${failed.plugin}: ${failed.reasons.join(", ") || failed.code}` : "passed";
    for (const s of n.scores ?? []) row[s.plugin] = `${s.raw} → ${s.normalized} ×${s.weight} = ${s.weighted}`;
    if (n.total !== undefined) row.total = n.total;
    if (e.selected === n.node) row.selected = "✔";
    return row;
  });
}
