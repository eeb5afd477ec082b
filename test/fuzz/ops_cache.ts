/**
 * Cache operations: create (valid and invalid options), set, get, peek, getInto, getManyInto, has,
 * delete, clear, keys, stats and free, with string, integer and byte keys, then every call on a
 * freed cache. An "exact" cache never evicts (bytes far below `maxBytes`, no entry bound, no short TTL),
 * so every read must return exactly the last value set. A bounded cache (a few KiB, sometimes an
 * entry bound or a 1 ms TTL) evicts, so a read must return nothing or exactly the last value set
 * for that key, and its counters must balance: `entries` is the number of keys and `bytes` the sum
 * of their encoded keys, values and `entryOverheadBytes`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Cache, type CachePolicy } from "../../mod.ts";
import { type Expected, offheap, OK, RANGE, TYPE } from "./expect.ts";
import { type CacheModel, encodedKeyBytes, ENTRY_OVERHEAD_BYTES, keyId, type Model } from "./model.ts";
import type { Prng } from "./prng.ts";
import type { Op } from "./step.ts";

type Key = string | number | Uint8Array;
const CACHES_MAX = 3;
const POLICIES: readonly CachePolicy[] = ["lru", "lfu", "fifo", "adaptive"];
const LONG_STRING = "a".repeat(65536);
const LONG_BYTES = new Uint8Array(65536);

/** A model with the TTL flag: entries that may expire make `entries` an upper bound of `keys()`. */
interface Bounded extends CacheModel {
  shortTtl?: boolean;
}

function randomKey(rng: Prng): Key {
  const n = rng.below(4);
  switch (rng.below(4)) {
    case 0:
      return `k${n}`;
    case 1:
      return n;
    case 2:
      return new Uint8Array([n]);
    default:
      return n === 0 ? "ключ" : n === 1 ? "" : n === 2 ? new Uint8Array(0) : 2 ** 53 - 1;
  }
}

function randomValue(rng: Prng, max: number): Uint8Array {
  const value = new Uint8Array(rng.between(0, max));
  for (let i = 0; i < value.length; i++) value[i] = rng.u32() & 255;
  return value;
}

function pickCache(rng: Prng, model: Model): Bounded | undefined {
  return model.caches.length === 0 ? undefined : rng.pick(model.caches);
}

function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) throw new Error(`${what}: byte ${i} differs`);
}

const create: Op = {
  name: "new Cache",
  weight: 1,
  make(rng, model) {
    if (model.caches.length >= CACHES_MAX) return null;
    const exact = rng.chance(0.5);
    const policy = rng.pick(POLICIES);
    const shards = exact ? rng.pick([1, 2, 4]) : rng.pick([1, 2]);
    const maxBytes = exact ? 1 << 20 : rng.between(200, 3000);
    const maxEntries = exact || rng.chance(0.6) ? undefined : rng.between(1, 6);
    const shortTtl = !exact && rng.chance(0.2);
    const ttlMs = shortTtl ? 1 : rng.chance(0.2) ? 600_000 : undefined;
    const options = { maxBytes, policy, shards, ...(maxEntries ? { maxEntries } : {}), ...(ttlMs ? { ttlMs } : {}) };
    return {
      name: "new Cache",
      args: [options],
      expect: OK,
      call: () => new Cache(options),
      after(result) {
        const entry: Bounded = {
          cache: result as Cache,
          exact,
          maxBytes,
          maxEntries: maxEntries ?? 0,
          shards,
          values: new Map(),
          shortTtl,
        };
        model.caches.push(entry);
      },
    };
  },
};

