// The messages between in-simulation clients (KubeClient) and the API server's network
// endpoint: a RestRequest in, a response or a stream of watch events out.

import type { RestRequest } from "../rest";

export interface ApiRequestMsg {
  type: "api.request";
  id: string;
  request: RestRequest;
}
/** The client is done with a watch (the connection closed). */
export interface ApiCancelMsg {
  type: "api.cancel";
  id: string;
}
export type ServerBound = ApiRequestMsg | ApiCancelMsg;

export interface ApiResponseMsg {
  type: "api.response";
  id: string;
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}
export interface ApiStreamMsg {
  type: "api.stream";
  id: string;
  status: number;
}
export interface ApiEventMsg {
  type: "api.event";
  id: string;
  event: unknown;
}
export interface ApiEndMsg {
  type: "api.end";
  id: string;
}
export type ClientBoundMsg = ApiResponseMsg | ApiStreamMsg | ApiEventMsg | ApiEndMsg;
