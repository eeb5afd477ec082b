/**
 * The request streams of the cache suite's hit-rate cases, and their replay: the ARC paper's P3
 * trace (../shared/data/cache-traces/P3.lis.gz, see its README) and a seeded Zipf workload.
 *
 * A replay asks the cache for each key in order; a hit is a request whose key is in the cache, a
 * miss stores the key (with a 1-byte value). The hit rate is hits over requests, cold misses
 * included, as the ARC paper counts them.
 *
 * @module
 */
import { existsSync } from "node:fs";
import type { LRUCache } from "lru-cache";
import { repositoryRoot } from "../lib/runtime.ts";
import { random } from "../../test/vector_reference.ts";
import { p3Stream, rankAt } from "../../test/cache/workloads.ts";
import type { Key, OffheapCache } from "./caches.ts";

/** A request stream: integer keys in order. */
export interface Workload {
  /** Short name for case names and tables: "P3", "Zipf 0.99". */
  name: string;
  keys: Float64Array;
  /** How many different keys it asks for. */
  distinctKeys: number;
}

/** Where the P3 trace is expected: the shared data folder beside the repository. */
export const P3_PATH = `${repositoryRoot()}/../shared/data/cache-traces/P3.lis.gz`;

/** The citation the P3 trace's authors ask for wherever results on it are shown. */
export const P3_CITATION = 'P3 trace: Nimrod Megiddo and Dharmendra S. Modha, "ARC: A Self-Tuning, Low Overhead ' +
  "Replacement Cache\", USENIX Conference on File and Storage Technologies (FAST '03), San Francisco, 2003, " +
  "pp. 115–130.";

/** The exact-LRU hit rates on P3 the trace's README gives: [cache entries, hit rate]. */
export const P3_LRU_REFERENCE: readonly [number, number][] = [
  [1000, 0.0105],
  [2000, 0.0115],
  [8000, 0.0161],
  [32768, 0.0357],
  [131072, 0.4479],
];

function countDistinct(keys: Float64Array): number {
  return new Set(keys).size;
}

/**
 * Reads P3: each line `start count x y` stands for the block requests start … start+count-1.
 *
 * @returns The workload, or undefined when the trace is not there.
 */
export function loadP3(path = P3_PATH): Workload | undefined {
  if (!existsSync(path)) return undefined;
  const keys = p3Stream(path);
  return { name: "P3", keys, distinctKeys: countDistinct(keys) };
}

/**
 * `requests` requests over `keyCount` keys whose popularity follows Zipf(`exponent`): the key of
 * popularity rank r is asked with probability ∝ 1/r^exponent. Ranks map to keys through a seeded
 * shuffle, so popular keys are not the small numbers.
 */
export function zipfWorkload(requests: number, keyCount: number, exponent: number, seed: number): Workload {
  const next = random(seed);
  const cumulative = new Float64Array(keyCount);
  let sum = 0;
  for (let rank = 0; rank < keyCount; rank++) cumulative[rank] = sum += 1 / (rank + 1) ** exponent;
  const keyOfRank = Uint32Array.from({ length: keyCount }, (_, i) => i);
  for (let i = keyCount - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [keyOfRank[i], keyOfRank[j]] = [keyOfRank[j], keyOfRank[i]];
  }
  const keys = new Float64Array(requests);
  for (let i = 0; i < requests; i++) {
    keys[i] = keyOfRank[rankAt(cumulative, next() * sum)];
  }
  return { name: `Zipf ${exponent}`, keys, distinctKeys: countDistinct(keys) };
}

/** The 1-byte value every replayed miss stores. */
const ONE_BYTE = new Uint8Array([1]);
const scratch = new Uint8Array(16);

/** Replays `keys[from … to)` through an offheap Cache; returns the hits. */
export function replayOffheap(cache: OffheapCache, keys: Float64Array, from: number, to: number): number {
  let hits = 0;
  for (let i = from; i < to; i++) {
    const key = keys[i];
    if (cache.getInto(key, scratch) >= 0) hits++;
    else cache.set(key, ONE_BYTE);
  }
  return hits;
}

/** Replays `keys[from … to)` through an lru-cache; returns the hits. */
export function replayLru(lru: LRUCache<Key, Uint8Array>, keys: Float64Array, from: number, to: number): number {
  let hits = 0;
  for (let i = from; i < to; i++) {
    const key = keys[i];
    if (lru.get(key) !== undefined) hits++;
    else lru.set(key, ONE_BYTE);
  }
  return hits;
}
