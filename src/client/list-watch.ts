// ListerWatcher: the two calls a reflector needs, and nothing about how they travel. client-go
// keeps the same seam (tools/cache/listwatch.go): a reflector is given "something that can list
// and watch", so it runs unchanged against the API server over the simulated network, against
// a fake in a test, or against anything else that speaks list + watch with resourceVersions.
//
// Callbacks, not Promises: every answer arrives as an event on the simulation's virtual clock.

import type { KubeClient, KubeApiError, ResourceRef } from "./kube-client";

/** The part of a Kubernetes Status a client acts on (code 410 = Gone / Expired, 429, 500...). */
export interface StatusLike {
  code: number;
  reason?: string;
  message?: string;
}

/** What the client machinery reads of an object: its metadata. */
export interface ObjectMetaLike {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  [extra: string]: unknown;
}

export interface KubeObjectLike {
  metadata: ObjectMetaLike;
  [field: string]: any;
}

export interface ListerOptions {
  /** "" = most recent (consistent read); "0" = any (may be served from a cache); "N" = not older than N. */
  resourceVersion?: string;
  /** Page size; 0 or absent = everything in one answer. */
  limit?: number;
  /** The token of the previous page. */
  continue?: string;
}

export interface ListResult<T> {
  items: T[];
  metadata: { resourceVersion: string; continue?: string };
}

export interface WatcherOptions {
  /** Events strictly after this revision. */
  resourceVersion: string;
  allowWatchBookmarks?: boolean;
  /** The server ends the watch after this long (client-go picks [300 s, 600 s)). */
  timeoutSeconds?: number;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEventLike {
  type: WatchEventType;
  /** The object; for ERROR a Status; for BOOKMARK an object with only metadata.resourceVersion. */
  object: any;
}

export interface WatchStopper {
  stop(): void;
}

export interface ListerWatcher<T> {
  list(opts: ListerOptions, cb: (err: StatusLike | undefined, list?: ListResult<T>) => void): void;
  /**
   * Starts a watch. handler gets each event in order; done is called once when the stream ends:
   * without an error when the server closed it (timeout), with one when it was refused or broke.
   * An expired resourceVersion arrives as an ERROR event carrying a 410 Status (then done()),
   * the way a real API server answers [apiserver pkg/storage/cacher/cacher.go].
   */
  watch(opts: WatcherOptions, handler: (ev: WatchEventLike) => void, done: (err?: StatusLike) => void): WatchStopper;
}

/** 410: the resourceVersion (or the continue token) fell out of the retained history. */
export function isExpired(err: StatusLike | undefined): boolean {
  return !!err && (err.code === 410 || err.reason === "Expired" || err.reason === "Gone");
}

/** 504 "Too large resource version": the server has not caught up with the RV we asked for. */
export function isTooLargeResourceVersion(err: StatusLike | undefined): boolean {
  return !!err && err.code === 504 && /too large resource version/i.test(err.message ?? "");
}

export function isTooManyRequests(err: StatusLike | undefined): boolean {
  return !!err && err.code === 429;
}

/**
 * No answer at all (connection refused, partition): client-go re-watches from where it was
 * instead of re-listing, since the server most likely still has the history [reflector.go
 * isWatchErrorRetriable]. Status code 0 is how a transport says "never reached the server".
 */
export function isConnectionRefused(err: StatusLike | undefined): boolean {
  return !!err && (err.code === 0 || err.code === 503);
}

export interface ListWatchSelectors {
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * A ListerWatcher over a KubeClient, for one resource (optionally one namespace), as client-go's
 * cache.NewListWatchFromClient. The client is passed in (not imported) so this file carries no
 * runtime dependency on the transport.
 */
export function listWatchFromClient(client: KubeClient, resource: ResourceRef, namespace?: string, selectors: ListWatchSelectors = {}): ListerWatcher<any> {
  const status = (e: KubeApiError | undefined): StatusLike | undefined =>
    e ? { code: e.status.code, reason: e.status.reason, message: e.status.message } : undefined;
  return {
    list(opts, cb) {
      client.list(resource, namespace, { ...selectors, ...opts }, (err, list) => {
        if (err) return cb(status(err));
        const l = list!;
        cb(undefined, { items: l.items, metadata: { resourceVersion: l.metadata.resourceVersion, continue: l.metadata.continue } });
      });
    },
    watch(opts, handler, done) {
      return client.watch(resource, namespace, { ...selectors, ...opts }, (ev) => handler(ev), (err) => done(status(err)));
    },
  };
}
