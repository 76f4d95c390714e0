// LIVE BRIDGE: the API server's HTTP front (see server.ts).
export { serveApi, writeKubeconfig, kubeconfigYaml, parseResourcePath, statusBody } from "./server";
export type { ServeApiOptions, ApiHttpServer, ServableCluster, ResourcePath } from "./server";
