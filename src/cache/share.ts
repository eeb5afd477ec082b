/**
 * How a cache crosses a Worker boundary: as a plain descriptor naming its native handle. Every
 * Worker of a process shares one liboffheap, so `Cache.open(descriptor)` in another Worker gets a
 * handle on the same entries. Each opened handle holds a reference (`offheap_cache_retain`), and
 * each `free()` drops one: the cache and its entries go when the last holder frees.
 *
 * @module
 */
import { describe } from "../errors.ts";

/** The `kind` of a cache descriptor. */
export const CACHE_DESCRIPTOR_KIND = "offheap.cache";

/**
 * A cache as plain data, safe to `postMessage`.
 *
 * @example Open a cache in the same thread (a Worker does the same with a posted descriptor)
 * ```ts
 * import { Cache, type CacheDescriptor } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using cache = new Cache({ maxBytes: 1 << 20 });
 * const descriptor: CacheDescriptor = cache.share();
 * using other = Cache.open(descriptor);
 * other.set("k", "v");
 * assert.equal(cache.getString("k"), "v");
 * ```
 */
export interface CacheDescriptor {
  /** Always `"offheap.cache"`. */
  readonly kind: "offheap.cache";
  /** The library's handle of the cache. */
  readonly handle: number;
}

/** Checks the shape of a descriptor and returns its handle; throws a TypeError if it is malformed. */
export function descriptorHandle(descriptor: CacheDescriptor, action: string): number {
  const shape = descriptor as unknown as Record<string, unknown> | null;
  if (shape === null || typeof shape !== "object" || shape.kind !== CACHE_DESCRIPTOR_KIND) {
    throw new TypeError(`Cannot ${action}: descriptor must come from cache.share() (kind "offheap.cache")`);
  }
  const handle = shape.handle;
  if (typeof handle !== "number" || !Number.isInteger(handle) || handle <= 0 || handle > 0xffffffff) {
    throw new TypeError(`Cannot ${action}: descriptor.handle must be a positive u32, got ${describe(handle)}`);
  }
  return handle;
}
