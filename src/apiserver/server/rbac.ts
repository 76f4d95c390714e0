// Authorization by RBAC (plugin/pkg/auth/authorizer/rbac): allow rules only, the union over
// every binding that names the user, one of their groups or their ServiceAccount. Roles and
// bindings are read from an in-memory cache kept current by a watch (the real authorizer reads
// informers too), so a new RoleBinding takes effect as soon as the watch delivers it.

import type { KubeObject } from "../registry/object";
import type { UserInfo } from "./authn";

export interface Attributes {
  user: UserInfo;
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string | undefined;
  name: string;
}

export interface RbacObjects {
  roles(namespace: string): KubeObject[];
  clusterRoles(): KubeObject[];
  roleBindings(namespace: string): KubeObject[];
  clusterRoleBindings(): KubeObject[];
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

function has(list: string[] | undefined, v: string): boolean {
  return (list ?? []).some((x) => x === "*" || x === v);
}

export function ruleAllows(rule: any, a: Attributes): boolean {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (!has(rule.verbs, a.verb)) return false;
  if (!has(rule.apiGroups, a.group)) return false;
  const resources: string[] = rule.resources ?? [];
  const resOk = resources.some((r) => r === "*" || r === res || (a.subresource && r === `*/${a.subresource}`) || (!a.subresource && r === a.resource));
  if (!resOk) return false;
  const names: string[] = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(a.name);
}

function subjectMatches(s: any, user: UserInfo, bindingNamespace: string | undefined): boolean {
  switch (s?.kind) {
    case "User":
      return s.name === user.name;
    case "Group":
      return user.groups.includes(s.name);
    case "ServiceAccount":
      return user.name === `system:serviceaccount:${s.namespace || bindingNamespace}:${s.name}`;
  }
  return false;
}

export class RbacAuthorizer {
  constructor(private readonly objects: RbacObjects) {}

  authorize(a: Attributes): Decision {
    // The privileged group: allowed everything, even before any binding exists (the real
    // authorizer treats system:masters as a superuser group).
    if (a.user.groups.includes("system:masters")) return { allowed: true, reason: "" };
    const roleRules = (ref: any, ns: string | undefined): any[] => {
      if (ref?.kind === "ClusterRole") return this.objects.clusterRoles().find((r) => r.metadata.name === ref.name)?.rules ?? [];
      if (ref?.kind === "Role" && ns) return this.objects.roles(ns).find((r) => r.metadata.name === ref.name)?.rules ?? [];
      return [];
    };
    for (const b of this.objects.clusterRoleBindings()) {
      if (!(b.subjects ?? []).some((s: any) => subjectMatches(s, a.user, undefined))) continue;
      if (roleRules(b.roleRef, undefined).some((r) => ruleAllows(r, a)))
        return { allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${b.metadata.name}" of ClusterRole "${b.roleRef.name}" to ${subjectText(a.user)}` };
    }
    if (a.namespace) {
      for (const b of this.objects.roleBindings(a.namespace)) {
        if (!(b.subjects ?? []).some((s: any) => subjectMatches(s, a.user, a.namespace))) continue;
        if (roleRules(b.roleRef, a.namespace).some((r) => ruleAllows(r, a)))
          return { allowed: true, reason: `RBAC: allowed by RoleBinding "${b.metadata.name}/${a.namespace}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${subjectText(a.user)}` };
      }
    }
    return { allowed: false, reason: "" };
  }
}

function subjectText(u: UserInfo): string {
  const m = /^system:serviceaccount:([^:]+):(.+)$/.exec(u.name);
  return m ? `ServiceAccount "${m[2]}/${m[1]}"` : `User "${u.name}"`;
}

/** `User "x" cannot list resource "pods" in API group "" in the namespace "y"` (the why of a 403). */
export function forbiddenReason(a: Attributes): string {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : "at the cluster scope";
  return `User "${a.user.name}" cannot ${a.verb} resource "${res}" in API group "${a.group}" ${scope}`;
}
