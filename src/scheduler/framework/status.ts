// A plugin's verdict [k/k pkg/scheduler/framework/interface.go: Code, Status]. The difference
// between Unschedulable and UnschedulableAndUnresolvable matters: only nodes rejected with the
// first are worth preempting on (removing pods could help), the second cannot be fixed by that
// (a taint, a node selector).

export type Code = "Success" | "Error" | "Unschedulable" | "UnschedulableAndUnresolvable" | "Wait" | "Skip" | "Pending";

export class Status {
  /** The plugin that returned it (set by the framework). */
  plugin = "";

  constructor(readonly code: Code = "Success", readonly reasons: string[] = []) {}

  static success(): Status {
    return new Status("Success");
  }
  static skip(): Status {
    return new Status("Skip");
  }
  static error(message: string): Status {
    return new Status("Error", [message]);
  }
  static unschedulable(...reasons: string[]): Status {
    return new Status("Unschedulable", reasons);
  }
  static unresolvable(...reasons: string[]): Status {
    return new Status("UnschedulableAndUnresolvable", reasons);
  }

  isSuccess(): boolean {
    return this.code === "Success";
  }
  isSkip(): boolean {
    return this.code === "Skip";
  }
  /** Unschedulable or UnschedulableAndUnresolvable: the pod does not fit (not an error). */
  isRejected(): boolean {
    return this.code === "Unschedulable" || this.code === "UnschedulableAndUnresolvable";
  }
  message(): string {
    return this.reasons.join(", ");
  }
  withPlugin(name: string): Status {
    this.plugin = name;
    return this;
  }
}
