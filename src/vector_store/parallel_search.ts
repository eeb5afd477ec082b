/**
 * `ParallelSearch`: exact top-k over off-heap rows, split across Workers that scan the same
 * memory in place. Nothing is copied: each Worker receives a plain descriptor (the rows' address,
 * row count, dim, stride, element type and metric), scans its contiguous slice with one native
 * top-k call, and returns at most k (id, score) pairs; the main thread merges them with the same
 * ordering as the native selection (metric direction, then the lower row, NaN last). The result is
 * therefore identical to a single-threaded `vectors.topK` or `VectorStore.search`.
 *
 * The library is opened on the main thread before any Worker starts (Bun has crashed on
 * concurrent `dlopen` from new Workers), and each Worker opens the same file.
 *
 * While a search of a `VectorStore` is in flight, the store refuses changes (an add could move
 * its rows) and defers `free()` until the search ends.
 *
 * @module
 */
import { library } from "../ffi/load.ts";
import { ELEMENTS, LARGER_IS_BETTER, metricName, METRICS, type VectorArray } from "../vectors/elements.ts";
import { expectIntegerIn, expectK, kindOf } from "../vectors/checks.ts";
import { type Matrix, type MatrixAddress, scanOf, type ScanOptions } from "../vectors/scan.ts";
import type { SearchResult } from "../vectors/kernels.ts";
import type { SearchOptions } from "./options.ts";
import { VectorStore } from "./store.ts";
import { finishSearch, pinStore, prepareSearch } from "./_internals.ts";

/** Options of a {@linkcode ParallelSearch}. */
export interface ParallelSearchOptions {
  /** How many Workers: 1 to 256. Default: `navigator.hardwareConcurrency` (at least 1). */
  workers?: number;
}

/** What the main thread sends a search Worker for one slice. */
export interface SliceRequest {
  /** Request number, echoed in the reply. */
  id: number;
  /** The query, already in the rows' element type. */
  query: VectorArray;
  /** Address of the slice's first row. */
  address: number;
  /** Rows in the slice. */
  rows: number;
  /** Index of the slice's first row in the whole matrix; added to the returned ids. */
  start: number;
  /** Elements from one row to the next. */
  stride: number;
  /** The metric's name. */
  metric: string;
  /** How many results. */
  k: number;
}

/** A Worker's reply: its slice's best rows (ids in whole-matrix rows), or an error message. */
export interface SliceReply {
  /** The request number. */
  id: number;
  /** Row ids, best first. */
  ids?: Uint32Array;
  /** Their scores. */
  scores?: Float32Array;
  /** Why the slice failed. */
  error?: string;
}

interface Pending {
  resolve(reply: SliceReply): void;
  reject(error: Error): void;
}

const WORKERS_MAX = 256;

/**
 * A pool of Workers that run top-k scans over slices of shared off-heap rows.
 *
 * @example Search a store on two Workers
 * ```ts
 * import { ParallelSearch, VectorStore } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * using store = new VectorStore({ dim: 4, metric: "l2sq" });
 * store.addBatch(Float32Array.from({ length: 4 * 1000 }, (_, i) => i % 97));
 * await using pool = new ParallelSearch({ workers: 2 });
 * const query = new Float32Array([1, 2, 3, 4]);
 * const parallel = await pool.search(store, query, { k: 5 });
 * assert.deepEqual(parallel, store.search(query, { k: 5 }));
 * ```
 */
