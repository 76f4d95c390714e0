// DefaultBinder: the default Bind plugin [k/k pkg/scheduler/framework/plugins/defaultbinder/default_binder.go].
// Binding is one API call: POST pods/<name>/binding with the chosen node as target. The API
// server sets spec.nodeName (and the PodScheduled condition) in one write, and refuses with
// 409 Conflict if the pod is already bound — so two schedulers can never both bind a pod.

import type { BindPlugin, CycleState, Handle, PluginFactory, Pod } from "../framework/interface";
import { Status } from "../framework/status";

export const DEFAULT_BINDER = "DefaultBinder";

export class DefaultBinder implements BindPlugin {
  readonly name = DEFAULT_BINDER;

  constructor(private readonly handle: Handle) {}

  bind(_state: CycleState, pod: Pod, nodeName: string, done: (status: Status) => void): void {
    const ns = pod.metadata.namespace ?? "default";
    this.handle.sim.trace.record("kube-scheduler", "bind", { pod: `${ns}/${pod.metadata.name}`, node: nodeName });
    this.handle.client.bind(ns, pod.metadata.name!, nodeName, (err) => {
      // framework.AsStatus(err): the API server's text; RunBindPlugins adds "running Bind plugin".
      if (err) done(Status.error(err.message).withPlugin(DEFAULT_BINDER));
      else done(Status.success());
    }, pod.metadata.uid);
  }
}

export const newDefaultBinder: PluginFactory = (_args, handle) => new DefaultBinder(handle);
