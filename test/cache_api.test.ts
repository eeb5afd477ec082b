/**
 * The Cache's API, method by method: key types and their encoding, values as bytes and strings,
 * getInto without allocation, TTLs on a manual clock, fetch de-duplication, dump and load, sharing,
 * free and `using`, and every kind of bad input (a TypeError or RangeError, nothing half-done).
 *
 * @module
 */
import assert from "node:assert/strict";
import { Cache, type CacheKey, type CacheOptions, OffheapError } from "../mod.ts";
import { setCacheClock } from "../src/cache/_internals.ts";
import { ENTRY_OVERHEAD_BYTES } from "./cache/reference.ts";
import { encoded } from "./cache/workloads.ts";
import { test } from "./harness.ts";

const MiB = 1 << 20;
const bytes = (...values: number[]) => new Uint8Array(values);

test('keys of each type are distinct: "1", 1 and Uint8Array [0x31]; empty keys and values are allowed', () => {
  using cache = new Cache({ maxBytes: MiB, policy: "lru" });
  cache.set("1", "string");
  cache.set(1, "number");
  cache.set(bytes(0x31), "bytes");
  cache.set("", "empty string");
  cache.set(new Uint8Array(0), new Uint8Array(0));
  cache.set(Number.MAX_SAFE_INTEGER, "max");
  assert.equal(cache.getString("1"), "string");
  assert.equal(cache.getString(1), "number");
  assert.equal(cache.getString(bytes(0x31)), "bytes");
  assert.equal(cache.getString(""), "empty string");
  assert.deepEqual(cache.get(new Uint8Array(0)), new Uint8Array(0));
  assert.equal(cache.getString(Number.MAX_SAFE_INTEGER), "max");
  assert.equal(cache.size, 6);
  assert.deepEqual([...cache.keys()], [Number.MAX_SAFE_INTEGER, new Uint8Array(0), "", bytes(0x31), 1, "1"]);
  assert.deepEqual([encoded("1"), encoded(1), encoded(bytes(0x31))], [
    bytes(1, 0x31),
    bytes(3, 1, 0, 0, 0, 0, 0, 0, 0),
    bytes(2, 0x31),
  ]);
});

test("get returns a fresh copy; peek and has neither count nor reorder; delete and clear count as explicit", () => {
  using cache = new Cache({ maxBytes: MiB, policy: "lru" });
  const value = bytes(1, 2, 3);
  cache.set("a", value);
  value[0] = 99; // the cache copied it
  const first = cache.get("a")!;
  assert.deepEqual(first, bytes(1, 2, 3));
  first[1] = 99;
  assert.deepEqual(cache.get("a"), bytes(1, 2, 3));
  cache.set("b", "B");
  assert.deepEqual(cache.peek("a"), bytes(1, 2, 3));
  assert.ok(cache.has("a") && !cache.has("c"));
  assert.deepEqual([...cache.keys()], ["b", "a"]); // peek and has did not move "a"
  assert.equal(cache.peek("c"), undefined);
  let stats = cache.stats();
  assert.deepEqual([stats.hits, stats.misses, stats.sets], [2, 0, 2]);
  assert.equal(cache.delete("a"), true);
  assert.equal(cache.delete("a"), false);
  cache.set("c", "C");
  cache.clear();
  stats = cache.stats();
  assert.deepEqual([stats.evictionsExplicit, stats.entries, stats.bytes, cache.size, cache.bytes], [3, 0, 0, 0, 0]);
  assert.deepEqual([...cache.keys()], []);
});

test("getInto copies only when the value fits and returns its length, -1 on a miss", () => {
  using cache = new Cache({ maxBytes: MiB });
  cache.set(7, bytes(1, 2, 3, 4, 5));
  const out = new Uint8Array(8).fill(0xee);
  assert.equal(cache.getInto(7, out), 5);
  assert.deepEqual(out, bytes(1, 2, 3, 4, 5, 0xee, 0xee, 0xee));
  const small = new Uint8Array(4).fill(0xee);
  assert.equal(cache.getInto(7, small), 5);
  assert.deepEqual(small, bytes(0xee, 0xee, 0xee, 0xee)); // untouched: the caller grows and retries
  assert.equal(cache.getInto(8, out), -1);
  assert.equal(cache.getInto(7, new Uint8Array(0)), 5);
  const stats = cache.stats();
  assert.deepEqual([stats.hits, stats.misses], [3, 1]);
});

