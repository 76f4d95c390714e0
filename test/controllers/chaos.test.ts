// Chaos: random pod deletions, node failures (some past the 300 s eviction), controller-manager
// kills, etcd leader changes and member crashes, scaling and image changes mid-rollout — and
// afterwards every ReplicaSet has exactly its desired pods, every Deployment has completed its
// rollout, no pod is orphaned, nothing is duplicated, and the cluster stays quiet.
// The run and its checks are in chaos-run.ts; each seed is a different schedule of faults.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { chaosCluster, finalViolations, runChaos } from "./chaos-run";

const SEEDS = [1, 2, 3, 4, 5, 6];

for (const seed of SEEDS) {
  test(`chaos seed ${seed}: converges to the desired state, with no orphan or duplicate pod`, () => {
    const r = runChaos({ seed });
    const story = `\nfaults:\n${r.log.join("\n")}`;
    assert.equal(r.during, [], `invariants broken during the faults${story}`);
    assert.equal(r.final, [], `not converged ${r.settleMs / 1000}s after healing${story}`);
    assert.equal(r.quiet, [], `not quiet after converging${story}`);
    // The faults did happen: pods were evicted from the long-dead node, etcd changed leader,
    // and a standby controller manager took over (each start of a manager is one incarnation).
    assert.ok(r.evictions > 0, `no eviction${story}`);
    assert.ok(r.etcdLeaders >= 2, `etcd never changed leader${story}`);
    assert.ok(r.managerTerms >= 3, `no controller manager restarted${story}`);
    assert.ok((r.counts["delete-pod"] ?? 0) > 0 && (r.counts["set-image"] ?? 0) > 0 && (r.counts["scale"] ?? 0) > 0, `missing user faults${story}`);
  });
}

test("chaos is deterministic: one seed, the same faults and the same pods", () => {
  const names = (r: ReturnType<typeof runChaos>) => ((r.cluster.get("pods") as any).items as any[]).map((p) => `${p.metadata.name}@${p.spec.nodeName}`).sort();
  const a = runChaos({ seed: 42, chaosMs: 100_000, settleLimitMs: 120_000 });
  const b = runChaos({ seed: 42, chaosMs: 100_000, settleLimitMs: 120_000 });
  assert.ok(a.log.length > 5);
  assert.equal(a.log, b.log);
  assert.equal(names(a), names(b));
});

test("the end-state check fails on an orphan pod, a stale status and missing pods", () => {
  const c = chaosCluster(7);
  assert.equal(finalViolations(c), [], "the workload rolled out");
  // A pod no controller owns (its labels match no selector, so nothing adopts it).
  c.apply(`{apiVersion: v1, kind: Pod, metadata: {name: stray, labels: {app: stray}}, spec: {containers: [{name: c, image: busybox}]}}`);
  // Both controller managers die: a scale-up is never observed, and no pod comes for it.
  for (const cm of c.controllerManagers) cm.stop();
  c.patch("deployments", "web", { spec: { replicas: 6 } }, "merge");
  c.runFor("30s");
  const v = finalViolations(c);
  assert.ok(v.includes("orphan pod stray (controller none)"), v.join("\n"));
  assert.ok(v.some((x) => /^deployment web: observedGeneration \d+ != \d+$/.test(x)), v.join("\n"));
  assert.ok(v.includes("deployment web: status.replicas 4 != 6"), v.join("\n"));
});

test.run();
