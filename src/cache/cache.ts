/**
 * `Cache`: a key-value cache whose index and entries live in native memory (no JS object per
 * entry), bounded in bytes and optionally in entries, evicting by LRU, LFU, FIFO or an adaptive
 * W-TinyLFU policy, with optional TTLs, shared by every Worker that opens it.
 *
 * **Keys** are strings, Uint8Arrays or non-negative safe integers, encoded with a type tag (keys.ts),
 * so `"1"`, `1` and `Uint8Array [0x31]` are different keys. **Values** are bytes: a string value is
 * stored as its UTF-8 bytes, and read back with `getString` (`get` returns the bytes).
 *
 * The hot methods (`get`, `getInto`, `set`, `has`) encode the key into a per-thread scratch buffer
 * and make one native call through a module-level binding (native.ts): no closure and no allocation
 * but the returned copy of `get`.
 *
 * This file is the class; its parts live next to it: options.ts (options and their checks),
 * keys.ts (key encoding), values.ts (value scratch and string values), stats.ts (counters),
 * dump.ts (the export stream, dump and load), fetch.ts (de-duplicated loads), share.ts
 * (descriptors), native.ts (the bindings) and _internals.ts (the tests' clock hook). Most of its
 * length is the JSDoc and a runnable example per method.
 *
 * @module
 */
import { nativeFailure, OffheapError, unwrap } from "../errors.ts";
import { type CacheKey, decodeKey, encodeKey, KEY, textOf, typeName } from "./keys.ts";
import { type CacheOptions, type SetOptions, shapeOf, ttlArgument } from "./options.ts";
import {
  bindCache,
  cacheDelete,
  cacheGet,
  cacheGetMany,
  cacheRemainingTtl,
  cacheSet,
  NOT_FOUND,
  PEEK,
} from "./native.ts";
import { BATCH_ENDS, BATCH_KEYS, checkKeys, encodeBatch } from "./batch.ts";
import {
  type CacheValue,
  encodeStringValue,
  growValueScratch,
  POOLED_RESULT_BYTES_MAX,
  reserveResult,
  RESULT_POOL_BYTES,
  resultOffset,
  resultPool,
  takeResult,
  VALUE_BYTES_MAX,
  valueScratch,
  valueTooLong,
  valueTypeError,
} from "./values.ts";
import { type CacheStats, counterIndex, decodeCacheStats, readCacheCounters } from "./stats.ts";
import { type ExportedEntry, exportStream, parseEntries, readDump, writeDump } from "./dump.ts";
import { type CacheLoader, InFlight } from "./fetch.ts";
import { CACHE_DESCRIPTOR_KIND, type CacheDescriptor, descriptorHandle } from "./share.ts";
import { installCacheInternals } from "./_internals.ts";
import { tagId, type TrackedMemory, trackMemory } from "../profile/tags.ts";

const INVALID_SIZE = -2;
const GET = "get from Cache";
const PEEK_ACTION = "peek into Cache";
const GET_INTO = "get from Cache into a buffer";
const HAS = "look up in Cache";
const GET_MANY = "get many from Cache";
const U32_MAX = 2 ** 32 - 1;
const EMPTY = new Uint8Array(0);
const SET = "set in Cache";
const encoder = new TextEncoder();

/** The handle `Cache.open` passes to the constructor (0: create a new cache). */
let opening = 0;

/**
 * An off-heap cache with byte and entry bounds, an eviction policy and optional TTLs.
 *
 * @example Set, get, evict
 * ```ts
 * import { Cache } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using cache = new Cache({ maxBytes: 1 << 20, maxEntries: 2, policy: "lru" });
 * cache.set("a", "apple");
 * cache.set(2, new Uint8Array([1, 2, 3]));
 * assert.equal(cache.getString("a"), "apple"); // "a" is now the most recent
 * cache.set("c", "cherry");                    // evicts 2, the least recent
 * assert.equal(cache.get(2), undefined);
 * assert.deepEqual([...cache.keys()], ["c", "a"]);
 * ```
 */
export class Cache {
  #handle: number;
  #id: number;
  #counters: Float64Array = new Float64Array(32);
  #inFlight = new InFlight();
  #memory: TrackedMemory | undefined;

