// A key-value workload that records its history for the linearizability checker: clients
// issue get / put / cas / delete on a few keys, one operation at a time each, and every call
// and return is noted on the virtual clock (as Jepsen's clients do).

import type { Simulation } from "../../sim/index";
import type { Rng } from "../../sim/index";
import { text, utf8 } from "../mvcc/bytes";
import type { Operation, Outcome } from "../linearizability/history";
import type { KvInput, KvOutput } from "../linearizability/kv-model";
import type { RpcError } from "../server/protocol";
import type { EtcdClient } from "./client";

export type KvOperation = Operation<KvInput, KvOutput>;

export interface WorkloadOptions {
  keys?: string[];
  /** Pause between one client's operations (ms, drawn uniformly from [0, thinkMs)). */
  thinkMs?: number;
  /** Share of reads (the rest split between put, cas and delete). */
  readShare?: number;
}

/** Did the operation happen? "no leader" or a refused connection: definitely not; a timeout: unknown. */
export function outcomeOfError(input: KvInput, err: RpcError): Outcome {
  if (input.op === "get") return "fail"; // a read that failed changed nothing
  if (err.code === 4 || /timed out/.test(err.message)) return "unknown";
  if (err.message === "etcdserver: no leader" || /connection refused/.test(err.message)) return "fail";
  return "unknown";
}

/** Runs one operation through the client and calls `done` with its history entry. */
export function runOperation(sim: Simulation, client: EtcdClient, clientId: string, input: KvInput, done: (op: KvOperation) => void): void {
  const call = sim.now;
  const finish = (err: RpcError | undefined, output?: KvOutput) => {
    if (err) done({ client: clientId, input, call, return: sim.now, outcome: outcomeOfError(input, err) });
    else done({ client: clientId, input, call, return: sim.now, output, outcome: "ok" });
  };
  const key = utf8(input.key);
  switch (input.op) {
    case "get":
      return client.range({ key }, (err, r) => {
        const kv = r?.kvs[0];
        finish(err, r && { value: kv ? text(kv.value) : null, modRevision: kv?.mod_revision, header: r.header.revision });
      });
    case "put":
      return client.put({ key, value: utf8(input.value) }, (err, r) => finish(err, r && { revision: r.header.revision, header: r.header.revision }));
    case "delete":
      return client.deleteRange({ key }, (err, r) =>
        finish(err, r && { deleted: r.deleted > 0, revision: r.deleted > 0 ? r.header.revision : undefined, header: r.header.revision }),
      );
    case "cas": {
      // A missing key has create_revision 0: compare on that for "absent", on the value otherwise.
      const cmp = input.from === null
        ? { key, target: "CREATE" as const, result: "EQUAL" as const, create_revision: 0 }
        : { key, target: "VALUE" as const, result: "EQUAL" as const, value: utf8(input.from) };
      return client.txn({ compare: [cmp], success: [{ request_put: { key, value: utf8(input.to) } }], failure: [] }, (err, r) =>
        finish(err, r && { ok: r.succeeded, revision: r.succeeded ? r.header.revision : undefined, header: r.header.revision }),
      );
    }
  }
}

/**
 * Each client loops: think, pick an operation, run it, record it — until `until` (virtual ms).
 * Returns the history, filled in as the simulation runs.
 */
export function startWorkload(sim: Simulation, clients: EtcdClient[], until: number, rng: Rng, options: WorkloadOptions = {}): KvOperation[] {
  const keys = options.keys ?? ["x", "y", "z"];
  const think = options.thinkMs ?? 50;
  const readShare = options.readShare ?? 0.5;
  const history: KvOperation[] = [];
  let value = 0;
  const next = (): KvInput => {
    const key = rng.pick(keys);
    const r = rng.next();
    if (r < readShare) return { op: "get", key };
    const w = (r - readShare) / (1 - readShare);
    if (w < 0.5) return { op: "put", key, value: `v${++value}` };
    if (w < 0.85) return { op: "cas", key, from: rng.bool(0.2) ? null : `v${rng.int(value + 1)}`, to: `v${++value}` };
    return { op: "delete", key };
  };
  for (const c of clients) {
    const loop = () => {
      if (sim.now >= until) return;
      const input = next();
      const i = history.length;
      history.push({ client: c.name, input, call: sim.now, outcome: "unknown" });
      runOperation(sim, c, c.name, input, (op) => {
        history[i] = op;
        sim.after(rng.int(Math.max(1, think)), loop);
      });
    };
    sim.after(rng.int(Math.max(1, think)), loop);
  }
  return history;
}