test("subarrays (a byteOffset) work as keys, values and getInto targets", () => {
  using cache = new Cache({ maxBytes: MiB });
  const backing = new Uint8Array(64).map((_, index) => index);
  cache.set(backing.subarray(3, 6), backing.subarray(10, 20));
  assert.deepEqual(cache.get(bytes(3, 4, 5)), backing.slice(10, 20));
  const out = new Uint8Array(32);
  assert.equal(cache.getInto(new Uint8Array(backing.buffer, 3, 3), out.subarray(7)), 10);
  assert.deepEqual(out.subarray(7, 17), backing.slice(10, 20));
  assert.deepEqual(out.subarray(0, 7), new Uint8Array(7));
});

test("values larger than the read buffer come back whole, counted once", () => {
  using cache = new Cache({ maxBytes: 8 * MiB });
  const large = new Uint8Array(300_000).map((_, index) => index * 7);
  cache.set("large", large);
  assert.deepEqual(cache.get("large"), large);
  assert.deepEqual(cache.peek("large"), large);
  assert.equal(cache.stats().hits, 1);
  const text = "é".repeat(200_000);
  cache.set("text", text);
  assert.equal(cache.getString("text"), text);
  assert.equal(cache.stats().hits, 2);
});

test("string and JSON values round-trip; values are bytes, strings are stored as UTF-8", () => {
  using cache = new Cache({ maxBytes: MiB });
  cache.set("s", "héllo, wörld ✓");
  assert.equal(cache.getString("s"), "héllo, wörld ✓");
  assert.deepEqual(cache.get("s"), new TextEncoder().encode("héllo, wörld ✓"));
  cache.setJSON("j", { a: [1, 2, { b: null }], c: "d" });
  assert.deepEqual(cache.getJSON("j"), { a: [1, 2, { b: null }], c: "d" });
  assert.equal(cache.getJSON("missing"), undefined);
  assert.equal(cache.getString("missing"), undefined);
  assert.throws(() => cache.setJSON("u", undefined), TypeError);
});

test("keys(), values() and entries() follow the policy's order", () => {
  using cache = new Cache({ maxBytes: MiB, policy: "lru" });
  for (const key of ["a", "b", "c"]) cache.set(key, key.toUpperCase());
  cache.get("a");
  assert.deepEqual([...cache.keys()], ["a", "c", "b"]);
  assert.deepEqual([...cache.values()].map((value) => new TextDecoder().decode(value)), ["A", "C", "B"]);
  assert.deepEqual([...cache.entries()].map(([key]) => key), ["a", "c", "b"]);
  using fifo = new Cache({ maxBytes: MiB, policy: "fifo" });
  for (const key of [1, 2, 3]) fifo.set(key, "v");
  fifo.get(1);
  fifo.set(2, "updated in place");
  assert.deepEqual([...fifo.keys()], [3, 2, 1]);
});

test("TTL on a manual clock: expiry on access, getRemainingTTL, per-set TTLs, purgeStale, counters", () => {
  using cache = new Cache({ maxBytes: MiB, ttlMs: 1000, policy: "lru" });
  setCacheClock(cache, 10_000);
  cache.set("default", "v");
  cache.set("long", "v", { ttlMs: 5000 });
  cache.set("never", "v", { ttlMs: 0 });
  assert.equal(cache.getRemainingTTL("default"), 1000);
  assert.equal(cache.getRemainingTTL("long"), 5000);
  assert.equal(cache.getRemainingTTL("never"), Infinity);
  assert.equal(cache.getRemainingTTL("absent"), 0);
  setCacheClock(cache, 10_999);
  assert.equal(cache.getRemainingTTL("default"), 1);
  assert.equal(cache.getString("default"), "v");
  setCacheClock(cache, 11_000);
  assert.equal(cache.get("default"), undefined); // expired on access
  assert.equal(cache.getRemainingTTL("default"), 0);
  let stats = cache.stats();
  assert.deepEqual([stats.expired, stats.evictionsTtl, stats.hits, stats.misses], [1, 1, 1, 1]);
  assert.equal(cache.getRemainingTTL("long"), 4000);
  setCacheClock(cache, 20_000);
  assert.equal(cache.size, 2); // "long" has expired but nothing touched it yet
  assert.equal(cache.purgeStale(), 1);
  assert.equal(cache.purgeStale(), 0);
  stats = cache.stats();
  assert.deepEqual([stats.expired, stats.evictionsTtl, stats.entries], [2, 2, 1]);
  assert.deepEqual([...cache.keys()], ["never"]);
  assert.equal(cache.getRemainingTTL("never"), Infinity);
  cache.set("short", "v", { ttlMs: 10 });
  setCacheClock(cache, 20_010);
  assert.equal(cache.has("short"), false);
  assert.equal(cache.peek("short"), undefined);
  assert.equal(cache.stats().expired, 3);
});

