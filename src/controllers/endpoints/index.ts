// The Endpoints controller (--controllers name "endpoint").
export { endpointsController, newEndpointsController, truncateEndpoints, MAX_CAPACITY, MAX_RETRIES, ANNOTATION_OVER_CAPACITY } from "./endpoints-controller";
export type { EndpointsControllerOptions } from "./endpoints-controller";
export { repackSubsets } from "./repack";
export type { EndpointAddress, EndpointPort, EndpointSubset } from "./repack";
