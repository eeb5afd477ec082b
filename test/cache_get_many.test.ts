/**
 * `Cache.getManyInto`: a batch of lookups in one native call must answer exactly as the same gets
 * made one by one (values, lengths, counters and the policy's order), across every key kind, shards,
 * TTLs, a full `out`, and batches the facade splits; and bad input must fail before any lookup.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Cache, type CacheKey, type CacheOptions } from "../mod.ts";
import { setCacheClock } from "../src/cache/_internals.ts";
import { random } from "./vector_reference.ts";
import { test } from "./harness.ts";

const MiB = 1 << 20;

/** A key of one of the three kinds, from a small space so that keys repeat. */
function keyOf(n: number): CacheKey {
  switch (n % 3) {
    case 0:
      return n;
    case 1:
      return `key:${n}`;
    default:
      return new Uint8Array([n & 255, n >> 8, 7]);
  }
}

function valueOf(n: number, next: () => number): Uint8Array {
  const value = new Uint8Array(Math.floor(next() * 300)); // 0..299 bytes, some empty
  for (let index = 0; index < value.length; index++) value[index] = (n * 31 + index) & 255;
  return value;
}

/** Two caches with the same options and the same sets. */
function twins(options: CacheOptions, keys: number, seed: number): [Cache, Cache] {
  const one = new Cache(options);
  const many = new Cache(options);
  const next = random(seed);
  for (let n = 0; n < keys; n++) {
    const value = valueOf(n, next);
    one.set(keyOf(n), value);
    many.set(keyOf(n), value);
  }
  return [one, many];
}

/** The same lookups one getInto at a time: the lengths and the values back to back. */
function oneByOne(
  cache: Cache,
  keys: CacheKey[],
  capacity: number,
): { lengths: number[]; out: Uint8Array; total: number } {
  const out = new Uint8Array(capacity);
  const lengths: number[] = [];
  const scratch = new Uint8Array(4096);
  let total = 0;
  for (const key of keys) {
    const length = cache.getInto(key, scratch);
    lengths.push(length);
    if (length < 0) continue;
    if (total + length <= capacity) out.set(scratch.subarray(0, length), total);
    total += length;
  }
  return { lengths, out, total };
}

for (const policy of ["lru", "lfu", "fifo", "adaptive"] as const) {
  for (const shards of [1, 16]) {
    test(`getManyInto answers as getInto one by one: ${policy}, ${shards} shard(s), values, counters and order`, () => {
      const options: CacheOptions = { maxBytes: 64 * 1024, policy, shards }; // evicting: not every key stays
      const [one, many] = twins(options, 600, 5);
      using _one = one;
      using _many = many;
      const next = random(9);
      const out = new Uint8Array(1 << 20);
      for (let round = 0; round < 40; round++) {
        const count = 1 + Math.floor(next() * 70);
        const keys = Array.from({ length: count }, () => keyOf(Math.floor(next() * 700))); // some absent
        const lengths = new Float64Array(count + 3).fill(99);
        const expected = oneByOne(one, keys, out.length);
        const total = many.getManyInto(keys, out, lengths);
        assert.equal(total, expected.total);
        assert.deepEqual([...lengths.subarray(0, count)], expected.lengths);
        assert.deepEqual([...lengths.subarray(count)], [99, 99, 99]); // nothing past the keys
        assert.deepEqual(out.subarray(0, total), expected.out.subarray(0, total));
        // Sets between batches, so the orders go on diverging unless every lookup counts the same.
        const n = Math.floor(next() * 700);
        const value = valueOf(n, next);
        one.set(keyOf(n), value);
        many.set(keyOf(n), value);
      }
      const stats = one.stats();
      assert.deepEqual(many.stats(), stats); // hits, misses, evictions by reason, bytes, entries, …
      assert.ok(stats.hits > 100 && stats.misses > 10 && stats.evictionsSize > 0, JSON.stringify(stats));
      assert.deepEqual([...many.keys()], [...one.keys()]);
    });
  }
}

test("getManyInto: values that do not fit are not copied from the first that does not on; lengths are all given", () => {
  using cache = new Cache({ maxBytes: MiB });
  cache.set(1, new Uint8Array([1, 1, 1]));
  cache.set(2, new Uint8Array([2, 2, 2, 2]));
  cache.set(3, new Uint8Array([3]));
  const out = new Uint8Array(5).fill(9);
  const lengths = new Float64Array(4);
  // 3 fits, 4 does not (3 + 4 > 5), and 1 is not copied after it although it would fit.
  assert.equal(cache.getManyInto([1, 2, 3, 4], out, lengths), 8);
  assert.deepEqual([...lengths], [3, 4, 1, -1]);
  assert.deepEqual(out, new Uint8Array([1, 1, 1, 9, 9]));
  assert.equal(cache.getManyInto([], out, lengths), 0);
  assert.equal(cache.getManyInto([3], new Uint8Array(0), lengths), 1);
  assert.equal(lengths[0], 1);
});

