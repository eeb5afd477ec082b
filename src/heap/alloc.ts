/**
 * `heap.alloc`: an owning allocation. Checks the size and every option (so a wrong option is a
 * TypeError or RangeError naming it, not a native status), encodes the options for
 * `offheap_alloc_ex`, and wraps the address in an {@linkcode OffheapBuffer}.
 *
 * @module
 */
import { library } from "../ffi/load.ts";
import { describe, expectPositiveInteger, nativeFailure, statusName } from "../errors.ts";
import { OffheapBuffer } from "./buffer.ts";
import { ALIGN_HUGE_MAX, type AllocOptions, checkAlign, encodeOptions } from "./options.ts";
import { TIERS } from "./stats.ts";

/** `heap.alloc`. */
export function alloc(size: number, options: AllocOptions = {}): OffheapBuffer {
  expectPositiveInteger("allocate", "size", size);
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot allocate: options must be an object, got ${describe(options)}`);
  }
  const align = checkAlign("allocate", options.align, ALIGN_HUGE_MAX);
  if (options.tag !== undefined && typeof options.tag !== "string") {
    throw new TypeError(`Cannot allocate: tag must be a string, got ${typeof options.tag} ${describe(options.tag)}`);
  }
  const { flags, node } = encodeOptions(options);
  const { native } = library();
  const address = native.offheap_alloc_ex(size, align, flags, node);
  if (address <= 0) {
    const subject = `size ${size}, align ${align}, options ${JSON.stringify(options)}`;
    if (statusName(address) === "INVALID_ALIGNMENT") checkAlign("allocate", options.align);
    throw nativeFailure("allocate", address, subject);
  }
  const tier = native.offheap_tier_of(address);
  return new OffheapBuffer(address, size, TIERS[tier], options.tag);
}
