/**
 * A store's row memory: equal-length rows packed in one 64-byte-aligned off-heap allocation that
 * doubles when it fills (one allocation and one copy per doubling, so growth is amortized O(1)),
 * with a typed view of the storage type over it.
 *
 * @module
 */
import { heap } from "../heap/heap.ts";
import type { OffheapBuffer } from "../heap/buffer.ts";
import type { AllocOptions } from "../heap/options.ts";
import { ELEMENTS, type VectorArray } from "../vectors/elements.ts";
import { ROWS_MAX } from "./options.ts";

/** The rows of one store. */
export class RowStorage {
  #code: number;
  #rowDim: number;
  #placement: AllocOptions;
  #buffer: OffheapBuffer | null = null;
  #view: VectorArray = new Float32Array(0);
  #capacity = 0;

  /**
   * @param code The stored element code.
   * @param rowDim Stored elements per row.
   * @param placement The `heap.alloc` options of the memory.
   */
  constructor(code: number, rowDim: number, placement: AllocOptions) {
    this.#code = code;
    this.#rowDim = rowDim;
    this.#placement = placement;
  }

  /** Rows the current allocation holds. */
  get capacity(): number {
    return this.#capacity;
  }

  /** The allocation (only while the store is not released). */
  get buffer(): OffheapBuffer {
    return this.#buffer!;
  }

  /**
   * Makes room for `rows` rows, keeping the first `used`: one new allocation and one copy, at least
   * doubling the capacity. Returns the new capacity.
   */
  grow(rows: number, used: number): number {
    const capacity = Math.min(ROWS_MAX, Math.max(rows, this.#capacity * 2));
    const element = ELEMENTS[this.#code];
    const rowBytes = this.#rowDim * element.bytes;
    const buffer = heap.alloc(capacity * rowBytes, this.#placement);
    const old = this.#buffer;
    if (old !== null) {
      if (used > 0) buffer.bytes().set(old.bytes().subarray(0, used * rowBytes));
      old.free();
    }
    this.#buffer = buffer;
    this.#view = element.view(buffer);
    this.#capacity = capacity;
    return capacity;
  }

  /** A zero-copy view of the row in `slot`. */
  row(slot: number): VectorArray {
    return this.#view.subarray(slot * this.#rowDim, (slot + 1) * this.#rowDim);
  }

  /** Copies the row in slot `from` over the row in slot `to`. */
  move(from: number, to: number): void {
    const width = this.#rowDim;
    this.#view.copyWithin(to * width, from * width, (from + 1) * width);
  }

  /** Frees the memory. */
  release(): void {
    this.#buffer?.free();
    this.#buffer = null;
    this.#view = new Float32Array(0);
  }
}
