// PodControl [k/k pkg/controller/controller_utils.go RealPodControl]: how a controller creates
// and deletes the pods it owns, and the Events it reports for each.

import type { KubeObject } from "../../apiserver/registry/object";
import type { EventRecorder } from "../../client/events";
import type { KubeClient } from "../../client/kube-client";
import { isNotFound, newControllerRef } from "../util/controller-ref";
import type { Done } from "../util/async";
import { hasStatusCause, NamespaceTerminatingCause } from "../util/errors";
import { errorMessage } from "./status";

/**
 * GetPodFromTemplate: a pod from the owner's template: its labels, annotations, finalizers and
 * spec, generateName "<owner>-" and the owner's controllerRef.
 */
export function podFromTemplate(owner: KubeObject, ownerApiVersion: string, ownerKind: string): KubeObject {
  const tpl = owner.spec?.template ?? {};
  const meta = tpl.metadata ?? {};
  const pod: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${owner.metadata.name}-`,
      namespace: owner.metadata.namespace,
      labels: { ...(meta.labels ?? {}) },
      ownerReferences: [newControllerRef(owner, ownerApiVersion, ownerKind)],
    },
    spec: JSON.parse(JSON.stringify(tpl.spec ?? {})),
  };
  if (meta.annotations) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}

export class PodControl {
  constructor(private readonly client: KubeClient, private readonly recorder: EventRecorder) {}

  /** CreatePods: Normal SuccessfulCreate "Created pod: x" or Warning FailedCreate "Error creating: ...". */
  createPod(owner: KubeObject, ownerApiVersion: string, ownerKind: string, done: (err?: unknown, pod?: KubeObject) => void): void {
    const pod = podFromTemplate(owner, ownerApiVersion, ownerKind);
    if (!pod.metadata.labels || Object.keys(pod.metadata.labels).length === 0) {
      return done(new Error("unable to create pods, no labels"));
    }
    this.client.create(pod, (err, created) => {
      if (err) {
        // Only if the namespace is not terminating (then every create fails, and it is expected).
        if (!hasStatusCause(err, NamespaceTerminatingCause)) this.recorder.event(owner, "Warning", "FailedCreate", `Error creating: ${errorMessage(err)}`);
        return done(err);
      }
      this.recorder.event(owner, "Normal", "SuccessfulCreate", `Created pod: ${created!.metadata.name}`);
      done(undefined, created);
    });
  }

  /** DeletePod: Normal SuccessfulDelete "Deleted pod: x" or Warning FailedDelete "Error deleting: ...". */
  deletePod(namespace: string, name: string, owner: KubeObject, done: Done): void {
    this.client.delete("pods", name, namespace, {}, (err) => {
      if (err) {
        // Already gone: no event, the caller treats NotFound as done.
        if (!isNotFound(err)) this.recorder.event(owner, "Warning", "FailedDelete", `Error deleting: ${errorMessage(err)}`);
        return done(err);
      }
      this.recorder.event(owner, "Normal", "SuccessfulDelete", `Deleted pod: ${name}`);
      done();
    });
  }
}
