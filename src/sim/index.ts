export { Simulation, Timer } from "./simulation";
export type { SimulationOptions } from "./simulation";
export { Network } from "./network";
export type { Envelope, EndpointHandlers, LinkOptions } from "./network";
export { Rng } from "./rng";
export { Trace } from "./trace";
export type { TraceRow, TraceFilter } from "./trace";
export { parseDuration, formatDuration } from "./duration";
export type { Duration } from "./duration";