test("sets sweep expired entries that nobody touches, a few index slots at a time", () => {
  using cache = new Cache({ maxBytes: MiB, policy: "lru" });
  setCacheClock(cache, 1000);
  for (let key = 0; key < 100; key++) cache.set(key, "short-lived", { ttlMs: 10 });
  setCacheClock(cache, 2000);
  let sets = 0;
  while (cache.stats().expired < 100 && sets < 10_000) cache.set(`fresh ${sets++}`, "v");
  const stats = cache.stats();
  assert.deepEqual([stats.expired, stats.evictionsTtl, stats.entries], [100, 100, sets]);
  assert.ok(sets < 1000, `${sets} sets to sweep 100 expired entries`);
});

test("a set replaces the TTL: a new default, a new ttlMs, or none", () => {
  using cache = new Cache({ maxBytes: MiB, ttlMs: 100 });
  setCacheClock(cache, 1000);
  cache.set("k", "v", { ttlMs: 0 });
  assert.equal(cache.getRemainingTTL("k"), Infinity);
  cache.set("k", "v");
  assert.equal(cache.getRemainingTTL("k"), 100);
  setCacheClock(cache, 1050);
  cache.set("k", "v", { ttlMs: 500 });
  assert.equal(cache.getRemainingTTL("k"), 500);
});

test("stats() has exactly the documented fields and a hit rate", () => {
  using cache = new Cache({ maxBytes: 10_000, maxEntries: 100, shards: 2, policy: "adaptive" });
  const stats = cache.stats();
  assert.deepEqual(Object.keys(stats).sort(), [
    "bytes",
    "entries",
    "entryOverheadBytes",
    "evictionsCount",
    "evictionsExplicit",
    "evictionsSize",
    "evictionsTtl",
    "expired",
    "hitRate",
    "hits",
    "maxBytes",
    "maxEntries",
    "memoryBytes",
    "misses",
    "rejected",
    "sets",
    "shards",
    "windowFraction",
  ]);
  assert.deepEqual([stats.maxBytes, stats.maxEntries, stats.shards, stats.entryOverheadBytes], [
    10_000,
    100,
    2,
    ENTRY_OVERHEAD_BYTES,
  ]);
  assert.equal(stats.hitRate, 0);
  cache.set(1, "x");
  cache.get(1);
  cache.get(1);
  cache.get(2);
  assert.equal(cache.stats().hitRate, 2 / 3);
});

test("a sharded cache holds every key once and splits the bounds", () => {
  using cache = new Cache({ maxBytes: 1 << 16, shards: 8, policy: "lru" });
  for (let key = 0; key < 200; key++) cache.set(key, new Uint8Array(10));
  const keys = [...cache.keys()];
  assert.equal(keys.length, cache.size);
  assert.equal(new Set(keys).size, keys.length);
  assert.ok(cache.bytes <= 1 << 16);
  for (const key of keys) assert.ok(cache.has(key));
  using quarters = new Cache({ maxBytes: 4096, shards: 4 });
  assert.ok(
    quarters.set("k", new Uint8Array(1024 - ENTRY_OVERHEAD_BYTES - 2)),
    "an entry of a whole shard's share fits",
  );
  assert.throws(() => quarters.set("k", new Uint8Array(1024 - ENTRY_OVERHEAD_BYTES - 1)), /value too large/);
  assert.equal(quarters.get("k")!.length, 1024 - ENTRY_OVERHEAD_BYTES - 2);
});