const createBad: Op = {
  name: "new Cache invalid",
  weight: 1,
  make(rng) {
    const cases: [unknown, Expected][] = [
      [{ maxBytes: 0 }, RANGE],
      [{ maxBytes: -1 }, RANGE],
      [{ maxBytes: NaN }, RANGE],
      [{ maxBytes: 1.5 }, RANGE],
      [{ maxBytes: "1024" }, TYPE],
      [{}, TYPE],
      [null, TYPE],
      [{ maxBytes: 1024, maxEntries: 0 }, RANGE],
      [{ maxBytes: 1024, policy: "mru" }, RANGE],
      [{ maxBytes: 1024, policy: 1 }, TYPE],
      [{ maxBytes: 1024, shards: 3 }, RANGE],
      [{ maxBytes: 1024, shards: 512 }, RANGE],
      [{ maxBytes: 1024, ttlMs: NaN }, RANGE],
      [{ maxBytes: 1024, ttlMs: 0 }, RANGE],
      [{ maxBytes: 1024, ttlMs: -5 }, RANGE],
      [{ maxBytes: 1024, ttlMs: "5" }, TYPE],
      [{ maxBytes: 1024, huge: "x" }, RANGE],
      [{ maxBytes: 1024, node: -1 }, RANGE],
      [{ maxBytes: 1024, node: 1000 }, RANGE],
    ];
    const [options, expect] = rng.pick(cases);
    return { name: "new Cache", args: [options], expect, call: () => new Cache(options as { maxBytes: number }) };
  },
};

const set: Op = {
  name: "cache.set",
  weight: 10,
  make(rng, model) {
    const entry = pickCache(rng, model);
    if (entry === undefined) return null;
    const key = randomKey(rng);
    const bytes = randomValue(rng, entry.exact ? 300 : 500);
    const asString = rng.chance(0.2);
    const value: Uint8Array | string = asString
      ? Array.from(bytes, (b) => String.fromCharCode(b & 127)).join("")
      : bytes;
    const stored = asString ? new TextEncoder().encode(value as string) : bytes.slice();
    const options = entry.exact
      ? rng.pick([undefined, { ttlMs: 0 }, { ttlMs: 600_000 }])
      : rng.pick([undefined, { ttlMs: 0 }, { ttlMs: 1 }]);
    const charge = encodedKeyBytes(key) + stored.length + ENTRY_OVERHEAD_BYTES;
    const fits = charge <= Math.ceil(entry.maxBytes / entry.shards);
    if (options?.ttlMs === 1) entry.shortTtl = true;
    return {
      name: "cache.set",
      args: [key, value, options, fits ? `charge ${charge}` : "too large"],
      expect: fits ? OK : RANGE,
      call: () => entry.cache.set(key, value, options),
      after(result) {
        if (!fits) return;
        if (entry.exact) assert.equal(result, true, "a set into a cache that never evicts was not admitted");
        entry.values.set(keyId(key), { key, value: stored });
      },
    };
  },
};

const read: Op = {
  name: "cache.get/peek/getInto/has",
  weight: 10,
  make(rng, model) {
    const entry = pickCache(rng, model);
    if (entry === undefined) return null;
    const key = randomKey(rng);
    const which = rng.pick(["get", "peek", "getInto", "has"] as const);
    const out = new Uint8Array(rng.between(0, 400));
    return {
      name: `cache.${which}`,
      args: [key],
      expect: OK,
      call: () => (which === "getInto" ? entry.cache.getInto(key, out) : entry.cache[which](key)),
      after(result) {
        const known = entry.values.get(keyId(key));
        const absent = result === undefined || result === false || result === -1;
        if (known === undefined) {
          return assert.ok(absent, `cache.${which} found a key that was never set or was deleted`);
        }
        if (absent) return assert.ok(!entry.exact, `cache.${which} missed a key of a cache that never evicts`);
        if (which === "has") return;
        if (which === "getInto") {
          assert.equal(result, known.value.length);
          if (known.value.length <= out.length) sameBytes(out.subarray(0, known.value.length), known.value, "getInto");
          return;
        }
        sameBytes(result as Uint8Array, known.value, `cache.${which}`);
      },
    };
  },
};

const readMany: Op = {
  name: "cache.getManyInto",
  weight: 4,
  make(rng, model) {
    const entry = pickCache(rng, model);
    if (entry === undefined) return null;
    const keys = Array.from({ length: rng.between(0, 40) }, () => randomKey(rng));
    const out = new Uint8Array(rng.between(0, 4000));
    const lengths = new Float64Array(keys.length + rng.between(0, 2));
    return {
      name: "cache.getManyInto",
      args: [keys.length, out.length],
      expect: OK,
      call: () => entry.cache.getManyInto(keys, out, lengths),
      after(result) {
        // Each hit's value is in `out`, back to back, while every value so far fitted.
        let total = 0;
        keys.forEach((key, index) => {
          const known = entry.values.get(keyId(key));
          const length = lengths[index];
          if (known === undefined) return assert.equal(length, -1, "getManyInto found a key never set or deleted");
          if (length === -1) return assert.ok(!entry.exact, "getManyInto missed a key of a cache that never evicts");
          assert.equal(length, known.value.length);
          if (total + length <= out.length) sameBytes(out.subarray(total, total + length), known.value, "getManyInto");
          total += length;
        });
        assert.equal(result, total);
      },
    };
  },
};

