// The API server's REST surface inside the simulation, independent of HTTP: the HTTP front (a
// live bridge) and in-simulation clients both speak it. A request is plain data; the answer
// goes to a responder, once (send) or as a stream of watch events (stream).

export interface RestRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** The URL path without the query, e.g. "/api/v1/namespaces/default/pods/web-1". */
  path: string;
  /** Query parameters (repeated ones as arrays), e.g. { watch: "true", labelSelector: "app=web" }. */
  query: Record<string, string | string[]>;
  /** Header names in lower case: authorization, content-type, accept, ... */
  headers: Record<string, string>;
  /** The raw body (JSON, or YAML where the client sent YAML). */
  body?: string;
}

export interface RestStream {
  /** One watch event or other JSON value; the HTTP front writes it as one line. */
  event(value: unknown): void;
  end(): void;
  /** Called once when the client goes away (or the stream is ended). */
  onClose(fn: () => void): void;
}

export interface RestResponder {
  /** A complete response with a JSON body. */
  send(status: number, body: unknown, headers?: Record<string, string>): void;
  /** Starts a streaming response (watch). */
  stream(status: number, headers?: Record<string, string>): RestStream;
}
