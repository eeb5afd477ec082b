/**
 * The native Cache against the plain-TypeScript models of test/cache/reference.ts: seeded random
 * sequences of set, get, getInto, peek, has and delete over a small key space with mixed value
 * sizes must give the same results, the same `keys()` order and the same counters, step by step.
 * Then hit rates on generated workloads (Zipf, scan-polluted, a loop) and on the P3 trace of the
 * ARC paper (Megiddo and Modha, FAST '03), whose README gives exact-LRU reference figures.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Cache, type CacheKey } from "../mod.ts";
import { decodeKey } from "../src/cache/keys.ts";
import {
  ENTRY_OVERHEAD_BYTES,
  hash32,
  sketchHashOf,
  ReferenceAdaptive,
  type ReferenceCache,
  referenceOf,
  type ReferencePolicy,
  type ReferenceStats,
} from "./cache/reference.ts";
import {
  encoded,
  hasP3,
  loopStream,
  nativeHitRate,
  P3_PATH,
  p3Stream,
  scanPollutedStream,
  zipfStream,
} from "./cache/workloads.ts";
import { random } from "./vector_reference.ts";
import { test } from "./harness.ts";

const COUNTERS: (keyof ReferenceStats)[] = [
  "hits",
  "misses",
  "sets",
  "evictionsSize",
  "evictionsCount",
  "evictionsExplicit",
  "rejected",
  "bytes",
  "entries",
];
const VALUE_SIZES = [0, 1, 8, 60, 200, 700, 1500];

/** `count` keys of all three types, some strings not ASCII. */
function keySpace(count: number): CacheKey[] {
  return Array.from({ length: count }, (_, index): CacheKey => {
    if (index % 3 === 0) return index % 2 === 0 ? `key-${index}` : `ключ-${index}`;
    if (index % 3 === 1) return index * 1_000_003;
    return new Uint8Array([index, index >> 8, 7]);
  });
}

function bytesOf(next: () => number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index++) bytes[index] = (next() * 256) | 0;
  return bytes;
}

interface Run {
  policy: ReferencePolicy;
  maxBytes: number;
  maxEntries?: number;
  seed: number;
  ops: number;
  keys: number;
}

/** Checks that the native cache and the model hold the same keys in the same order, and the same counters. */
function compareState(cache: Cache, model: ReferenceCache, where: string): void {
  assert.deepEqual([...cache.keys()], model.keys().map((key) => decodeKey(key)), `${where}: keys()`);
  const stats = cache.stats();
  for (const name of COUNTERS) assert.equal(stats[name], model.stats[name], `${where}: stats.${name}`);
  assert.equal(cache.size, model.stats.entries, `${where}: size`);
  assert.equal(cache.bytes, model.stats.bytes, `${where}: bytes`);
  if (model instanceof ReferenceAdaptive) assert.equal(stats.windowFraction, model.windowFraction, `${where}: window`);
}

/** One step of a random run, on both; asserts the results agree. */
function step(cache: Cache, model: ReferenceCache, next: () => number, keys: CacheKey[], where: string): void {
  const index = Math.floor(next() * next() * keys.length); // skewed: low indices are popular
  const key = keys[index];
  const key8 = encoded(key);
  const choice = next();
  if (choice < 0.3) {
    assert.deepEqual(cache.get(key), model.get(key8), `${where}: get`);
  } else if (choice < 0.4) {
    const out = new Uint8Array(800);
    const expected = model.get(key8);
    const length = cache.getInto(key, out);
    assert.equal(length, expected === undefined ? -1 : expected.length, `${where}: getInto`);
    if (expected && expected.length <= out.length) assert.deepEqual(out.subarray(0, length), expected);
  } else if (choice < 0.47) {
    assert.deepEqual(cache.peek(key), model.peek(key8), `${where}: peek`);
  } else if (choice < 0.52) {
    assert.equal(cache.has(key), model.has(key8), `${where}: has`);
  } else if (choice < 0.95) {
    const tooLarge = next() < 0.01;
    const value = bytesOf(next, tooLarge ? model.maxBytes : VALUE_SIZES[Math.floor(next() * VALUE_SIZES.length)]);
    const expected = model.set(key8, value);
    if (expected === "too-large") assert.throws(() => cache.set(key, value), RangeError, `${where}: set too large`);
    else assert.equal(cache.set(key, value), expected === "stored", `${where}: set`);
  } else {
    assert.equal(cache.delete(key), model.delete(key8), `${where}: delete`);
  }
}

function runAgainstModel(run: Run): void {
  const next = random(run.seed);
  const keys = keySpace(run.keys);
  using cache = new Cache({ maxBytes: run.maxBytes, maxEntries: run.maxEntries, policy: run.policy, shards: 1 });
  const model = referenceOf(run.policy, run);
  for (let op = 0; op < run.ops; op++) {
    const where = `${run.policy} seed ${run.seed} op ${op}`;
    step(cache, model, next, keys, where);
    if (op % 53 === 0) compareState(cache, model, where);
  }
  compareState(cache, model, `${run.policy} seed ${run.seed} end`);
  cache.clear();
  model.clear();
  compareState(cache, model, `${run.policy} seed ${run.seed} after clear`);
}

test("the models hash keys as zig/src/cache/hash.zig does (its known values)", () => {
  assert.equal(hash32(encoded("key"), 0x811c9dc5), 0xd984b786);
  assert.equal(sketchHashOf(encoded("key")), 0x789c7829);
});

