/**
 * The raw API: addresses with no object per allocation, for hot loops. `allocRaw` / `freeRaw` are
 * one FFI call each through the module-level hot bindings (ffi/hot.ts) and check their arguments
 * only when the library refuses them; `allocMany` / `freeMany` pay one crossing for a whole batch.
 *
 * @module
 */
import { library } from "../ffi/load.ts";
import { nativeAlloc } from "../ffi/hot.ts";
import { describe, expectNumber, expectPositiveInteger, nativeFailure, unwrap } from "../errors.ts";
import { freeAddress } from "./buffer.ts";
import { bytesAt, detachRegion, detachRegions } from "./views.ts";
import { checkAlign } from "./options.ts";

/** `heap.allocRaw`: the address, or the most precise error for a refusal. */
export function allocRaw(size: number, align = 0): number {
  // Both cross the FFI, so each must be the number it claims before the call: the alignment a u32
  // (Deno's FFI throws its own TypeError for NaN or a fraction, Bun's truncates 0.5 to the default)
  // and the size a number (Bun converts a BigInt or a numeric string and allocates).
  if ((align >>> 0) !== align || typeof size !== "number") return allocFailure(size, align, 0);
  const address = nativeAlloc(size, align);
  if (address > 0) return address;
  return allocFailure(size, align, address);
}

/** Slow path of a failed allocation: turns the status into the most precise error. */
function allocFailure(size: unknown, align: unknown, status: number): never {
  expectPositiveInteger("allocate", "size", size);
  checkAlign("allocate", align === 0 ? undefined : align);
  throw nativeFailure("allocate", status, `size ${size}, align ${align}`);
}

/** `heap.freeRaw`. */
export function freeRaw(address: number): void {
  expectNumber("free", "address", address);
  freeAddress(address, "free");
}

/** Largest batch: the library returns counts as i32. */
const BATCH_MAX = 2 ** 31 - 1;

/** `heap.allocMany`: checks everything up front, so a wrong type fails before the FFI call. */
export function allocMany(size: number, count: number, out?: Float64Array, align = 0): Float64Array {
  expectPositiveInteger("allocate", "size", size);
  checkAlign("allocate", align === 0 ? undefined : align);
  expectNumber("allocate", "count", count);
  if (!Number.isInteger(count) || count < 0 || count > BATCH_MAX) {
    throw new RangeError(`Cannot allocate: count must be an integer from 0 to ${BATCH_MAX}, got ${describe(count)}`);
  }
  const addresses = out ?? new Float64Array(count);
  if (!(addresses instanceof Float64Array)) {
    throw new TypeError(`Cannot allocate: out must be a Float64Array, got ${describe(addresses)}`);
  }
  if (addresses.length < count) {
    throw new RangeError(`Cannot allocate: out holds ${addresses.length} addresses, fewer than count ${count}`);
  }
  const status = library().native.offheap_alloc_batch(size, align, count, addresses);
  if (status < 0) allocFailure(size, align, status);
  return addresses;
}

const batchFailure = new Int32Array(1);

/** `heap.freeMany`: frees up to the first invalid address, then throws for it. */
export function freeMany(addresses: Float64Array): void {
  if (!(addresses instanceof Float64Array)) {
    throw new TypeError(`Cannot free: addresses must be a Float64Array, got ${describe(addresses)}`);
  }
  const native = library().native;
  const freed = unwrap(native.offheap_free_batch(addresses, addresses.length, batchFailure), "free", `${addresses.length} addresses`);
  // This thread's views of freed regions go now (the native free found them pinned, so their pages
  // are already returned; dropping the pins releases the regions).
  detachRegions(addresses, freed);
  if (freed < addresses.length) {
    const subject = `address ${describe(addresses[freed])} at index ${freed} of ${addresses.length}`;
    throw nativeFailure("free", batchFailure[0], subject);
  }
}

/** `heap.view`. */
export function view(address: number, length: number): Uint8Array {
  expectNumber("view", "address", address);
  expectPositiveInteger("view", "length", length);
  return bytesAt(address, length, "view");
}

/** `heap.reallocRaw`. */
export function reallocRaw(address: number, size: number): number {
  expectNumber("reallocate", "address", address);
  expectPositiveInteger("reallocate", "size", size);
  const { native } = library();
  const tier = native.offheap_tier_of(address);
  const moved = native.offheap_realloc(address, size);
  if (moved <= 0) throw nativeFailure("reallocate", moved, `address ${address}, size ${size}`);
  // A moved region was freed natively; drop this thread's view (and its pin) so it can be reused.
  if (moved !== address && tier >= 2) detachRegion(address);
  return moved;
}
