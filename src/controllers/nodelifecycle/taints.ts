// Taints and tolerations live with the API types (one copy for every component).
export * from "../../apiserver/registry/taints";