test("fetch calls the loader once for 10 concurrent callers, stores and returns its value", async () => {
  using cache = new Cache({ maxBytes: MiB });
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const loader = async (key: CacheKey) => {
    calls++;
    await gate;
    return `loaded ${String(key)}`;
  };
  const pending = Array.from({ length: 10 }, () => cache.fetch("k", loader));
  release();
  const values = await Promise.all(pending);
  assert.equal(calls, 1);
  for (const value of values) assert.equal(new TextDecoder().decode(value), "loaded k");
  assert.notEqual(values[0], values[1]); // each caller its own copy
  assert.equal(cache.getString("k"), "loaded k");
  assert.equal(new TextDecoder().decode(await cache.fetch("k", loader)), "loaded k");
  assert.equal(calls, 1);
  const bytesLoader = () => Promise.resolve(bytes(4, 5));
  assert.deepEqual(await cache.fetch(9, bytesLoader, { ttlMs: 1000 }), bytes(4, 5));
  assert.ok(cache.getRemainingTTL(9) <= 1000 && cache.getRemainingTTL(9) > 0);
});

test("a rejecting loader rejects every waiter with its error and stores nothing; a later fetch retries", async () => {
  using cache = new Cache({ maxBytes: MiB });
  let calls = 0;
  const failure = new Error("backend down");
  const failing = async () => {
    calls++;
    await new Promise((resolve) => setTimeout(resolve, 5));
    throw failure;
  };
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => cache.fetch("k", failing)));
  assert.equal(calls, 1);
  for (const result of results) assert.deepEqual(result, { status: "rejected", reason: failure });
  assert.equal(cache.has("k"), false);
  const wrongType = () => Promise.resolve(42 as unknown as string);
  await assert.rejects(cache.fetch("k", wrongType), TypeError);
  assert.equal(cache.has("k"), false);
  await assert.rejects(cache.fetch("k", "not a function" as never), TypeError);
  assert.deepEqual(await cache.fetch("k", () => "ok"), new TextEncoder().encode("ok"));
});

test("dump and load round-trip entries, LRU order and remaining TTLs", () => {
  using cache = new Cache({ maxBytes: MiB, policy: "lru" });
  setCacheClock(cache, 1000);
  cache.set("a", "1", { ttlMs: 500 });
  cache.set(2, bytes(2, 2));
  cache.set(bytes(3), "3", { ttlMs: 10_000 });
  cache.set("", new Uint8Array(0));
  cache.get("a");
  setCacheClock(cache, 1200);
  const dump = cache.dump();
  using copy = new Cache({ maxBytes: MiB, policy: "lru" });
  setCacheClock(copy, 50_000);
  assert.equal(copy.load(dump), 4);
  assert.deepEqual([...copy.entries()], [...cache.entries()]);
  assert.deepEqual([...copy.keys()], ["a", "", bytes(3), 2]);
  assert.equal(copy.getRemainingTTL("a"), 300);
  assert.equal(copy.getRemainingTTL(bytes(3)), 9800);
  assert.equal(copy.getRemainingTTL(2), Infinity);
  using empty = new Cache({ maxBytes: MiB });
  using other = new Cache({ maxBytes: MiB });
  assert.equal(other.load(empty.dump()), 0);
});

test("a truncated, foreign or newer dump is a RangeError and inserts nothing", () => {
  using cache = new Cache({ maxBytes: MiB, policy: "lru" });
  for (let key = 0; key < 20; key++) cache.set(key, new Uint8Array(key * 10).fill(key));
  const dump = cache.dump();
  using target = new Cache({ maxBytes: MiB });
  target.set("keep", "me");
  const newer = dump.slice();
  newer[4] = 2;
  const badKey = dump.slice();
  badKey[16 + 16] = 9; // the first entry's key tag
  for (
    const broken of [dump.subarray(0, dump.length - 1), dump.subarray(0, 10), dump.subarray(0, 200), newer, badKey]
  ) {
    assert.throws(() => target.load(broken), RangeError);
  }
  assert.throws(() => target.load(new TextEncoder().encode("definitely not a cache dump")), RangeError);
  assert.throws(() => target.load("dump" as unknown as Uint8Array), TypeError);
  assert.deepEqual([...target.keys()], ["keep"]);
  using tiny = new Cache({ maxBytes: 200 });
  assert.throws(() => tiny.load(dump), RangeError); // entries of more than 127 value bytes cannot fit
  assert.equal(tiny.size, 0);
});