  /**
   * Creates an empty cache in native memory.
   *
   * @param options The bounds, the policy, a default TTL and the shard count.
   * @throws {TypeError} If `options` or one of them has the wrong type.
   * @throws {RangeError} If `maxBytes` or `maxEntries` is not a positive integer, `policy` is
   * unknown, `ttlMs` is not a positive finite number, `shards` is not a power of two from 1 to 256,
   * `huge` is not `"auto"`, `"never"` or `"always"`, or `node` is not a NUMA node of this machine.
   * @throws {OffheapError} With code `OUT_OF_MEMORY` when the system has no memory left.
   */
  constructor(options: CacheOptions) {
    if (opening !== 0) {
      this.#handle = this.#id = opening;
      opening = 0;
      return;
    }
    const shape = shapeOf(options);
    const memoryTag = tagId("create Cache", options.tag); // profiling: the cache's memory under its tag
    const created = bindCache().offheap_cache_create(
      shape.maxBytes,
      shape.maxEntries,
      shape.policy,
      shape.ttlMs,
      shape.shards,
      shape.huge,
      shape.node,
    );
    const subject = shape.node < 0 ? `maxBytes ${shape.maxBytes}` : `maxBytes ${shape.maxBytes}, node ${shape.node}`;
    this.#handle = this.#id = unwrap(created, "create Cache", subject);
    this.#memory = trackMemory(memoryTag, () => this.stats().memoryBytes);
  }

  static {
    installCacheInternals({
      setClock: (cache, nowMs) => {
        const handle = cache.#live("set the Cache clock");
        unwrap(bindCache().offheap_cache_set_clock(handle, nowMs), "set the Cache clock", `handle ${handle}`);
      },
    });
  }

  /**
   * Opens a cache another Worker (or this one) shared with {@linkcode Cache.share}. The returned
   * object holds its own reference: free it when done; the entries stay until every holder has freed.
   *
   * @param descriptor What `share()` returned.
   * @returns A handle on the same cache.
   * @throws {TypeError} If `descriptor` is malformed.
   * @throws {OffheapError} With code `NOT_OWNED` if the cache no longer exists.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const cache = new Cache({ maxBytes: 1 << 20 });
   * const other = Cache.open(cache.share()); // in a Worker: Cache.open(event.data)
   * cache.set(1, "one");
   * cache.free();                            // the entries live on while `other` holds them
   * assert.equal(other.getString(1), "one");
   * other.free();
   * ```
   */
  static open(descriptor: CacheDescriptor): Cache {
    const handle = descriptorHandle(descriptor, "open Cache");
    const status = bindCache().offheap_cache_retain(handle);
    if (status < 0) throw nativeFailure("open Cache", status, `handle ${handle}`);
    opening = handle;
    return new Cache(undefined as unknown as CacheOptions);
  }

