/**
 * The pin protocol between a `VectorStore` and the parallel searches reading its rows from other
 * Workers: while at least one search pins the store, it refuses changes (an add could move its
 * rows) and `free()` is deferred until the last pin goes.
 *
 * @module
 */
import { OffheapError } from "../errors.ts";

/** A store's pins and freed state. */
export class StorePins {
  #count = 0;
  #freed = false;

  /** Whether the store's `free()` has been called. */
  get freed(): boolean {
    return this.#freed;
  }

  /** Throws `USE_AFTER_FREE` once the store is freed. */
  live(action: string): void {
    if (this.#freed) throw new OffheapError("USE_AFTER_FREE", `Cannot ${action}: the VectorStore was already freed`);
  }

  /** Throws unless the store is live and no parallel search reads it. */
  mutable(action: string): void {
    this.live(action);
    if (this.#count > 0) {
      throw new Error(`Cannot ${action}: a parallel search is reading this VectorStore; await it first`);
    }
  }

  /** Adds or drops a pin; true when that was the last pin of a freed store, which must now release. */
  pin(delta: 1 | -1): boolean {
    this.#count += delta;
    return this.#count === 0 && this.#freed;
  }

  /** Marks the store freed; true when no search pins it, so it must release now. */
  free(): boolean {
    this.#freed = true;
    return this.#count === 0;
  }
}
