// The informer's local cache and the listers that read it. client-go splits this over
// tools/cache/{store.go, index.go, thread_safe_store.go, listers.go}: a store keyed by
// "namespace/name", secondary indices computed by index functions (the informers every
// controller uses carry the "namespace" index), and listers: read-only views that answer
// list(selector) and get(name) from memory, never from the API server.
//
// Controllers must treat what a lister returns as read-only: it is the cache itself.

import { parseLabelSelector, selectorFromLabelSelector } from "../apiserver/registry/selectors";
import type { Parsed, Selector as LabelRequirements } from "../apiserver/registry/selectors";
import type { KubeObjectLike } from "./list-watch";

// ---- keys ----

/**
 * A deleted object whose final state the informer never saw: it vanished from a re-list, so the
 * delete event was missed while disconnected. obj is the last state the cache had.
 */
export class DeletedFinalStateUnknown<T> {
  constructor(readonly key: string, readonly obj: T) {}
}

/** "namespace/name", or "name" for a cluster-scoped object (client-go's MetaNamespaceKeyFunc). */
export function metaNamespaceKeyFunc(obj: KubeObjectLike): string {
  const m = obj.metadata;
  if (!m || typeof m.name !== "string") throw new Error("object has no metadata.name: cannot compute its key");
  return m.namespace ? `${m.namespace}/${m.name}` : m.name;
}

/** As metaNamespaceKeyFunc, but a tombstone gives the key it carries. */
export function deletionHandlingMetaNamespaceKeyFunc(obj: KubeObjectLike | DeletedFinalStateUnknown<unknown>): string {
  if (obj instanceof DeletedFinalStateUnknown) return obj.key;
  return metaNamespaceKeyFunc(obj);
}

/** "ns/name" → {namespace: "ns", name}; "name" → {namespace: "", name}. */
export function splitMetaNamespaceKey(key: string): { namespace: string; name: string } {
  const parts = key.split("/");
  if (parts.length === 1) return { namespace: "", name: parts[0] };
  if (parts.length === 2) return { namespace: parts[0], name: parts[1] };
  throw new Error(`unexpected key format: "${key}"`);
}

// ---- indexer ----

export type KeyFunc<T> = (obj: T) => string;
export type IndexFunc<T> = (obj: T) => string[];
export type Indexers<T> = Record<string, IndexFunc<T>>;

export const NamespaceIndex = "namespace";

/** Indexes by metadata.namespace ("" for cluster-scoped objects). */
export function metaNamespaceIndexFunc(obj: KubeObjectLike): string[] {
  return [obj.metadata.namespace ?? ""];
}

/**
 * A keyed store with secondary indices (client-go's cache.Indexer over a threadSafeStore).
 * Iteration order is insertion order of keys, so the same run lists in the same order.
 */
export class Indexer<T> {
  private readonly items = new Map<string, T>();
  private readonly indexers: Indexers<T> = {};
  /** index name → indexed value → keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(readonly keyFunc: KeyFunc<T> = metaNamespaceKeyFunc as unknown as KeyFunc<T>, indexers: Indexers<T> = {}) {
    this.addIndexers(indexers);
  }

  add(obj: T): void {
    this.put(this.keyFunc(obj), obj);
  }
  update(obj: T): void {
    this.put(this.keyFunc(obj), obj);
  }
  delete(obj: T | DeletedFinalStateUnknown<T>): void {
    const key = obj instanceof DeletedFinalStateUnknown ? obj.key : this.keyFunc(obj);
    this.deleteKey(key);
  }
  get(obj: T): T | undefined {
    return this.items.get(this.keyFunc(obj));
  }
  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }
  list(): T[] {
    return Array.from(this.items.values());
  }
  listKeys(): string[] {
    return Array.from(this.items.keys());
  }
  get size(): number {
    return this.items.size;
  }
  /** Replaces the whole content, rebuilding the indices. */
  replace(list: T[]): void {
    this.items.clear();
    for (const name of this.indices.keys()) this.indices.set(name, new Map());
    for (const obj of list) this.put(this.keyFunc(obj), obj);
  }