  #live(action: string): number {
    const handle = this.#handle;
    if (handle === 0) throw this.#freedError(action);
    return handle;
  }

  #freedError(action: string): OffheapError {
    return new OffheapError("USE_AFTER_FREE", `Cannot ${action}: the cache (handle ${this.#id}) was already freed`);
  }

  /** Whether `free()` has been called on this object. */
  get freed(): boolean {
    return this.#handle === 0;
  }

  /**
   * The value of `key`, as a copy of its bytes, or `undefined` on a miss. A hit counts in
   * `stats().hits` and updates the policy (an LRU entry becomes the most recent).
   *
   * Values of up to 4 KiB are copied into a 32 KiB `ArrayBuffer` that several results share (as
   * Node's `Buffer` pool does), because a fresh `ArrayBuffer` per result costs more than the lookup:
   * such a result's `byteOffset` may be nonzero, and keeping it keeps its 32 KiB alive. Call
   * `.slice()` on results you keep for long or transfer, or use {@linkcode Cache.getInto} to read
   * into memory of your own without allocating.
   *
   * @throws {TypeError} If `key` is not a string, a Uint8Array or a number.
   * @throws {RangeError} If `key` is too long, or a number that is not a non-negative safe integer.
   * @throws {OffheapError} With code `USE_AFTER_FREE` after `free()`.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * cache.set("k", new Uint8Array([7, 8]));
   * assert.deepEqual(cache.get("k"), new Uint8Array([7, 8]));
   * assert.equal(cache.get("missing"), undefined);
   * ```
   */
  get(key: CacheKey): Uint8Array | undefined {
    return this.#read(key, 0, GET);
  }

  /**
   * Like {@linkcode Cache.get}, but without touching the policy or the hit and miss counters.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * cache.set("k", "v");
   * assert.deepEqual(cache.peek("k"), new TextEncoder().encode("v"));
   * assert.equal(cache.stats().hits, 0);
   * ```
   */
  peek(key: CacheKey): Uint8Array | undefined {
    return this.#read(key, PEEK, PEEK_ACTION);
  }

  #read(key: CacheKey, flags: number, action: string): Uint8Array | undefined {
    const handle = this.#handle;
    if (handle === 0) throw this.#freedError(action);
    const keyLength = encodeKey(key, action);
    reserveResult();
    // The read may fill the pool's whole free tail, so a value up to that size takes one call: a
    // small one becomes a pooled result, a larger one is copied out into a buffer of its own.
    const room = RESULT_POOL_BYTES - resultOffset;
    const length = cacheGet(handle, KEY, keyLength, resultPool, resultOffset, room, flags);
    if (length >= 0 && length <= POOLED_RESULT_BYTES_MAX) return takeResult(length);
    if (length >= 0 && length <= room) return resultPool.slice(resultOffset, resultOffset + length);
    return readLarge(handle, keyLength, length, action);
  }

  /**
   * The value of `key` decoded from UTF-8 (a value set as a string comes back as that string), or
   * `undefined` on a miss. Counts and updates the policy as {@linkcode Cache.get} does.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * cache.set("greeting", "héllo");
   * assert.equal(cache.getString("greeting"), "héllo");
   * ```
   */
  getString(key: CacheKey): string | undefined {
    const bytes = this.#read(key, 0, GET);
    return bytes === undefined ? undefined : textOf(bytes);
  }

  /**
   * The value of `key` parsed as JSON, or `undefined` on a miss.
   *
   * @throws {SyntaxError} If the value is not JSON.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * cache.setJSON("user:1", { name: "Ada", langs: ["en"] });
   * assert.deepEqual(cache.getJSON("user:1"), { name: "Ada", langs: ["en"] });
   * ```
   */
  getJSON<T = unknown>(key: CacheKey): T | undefined {
    const text = this.getString(key);
    return text === undefined ? undefined : JSON.parse(text) as T;
  }

  /**
   * Copies the value of `key` into `out` without allocating, and returns its length; -1 on a miss.
   * When the value is longer than `out`, nothing is copied and its length is returned: grow `out`
   * and call again (each call counts as a lookup).
   *
   * @param key The key.
   * @param out Where the value goes, from index 0.
   * @returns The value's length (copied if it is at most `out.length`), or -1 on a miss.
   * @throws {TypeError} If `out` is not a Uint8Array, or `key` has the wrong type.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * const out = new Uint8Array(16);
   * cache.set(42, new Uint8Array([1, 2, 3]));
   * assert.equal(cache.getInto(42, out), 3);
   * assert.deepEqual(out.subarray(0, 3), new Uint8Array([1, 2, 3]));
   * assert.equal(cache.getInto(43, out), -1);
   * ```
   */
  getInto(key: CacheKey, out: Uint8Array): number {
    const handle = this.#handle;
    if (handle === 0) throw this.#freedError(GET_INTO);
    if (!(out instanceof Uint8Array)) {
      throw new TypeError(`Cannot ${GET_INTO}: out must be a Uint8Array, got ${typeName(out)}`);
    }
    const keyLength = encodeKey(key, GET_INTO);
    const length = cacheGet(handle, KEY, keyLength, out, 0, out.length, 0);
    if (length >= 0) return length;
    return missOrThrow(handle, length, GET_INTO);
  }

  /**
   * Looks up many keys in one call, in order, and copies the values of the hits back to back into
   * `out` without allocating: `lengths[i]` becomes the length of `keys[i]`'s value, or -1 on a
   * miss. Each key counts as one `get` (hits, misses and the policy's order are as if `get` had
   * been called for each in turn), but the library asks memory for the keys' index lines, then
   * their entries, side by side before reading any, so a batch of lookups in a large cache pays
   * for its cache misses together instead of one after another.
   *
   * @param keys The keys; a key may appear more than once.
   * @param out Where the values go, from index 0, in the order of `keys` (misses take no room).
   * @param lengths Receives each key's value length, or -1; at least `keys.length` long.
   * @returns The bytes all the hits' values take. If that is more than `out.length`, the values
   * from the first that did not fit on were not copied (their lengths are still given): grow `out`
   * and call again, or read them one by one.
   * @throws {TypeError} If `out` is not a Uint8Array, `lengths` not a Float64Array, `keys` not an
   * array, or a key has the wrong type; nothing is looked up then.
   * @throws {RangeError} If `lengths` is shorter than `keys`, or a key is out of range; nothing is
   * looked up then.
   * @throws {OffheapError} With code `USE_AFTER_FREE` after `free()`.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * cache.set(1, new Uint8Array([1, 1]));
   * cache.set(3, new Uint8Array([3, 3, 3]));
   * const out = new Uint8Array(64);
   * const lengths = new Float64Array(3);
   * assert.equal(cache.getManyInto([1, 2, 3], out, lengths), 5);
   * assert.deepEqual([...lengths], [2, -1, 3]);
   * assert.deepEqual(out.subarray(0, 5), new Uint8Array([1, 1, 3, 3, 3]));
   * ```
   */
  getManyInto(keys: readonly CacheKey[], out: Uint8Array, lengths: Float64Array): number {
    const handle = this.#handle;
    if (handle === 0) throw this.#freedError(GET_MANY);
    if (!Array.isArray(keys)) throw new TypeError(`Cannot ${GET_MANY}: keys must be an array, got ${typeName(keys)}`);
    if (!(out instanceof Uint8Array)) {
      throw new TypeError(`Cannot ${GET_MANY}: out must be a Uint8Array, got ${typeName(out)}`);
    }
    if (!(lengths instanceof Float64Array)) {
      throw new TypeError(`Cannot ${GET_MANY}: lengths must be a Float64Array, got ${typeName(lengths)}`);
    }
    if (lengths.length < keys.length) {
      throw new RangeError(
        `Cannot ${GET_MANY}: lengths must hold a length per key (${keys.length}), got ${lengths.length}`,
      );
    }
    // The library takes at most 4 GiB − 1 of `out`; the rest is never written.
    const capacity = Math.min(out.length, U32_MAX);
    let total = 0;
    for (let from = 0; from < keys.length;) {
      const count = encodeBatch(keys, from, GET_MANY);
      if (from === 0 && count < keys.length) checkKeys(keys, count, GET_MANY); // before any lookup
      const room = total < capacity ? capacity - total : 0;
      const target = total === 0 ? out : room > 0 ? out.subarray(total) : EMPTY;
      const into = from === 0 ? lengths : lengths.subarray(from);
      const bytes = cacheGetMany(handle, BATCH_KEYS, BATCH_ENDS, count, target, room, into);
      if (bytes < 0) throw nativeFailure(GET_MANY, bytes, `handle ${handle}`);
      // A value that did not fit takes the total past `capacity`, so no later call copies.
      total += bytes;
      from += count;
    }
    return total;
  }

  /**
   * Whether `key` holds a live entry. Like `peek`, it neither counts nor updates the policy; an
   * expired entry is removed and reported absent.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * cache.set("k", "v");
   * assert.ok(cache.has("k"));
   * assert.ok(!cache.has("other"));
   * ```
   */
  has(key: CacheKey): boolean {
    const handle = this.#handle;
    if (handle === 0) throw this.#freedError(HAS);
    const keyLength = encodeKey(key, HAS);
    const length = cacheGet(handle, KEY, keyLength, valueScratch, 0, 0, PEEK);
    if (length >= 0) return true;
    missOrThrow(handle, length, HAS);
    return false;
  }

  /**
   * Stores `value` under `key`, replacing any value it had, then evicts by the policy until the
   * cache is within its bounds. On an error nothing changes (an old value of `key` stays).
   *
   * @param key The key.
   * @param value Bytes (copied), or a string (stored as UTF-8).
   * @param options `ttlMs` for this entry: overrides the cache's default; 0 means never expires.
   * @returns `true` if the entry is in the cache, `false` if the adaptive policy did not admit it
   * (a new key that looks less popular than the entry it would evict).
   * @throws {TypeError} If `key` or `value` has the wrong type.
   * @throws {RangeError} If the entry (encoded key + value + 48 bytes) is larger than a shard's
   * share of `maxBytes`, or `ttlMs` is negative, NaN or infinite.
   * @throws {OffheapError} With code `USE_AFTER_FREE` after `free()`, `OUT_OF_MEMORY` when out of memory.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20, ttlMs: 60_000 });
   * assert.equal(cache.set("session", "token", { ttlMs: 5_000 }), true);
   * assert.ok(cache.getRemainingTTL("session") <= 5_000);
   * ```
   */
  set(key: CacheKey, value: CacheValue, options?: SetOptions): boolean {
    const handle = this.#handle;
    if (handle === 0) throw this.#freedError(SET);
    const ttl = ttlArgument(SET, options);
    const keyLength = encodeKey(key, SET);
    let status: number;
    if (value instanceof Uint8Array) {
      if (value.length > VALUE_BYTES_MAX) throw valueTooLong(SET, value.length);
      status = cacheSet(handle, KEY, keyLength, value, value.length, ttl);
    } else {
      if (typeof value !== "string") throw valueTypeError(SET, value);
      const valueLength = encodeStringValue(value);
      status = cacheSet(handle, KEY, keyLength, valueScratch, valueLength, ttl);
    }
    if (status < 0) throw this.#setFailure(handle, status, keyLength);
    return status === 0;
  }

  #setFailure(handle: number, status: number, keyLength: number): Error {
    if (status !== INVALID_SIZE) return nativeFailure(SET, status, `handle ${handle}`);
    const stats = this.stats();
    const shardBytes = Math.ceil(stats.maxBytes / stats.shards);
    return new RangeError(
      `Cannot ${SET}: value too large: the entry (a ${keyLength}-byte key, the value and ` +
        `${stats.entryOverheadBytes} bytes of metadata) exceeds the ${shardBytes} bytes a shard may hold`,
    );
  }

  /**
   * Stores `JSON.stringify(value)` under `key`, as {@linkcode Cache.set} does.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * cache.setJSON(1, [1, 2, 3]);
   * assert.deepEqual(cache.getJSON(1), [1, 2, 3]);
   * ```
   */
  setJSON(key: CacheKey, value: unknown, options?: SetOptions): boolean {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`Cannot ${SET}: value ${typeName(value)} has no JSON form`);
    return this.set(key, text, options);
  }

  /**
   * Removes `key`; counts in `stats().evictionsExplicit`.
   *
   * @returns Whether there was an entry to remove.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * cache.set("k", "v");
   * assert.equal(cache.delete("k"), true);
   * assert.equal(cache.delete("k"), false);
   * ```
   */
  delete(key: CacheKey): boolean {
    const action = "delete from Cache";
    const handle = this.#live(action);
    const keyLength = encodeKey(key, action);
    return unwrap(cacheDelete(handle, KEY, keyLength), action, `handle ${handle}`) === 1;
  }

  /**
   * Removes every entry (counted in `stats().evictionsExplicit`); the counters are kept.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * cache.set(1, "a");
   * cache.set(2, "b");
   * cache.clear();
   * assert.equal(cache.size, 0);
   * ```
   */
  clear(): void {
    const handle = this.#live("clear Cache");
    unwrap(bindCache().offheap_cache_clear(handle), "clear Cache", `handle ${handle}`);
  }

  /**
   * Entries held now (every shard, every Worker's writes).
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * cache.set("k", "v");
   * assert.equal(cache.size, 1);
   * ```
   */
  get size(): number {
    return this.#counter("entries", "read Cache size");
  }

  /**
   * Bytes held now: for every entry its encoded key (1 + the key's bytes, or 9 for a number), its
   * value and `stats().entryOverheadBytes`.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * cache.set("ab", new Uint8Array(10));
   * assert.equal(cache.bytes, 3 + 10 + cache.stats().entryOverheadBytes);
   * ```
   */
  get bytes(): number {
    return this.#counter("bytes", "read Cache bytes");
  }

  #counter(name: keyof CacheStats, action: string): number {
    const handle = this.#live(action);
    this.#counters = readCacheCounters(handle, this.#counters);
    return this.#counters[counterIndex(name)];
  }

  /**
   * The counters: hits, misses, sets, evictions by reason, expired and rejected entries, bytes,
   * entries, the bounds, and the hit rate.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * cache.set("k", "v");
   * cache.get("k");
   * cache.get("nope");
   * const stats = cache.stats();
   * assert.deepEqual([stats.hits, stats.misses, stats.hitRate], [1, 1, 0.5]);
   * ```
   */
  stats(): CacheStats {
    const handle = this.#live("read Cache stats");
    this.#counters = readCacheCounters(handle, this.#counters);
    return decodeCacheStats(this.#counters);
  }

  #exported(action: string): ExportedEntry[] {
    const handle = this.#live(action);
    return parseEntries(exportStream(handle, 0), 0, action);
  }

  /**
   * The keys, in the policy's order (per shard, shard 0 first): LRU most recent first, FIFO newest
   * first, LFU most frequent first, adaptive protected then probation then window, each most recent
   * first. A snapshot: later changes do not show.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20, policy: "fifo" });
   * cache.set("a", "1");
   * cache.set(2, "2");
   * cache.set(new Uint8Array([3]), "3");
   * assert.deepEqual([...cache.keys()], [new Uint8Array([3]), 2, "a"]);
   * ```
   */
  keys(): IterableIterator<CacheKey> {
    return this.#exported("list Cache keys").map((entry) => decodeKey(entry.key)!).values();
  }

  /**
   * The values (copies), in the order of {@linkcode Cache.keys}.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20, policy: "lru" });
   * cache.set("a", new Uint8Array([1]));
   * assert.deepEqual([...cache.values()], [new Uint8Array([1])]);
   * ```
   */
  values(): IterableIterator<Uint8Array> {
    return this.#exported("list Cache values").map((entry) => entry.value.slice()).values();
  }

  /**
   * `[key, value]` pairs, in the order of {@linkcode Cache.keys}.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * cache.set(1, new Uint8Array([9]));
   * assert.deepEqual([...cache.entries()], [[1, new Uint8Array([9])]]);
   * ```
   */
  entries(): IterableIterator<[CacheKey, Uint8Array]> {
    return this.#exported("list Cache entries")
      .map((entry): [CacheKey, Uint8Array] => [decodeKey(entry.key)!, entry.value.slice()])
      .values();
  }

  /**
   * Milliseconds until `key` expires, following lru-cache's convention: `Infinity` for an entry
   * without a TTL, 0 for a key that is absent or expired. Neither counts nor updates the policy.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * cache.set("forever", "v");
   * cache.set("brief", "v", { ttlMs: 10_000 });
   * assert.equal(cache.getRemainingTTL("forever"), Infinity);
   * assert.ok(cache.getRemainingTTL("brief") > 0);
   * assert.equal(cache.getRemainingTTL("absent"), 0);
   * ```
   */
  getRemainingTTL(key: CacheKey): number {
    const action = "read a Cache TTL";
    const handle = this.#live(action);
    const keyLength = encodeKey(key, action);
    const remaining = cacheRemainingTtl(handle, KEY, keyLength);
    if (remaining === NOT_FOUND) return 0;
    if (remaining === -1) return Infinity;
    return unwrap(remaining, action, `handle ${handle}`);
  }

  /**
   * Removes every expired entry now (expired entries are otherwise removed when touched, and a few
   * at each set).
   *
   * @returns How many were removed.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20, ttlMs: 60_000 });
   * cache.set("k", "v");
   * assert.equal(cache.purgeStale(), 0);
   * ```
   */
  purgeStale(): number {
    const handle = this.#live("purge stale Cache entries");
    return unwrap(bindCache().offheap_cache_purge_stale(handle), "purge stale Cache entries", `handle ${handle}`);
  }

  /**
   * The value of `key`; on a miss, calls `loader(key)`, stores what it returns and returns it as
   * bytes. Concurrent fetches of one key on this object share one loader call; if it rejects (or
   * its value cannot be stored) every one of them rejects and nothing is stored.
   *
   * @param key The key.
   * @param loader Computes the value: bytes or a string, or a promise of one.
   * @param options `ttlMs` for the stored entry, as in {@linkcode Cache.set}.
   * @returns The value's bytes (each caller its own copy).
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * let calls = 0;
   * const load = async (key: unknown) => { calls++; return `value of ${key}`; };
   * const [a, b] = await Promise.all([cache.fetch("k", load), cache.fetch("k", load)]);
   * assert.equal(calls, 1);
   * assert.deepEqual(a, b);
   * assert.equal(cache.getString("k"), "value of k");
   * ```
   */
  async fetch(key: CacheKey, loader: CacheLoader, options?: SetOptions): Promise<Uint8Array> {
    if (typeof loader !== "function") {
      throw new TypeError(`Cannot fetch from Cache: loader must be a function, got ${typeName(loader)}`);
    }
    ttlArgument("fetch from Cache", options);
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    return await this.#inFlight.join(key, async () => {
      const value = await loader(key);
      this.set(key, value, options);
      return typeof value === "string" ? encoder.encode(value) : value;
    });
  }

  /**
   * Every entry, with its remaining TTL, as one byte array (a small versioned header, then the
   * entries in the policy's order) for {@linkcode Cache.load} in this or another process.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20, policy: "lru" });
   * cache.set("a", "1");
   * cache.set("b", "2");
   * using copy = new Cache({ maxBytes: 1 << 20, policy: "lru" });
   * assert.equal(copy.load(cache.dump()), 2);
   * assert.deepEqual([...copy.keys()], ["b", "a"]);
   * ```
   */
  dump(): Uint8Array {
    return writeDump(this.#live("dump Cache"));
  }

  /**
   * Inserts every entry of a dump, oldest first (so an LRU or FIFO order comes back as it was),
   * each with the TTL it had left (or none). The whole dump is checked before anything is inserted.
   *
   * @param dump What {@linkcode Cache.dump} returned.
   * @returns How many entries were stored (the adaptive policy may not admit some; a cache smaller
   * than the dump's evicts as it fills).
   * @throws {TypeError} If `dump` is not a Uint8Array.
   * @throws {RangeError} If it is truncated or not a dump, or an entry is too large for this cache;
   * then nothing is inserted.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * assert.throws(() => cache.load(new Uint8Array([1, 2, 3])), RangeError);
   * ```
   */
  load(dump: Uint8Array): number {
    const action = "load into Cache";
    const handle = this.#live(action);
    const entries = readDump(dump, action);
    const stats = this.stats();
    const shardBytes = Math.ceil(stats.maxBytes / stats.shards);
    for (const { key, value } of entries) {
      if (key.length + value.length + stats.entryOverheadBytes > shardBytes) {
        throw new RangeError(`Cannot ${action}: an entry of ${value.length} value bytes is too large for this cache`);
      }
    }
    let inserted = 0;
    for (let index = entries.length - 1; index >= 0; index--) {
      const { key, value, ttlMs } = entries[index];
      if (ttlMs === 0) continue; // expired as it was dumped
      const ttl = ttlMs === -1 ? 0 : Math.ceil(ttlMs);
      const status = cacheSet(handle, key, key.length, value, value.length, ttl);
      if (unwrap(status, action, `handle ${handle}`) === 0) inserted++;
    }
    return inserted;
  }

  /**
   * A descriptor of this cache for `postMessage`: another Worker calls {@linkcode Cache.open} with
   * it. This object keeps its own reference; the cache lives until every holder has freed.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using cache = new Cache({ maxBytes: 1 << 20 });
   * assert.equal(cache.share().kind, "offheap.cache");
   * ```
   */
  share(): CacheDescriptor {
    return { kind: CACHE_DESCRIPTOR_KIND, handle: this.#live("share Cache") };
  }

  /**
   * Drops this object's reference to the cache; the last reference (of any Worker) frees every
   * entry. Idempotent; any other use afterwards throws `OffheapError` `USE_AFTER_FREE`.
   *
   * @example
   * ```ts
   * import { Cache } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const cache = new Cache({ maxBytes: 1 << 20 });
   * cache.free();
   * cache.free();
   * assert.throws(() => cache.get("k"), { code: "USE_AFTER_FREE" });
   * ```
   */
  free(): void {
    const handle = this.#handle;
    if (handle === 0) return;
    this.#memory?.release();
    this.#handle = 0;
    unwrap(bindCache().offheap_cache_release(handle), "free Cache", `handle ${handle}`);
  }

  /** Calls `free()`, for `using`. */
  [Symbol.dispose](): void {
    this.free();
  }
}

/** A miss (-1) for NOT_FOUND; any other negative status throws. */
function missOrThrow(handle: number, status: number, action: string): number {
  if (status === NOT_FOUND) return -1;
  throw nativeFailure(action, status, `handle ${handle}`);
}

/**
 * The rest of a `get` or `peek` whose value did not fit the scratch buffer (or that missed): the
 * first call already counted the lookup, so the copy is retried with the peek flag (no second
 * count) into a larger scratch buffer, while `KEY` still holds the key.
 */
function readLarge(handle: number, keyLength: number, length: number, action: string): Uint8Array | undefined {
  while (length >= 0) {
    const out = growValueScratch(length);
    length = cacheGet(handle, KEY, keyLength, out, 0, out.length, PEEK);
    if (length >= 0 && length <= out.length) return out.slice(0, length);
  }
  missOrThrow(handle, length, action);
  return undefined;
}
