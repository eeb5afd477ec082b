/**
 * Thread heaps and their owners, seen from JavaScript. Every thread that allocates (the main
 * thread and each Worker) gets a heap of its own, so allocation takes no lock. When a Worker ends,
 * its heap is abandoned and the next thread that needs a heap adopts it, with every block other
 * threads freed into it meanwhile. These functions report that bookkeeping and let a Worker hand
 * its heap back early.
 *
 * @module
 */
import { library } from "../ffi/load.ts";
import { decodeFields, layout } from "../ffi/layout.ts";
import { unwrap } from "../errors.ts";

/** A snapshot of the thread heaps of the process. */
export interface ThreadHeapStats {
  /** Heaps ever created (never more than the most threads that allocated at once, plus a few). */
  heaps: number;
  /** Heaps owned by a live thread. */
  activeHeaps: number;
  /** Heaps waiting for a thread to adopt them. */
  abandonedHeaps: number;
  /** Heaps handed to a new thread instead of mapping a new one. */
  adoptions: number;
  /** Adoptions of heaps whose thread ended without its exit hook (found by thread-id liveness). */
  reclaimedDead: number;
  /** Heaps given up by their thread's exit hook or by {@linkcode releaseThreadHeap}. */
  abandonedByHint: number;
  /** Bytes of empty pages returned to the OS. */
  purgedBytes: number;
  /** JavaScript threads that hold (or held) region views and have not been found ended yet. */
  pinOwners: number;
  /**
   * Region pins dropped because the thread whose views held them had ended (a Worker's views end
   * with it, but its finalizers never run). Swept when a new thread first views a region, and by
   * `heap.trim()`.
   */
  pinsDropped: number;
}

/**
 * Counts the thread heaps by owner state, and the adoption events so far.
 *
 * @returns The snapshot.
 *
 * @example
 * ```ts
 * import { heap, threadHeapStats } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * heap.freeRaw(heap.allocRaw(16));
 * assert.ok(threadHeapStats().activeHeaps >= 1);
 * ```
 */
export function threadHeapStats(): ThreadHeapStats {
  const names = layout("threads");
  const out = new Float64Array(names.length);
  unwrap(library().native.offheap_threads_stats(out, out.length), "read thread heap stats", `capacity ${out.length}`);
  return decodeFields(names, out) as unknown as ThreadHeapStats;
}

/**
 * Collects every heap no live thread owns (and the caller's own): blocks other threads freed into
 * them are taken back, and their empty pages are returned to the OS. Slow; call it when idle, for
 * example next to `heap.trim()`.
 *
 * @returns Bytes returned to the OS.
 *
 * @example
 * ```ts
 * import { collectThreadHeaps } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * assert.ok(collectThreadHeaps() >= 0);
 * ```
 */
export function collectThreadHeaps(): number {
  return library().native.offheap_threads_collect();
}

/**
 * Gives the calling thread's heap up now, as its thread's exit would: a Worker that is done
 * allocating calls it before it ends, so the next Worker adopts the heap at once. Blocks it
 * allocated stay valid and may be freed from any thread. A later allocation on this thread simply
 * takes a heap again.
 *
 * @example
 * ```ts
 * import { heap, releaseThreadHeap } from "@offheap/offheap";
 * const address = heap.allocRaw(64);
 * releaseThreadHeap();
 * heap.freeRaw(address); // still fine: the block goes back to the (now abandoned) heap
 * ```
 */
export function releaseThreadHeap(): void {
  library().native.offheap_thread_release();
}
