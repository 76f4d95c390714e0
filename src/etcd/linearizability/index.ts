// A linearizability checker for key-value histories (Wing–Gong / Porcupine), used to judge what
// clients of our etcd observed under faults.

export { checkOperations, checkPartition, explain } from "./checker";
export type { CheckResult, CheckOptions, PartitionResult, Verdict } from "./checker";
export { outcomeOf, prepare } from "./history";
export type { Operation, Outcome, PreparedOp } from "./history";
export type { Model } from "./model";
export { kvModel, checkRevisionOrder } from "./kv-model";
export type { KvInput, KvOutput, KvState, KvModelOptions, RevisionViolation } from "./kv-model";