const remove: Op = {
  name: "cache.delete/clear",
  weight: 3,
  make(rng, model) {
    const entry = pickCache(rng, model);
    if (entry === undefined) return null;
    if (rng.chance(0.1)) {
      return {
        name: "cache.clear",
        args: [],
        expect: OK,
        call: () => entry.cache.clear(),
        after() {
          entry.values.clear();
          assert.equal(entry.cache.size, 0);
          assert.equal(entry.cache.bytes, 0);
        },
      };
    }
    const key = randomKey(rng);
    return {
      name: "cache.delete",
      args: [key],
      expect: OK,
      call: () => entry.cache.delete(key),
      after(result) {
        const known = entry.values.has(keyId(key));
        if (!known) assert.equal(result, false, "delete found a key that was never set or was deleted");
        else if (entry.exact) assert.equal(result, true, "delete missed a key of a cache that never evicts");
        entry.values.delete(keyId(key));
      },
    };
  },
};

/** Checks `keys()` and `stats()` against the model. */
function checkCounters(entry: Bounded): void {
  const keys = [...entry.cache.keys()];
  const stats = entry.cache.stats();
  let bytes = 0;
  for (const key of keys) {
    const known = entry.values.get(keyId(key));
    assert.ok(known !== undefined, `keys() lists ${String(key)}, which was never set or was deleted`);
    bytes += encodedKeyBytes(key) + known.value.length + stats.entryOverheadBytes;
  }
  assert.equal(stats.entryOverheadBytes, ENTRY_OVERHEAD_BYTES);
  assert.equal(new Set(keys.map(keyId)).size, keys.length, "keys() repeats a key");
  if (entry.exact) assert.equal(keys.length, entry.values.size, "keys() of a cache that never evicts");
  if (entry.shortTtl) {
    assert.ok(stats.entries >= keys.length, `entries ${stats.entries} < keys() ${keys.length}`);
  } else {
    assert.equal(stats.entries, keys.length, "stats().entries against keys()");
    assert.equal(stats.bytes, bytes, "stats().bytes against the keys' charges");
  }
  assert.ok(
    stats.bytes <= entry.shards * Math.ceil(entry.maxBytes / entry.shards),
    `bytes ${stats.bytes} over maxBytes`,
  );
  if (entry.maxEntries > 0) assert.ok(stats.entries <= entry.shards * Math.ceil(entry.maxEntries / entry.shards));
}

const counters: Op = {
  name: "cache.keys/stats",
  weight: 2,
  make(rng, model) {
    const entry = pickCache(rng, model);
    if (entry === undefined) return null;
    return { name: "cache.keys+stats", args: [], expect: OK, call: () => checkCounters(entry) };
  },
};

