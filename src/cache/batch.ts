/**
 * Batches of keys for `Cache.getManyInto`: the keys are encoded back to back into one
 * scratch buffer and the end of each into a second, so that one native call
 * (`offheap_cache_get_many`) looks up many keys and the library can overlap their cache misses.
 * A batch longer than one call takes (4096 keys, or 256 KiB of encoded keys) is split.
 *
 * @module
 */
import { type CacheKey, encodeKey, KEY } from "./keys.ts";

/** The most keys one native call takes (the library's limit). */
export const BATCH_KEYS_MAX = 4096;
/** The most encoded key bytes one native call takes: far more than the longest key (65536 bytes). */
const BATCH_KEY_BYTES = 1 << 18;

/** The encoded keys of the batch being looked up (one per JS thread). */
export const BATCH_KEYS = new Uint8Array(BATCH_KEY_BYTES);
/** Where each key of {@linkcode BATCH_KEYS} ends. */
export const BATCH_ENDS = new Uint32Array(BATCH_KEYS_MAX);

/**
 * Encodes `keys[from]` onwards into {@linkcode BATCH_KEYS} until it or {@linkcode BATCH_ENDS} is
 * full, or the keys run out; returns how many it encoded (at least one when any is left).
 *
 * @throws {TypeError} / {RangeError} From `encodeKey`, for the first bad key among them.
 */
export function encodeBatch(keys: readonly CacheKey[], from: number, action: string): number {
  let bytes = 0;
  let count = 0;
  while (from + count < keys.length && count < BATCH_KEYS_MAX) {
    const length = encodeKey(keys[from + count], action);
    if (bytes + length > BATCH_KEY_BYTES) break;
    for (let index = 0; index < length; index++) BATCH_KEYS[bytes + index] = KEY[index];
    bytes += length;
    BATCH_ENDS[count] = bytes;
    count++;
  }
  return count;
}

/** Checks every key of `keys` from `from` on, as `encodeKey` does, so a bad key fails before any lookup. */
export function checkKeys(keys: readonly CacheKey[], from: number, action: string): void {
  for (let index = from; index < keys.length; index++) encodeKey(keys[index], action);
}
