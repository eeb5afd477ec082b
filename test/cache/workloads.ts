/**
 * Workloads for the cache tests: seeded key streams (Zipf, scan-polluted, looping), the P3 trace
 * of the ARC paper, a driver that replays a stream through a native cache (a lookup, and a set on
 * each miss) and reports its hit rate, and the encoded form of keys for the reference models.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Cache, type CacheKey, type CachePolicy } from "../../mod.ts";
import { encodeKey, KEY } from "../../src/cache/keys.ts";
import { random } from "../vector_reference.ts";

/** The key as the library stores it (tag byte and bytes), as a fresh array. */
export function encoded(key: CacheKey): Uint8Array {
  return KEY.slice(0, encodeKey(key, "encode a test key"));
}

/** `count` keys drawn from Zipf(`exponent`) over `0 .. universe-1` (0 the most popular). */
export function zipfStream(universe: number, exponent: number, count: number, seed: number): Uint32Array {
  const cumulative = new Float64Array(universe);
  let total = 0;
  for (let rank = 0; rank < universe; rank++) {
    total += 1 / Math.pow(rank + 1, exponent);
    cumulative[rank] = total;
  }
  const next = random(seed);
  const stream = new Uint32Array(count);
  for (let index = 0; index < count; index++) stream[index] = rankAt(cumulative, next() * total);
  return stream;
}

/** The first rank whose cumulative weight reaches `target`: a draw from the distribution it sums. */
export function rankAt(cumulative: Float64Array, target: number): number {
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (cumulative[middle] < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * A Zipf stream over `universe` keys with a scan of `scanLength` keys never seen before inserted
 * after every `scanEvery` requests: a cache that admits every new key loses its hot set to each scan.
 */
export function scanPollutedStream(
  universe: number,
  count: number,
  scanEvery: number,
  scanLength: number,
  seed: number,
): Uint32Array {
  const hot = zipfStream(universe, 0.99, count, seed);
  const stream: number[] = [];
  let fresh = universe;
  for (let index = 0; index < count; index++) {
    stream.push(hot[index]);
    if ((index + 1) % scanEvery === 0) { for (let scan = 0; scan < scanLength; scan++) stream.push(fresh++); }
  }
  return Uint32Array.from(stream);
}

/**
 * A loop over `workingSet` keys in order, repeated, with a key never seen before after every
 * `newEvery` requests: recency is all that matters.
 */
export function loopStream(workingSet: number, count: number, newEvery: number): Uint32Array {
  const stream = new Uint32Array(count);
  let fresh = workingSet;
  let position = 0;
  for (let index = 0; index < count; index++) {
    if ((index + 1) % newEvery === 0) stream[index] = fresh++;
    else stream[index] = position++ % workingSet;
  }
  return stream;
}

const VALUE = new Uint8Array(1);
/** What one entry of `nativeHitRate` costs: a 9-byte integer key, a 1-byte value and the overhead. */
export const TRACE_ENTRY_BYTES = 9 + 1 + 64;

/**
 * Replays `stream` through a native cache of `entries` entries (one per key, shards: 1):
 * `getInto`, and `set` on a miss. The bound is `maxEntries` (with an unbounded `maxBytes`) or the
 * bytes of exactly that many entries (`maxBytes`, which the adaptive policy's segments are shares
 * of). Returns the hit rate the cache's counters report.
 */
export function nativeHitRate(
  policy: CachePolicy,
  entries: number,
  stream: ArrayLike<number>,
  bound: "entries" | "bytes" = "bytes",
): number {
  const options = bound === "entries"
    ? { maxBytes: 2 ** 40, maxEntries: entries, policy }
    : { maxBytes: entries * TRACE_ENTRY_BYTES, policy };
  using cache = new Cache(options);
  const out = new Uint8Array(8);
  for (let index = 0; index < stream.length; index++) {
    const key = stream[index];
    if (cache.getInto(key, out) < 0) cache.set(key, VALUE);
  }
  return cache.stats().hitRate;
}

/** Where the P3 trace lives (the repo's sibling `shared/` folder). */
export const P3_PATH = new URL("../../../shared/data/cache-traces/P3.lis.gz", import.meta.url).pathname;

/** Whether the P3 trace is present on this machine. */
export function hasP3(): boolean {
  return existsSync(P3_PATH);
}

/** The P3 trace at `path` as block numbers, one per request (each `start count` run expanded). */
export function p3Stream(path: string = P3_PATH): Float64Array {
  const text = new TextDecoder().decode(gunzipSync(readFileSync(path)));
  let total = 0;
  const runs: number[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2) continue;
    const start = Number(fields[0]);
    const count = Number(fields[1]);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 1) {
      throw new Error(`P3: unexpected line "${line}"`);
    }
    runs.push(start, count);
    total += count;
  }
  const stream = new Float64Array(total);
  let at = 0;
  for (let index = 0; index < runs.length; index += 2) {
    for (let block = 0; block < runs[index + 1]; block++) stream[at++] = runs[index] + block;
  }
  return stream;
}