export class ParallelSearch {
  #workers: Worker[] = [];
  #ready: Promise<unknown>;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  /**
   * Starts the Workers. The library is opened here first, on the calling thread.
   *
   * @param options How many Workers.
   * @throws {RangeError} If `workers` is not an integer from 1 to 256.
   */
  constructor(options: ParallelSearchOptions = {}) {
    const action = "create ParallelSearch";
    const defaultCount = Math.max(1, (globalThis.navigator?.hardwareConcurrency as number | undefined) ?? 1);
    const count = expectIntegerIn(action, "workers", options.workers ?? defaultCount, 1, WORKERS_MAX);
    const { path } = library();
    // The sources load the Worker's TypeScript; the compiled npm package (npm run build:js) its JavaScript.
    const extension = import.meta.url.endsWith(".ts") ? "ts" : "js";
    const url = new URL(`../../workers/search_worker.${extension}`, import.meta.url);
    const started: Promise<unknown>[] = [];
    for (let index = 0; index < count; index++) {
      const worker = new Worker(url.href, { type: "module" });
      started.push(
        new Promise((resolve, reject) => {
          worker.onmessage = (event: MessageEvent) => {
            if (event.data?.ready === true) {
              worker.onmessage = (message: MessageEvent) => this.#receive(message.data as SliceReply);
              resolve(undefined);
            } else reject(new Error(`Failed to start a search Worker: ${event.data?.error ?? "unknown reply"}`));
          };
          worker.onerror = (event: Event) => {
            const message = (event as ErrorEvent).message ?? "worker error";
            event.preventDefault?.();
            reject(new Error(`Failed to start a search Worker: ${message}`));
            this.#failAll(new Error(`A search Worker failed: ${message}`));
          };
        }),
      );
      worker.postMessage({ path });
      this.#workers.push(worker);
    }
    this.#ready = Promise.all(started);
    this.#ready.catch(() => {}); // Reported by the first search that awaits it.
  }

  /** The number of Workers. */
  get workers(): number {
    return this.#workers.length;
  }