test("share() and Cache.open(): one cache, freed when the last holder frees", () => {
  const cache = new Cache({ maxBytes: MiB });
  const descriptor = cache.share();
  assert.deepEqual(Object.keys(descriptor).sort(), ["handle", "kind"]);
  const other = Cache.open(descriptor);
  other.set("from other", "x");
  assert.equal(cache.getString("from other"), "x");
  cache.free();
  assert.equal(other.getString("from other"), "x");
  other.free();
  assert.throws(() => Cache.open(descriptor), (error) => error instanceof OffheapError && error.code === "NOT_OWNED");
  assert.throws(() => Cache.open({ kind: "offheap.buffer", handle: 1 } as never), TypeError);
  assert.throws(() => Cache.open({ kind: "offheap.cache", handle: -1 } as never), TypeError);
  assert.throws(() => Cache.open(null as never), TypeError);
});

test("free() is idempotent, `using` frees, and every method after free() is USE_AFTER_FREE", async () => {
  const cache = new Cache({ maxBytes: MiB });
  cache.set("k", "v");
  cache.free();
  cache.free();
  assert.equal(cache.freed, true);
  const uses: [string, () => unknown][] = [
    ["get", () => cache.get("k")],
    ["getString", () => cache.getString("k")],
    ["getJSON", () => cache.getJSON("k")],
    ["getInto", () => cache.getInto("k", new Uint8Array(4))],
    ["getManyInto", () => cache.getManyInto(["k"], new Uint8Array(4), new Float64Array(1))],
    ["peek", () => cache.peek("k")],
    ["has", () => cache.has("k")],
    ["set", () => cache.set("k", "v")],
    ["setJSON", () => cache.setJSON("k", 1)],
    ["delete", () => cache.delete("k")],
    ["clear", () => cache.clear()],
    ["size", () => cache.size],
    ["bytes", () => cache.bytes],
    ["keys", () => cache.keys()],
    ["values", () => cache.values()],
    ["entries", () => cache.entries()],
    ["getRemainingTTL", () => cache.getRemainingTTL("k")],
    ["purgeStale", () => cache.purgeStale()],
    ["stats", () => cache.stats()],
    ["dump", () => cache.dump()],
    ["load", () => cache.load(new Uint8Array(16))],
    ["share", () => cache.share()],
    ["setCacheClock", () => setCacheClock(cache, 1)],
  ];
  for (const [name, use] of uses) {
    assert.throws(use, (error) => error instanceof OffheapError && error.code === "USE_AFTER_FREE", name);
  }
  await assert.rejects(cache.fetch("k", () => "v"), { code: "USE_AFTER_FREE" });
  let escaped: Cache;
  {
    using scoped = new Cache({ maxBytes: MiB });
    escaped = scoped;
    scoped.set(1, "one");
  }
  assert.equal(escaped.freed, true);
  assert.throws(() => escaped.get(1), { code: "USE_AFTER_FREE" });
});

const BAD_OPTIONS: [string, unknown, typeof TypeError | typeof RangeError][] = [
  ["no options", undefined, TypeError],
  ["options not an object", 5, TypeError],
  ["maxBytes missing", {}, TypeError],
  ["maxBytes a string", { maxBytes: "1024" }, TypeError],
  ["maxBytes 0", { maxBytes: 0 }, RangeError],
  ["maxBytes negative", { maxBytes: -1 }, RangeError],
  ["maxBytes NaN", { maxBytes: NaN }, RangeError],
  ["maxBytes fractional", { maxBytes: 10.5 }, RangeError],
  ["maxBytes Infinity", { maxBytes: Infinity }, RangeError],
  ["maxEntries 0", { maxBytes: MiB, maxEntries: 0 }, RangeError],
  ["maxEntries negative", { maxBytes: MiB, maxEntries: -3 }, RangeError],
  ["maxEntries over 2^32 - 1", { maxBytes: MiB, maxEntries: 2 ** 32 }, RangeError],
  ["policy unknown", { maxBytes: MiB, policy: "mru" }, RangeError],
  ["policy not a string", { maxBytes: MiB, policy: 1 }, TypeError],
  ["ttlMs 0", { maxBytes: MiB, ttlMs: 0 }, RangeError],
  ["ttlMs negative", { maxBytes: MiB, ttlMs: -1 }, RangeError],
  ["ttlMs NaN", { maxBytes: MiB, ttlMs: NaN }, RangeError],
  ["ttlMs Infinity", { maxBytes: MiB, ttlMs: Infinity }, RangeError],
  ["ttlMs a string", { maxBytes: MiB, ttlMs: "5" }, TypeError],
  ["shards 0", { maxBytes: MiB, shards: 0 }, RangeError],
  ["shards 3", { maxBytes: MiB, shards: 3 }, RangeError],
  ["shards 512", { maxBytes: MiB, shards: 512 }, RangeError],
  ["shards 1.5", { maxBytes: MiB, shards: 1.5 }, RangeError],
];

