/**
 * How a VectorIndex crosses a Worker boundary: as a plain descriptor naming its native handle.
 * Every Worker of a process shares one liboffheap, so `VectorIndex.open(descriptor)` in another
 * Worker gets the same graph (no copy); each opened object holds a reference, and the index goes
 * when the last holder frees. Searches from several Workers run at once; writes take turns.
 *
 * @module
 */
import { describe } from "../errors.ts";

/** The `kind` of an index descriptor. */
export const INDEX_DESCRIPTOR_KIND = "offheap.vector-index";

/**
 * A VectorIndex as plain data, safe to `postMessage`.
 *
 * @example Open an index from its descriptor (a Worker does the same with a posted descriptor)
 * ```ts
 * import { VectorIndex, type VectorIndexDescriptor } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using index = new VectorIndex({ dim: 2, metric: "l2sq" });
 * index.add(1, new Float32Array([0, 1]));
 * const descriptor: VectorIndexDescriptor = index.share();
 * using other = VectorIndex.open(descriptor);
 * assert.equal(other.search(new Float32Array([0, 1]), { k: 1 }).ids[0], 1);
 * ```
 */
export interface VectorIndexDescriptor {
  /** Always `"offheap.vector-index"`. */
  readonly kind: "offheap.vector-index";
  /** The library's handle of the index. */
  readonly handle: number;
}

/** Checks the shape of a descriptor and returns its handle; throws a TypeError if it is malformed. */
export function indexDescriptorHandle(descriptor: unknown, action: string): number {
  const shape = descriptor as Record<string, unknown> | null;
  if (shape === null || typeof shape !== "object" || shape.kind !== INDEX_DESCRIPTOR_KIND) {
    throw new TypeError(`Cannot ${action}: descriptor must come from index.share() (kind "${INDEX_DESCRIPTOR_KIND}")`);
  }
  const handle = shape.handle;
  if (typeof handle !== "number" || !Number.isInteger(handle) || handle <= 0 || handle > 0xffffffff) {
    throw new TypeError(`Cannot ${action}: descriptor.handle must be a positive u32, got ${describe(handle)}`);
  }
  return handle;
}