  #receive(reply: SliceReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (reply.error !== undefined) pending.reject(new Error(reply.error));
    else pending.resolve(reply);
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  #send(worker: Worker, request: Omit<SliceRequest, "id">): Promise<SliceReply> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
  }

  /** Splits `rows` rows into one contiguous slice per Worker, scans them, and merges. */
  async #run(
    query: VectorArray,
    base: { address: number; rows: number; stride: number; bytes: number; metric: string; k: number },
  ): Promise<SearchResult> {
    // Copied before the first await: the caller's array (or the store's scratch query) may change
    // before the Workers are ready.
    const snapshot = query.slice();
    await this.#ready;
    const count = Math.min(this.#workers.length, base.rows);
    const share = Math.ceil(base.rows / count);
    const replies: Promise<SliceReply>[] = [];
    for (let index = 0, start = 0; start < base.rows; index++, start += share) {
      const rows = Math.min(share, base.rows - start);
      replies.push(this.#send(this.#workers[index], {
        query: snapshot,
        address: base.address + start * base.stride * base.bytes,
        rows,
        start,
        stride: base.stride,
        metric: base.metric,
        k: Math.min(base.k, rows),
      }));
    }
    return merge(await Promise.all(replies), base.k, LARGER_IS_BETTER[METRICS[base.metric as keyof typeof METRICS]]);
  }

  #live(action: string): void {
    if (this.#closed) throw new Error(`Cannot ${action}: the ParallelSearch was closed`);
  }

  /**
   * The `k` best rows of off-heap `matrix` for `query`, like {@linkcode Vectors.topK}, scanned by
   * all Workers. The memory must stay allocated and unchanged until the promise settles.
   *
   * @param query The query; its type picks the kernels.
   * @param matrix Off-heap rows: an `OffheapBuffer` or `{ address, byteLength? }` (typed arrays are not shared).
   * @param k From 1 to min(1024, rows).
   * @param options Metric, stride, rows.
   * @returns The same ids and scores as `vectors.topK(query, matrix, k, options)`.
   * @throws {TypeError} If `matrix` is a typed array, or on any argument `vectors.topK` rejects.
   *
   * @example
   * ```ts
   * import { heap, ParallelSearch, vectors } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using rows = heap.alloc(4 * 3 * 100, { align: 64 });
   * rows.f32().forEach((_, i, a) => (a[i] = Math.cos(i)));
   * await using pool = new ParallelSearch({ workers: 2 });
   * const q = new Float32Array([1, 0, -1]);
   * assert.deepEqual(await pool.topK(q, rows, 3), vectors.topK(q, rows, 3));
   * ```
   */
  topK(query: VectorArray, matrix: MatrixAddress, k: number, options: ScanOptions = {}): Promise<SearchResult> {
    const action = "compute topK in parallel";
    this.#live(action);
    if (ArrayBuffer.isView(matrix)) {
      throw new TypeError(`Cannot ${action}: matrix must be off-heap memory ({ address }), got ${kindOf(matrix)}`);
    }
    const scan = scanOf(action, query, matrix as Matrix, options, query?.length);
    expectK(action, k, scan.rows);
    return this.#run(query, {
      address: scan.address,
      rows: scan.rows,
      stride: scan.stride,
      bytes: ELEMENTS[scan.code].bytes,
      metric: metricName(scan.metric),
      k,
    });
  }

  /**
   * {@linkcode VectorStore.search}, scanned by all Workers: the same ids and scores. The store
   * refuses changes until the promise settles.
   *
   * @example
   * ```ts
   * import { ParallelSearch, VectorStore } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using store = new VectorStore({ dim: 2 });
   * store.addBatch(new Float32Array([1, 0, 0, 1, 1, 1]));
   * await using pool = new ParallelSearch({ workers: 2 });
   * const { ids } = await pool.search(store, new Float32Array([0, 2]), { k: 2 });
   * assert.deepEqual([...ids], [1, 2]);
   * ```
   */
  search(store: VectorStore, query: VectorArray, options: SearchOptions): Promise<SearchResult> {
    const action = "search VectorStore in parallel";
    this.#live(action);
    if (!(store instanceof VectorStore)) throw new TypeError(`Cannot ${action}: store must be a VectorStore, got ${kindOf(store)}`);
    const prepared = prepareSearch(store, query, options?.k);
    if (prepared.k === 0) return Promise.resolve({ ids: new Uint32Array(0), scores: new Float32Array(0) });
    const layout = store.descriptor();
    pinStore(store, 1);
    return this.#run(prepared.query, {
      address: layout.address,
      rows: layout.rows,
      stride: layout.stride,
      bytes: ELEMENTS.find((element) => element.name === layout.type)!.bytes,
      metric: layout.metric,
      k: prepared.k,
    }).then((result) => finishSearch(store, result, prepared.scale)).finally(() => pinStore(store, -1));
  }

  /**
   * Stops the Workers; pending searches reject. Calling it again does nothing.
   *
   * @example
   * ```ts
   * import { ParallelSearch } from "@offheap/offheap";
   * const pool = new ParallelSearch({ workers: 1 });
   * await pool.close();
   * await pool.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ready.catch(() => {});
    this.#failAll(new Error("Cannot search: the ParallelSearch was closed"));
    for (const worker of this.#workers) worker.terminate();
  }

  /** Closes the pool at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * The first `k` of the union of slice results, ordered as the native top-k orders them: better
 * score first by the metric's direction, equal scores (−0 = +0) by lower id, NaN last.
 */
export function merge(replies: readonly SliceReply[], k: number, largerIsBetter: boolean): SearchResult {
  const candidates: { id: number; score: number }[] = [];
  for (const reply of replies) {
    for (let index = 0; index < reply.ids!.length; index++) {
      candidates.push({ id: reply.ids![index], score: reply.scores![index] });
    }
  }
  const direction = largerIsBetter ? -1 : 1;
  candidates.sort((x, y) => {
    const xNan = Number.isNaN(x.score);
    const yNan = Number.isNaN(y.score);
    if (xNan || yNan) return xNan === yNan ? x.id - y.id : xNan ? 1 : -1;
    if (x.score !== y.score) return x.score < y.score ? -direction : direction;
    return x.id - y.id;
  });
  const taken = Math.min(k, candidates.length);
  const ids = new Uint32Array(taken);
  const scores = new Float32Array(taken);
  for (let index = 0; index < taken; index++) {
    ids[index] = candidates[index].id;
    scores[index] = candidates[index].score;
  }
  return { ids, scores };
}