test("getManyInto splits long batches (over 4096 keys, over 256 KiB of keys) and answers the same", () => {
  using cache = new Cache({ maxBytes: 64 * MiB, policy: "lru" });
  for (let n = 0; n < 5000; n++) cache.set(n, new Uint8Array([n & 255, n >> 8]));
  const keys: CacheKey[] = Array.from({ length: 9000 }, (_, index) => (index * 7919) % 6000);
  const out = new Uint8Array(9000 * 2);
  const lengths = new Float64Array(9000);
  const hits = keys.filter((key) => (key as number) < 5000).length;
  assert.equal(cache.getManyInto(keys, out, lengths), hits * 2);
  let at = 0;
  keys.forEach((key, index) => {
    const n = key as number;
    if (n >= 5000) return assert.equal(lengths[index], -1);
    assert.equal(lengths[index], 2);
    assert.deepEqual([out[at], out[at + 1]], [n & 255, n >> 8], `key ${n}`);
    at += 2;
  });
  assert.equal(cache.stats().hits, hits);
  // Long keys: 10 of 60 KiB make 600 KiB of encoded keys, three native calls.
  const long = (n: number) => String.fromCharCode(97 + n).repeat(60 * 1024);
  for (let n = 0; n < 10; n++) cache.set(long(n), new Uint8Array([n]));
  const longKeys = Array.from({ length: 10 }, (_, n) => long(9 - n));
  const longOut = new Uint8Array(10);
  assert.equal(cache.getManyInto(longKeys, longOut, lengths), 10);
  assert.deepEqual([...longOut], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  // A full `out` in the first call of a split batch: nothing later is copied either.
  const small = new Uint8Array(3);
  assert.equal(cache.getManyInto(keys, small, lengths), hits * 2);
  assert.deepEqual([...small], [(keys[0] as number) & 255, (keys[0] as number) >> 8, 0]);
});

test("getManyInto: an expired entry is a miss, counted as expired, as with get", () => {
  using cache = new Cache({ maxBytes: MiB, ttlMs: 1000 });
  setCacheClock(cache, 10_000);
  cache.set("a", "A");
  cache.set("b", "B", { ttlMs: 0 });
  setCacheClock(cache, 11_000);
  const lengths = new Float64Array(2);
  const out = new Uint8Array(2);
  assert.equal(cache.getManyInto(["a", "b"], out, lengths), 1);
  assert.deepEqual([...lengths], [-1, 1]);
  assert.equal(out[0], "B".charCodeAt(0));
  const stats = cache.stats();
  assert.deepEqual([stats.hits, stats.misses, stats.expired, cache.size], [1, 1, 1, 1]);
});

test("getManyInto: bad arguments and bad keys are TypeErrors or RangeErrors, before any lookup", () => {
  using cache = new Cache({ maxBytes: MiB });
  cache.set(1, "one");
  const out = new Uint8Array(16);
  const lengths = new Float64Array(8);
  const bad: [() => unknown, typeof TypeError | typeof RangeError][] = [
    [() => cache.getManyInto(1 as unknown as CacheKey[], out, lengths), TypeError],
    [() => cache.getManyInto([1], [] as unknown as Uint8Array, lengths), TypeError],
    [() => cache.getManyInto([1], out, new Int32Array(1) as unknown as Float64Array), TypeError],
    [() => cache.getManyInto([1, 1], out, new Float64Array(1)), RangeError],
    [() => cache.getManyInto([1, {} as CacheKey], out, lengths), TypeError],
    [() => cache.getManyInto([1, -1], out, lengths), RangeError],
    [() => cache.getManyInto([1, "x".repeat(70_000)], out, lengths), RangeError],
  ];
  for (const [call, type] of bad) assert.throws(call, type);
  // A bad key far into a batch the facade splits fails before its first call too.
  const keys: CacheKey[] = Array.from({ length: 5000 }, () => 1);
  keys[4999] = Number.NaN;
  assert.throws(() => cache.getManyInto(keys, out, new Float64Array(5000)), RangeError);
  assert.deepEqual([cache.stats().hits, cache.stats().misses], [0, 0]);
});
