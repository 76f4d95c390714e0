// The EndpointSlice controller (--controllers name "endpointslice") and its reconciler.
export { endpointSliceController, newEndpointSliceController, SLICE_CHANGE_MIN_SYNC_DELAY_MS } from "./endpointslice-controller";
export type { EndpointSliceControllerOptions } from "./endpointslice-controller";
export { reconcile, CONTROLLER_NAME, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, DEFAULT_MAX_ENDPOINTS_PER_SLICE } from "./reconciler";
export type { Endpoint, EndpointConditions, ReconcilePlan } from "./reconciler";
export { LABEL_HEADLESS, ANNOTATION_TRIGGER_TIME } from "./util";
