/**
 * `heap.alloc`: an owning allocation. Checks the size and every option (so a wrong option is a
 * TypeError or RangeError naming it, not a native status), encodes the options, and wraps the
 * address in an {@linkcode OffheapBuffer}.
 *
 * One FFI crossing per call: `offheap_alloc_owned` allocates, counts the block under its tag, counts
 * the thread's sampling countdown down, and returns the tier and the sample flag in the address's
 * low bits (blocks are 16-aligned). A call without options takes a short path that checks the size
 * inline and nothing else; with profiling on or off it tests the same flag, and only a flagged
 * allocation takes a sample.
 *
 * @module
 */
import { describe, expectPositiveInteger, nativeFailure, statusName } from "../errors.ts";
import { nativeAllocOwned } from "../ffi/hot.ts";
import { type OffheapBuffer, ownedBuffer } from "./buffer.ts";
import { ALIGN_HUGE_MAX, type AllocOptions, checkAlign, encodeOptions } from "./options.ts";
import { TIERS } from "./stats.ts";
import { noteSample } from "../profile/hot_spots.ts";
import { tagId } from "../profile/tags.ts";

/** Sizes the library can ever serve (zig/src/alloc/heap.zig `size_bytes_max`). */
const SIZE_BYTES_MAX = 2 ** 46;
/** An owned allocation's result: the tier in its low 2 bits, the sample flag in bit 2. */
export const TIER_BITS = 3;
/** Set when the thread's sampler asks for this allocation to be sampled (zig/src/profile/sampler.zig). */
export const SAMPLE_FLAG = 4;
const LOW_BITS = TIER_BITS | SAMPLE_FLAG;

/** `heap.alloc`. */
export function alloc(size: number, options?: AllocOptions): OffheapBuffer {
  if (options === undefined && typeof size === "number" && size >= 1 && size <= SIZE_BYTES_MAX) {
    const encoded = nativeAllocOwned(size, 0, 0, -1, 0);
    if (encoded > 0) {
      const low = encoded & LOW_BITS;
      const buffer = ownedBuffer(encoded - low, size, TIERS[low & TIER_BITS], undefined, 0);
      if (low > TIER_BITS) noteSample(size, undefined);
      return buffer;
    }
  }
  return allocChecked(size, options === undefined ? {} : options);
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
  const low = encoded & LOW_BITS;
  const buffer = ownedBuffer(encoded - low, size, TIERS[low & TIER_BITS], tag, id);
  if (low > TIER_BITS) noteSample(size, tag);
  return buffer;
}
