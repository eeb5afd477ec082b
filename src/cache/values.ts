/**
 * Cache values: bytes. A `Uint8Array` is stored as is; a string is stored as its UTF-8 bytes (no
 * type tag), so what the library holds and counts is exactly the bytes the caller sees:
 * `get` and `getInto` return bytes, `getString` and `getJSON` decode them.
 *
 * `get` results of up to {@linkcode POOLED_RESULT_BYTES_MAX} bytes are copied by the library
 * straight into a shared result pool ({@linkcode resultPool}) and returned as views of it, as
 * Node's `Buffer` pool does: a fresh `ArrayBuffer` per result costs hundreds of nanoseconds in Deno,
 * more than the lookup itself. Larger reads land in one growable scratch buffer per JS thread
 * ({@linkcode valueScratch}) and are copied out of it once; string values are encoded into the same
 * buffer before a set.
 *
 * @module
 */
import { typeName, writeUtf8 } from "./keys.ts";

/** A cache value: bytes, or a string stored as its UTF-8 bytes. */
export type CacheValue = Uint8Array | string;

/** The longest value: value lengths cross the FFI as u32. */
export const VALUE_BYTES_MAX = 2 ** 32 - 1;
const SCRATCH_BYTES_INITIAL = 64 * 1024;

/** The longest `get` result served from the shared result pool. */
export const POOLED_RESULT_BYTES_MAX = 4096;
/**
 * The size of one result pool: a retained result keeps at most this much memory alive. Measured in
 * Deno 2.9: a 64 KiB `ArrayBuffer` costs ~3 µs, so ~50 ns per 1 KiB result, where a fresh 1 KiB one
 * costs ~900 ns.
 */
export const RESULT_POOL_BYTES = 64 * 1024;

/** The current result pool; reads copy into it from {@linkcode resultOffset} on. */
export let resultPool = new Uint8Array(RESULT_POOL_BYTES);
/** Where the next pooled result starts; a new pool is made when less than a pooled result is left. */
export let resultOffset = 0;

/** Makes sure the pool has room for a pooled result from {@linkcode resultOffset}. */
export function reserveResult(): void {
  if (RESULT_POOL_BYTES - resultOffset >= POOLED_RESULT_BYTES_MAX) return;
  resultPool = new Uint8Array(RESULT_POOL_BYTES);
  resultOffset = 0;
}

/** Claims the `length` bytes a read just copied to {@linkcode resultOffset} as a result. */
export function takeResult(length: number): Uint8Array {
  const result = new Uint8Array(resultPool.buffer, resultOffset, length);
  // Results start 8-byte aligned, so a caller may view one as wider elements.
  resultOffset += (length + 7) & ~7;
  return result;
}

/** The scratch buffer reads are copied into (replaced by a larger one when a value does not fit). */
export let valueScratch = new Uint8Array(SCRATCH_BYTES_INITIAL);

/** Makes {@linkcode valueScratch} at least `bytes` long, and returns it. */
export function growValueScratch(bytes: number): Uint8Array {
  if (bytes > valueScratch.length) {
    let length = valueScratch.length;
    while (length < bytes) length *= 2;
    valueScratch = new Uint8Array(Math.min(length, VALUE_BYTES_MAX));
  }
  return valueScratch;
}

/** Encodes a string value into {@linkcode valueScratch} and returns its UTF-8 length. */
export function encodeStringValue(text: string): number {
  let written = writeUtf8(text, valueScratch, 0, valueScratch);
  if (written < 0) {
    growValueScratch(text.length * 3);
    written = writeUtf8(text, valueScratch, 0, valueScratch);
  }
  return written;
}

/** The TypeError for a value that is neither bytes nor a string. */
export function valueTypeError(action: string, value: unknown): TypeError {
  return new TypeError(`Cannot ${action}: value must be a Uint8Array or a string, got ${typeName(value)}`);
}

/** The RangeError for a value longer than the FFI can pass. */
export function valueTooLong(action: string, length: number): RangeError {
  return new RangeError(`Cannot ${action}: value must be at most ${VALUE_BYTES_MAX} bytes, got ${length}`);
}
