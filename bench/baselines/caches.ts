/**
 * The caches the cache suite compares (bench/suites/cache.ts): offheap's `Cache`, lru-cache (the most
 * used JS cache; an npm devDependency, pinned) and a plain `Map`, filled the same way, with the keys
 * the suite looks up.
 *
 * The suite is written against the Cache API of issue 11; {@linkcode cacheClass} finds the class in
 * the loaded module, so the suite reports "not built yet" instead of failing where it is missing.
 *
 * @module
 */
import { LRUCache } from "lru-cache";
import type { Offheap } from "../lib/offheap.ts";
import { random } from "../../test/vector_reference.ts";

/** A key as the suite uses them: `"key:" + i` strings or the integers themselves. */
export type KeyKind = "string" | "integer";
/** A cache key of any kind. */
export type Key = string | number;

/** The eviction policies of offheap's Cache. */
export type CachePolicy = "lru" | "lfu" | "fifo" | "adaptive";

/** The part of offheap's Cache the suite uses. */
export interface OffheapCache {
  set(key: Key, value: Uint8Array): unknown;
  get(key: Key): Uint8Array | undefined;
  getInto(key: Key, out: Uint8Array): number;
  stats(): { hits: number; misses: number; bytes: number; entries: number; entryOverheadBytes: number; memoryBytes: number };
  share(): unknown;
  free(): void;
}

/** offheap's Cache class. */
export interface CacheClass {
  new (options: {
    maxBytes: number;
    maxEntries?: number;
    policy?: CachePolicy;
    shards?: number;
  }): OffheapCache;
  open(descriptor: unknown): OffheapCache;
}

/** offheap's Cache class, or why the suite cannot use it. */
export function cacheClass(offheap: Offheap): CacheClass | string {
  const found = (offheap as unknown as { Cache?: CacheClass }).Cache;
  return typeof found === "function" ? found : "the Cache facade is not built yet (mod.ts exports no Cache)";
}

/** The contenders of the child-process cases: the three caches, and a process holding nothing. */
export type Contender = "offheap" | "Map" | "lru-cache" | "empty";

/** What a contender holds: the object whose methods the timed loops call. */
export type Store = OffheapCache | Map<Key, Uint8Array> | LRUCache<Key, Uint8Array>;

/** The key of entry `index`. */
export function keyOf(kind: KeyKind, index: number): Key {
  return kind === "string" ? `key:${index}` : index;
}

/** A key no entry has: `"miss:" + i`, or an integer past the entries. */
export function missingKeyOf(kind: KeyKind, index: number, entries: number): Key {
  return kind === "string" ? `miss:${index}` : entries + index;
}

/** UTF-8 bytes of every key of `entries` string keys ("key:0" … ), or 8 per integer key. */
export function keyBytes(kind: KeyKind, entries: number): number {
  if (kind === "integer") return 8 * entries;
  let total = 0;
  for (let digits = 1, from = 0; from < entries; digits++, from = 10 ** (digits - 1)) {
    total += (Math.min(entries, 10 ** digits) - from) * (4 + digits);
  }
  return total;
}

/**
 * `count` keys of existing entries (or, with `missing`, of none) in a seeded random order: fresh
 * key objects, as a request would bring, not the ones the cache was filled with.
 */
export function lookupKeys(kind: KeyKind, entries: number, count: number, seed: number, missing = false): Key[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    const index = Math.floor(next() * entries);
    return missing ? missingKeyOf(kind, index, entries) : keyOf(kind, index);
  });
}

/** The options the suite gives an offheap Cache beyond its size. */
export interface CacheChoice {
  policy?: CachePolicy;
  shards?: number;
  /** The byte bound; by default one with room for every entry, so `maxEntries` is what evicts. */
  maxBytes?: number;
}

/**
 * An offheap Cache for `entries` values of `valueBytes`, with the default policy unless one is
 * given. With one shard `maxEntries` is the bound that evicts; with several, keys spread unevenly
 * over the shards, so there is no entry bound and `maxBytes` leaves room for every entry.
 */
export function offheapCache(
  Cache: CacheClass,
  entries: number,
  valueBytes: number,
  choice: CacheChoice = {},
): OffheapCache {
  const maxBytes = choice.maxBytes ?? entries * (valueBytes + 512) + (64 << 20);
  return new Cache({ ...choice, maxBytes, maxEntries: (choice.shards ?? 1) > 1 ? undefined : entries });
}

/** A value of `valueBytes` whose bytes depend on `index` (so no two neighbours are equal). */
export function valueOf(valueBytes: number, index: number, into = new Uint8Array(valueBytes)): Uint8Array {
  into.fill(index & 0xff);
  if (valueBytes > 0) into[0] = (index >>> 8) & 0xff;
  return into;
}

/**
 * Fills a new store of `contender` with `entries` entries of `valueBytes`: Map and lru-cache hold a
 * fresh Uint8Array per entry (as an application's cache does); offheap's Cache copies one reused
 * buffer. Returns undefined for "empty".
 */
export function fillStore(
  contender: Contender,
  Cache: CacheClass | undefined,
  kind: KeyKind,
  entries: number,
  valueBytes: number,
  choice: CacheChoice = {},
): Store | undefined {
  switch (contender) {
    case "empty":
      return undefined;
    case "Map": {
      const map = new Map<Key, Uint8Array>();
      for (let i = 0; i < entries; i++) map.set(keyOf(kind, i), valueOf(valueBytes, i));
      return map;
    }
    case "lru-cache": {
      const lru = new LRUCache<Key, Uint8Array>({ max: entries });
      for (let i = 0; i < entries; i++) lru.set(keyOf(kind, i), valueOf(valueBytes, i));
      return lru;
    }
    case "offheap": {
      if (!Cache) throw new Error("the offheap contender needs the Cache class");
      const cache = offheapCache(Cache, entries, valueBytes, choice);
      const scratch = new Uint8Array(valueBytes);
      for (let i = 0; i < entries; i++) cache.set(keyOf(kind, i), valueOf(valueBytes, i, scratch));
      return cache;
    }
  }
}

/** How many entries a store holds. */
export function storeSize(store: Store | undefined): number {
  if (store === undefined) return 0;
  if (store instanceof Map || store instanceof LRUCache) return store.size;
  return store.stats().entries;
}
