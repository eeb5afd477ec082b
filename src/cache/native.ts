/**
 * The Cache's native functions as module-level bindings. Each hot method of `Cache` calls exactly
 * one of these at each call site, so both runtimes keep the fast FFI call (DESIGN.md §3: a call
 * site that sees several FFI functions, or a stub and then the real function, loses it). The
 * bindings are filled in by {@linkcode bindCache}, which every `Cache` constructor calls before the
 * first hot call can happen; until then they throw.
 *
 * @module
 */
import { library } from "../ffi/load.ts";
import type { Native } from "../ffi/symbols.ts";

/** The status a lookup returns for a key that is absent or expired: a miss, never an error. */
export const NOT_FOUND = -10;
/** `offheap_cache_get` flag: read without updating the policy, the sketch or the hit/miss counters. */
export const PEEK = 1;
/** `offheap_cache_set` TTL argument that means "the cache's default TTL". */
export const TTL_DEFAULT = -1;

function unbound(): never {
  throw new Error("liboffheap's cache functions are used before any Cache was created");
}

/** `offheap_cache_get`: value length (copied only if it fits), NOT_FOUND, or a negative status. */
export let cacheGet: Native["offheap_cache_get"] = unbound;
/** `offheap_cache_get_many`: the bytes of every hit's value (copied while they fit), or a negative status. */
export let cacheGetMany: Native["offheap_cache_get_many"] = unbound;
/** `offheap_cache_set`: 0 stored, 1 not admitted by the adaptive policy, or a negative status. */
export let cacheSet: Native["offheap_cache_set"] = unbound;
/** `offheap_cache_delete`: 1 deleted, 0 absent, or a negative status. */
export let cacheDelete: Native["offheap_cache_delete"] = unbound;
/** `offheap_cache_remaining_ttl`: ms left, -1 for no TTL, NOT_FOUND, or a negative status. */
export let cacheRemainingTtl: Native["offheap_cache_remaining_ttl"] = unbound;

/** Opens the library (if needed) and fills in the hot bindings. Cheap after the first call. */
export function bindCache(): Native {
  const { native } = library();
  if (cacheGet === unbound) {
    cacheGet = native.offheap_cache_get;
    cacheGetMany = native.offheap_cache_get_many;
    cacheSet = native.offheap_cache_set;
    cacheDelete = native.offheap_cache_delete;
    cacheRemainingTtl = native.offheap_cache_remaining_ttl;
  }
  return native;
}
