/**
 * `heap.alloc`: an owning allocation. Checks the size and every option (so a wrong option is a
 * TypeError or RangeError naming it, not a native status), encodes the options, and wraps the
 * address in an {@linkcode OffheapBuffer}.
 *
 * One FFI crossing per call: `offheap_alloc_owned` allocates, counts the block under its tag and
 * returns the tier in the address's low bits (blocks are 16-aligned). A call without options takes
 * a short path that checks the size inline and nothing else (and, when sampling, counts down).
 *
 * @module
 */
import { describe, expectPositiveInteger, nativeFailure, statusName } from "../errors.ts";
import { nativeAllocOwned } from "../ffi/hot.ts";
import { type OffheapBuffer, ownedBuffer } from "./buffer.ts";
import { ALIGN_HUGE_MAX, type AllocOptions, checkAlign, encodeOptions } from "./options.ts";
import { TIERS } from "./stats.ts";
import { profiling } from "../profile/state.ts";
import { noteSample } from "../profile/hot_spots.ts";
import { tagId } from "../profile/tags.ts";

/** Sizes the library can ever serve (zig/src/alloc/heap.zig `size_bytes_max`). */
const SIZE_BYTES_MAX = 2 ** 46;
const TIER_BITS = 3;

/** `heap.alloc`. */
export function alloc(size: number, options?: AllocOptions): OffheapBuffer {
  if (options === undefined && typeof size === "number" && size >= 1 && size <= SIZE_BYTES_MAX) {
    const encoded = nativeAllocOwned(size, 0, 0, -1, 0);
    if (encoded > 0) {
      const tier = encoded & TIER_BITS;
      const buffer = ownedBuffer(encoded - tier, size, TIERS[tier], undefined, 0);
      if (profiling.sampleBytes !== 0) countSample(size, undefined);
      return buffer;
    }
  }
  return allocChecked(size, options === undefined ? {} : options);
}

/** Counts `size` bytes down to the next sample, and takes it when the countdown runs out. */
function countSample(size: number, tag: string | undefined): void {
  profiling.countdown -= size;
  if (profiling.countdown <= 0) noteSample(size, tag);
}

/** Every check, then the allocation, then (with profiling on) the sample. */
function allocChecked(size: number, options: AllocOptions): OffheapBuffer {
  expectPositiveInteger("allocate", "size", size);
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot allocate: options must be an object, got ${describe(options)}`);
  }
  const align = checkAlign("allocate", options.align, ALIGN_HUGE_MAX);
  const tag = options.tag;
  const id = tagId("allocate", tag);
  const { flags, node } = encodeOptions(options);
  const encoded = nativeAllocOwned(size, align, flags, node, id);
  if (encoded <= 0) {
    const subject = `size ${size}, align ${align}, options ${JSON.stringify(options)}`;
    if (statusName(encoded) === "INVALID_ALIGNMENT") checkAlign("allocate", options.align);
    throw nativeFailure("allocate", encoded, subject);
  }
  const tier = encoded & TIER_BITS;
  const buffer = ownedBuffer(encoded - tier, size, TIERS[tier], tag, id);
  if (profiling.sampleBytes !== 0) countSample(size, tag);
  return buffer;
}
