/**
 * Descriptors: how an off-heap buffer crosses a Worker boundary. Every Worker of a process shares
 * one liboffheap and one address space, so a buffer travels as a plain object of numbers
 * (`postMessage` copies it, or it is written into a SharedArrayBuffer) and is reopened on the
 * other side with no copy of the memory.
 *
 * Ownership is explicit. `buffer.share()` lends: the sender still owns and frees the memory, and
 * must keep it alive until every receiver is done. `buffer.transfer()` gives: the sender's buffer
 * lets go, and the receiver that calls `OffheapBuffer.from(descriptor)` owns and frees it. Any
 * thread may free any block: a block freed by a Worker that did not allocate it goes back to its
 * owner's heap through a lock-free list, even when the allocating Worker has ended.
 *
 * @module
 */
import { library } from "../ffi/load.ts";
import { describe, unwrap } from "../errors.ts";
import { type Tier, TIERS } from "./stats.ts";

/**
 * A buffer as plain data, safe to `postMessage` or to store in a SharedArrayBuffer.
 *
 * @example Post a buffer to a Worker
 * ```ts
 * import { heap, type BufferDescriptor } from "@offheap/offheap";
 * const buffer = heap.alloc(1024);
 * const descriptor: BufferDescriptor = buffer.transfer(); // the receiver now owns it
 * // worker.postMessage(descriptor); in the Worker: OffheapBuffer.from(event.data).free()
 * heap.freeRaw(descriptor.address); // (here: nobody received it, so free it directly)
 * ```
 */
export interface BufferDescriptor {
  /** Start address of the memory. */
  readonly address: number;
  /** Requested size in bytes. */
  readonly byteLength: number;
  /** The tier that served the allocation. */
  readonly tier: Tier;
  /** The label given at allocation, if any. */
  readonly tag?: string;
}

/**
 * Checks that `descriptor` names a live offheap block at least `byteLength` long and returns its
 * tier. Throws `TypeError` for a malformed descriptor and `OffheapError` (`NOT_OWNED`,
 * `INTERIOR_POINTER`, `DOUBLE_FREE`) for memory offheap does not hold live.
 *
 * @example
 * ```ts
 * import { heap, checkDescriptor } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using buffer = heap.alloc(64);
 * assert.equal(checkDescriptor(buffer.share(), "open"), "small");
 * ```
 */
export function checkDescriptor(descriptor: BufferDescriptor, action: string): Tier {
  const shape = descriptor as unknown as Record<string, unknown> | null;
  const address = shape?.address;
  const byteLength = shape?.byteLength;
  if (typeof address !== "number" || !Number.isInteger(address) || address <= 0) {
    throw new TypeError(`Cannot ${action}: descriptor.address must be a positive integer, got ${describe(address)}`);
  }
  if (typeof byteLength !== "number" || !Number.isInteger(byteLength) || byteLength <= 0) {
    throw new TypeError(
      `Cannot ${action}: descriptor.byteLength must be a positive integer, got ${describe(byteLength)}`,
    );
  }
  const { native } = library();
  const usable = unwrap(native.offheap_usable_size(address), action, `address ${address}`);
  if (usable < byteLength) {
    throw new RangeError(`Cannot ${action}: descriptor.byteLength ${byteLength} exceeds the block's ${usable} bytes`);
  }
  return TIERS[native.offheap_tier_of(address)];
}