const BOUNDS = [
  { maxBytes: 6000, keys: 40 }, // bytes bound only
  { maxBytes: 64_000, maxEntries: 12, keys: 40 }, // entries bound first
  { maxBytes: 4000, maxEntries: 20, keys: 30 }, // both
  { maxBytes: 40_000, keys: 300 }, // a larger key space
];

for (const policy of ["lru", "fifo", "lfu", "adaptive"] as const) {
  test(`${policy}: random operations give the reference model's results, order and counters exactly`, () => {
    BOUNDS.forEach((bounds, index) => runAgainstModel({ policy, ...bounds, seed: 1000 + index, ops: 8000 }));
  }, { timeoutMs: 60_000 });
}

test("fifo and lfu: a set never evicts the entry it just wrote while another entry is left (contract §Eviction)", () => {
  {
    using fifo = new Cache({ maxBytes: 300, policy: "fifo" });
    fifo.set("a", new Uint8Array(100));
    fifo.set("b", new Uint8Array(10));
    // "a" is FIFO's oldest entry, updated in place to a size where "a" and "b" together exceed 300
    // bytes by one, so one entry must go.
    const bBytes = 2 + 10 + ENTRY_OVERHEAD_BYTES;
    const aValueBytes = 300 - bBytes - (2 + ENTRY_OVERHEAD_BYTES) + 1;
    assert.equal(fifo.set("a", new Uint8Array(aValueBytes)), true, "the update of the oldest FIFO entry was evicted");
    assert.deepEqual([...fifo.keys()], ["a"]);
  }
  {
    using lfu = new Cache({ maxBytes: 1 << 20, maxEntries: 2, policy: "lfu" });
    lfu.set("a", "1");
    lfu.get("a");
    lfu.set("b", "2");
    lfu.get("b");
    // "c" enters list 1 alone (list 0 is empty); the victim must be an older entry, not "c".
    assert.equal(lfu.set("c", "3"), true, "the new LFU key was evicted by its own set");
    assert.deepEqual([...lfu.keys()], ["b", "c"]);
    assert.equal(lfu.stats().rejected, 0);
  }
});

test("stats.bytes is exactly the sum of encoded key + value + entryOverheadBytes over keys()", () => {
  for (const policy of ["lru", "fifo", "lfu", "adaptive"] as const) {
    using cache = new Cache({ maxBytes: 20_000, policy });
    const next = random(7);
    const keys = keySpace(60);
    for (let op = 0; op < 3000; op++) {
      const key = keys[Math.floor(next() * keys.length)];
      cache.set(key, bytesOf(next, VALUE_SIZES[Math.floor(next() * VALUE_SIZES.length)]));
      if (op % 10 === 0) cache.delete(keys[Math.floor(next() * keys.length)]);
    }
    const stats = cache.stats();
    assert.equal(stats.entryOverheadBytes, ENTRY_OVERHEAD_BYTES);
    let sum = 0;
    for (const [key, value] of cache.entries()) sum += encoded(key).length + value.length + stats.entryOverheadBytes;
    assert.equal(stats.bytes, sum, policy);
    assert.ok(stats.bytes <= 20_000, policy);
  }
});

const HIT_RATE_BOUNDS = ["bytes", "entries"] as const;

test("Zipf(0.99): adaptive and lfu hit more often than lru, bounded by bytes or by entries", () => {
  const stream = zipfStream(20_000, 0.99, 200_000, 11);
  for (const bound of HIT_RATE_BOUNDS) {
    const rates = Object.fromEntries(
      (["lru", "lfu", "adaptive"] as const).map((policy) => [policy, nativeHitRate(policy, 400, stream, bound)]),
    );
    assert.ok(rates.adaptive > rates.lru + 0.02, `${bound}: ${JSON.stringify(rates)}`);
    assert.ok(rates.lfu > rates.lru + 0.02, `${bound}: ${JSON.stringify(rates)}`);
  }
});

test("a scan-polluted workload: adaptive hits clearly more often than lru, bounded by bytes or by entries", () => {
  const stream = scanPollutedStream(5_000, 100_000, 1000, 1000, 12);
  for (const bound of HIT_RATE_BOUNDS) {
    const lru = nativeHitRate("lru", 500, stream, bound);
    const adaptive = nativeHitRate("adaptive", 500, stream, bound);
    assert.ok(adaptive > lru + 0.05, `${bound}: adaptive ${adaptive}, lru ${lru}`);
  }
});

test("a loop slightly smaller than the cache: adaptive is within 1 point of lru, bounded by bytes or by entries", () => {
  const stream = loopStream(900, 100_000, 50);
  for (const bound of HIT_RATE_BOUNDS) {
    const lru = nativeHitRate("lru", 1000, stream, bound);
    const adaptive = nativeHitRate("adaptive", 1000, stream, bound);
    assert.ok(lru > 0.9, `${bound}: lru ${lru}`);
    assert.ok(adaptive >= lru - 0.01, `${bound}: adaptive ${adaptive}, lru ${lru}`);
  }
});

const P3_TEST = "the P3 trace: native LRU hit rates at 1,000 and 8,000 entries match the README's figures";
test(hasP3() ? P3_TEST : `${P3_TEST} (skipped: ${P3_PATH} is absent)`, () => {
  const stream = p3Stream();
  assert.equal(stream.length, 3_912_296);
  for (const [entries, percent] of [[1000, 1.05], [8000, 1.61]]) {
    const rate = nativeHitRate("lru", entries, stream, "entries") * 100;
    assert.ok(Math.abs(rate - percent) <= 0.01, `${entries} entries: ${rate.toFixed(4)}% against ${percent}%`);
  }
}, { ignore: !hasP3(), timeoutMs: 120_000 });