for (const [name, options, error] of BAD_OPTIONS) {
  test(`new Cache(): ${name} is a ${error.name}`, () => {
    assert.throws(() => new Cache(options as CacheOptions), error);
  });
}

test("bad keys, values and TTLs are TypeErrors or RangeErrors, and change nothing", () => {
  using cache = new Cache({ maxBytes: 4096, policy: "lru" });
  cache.set("k", "old");
  const before = cache.stats();
  const cases: [string, () => unknown, typeof TypeError | typeof RangeError][] = [
    ["key null", () => cache.set(null as never, "v"), TypeError],
    ["key object", () => cache.get({} as never), TypeError],
    ["key boolean", () => cache.has(true as never), TypeError],
    ["key bigint", () => cache.get(1n as never), TypeError],
    ["key Int8Array", () => cache.get(new Int8Array(2) as never), TypeError],
    ["key -1", () => cache.get(-1), RangeError],
    ["key 1.5", () => cache.set(1.5, "v"), RangeError],
    ["key NaN", () => cache.delete(NaN), RangeError],
    ["key 2^53", () => cache.get(2 ** 53), RangeError],
    ["key string of 65536 bytes", () => cache.set("x".repeat(65536), "v"), RangeError],
    ["key string of 65536 UTF-8 bytes", () => cache.get("é".repeat(32768)), RangeError],
    ["key bytes of 65536", () => cache.get(new Uint8Array(65536)), RangeError],
    ["value number", () => cache.set("k", 5 as never), TypeError],
    ["value null", () => cache.set("k", null as never), TypeError],
    ["value Uint16Array", () => cache.set("k", new Uint16Array(2) as never), TypeError],
    ["value too large", () => cache.set("k", new Uint8Array(4096)), RangeError],
    ["entry just too large", () => cache.set("k", new Uint8Array(4096 - ENTRY_OVERHEAD_BYTES - 2 + 1)), RangeError],
    ["ttlMs negative", () => cache.set("k", "v", { ttlMs: -1 }), RangeError],
    ["ttlMs NaN", () => cache.set("k", "v", { ttlMs: NaN }), RangeError],
    ["ttlMs Infinity", () => cache.set("k", "v", { ttlMs: Infinity }), RangeError],
    ["ttlMs a string", () => cache.set("k", "v", { ttlMs: "1" as never }), TypeError],
    ["options not an object", () => cache.set("k", "v", 5 as never), TypeError],
    ["getInto out an array", () => cache.getInto("k", [] as never), TypeError],
    ["getInto out a Uint16Array", () => cache.getInto("k", new Uint16Array(4) as never), TypeError],
  ];
  for (const [name, call, error] of cases) assert.throws(call, error, name);
  assert.equal(cache.getString("k"), "old");
  const after = cache.stats();
  assert.deepEqual({ ...after, hits: 0, hitRate: 0 }, { ...before, hits: 0, hitRate: 0 });
  assert.equal(after.hits, before.hits + 1);
  assert.ok(cache.set("k", new Uint8Array(4096 - ENTRY_OVERHEAD_BYTES - 2)), "an entry of exactly maxBytes fits");
  assert.equal(cache.bytes, 4096);
  assert.throws(() => cache.set("k", new Uint8Array(5000)), /value too large/);
});

test("get returns every value size whole: pooled up to 4 KiB, its own buffer above, in one or two reads", () => {
  using cache = new Cache({ maxBytes: 1 << 22 });
  for (const size of [0, 1, 4095, 4096, 4097, 20_000, 60_000, 70_000, 300_000]) {
    const value = new Uint8Array(size).map((_, index) => (index * 7 + size) & 0xff);
    cache.set(size, value);
    const got = cache.get(size)!;
    assert.deepEqual(got, value, `size ${size}`);
    if (size > 4096) assert.equal(got.byteLength, got.buffer.byteLength, `size ${size} has a buffer of its own`);
  }
  assert.equal(cache.stats().hits, 9, "each get counted once");
});
