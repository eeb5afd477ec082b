/**
 * The hot symbols (alloc, free, the owned alloc and free of `heap.alloc()`, the f32 pair kernel) as module-level functions. Reaching them through `library().native`
 * costs a call and two property loads per use, which doubled the cost of an allocRaw/freeRaw pair
 * in Deno (29 ns against 14 ns for the bare symbols). These bindings start as stubs that open the
 * library (so `loadLibrary({ path })` can still come first), then replace themselves with the FFI
 * functions, so each call site sees one stable target: the form both runtimes fast-call.
 *
 * @module
 */
import { library } from "./load.ts";

function bind(): void {
  const { native } = library();
  nativeAlloc = native.offheap_alloc;
  nativeFree = native.offheap_free;
  nativeScoreF32 = native.offheap_score_f32;
  nativeAllocOwned = native.offheap_alloc_owned;
  nativeFreeOwned = native.offheap_free_owned;
}

/** `offheap_alloc(size: f64, alignment: u32) -> f64` address, or a negative status. */
export let nativeAlloc: (size: number, alignment: number) => number = (size, alignment) => {
  bind();
  return nativeAlloc(size, alignment);
};

/** `offheap_free(address: f64) -> i32` tier freed, or a negative status. */
export let nativeFree: (address: number) => number = (address) => {
  bind();
  return nativeFree(address);
};

/** `offheap_score_f32(a, b, dim: u32, metric: u32) -> f32`; NaN for an invalid argument. */
export let nativeScoreF32: (a: Float32Array, b: Float32Array, dim: number, metric: number) => number = (
  a,
  b,
  dim,
  metric,
) => {
  bind();
  return nativeScoreF32(a, b, dim, metric);
};

/** `offheap_alloc_owned(size: f64, alignment: u32, flags: u32, node: i32, tag: u32) -> f64` address + tier, or a negative status. */
export let nativeAllocOwned: (size: number, alignment: number, flags: number, node: number, tag: number) => number = (
  size,
  alignment,
  flags,
  node,
  tag,
) => {
  bind();
  return nativeAllocOwned(size, alignment, flags, node, tag);
};

/** `offheap_free_owned(address: f64, size: f64, tag: u32) -> i32` tier freed, or a negative status. */
export let nativeFreeOwned: (address: number, size: number, tag: number) => number = (address, size, tag) => {
  bind();
  return nativeFreeOwned(address, size, tag);
};
