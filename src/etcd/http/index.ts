export { serveEtcd } from "./gateway-server";
export type { EtcdServeOptions, EtcdServer } from "./gateway-server";
