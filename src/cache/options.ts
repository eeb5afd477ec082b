/**
 * The options of a `Cache` and of its `set`, checked once and decoded into the numbers
 * `offheap_cache_create` and `offheap_cache_set` take.
 *
 * @module
 */
import { choiceCode, describe, expectNode, expectNumber } from "../errors.ts";
import { type HugeMode, MEMORY_HUGE_MODES } from "../heap/options.ts";
import { typeName } from "./keys.ts";
import { TTL_DEFAULT } from "./native.ts";

/** An eviction policy; see the README's "Choosing a policy". */
export type CachePolicy = "lru" | "lfu" | "fifo" | "adaptive";

/** The policies, in the order the library numbers them. */
export const POLICIES: readonly CachePolicy[] = ["lru", "lfu", "fifo", "adaptive"];

/** The most shards a cache can have. */
export const SHARDS_MAX = 256;
/** The most entries a `maxEntries` bound can name (per-shard counts cross the FFI as u32). */
export const ENTRIES_MAX = 2 ** 32 - 1;
/** The largest `maxBytes`: the allocator's size limit. */
export const BYTES_MAX = 2 ** 46;
/** The longest TTL in milliseconds: 2^39 ms, about 17 years (entries keep a 40-bit expiry). */
export const TTL_MS_MAX = 2 ** 39;

/** Options of a {@linkcode Cache}. */
export interface CacheOptions {
  /**
   * The most bytes the cache holds: for every entry its encoded key (1 type byte + the key's bytes),
   * its value and `entryOverheadBytes` (48) of metadata. A positive integer. With shards, each shard
   * holds at most `ceil(maxBytes / shards)`.
   */
  maxBytes: number;
  /** The most entries (per shard: `ceil(maxEntries / shards)`). Default: no bound but `maxBytes`. */
  maxEntries?: number;
  /** The eviction policy. Default `"adaptive"`. */
  policy?: CachePolicy;
  /**
   * A time to live for every entry, in milliseconds: a positive finite number, rounded up to a whole
   * millisecond. Default: entries never expire.
   */
  ttlMs?: number;
  /**
   * Independent parts of the cache, each with its own lock, order and bounds: a power of two from 1
   * to 256. Default 1, which gives one global policy order. More shards let several Workers use one
   * shared cache at once with less contention; the policy order (and `keys()`) is then per shard.
   */
  shards?: number;
  /**
   * Transparent hugepages for the entries' memory (2 MiB chunks). `"auto"` (default): when each
   * shard may hold at least 16 MiB, where they make lookups 25-40% faster (fewer page walks); a
   * smaller cache would fault in 2 MiB for its first entry. `"always"`: every chunk; `"never"`: none.
   * Best effort: with THP disabled on the system the chunks are ordinary pages.
   */
  huge?: HugeMode;
  /**
   * Bind the entries' memory to this NUMA node (mbind). A node that does not exist is a RangeError
   * (`INVALID_NODE`). Default: the system's policy.
   */
  node?: number;
  /** Count the cache's memory under this tag in `profile.byTag()` (1 to 64 UTF-8 bytes). */
  tag?: string;
}

/** Options of {@linkcode Cache.set}. */
export interface SetOptions {
  /**
   * This entry's time to live in milliseconds, overriding the cache's `ttlMs`: a positive finite
   * number (rounded up to a whole millisecond), or 0 for an entry that never expires.
   */
  ttlMs?: number;
}

/** The checked options, as `offheap_cache_create` takes them. */
export interface CacheShape {
  maxBytes: number;
  /** 0 for no bound. */
  maxEntries: number;
  policy: number;
  /** 0 for no TTL. */
  ttlMs: number;
  shards: number;
  /** 0 auto, 1 never, 2 always. */
  huge: number;
  /** -1 for none. */
  node: number;
}

const CREATE = "create Cache";

function positiveInteger(name: string, value: unknown, max: number): number {
  expectNumber(CREATE, name, value);
  if (!Number.isSafeInteger(value) || value <= 0 || value > max) {
    throw new RangeError(`Cannot ${CREATE}: ${name} must be a positive integer up to ${max}, got ${describe(value)}`);
  }
  return value;
}

function policyCode(value: unknown): number {
  if (typeof value !== "string") {
    throw new TypeError(`Cannot ${CREATE}: policy must be a string, got ${typeName(value)}`);
  }
  const code = POLICIES.indexOf(value as CachePolicy);
  if (code < 0) {
    throw new RangeError(`Cannot ${CREATE}: policy must be one of ${POLICIES.join(", ")}, got ${describe(value)}`);
  }
  return code;
}

function shardCount(value: unknown): number {
  expectNumber(CREATE, "shards", value);
  if (!Number.isInteger(value) || value < 1 || value > SHARDS_MAX || (value & (value - 1)) !== 0) {
    throw new RangeError(`Cannot ${CREATE}: shards must be a power of two from 1 to 256, got ${describe(value)}`);
  }
  return value;
}

/**
 * Checks a TTL in milliseconds, a finite number above 0 (or equal to 0 when `zeroAllowed`) up to
 * {@linkcode TTL_MS_MAX}, and rounds it up to a whole millisecond (the library's clock unit).
 */
export function checkTtl(action: string, value: unknown, zeroAllowed: boolean): number {
  expectNumber(action, "ttlMs", value);
  if (!(value <= TTL_MS_MAX) || value < 0 || (value === 0 && !zeroAllowed)) {
    const range = zeroAllowed ? "a number from 0" : "a positive number up";
    throw new RangeError(`Cannot ${action}: ttlMs must be ${range} to ${TTL_MS_MAX} ms, got ${describe(value)}`);
  }
  return Math.ceil(value);
}

/** Checks the constructor's options and decodes them; throws as the `Cache` constructor documents. */
export function shapeOf(options: CacheOptions): CacheShape {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot ${CREATE}: options must be an object with maxBytes, got ${typeName(options)}`);
  }
  const maxBytes = positiveInteger("maxBytes", options.maxBytes, BYTES_MAX);
  const maxEntries = options.maxEntries === undefined || options.maxEntries === Infinity
    ? 0
    : positiveInteger("maxEntries", options.maxEntries, ENTRIES_MAX);
  const policy = policyCode(options.policy ?? "adaptive");
  const ttlMs = options.ttlMs === undefined ? 0 : checkTtl(CREATE, options.ttlMs, false);
  const shards = shardCount(options.shards ?? 1);
  const huge = choiceCode(CREATE, "huge", options.huge ?? "auto", MEMORY_HUGE_MODES);
  const node = options.node === undefined ? -1 : expectNode(CREATE, options.node);
  return { maxBytes, maxEntries, policy, ttlMs, shards, huge, node };
}

/** The TTL argument of `offheap_cache_set` for `options`: -1 (the cache's default), 0 (never) or ms. */
export function ttlArgument(action: string, options: SetOptions | undefined): number {
  if (options === undefined) return TTL_DEFAULT;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot ${action}: options must be an object, got ${typeName(options)}`);
  }
  return options.ttlMs === undefined ? TTL_DEFAULT : checkTtl(action, options.ttlMs, true);
}
