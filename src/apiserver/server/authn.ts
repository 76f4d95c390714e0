// Authentication: bearer tokens, from a static token table (kube-apiserver --token-auth-file)
// or minted for ServiceAccounts. A request with no token or an unknown one is refused with 401:
// anonymous access is off, as on a kubeadm cluster's secure port.

import type { Rng } from "../../sim/rng";

export interface UserInfo {
  name: string;
  uid: string;
  groups: string[];
}

export interface StaticToken {
  token: string;
  user: string;
  uid?: string;
  groups?: string[];
}

export class TokenAuthenticator {
  private readonly tokens = new Map<string, UserInfo>();
  /** Service-account tokens: token → {namespace, name}; valid while the ServiceAccount exists. */
  private readonly saTokens = new Map<string, { namespace: string; name: string; uid: string }>();

  constructor(
    staticTokens: StaticToken[],
    private readonly rng: Rng,
    private readonly serviceAccountExists: (namespace: string, name: string) => boolean,
  ) {
    for (const t of staticTokens) this.addToken(t);
  }

  addToken(t: StaticToken): void {
    this.tokens.set(t.token, { name: t.user, uid: t.uid ?? t.user, groups: t.groups ?? [] });
  }

  /**
   * Mints a token for a ServiceAccount, shaped like a JWT (header.payload.signature), whose
   * payload names the account as a real one does. The signature is random, not cryptographic:
   * the server recognises its own tokens by table, which is all the simulation needs.
   */
  mintServiceAccountToken(namespace: string, name: string, uid = ""): string {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const sig = Buffer.from(this.rng.bytes(32)).toString("base64url");
    const token = `${b64({ alg: "RS256", kid: "kubelab" })}.${b64({ iss: "https://kubernetes.default.svc.cluster.local", sub: `system:serviceaccount:${namespace}:${name}`, "kubernetes.io": { namespace, serviceaccount: { name, uid } } })}.${sig}`;
    this.saTokens.set(token, { namespace, name, uid });
    return token;
  }

  /** The user of an Authorization header, or undefined (→ 401). */
  authenticate(authorization: string | undefined): UserInfo | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!m) return undefined;
    const token = m[1];
    const u = this.tokens.get(token);
    if (u) return { ...u, groups: withAuthenticated(u.groups) };
    const sa = this.saTokens.get(token);
    if (sa && this.serviceAccountExists(sa.namespace, sa.name)) {
      return {
        name: `system:serviceaccount:${sa.namespace}:${sa.name}`,
        uid: sa.uid,
        groups: withAuthenticated(["system:serviceaccounts", `system:serviceaccounts:${sa.namespace}`]),
      };
    }
    return undefined;
  }
}

function withAuthenticated(groups: string[]): string[] {
  return groups.includes("system:authenticated") ? groups.slice() : [...groups, "system:authenticated"];
}
