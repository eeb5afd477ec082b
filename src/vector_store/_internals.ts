/**
 * The private hooks of `VectorStore` that `ParallelSearch` needs and users must not see: the
 * checked query in the storage type, the slot-to-id mapping of results, and the pin protocol. The
 * class installs them from its static block (only it can reach its private fields); they are not
 * exported from mod.ts.
 *
 * @module
 */
import type { SearchResult } from "../vectors/kernels.ts";
import type { VectorArray } from "../vectors/elements.ts";
import type { VectorStore } from "./store.ts";

/** A checked query in the storage type, k clamped to the size, and the i8 scale the query used. */
export interface PreparedQuery {
  query: VectorArray;
  k: number;
  /** The scale scores are divided back by (i8 storage of f32 input), else undefined. */
  scale: number | undefined;
}

/** The hooks a `VectorStore` installs. */
export interface StoreInternals {
  /** A checked query converted to the storage type, and k clamped to the size. */
  prepare(store: VectorStore, query: VectorArray, k: unknown, action: string): PreparedQuery;
  /** Maps slots to ids and rescales i8 scores by `scale` (from `prepare`), in place. */
  finish(store: VectorStore, result: SearchResult, scale: number | undefined): SearchResult;
  /** Adds or drops a pin of a parallel search. */
  pin(store: VectorStore, delta: 1 | -1): void;
}

let internals: StoreInternals | undefined;

/** Called once, by `VectorStore`'s static block. */
export function installInternals(hooks: StoreInternals): void {
  internals = hooks;
}

/** Internal, for parallel search: a checked query converted to the storage type, and k. */
export function prepareSearch(store: VectorStore, query: VectorArray, k: unknown): PreparedQuery {
  return internals!.prepare(store, query, k, "search VectorStore in parallel");
}

/** Internal, for parallel search: maps slots to ids and rescales i8 scores, in place. */
export function finishSearch(store: VectorStore, result: SearchResult, scale: number | undefined): SearchResult {
  return internals!.finish(store, result, scale);
}

/** Internal, for parallel search: while pinned, the store refuses changes and defers `free()`. */
export function pinStore(store: VectorStore, delta: 1 | -1): void {
  internals!.pin(store, delta);
}
