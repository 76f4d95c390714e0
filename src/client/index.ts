// The client layer: how every component other than the API server talks to it (KubeClient)
// and the client-go machinery built on top: informers, listers, work queues, rate limiters.

export * from "./kube-client";
export * from "./list-watch";
export * from "./rate-limiter";
export * from "./workqueue";
export * from "./lister";
export * from "./informer";
export * from "./informer-factory";
export * from "./events";