  /** Keys of the objects that share any of obj's values of the named index. */
  index(indexName: string, obj: T): T[] {
    const fn = this.indexFunc(indexName);
    const keys = new Set<string>();
    for (const v of fn(obj)) for (const k of this.indices.get(indexName)!.get(v) ?? []) keys.add(k);
    return Array.from(keys, (k) => this.items.get(k)!);
  }
  /** Keys whose named index includes value. */
  indexKeys(indexName: string, value: string): string[] {
    this.indexFunc(indexName);
    return Array.from(this.indices.get(indexName)!.get(value) ?? []);
  }
  /** Objects whose named index includes value. */
  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((k) => this.items.get(k)!);
  }
  /** Every value the named index currently holds. */
  listIndexFuncValues(indexName: string): string[] {
    this.indexFunc(indexName);
    return Array.from(this.indices.get(indexName)!.keys());
  }
  hasIndex(indexName: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.indexers, indexName);
  }
  getIndexers(): Indexers<T> {
    return { ...this.indexers };
  }
  /** Adds index functions; existing objects are indexed at once. A name can be added only once. */
  addIndexers(indexers: Indexers<T>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers[name]) throw new Error(`indexer conflict: an index named "${name}" exists already`);
      this.indexers[name] = fn;
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) for (const v of fn(obj)) addToIndex(index, v, key);
    }
  }

  private indexFunc(indexName: string): IndexFunc<T> {
    const fn = this.indexers[indexName];
    if (!fn) throw new Error(`Index with name ${indexName} does not exist`);
    return fn;
  }

  private put(key: string, obj: T): void {
    const old = this.items.get(key);
    this.items.set(key, obj);
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indices.get(name)!;
      if (old !== undefined) for (const v of fn(old)) removeFromIndex(index, v, key);
      for (const v of fn(obj)) addToIndex(index, v, key);
    }
  }

  private deleteKey(key: string): void {
    const old = this.items.get(key);
    if (old === undefined) return;
    this.items.delete(key);
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indices.get(name)!;
      for (const v of fn(old)) removeFromIndex(index, v, key);
    }
  }
}

function addToIndex(index: Map<string, Set<string>>, value: string, key: string): void {
  let set = index.get(value);
  if (!set) index.set(value, (set = new Set()));
  set.add(key);
}

function removeFromIndex(index: Map<string, Set<string>>, value: string, key: string): void {
  const set = index.get(value);
  if (!set) return;
  set.delete(key);
  // Drop empty sets, or an index over short-lived values (pod UIDs...) would only grow.
  if (set.size === 0) index.delete(value);
}

// ---- label selectors ----

export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

/** metav1.LabelSelector, as in a Deployment's or a ReplicaSet's spec.selector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * A selector: the string form ("app=web,tier!=db", "env in (a,b)", "!canary"), a LabelSelector
 * object, or a predicate over the labels. Absent or empty: everything.
 */
export type Selector = string | LabelSelector | ((labels: Record<string, string>) => boolean);

/** Compiles a selector into a predicate over labels; throws, saying why, on a malformed one. */
export function labelSelectorMatcher(selector: Selector | undefined): (labels: Record<string, string>) => boolean {
  if (selector === undefined) return () => true;
  if (typeof selector === "function") return selector;
  // The same grammar and matching rules the API server applies to ?labelSelector=.
  let parsed: Parsed<LabelRequirements>;
  if (typeof selector === "string") {
    parsed = parseLabelSelector(selector);
  } else {
    for (const e of selector.matchExpressions ?? []) {
      if ((e.operator === "In" || e.operator === "NotIn") && !(e.values && e.values.length)) {
        throw new Error(`values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`);
      }
    }
    parsed = selectorFromLabelSelector(selector);
  }
  if (parsed.ok !== true) throw new Error(`${(parsed as { error: string }).error} (label selector ${JSON.stringify(selector)})`);
  const compiled = (parsed as { selector: LabelRequirements }).selector;
  if (compiled.empty) return () => true;
  return (labels) => compiled.matches(labels);
}

/** client-go's labels.SelectorFromSet: every key equals its value. */
export function selectorFromSet(set: Record<string, string>): LabelSelector {
  return { matchLabels: { ...set } };
}

// ---- listers ----

function labelsOf(obj: KubeObjectLike): Record<string, string> {
  return (obj.metadata && obj.metadata.labels) || {};
}

/** Read-only view of one namespace of the cache. */
export interface NamespaceLister<T> {
  list(selector?: Selector): T[];
  get(name: string): T | undefined;
}

/**
 * A lister over an informer's indexer (client-go's GenericLister): list(selector) and get(name)
 * for cluster-scoped objects, namespace(ns).list / .get for namespaced ones. The namespaced
 * view uses the "namespace" index when the indexer has it, else filters.
 */
export class Lister<T extends KubeObjectLike = KubeObjectLike> {
  constructor(readonly indexer: Indexer<T>) {}

  list(selector?: Selector): T[] {
    const match = labelSelectorMatcher(selector);
    return this.indexer.list().filter((o) => match(labelsOf(o)));
  }

  /** A cluster-scoped object by name (or any object by its full "ns/name" key). */
  get(name: string): T | undefined {
    return this.indexer.getByKey(name);
  }

  namespace(namespace: string): NamespaceLister<T> {
    const indexer = this.indexer;
    return {
      list(selector?: Selector): T[] {
        const match = labelSelectorMatcher(selector);
        const inNs = indexer.hasIndex(NamespaceIndex)
          ? indexer.byIndex(NamespaceIndex, namespace)
          : indexer.list().filter((o) => (o.metadata.namespace ?? "") === namespace);
        return inNs.filter((o) => match(labelsOf(o)));
      },
      get(name: string): T | undefined {
        return indexer.getByKey(namespace ? `${namespace}/${name}` : name);
      },
    };
  }

  /** Objects whose named index includes value (e.g. pods by node with a custom index). */
  byIndex(indexName: string, value: string): T[] {
    return this.indexer.byIndex(indexName, value);
  }
}