const misuse: Op = {
  name: "cache arguments refused",
  weight: 3,
  make(rng, model) {
    const entry = pickCache(rng, model);
    if (entry === undefined) return null;
    const cache = entry.cache;
    const cases: [string, () => unknown, Expected][] = [
      ["cache.set(long string key)", () => cache.set(LONG_STRING, "v"), RANGE],
      ["cache.get(long bytes key)", () => cache.get(LONG_BYTES), RANGE],
      ["cache.get(-1)", () => cache.get(-1), RANGE],
      ["cache.get(1.5)", () => cache.get(1.5), RANGE],
      ["cache.has(NaN)", () => cache.has(NaN), RANGE],
      ["cache.delete(2^53)", () => cache.delete(2 ** 53), RANGE],
      ["cache.get({})", () => cache.get({} as string), TYPE],
      ["cache.peek(null)", () => cache.peek(null as unknown as string), TYPE],
      ["cache.set(true)", () => cache.set(true as unknown as string, "v"), TYPE],
      ["cache.set(k, 5)", () => cache.set("k", 5 as unknown as string), TYPE],
      ["cache.set(k, null)", () => cache.set("k", null as unknown as string), TYPE],
      ["cache.set(k, [1])", () => cache.set("k", [1] as unknown as string), TYPE],
      ["cache.set(ttl NaN)", () => cache.set("k", "v", { ttlMs: NaN }), RANGE],
      ["cache.set(ttl -1)", () => cache.set("k", "v", { ttlMs: -1 }), RANGE],
      ["cache.set(ttl Infinity)", () => cache.set("k", "v", { ttlMs: Infinity }), RANGE],
      ["cache.set(ttl 2^40)", () => cache.set("k", "v", { ttlMs: 2 ** 40 }), RANGE],
      ["cache.set(ttl '5')", () => cache.set("k", "v", { ttlMs: "5" as unknown as number }), TYPE],
      ["cache.set(options null)", () => cache.set("k", "v", null as unknown as undefined), TYPE],
      ["cache.getInto(out Array)", () => cache.getInto("k", [] as unknown as Uint8Array), TYPE],
      ["cache.getInto(out Int8Array)", () => cache.getInto("k", new Int8Array(4) as unknown as Uint8Array), TYPE],
      [
        "cache.getManyInto(keys string)",
        () => cache.getManyInto("k" as unknown as string[], new Uint8Array(4), new Float64Array(1)),
        TYPE,
      ],
      [
        "cache.getManyInto(lengths Int32Array)",
        () => cache.getManyInto(["k"], new Uint8Array(4), new Int32Array(1) as unknown as Float64Array),
        TYPE,
      ],
      [
        "cache.getManyInto(lengths short)",
        () => cache.getManyInto(["k", "l"], new Uint8Array(4), new Float64Array(1)),
        RANGE,
      ],
      ["cache.getManyInto(key -1)", () => cache.getManyInto(["k", -1], new Uint8Array(4), new Float64Array(2)), RANGE],
    ];
    const [name, call, expect] = rng.pick(cases);
    return { name, args: [], expect, call };
  },
};

const free: Op = {
  name: "cache.free",
  weight: 1,
  make(rng, model) {
    const entry = pickCache(rng, model);
    if (entry === undefined) return null;
    return {
      name: "cache.free",
      args: [`${entry.values.size} keys set`],
      expect: OK,
      call: () => {
        checkCounters(entry);
        entry.cache.free();
      },
      after() {
        assert.equal(entry.cache.freed, true);
        model.retire(model.caches, entry, model.freedCaches, entry.cache);
      },
    };
  },
};

const afterFree: Op = {
  name: "cache after free",
  weight: 1,
  make(rng, model) {
    if (model.freedCaches.length === 0) return null;
    const cache = rng.pick(model.freedCaches);
    const cases: [string, () => unknown, Expected][] = [
      ["freed cache.free", () => cache.free(), OK],
      ["freed cache.get", () => cache.get("k"), offheap("USE_AFTER_FREE")],
      ["freed cache.set", () => cache.set("k", "v"), offheap("USE_AFTER_FREE")],
      ["freed cache.getInto", () => cache.getInto(1, new Uint8Array(8)), offheap("USE_AFTER_FREE")],
      [
        "freed cache.getManyInto",
        () => cache.getManyInto([1], new Uint8Array(8), new Float64Array(1)),
        offheap("USE_AFTER_FREE"),
      ],
      ["freed cache.has", () => cache.has(1), offheap("USE_AFTER_FREE")],
      ["freed cache.peek", () => cache.peek(1), offheap("USE_AFTER_FREE")],
      ["freed cache.delete", () => cache.delete(1), offheap("USE_AFTER_FREE")],
      ["freed cache.clear", () => cache.clear(), offheap("USE_AFTER_FREE")],
      ["freed cache.stats", () => cache.stats(), offheap("USE_AFTER_FREE")],
      ["freed cache.keys", () => [...cache.keys()], offheap("USE_AFTER_FREE")],
      ["freed cache.size", () => cache.size, offheap("USE_AFTER_FREE")],
    ];
    const [name, call, expect] = rng.pick(cases);
    return { name, args: [], expect, call };
  },
};

/** The Cache operations. */
export const CACHE_OPS: readonly Op[] = [
  create,
  createBad,
  set,
  read,
  readMany,
  remove,
  counters,
  misuse,
  free,
  afterFree,
];
