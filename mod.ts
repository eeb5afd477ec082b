/**
 * offheap: off-heap memory and SIMD vector kernels for Deno and Bun.
 *
 * Memory the GC never scans or copies, placed and aligned as asked, exposed zero-copy as typed
 * arrays, and shared by every Worker of the process.
 *
 * @example
 * ```ts
 * import { heap, vectors } from "@offheap/offheap";
 * using a = heap.alloc(768 * 4, { align: 64 });
 * using b = heap.alloc(768 * 4, { align: 64 });
 * a.f32().fill(1);
 * b.f32().fill(2);
 * console.log(vectors.dot(a.f32(), b.f32())); // 1536
 * ```
 *
 * @module
 */
export { heap } from "./src/heap.ts";
export type { Advice, AllocOptions, Heap, HeapOptions, HugeMode, NumaMode, NumaPolicy } from "./src/heap.ts";
export { OffheapBuffer } from "./src/buffer.ts";
export type { Backing, LeakRecord } from "./src/buffer.ts";
export { OffheapError } from "./src/errors.ts";
export type { OffheapErrorCode } from "./src/errors.ts";
export type { HeapStats, Tier, TierStats } from "./src/stats.ts";
export { vectors } from "./src/vectors.ts";
export type {
  CrossOptions,
  ElementType,
  Matrix,
  MatrixAddress,
  Metric,
  ScanOptions,
  SearchResult,
  SimdLevel,
  VectorArray,
  Vectors,
} from "./src/vectors.ts";
export { loadLibrary } from "./src/ffi/load.ts";
export type { LoadOptions } from "./src/ffi/load.ts";
export { checkDescriptor } from "./src/share.ts";
export type { BufferDescriptor } from "./src/share.ts";
export { collectThreadHeaps, releaseThreadHeap, threadHeapStats } from "./src/threads.ts";
export type { ThreadHeapStats } from "./src/threads.ts";
export { quantize } from "./src/quantize.ts";
export type { Quantize } from "./src/quantize.ts";
export { VectorStore } from "./src/vector_store.ts";
export type { SearchOptions, VectorBatch, VectorStoreDescriptor, VectorStoreOptions } from "./src/vector_store.ts";
export { ParallelSearch } from "./src/parallel_search.ts";
export type { ParallelSearchOptions, SliceReply, SliceRequest } from "./src/parallel_search.ts";
