// Chapter 03's exercises: grant exactly the right RBAC permission; fix an invalid manifest by
// reading the API server's field errors.

import type { Cluster } from "../cluster/cluster";
import { KubeApiError } from "../client/kube-client";
import { Verdict, verdict } from "./verdict";

/** What the ServiceAccount default/viewer may do: list pods in default, nothing else asked here. */
export function checkViewerCanListPods(cluster: Cluster): Verdict {
  const token = cluster.serviceAccountToken("default", "viewer");
  const viewer = cluster.client("", token); // a fresh endpoint per check: the check may run again
  const attempt = (f: (cb: (err: KubeApiError | undefined) => void) => void): number => {
    try {
      cluster.wait<unknown>((cb) => f((err) => cb(err, undefined)));
      return 200;
    } catch (e) {
      if (e instanceof KubeApiError) return e.code;
      throw e;
    }
  };
  const listDefault = attempt((cb) => viewer.list("pods", "default", {}, cb));
  const listSystem = attempt((cb) => viewer.list("pods", "kube-system", {}, cb));
  const deletePod = attempt((cb) => viewer.delete("pods", "no-such-pod", "default", {}, cb));
  if (listDefault !== 200) return verdict(false, "", `viewer still cannot list pods in default (HTTP ${listDefault}): you need a Role with verb "list" on "pods" in default, and a RoleBinding to the ServiceAccount viewer`);
  if (listSystem !== 403) return verdict(false, "", "viewer can list pods in kube-system too: use a Role and RoleBinding in default, not a ClusterRoleBinding");
  if (deletePod !== 403) return verdict(false, "", `viewer may delete pods (got HTTP ${deletePod}, not 403): grant only what is needed`);
  return verdict(true, "viewer lists pods in default (200), is refused in kube-system (403) and cannot delete (403): least privilege.", "");
}

export function checkFixedPod(cluster: Cluster, name = "fix-me"): Verdict {
  try {
    const pod = cluster.get("pods", name) as { spec?: { containers?: { name: string; image?: string }[] } };
    const c = pod.spec?.containers?.[0];
    return verdict(true, `pod ${name} was accepted: container "${c?.name}" runs "${c?.image}".`, "");
  } catch (e) {
    if (e instanceof KubeApiError && e.code === 404) return verdict(false, "", `there is no pod "${name}" yet: apply your fixed manifest (keep the name ${name})`);
    throw e;
  }
}
