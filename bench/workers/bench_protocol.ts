/**
 * The messages between the workers benchmark suite (bench/suites/workers.ts) and its Workers
 * (bench_worker.ts). They live apart from the Worker script because importing that script runs it:
 * on the main thread it would install a global `onmessage`, which keeps Bun's event loop (and so
 * the process) alive after the Workers end.
 *
 * @module
 */

/** The allocator name of offheap's raw API (`heap.allocRaw` / `heap.freeRaw`). */
export const OFFHEAP_ALLOCATOR = "offheap";

/** The shared memory of one producer/consumer pair. */
export interface Ring {
  /** `capacity` 8-byte address slots. */
  slots: SharedArrayBuffer;
  /** Int32 counters: [0] = blocks published by the producer, [1] = blocks freed by the consumer. */
  control: SharedArrayBuffer;
  /** Slots in the ring, a power of two and a multiple of `batch`. */
  capacity: number;
  /** The producer publishes every `batch` blocks; a power of two. */
  batch: number;
}

/** The requests this Worker answers, one at a time. */
export type Request =
  /** Opens liboffheap from `path` (the main thread's, already open there) and the C allocators named. */
  | { op: "init"; path?: string; natives: string[] }
  /** Remembers `sizes` (length a power of two) under `workload`, converted for every allocator. */
  | { op: "sizes"; workload: string; sizes: number[] }
  /** `pairs` frees+allocations over a window of `window` live blocks; all freed at the end. */
  | { op: "churn"; allocator: string; workload: string; window: number; pairs: number }
  /** Allocates `count` blocks and publishes their addresses in `ring`. */
  | { op: "produce"; allocator: string; workload: string; count: number; ring: Ring }
  /** Frees the `count` blocks a producer publishes in `ring`. */
  | { op: "consume"; allocator: string; count: number; ring: Ring }
  /** Allocates `count` blocks and frees them every `batch`, all in this thread. */
  | { op: "local"; allocator: string; workload: string; count: number; batch: number };

/** A reply: a checksum of the work (e.g. blocks freed, or low address bits), or why it failed. */
export type Reply = { ok: true; checksum: number } | { ok: false; message: string };
