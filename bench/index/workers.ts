/**
 * The main-thread side of the index suite's Workers (bench/index/index_worker.ts): the VexFS-style
 * mix run by 1 and by 2 Workers at once on one shared index, whose per-operation statistics come
 * back through shared memory and become the case's facts.
 *
 * @module
 */
import type { Offheap } from "../lib/offheap.ts";
import { BenchWorker } from "../workers/client.ts";
import type { VectorIndexLike } from "./contract.ts";
import type { Dataset } from "./datasets.ts";
import { type IndexRequest, type MixCounts, OPERATIONS, STAT, STAT_FIELDS } from "./worker_protocol.ts";

const WORKER_URL = new URL("./index_worker.ts", import.meta.url);
/** Searches per Worker in one timed round. */
export const ROUND_SEARCHES = 200;

async function startWorkers(offheap: Offheap, index: VectorIndexLike, data: Dataset, count: number) {
  const path = offheap.loadLibrary().path;
  const descriptor = index.share!();
  const workers = Array.from({ length: count }, () => new BenchWorker<IndexRequest>(WORKER_URL));
  try {
    await Promise.all(workers.map((worker) => worker.request({ op: "init", path, descriptor, spec: data.spec })));
  } catch (error) {
    // A Worker that failed to start (or whose sibling did) would keep the process alive after the
    // suite reports the failure: end them all.
    for (const worker of workers) worker.terminate();
    throw error;
  }
  return workers;
}

async function stopWorkers(workers: BenchWorker<IndexRequest>[]): Promise<void> {
  await Promise.all(workers.map((worker) => worker.request({ op: "close" }).catch(() => 0)));
  for (const worker of workers) worker.terminate();
}

/** Two Workers on one shared index, ready to run the mix and search rounds. */
export interface MixFixture {
  workers: BenchWorker<IndexRequest>[];
  counts: MixCounts;
  /** Runs {@linkcode ROUND_SEARCHES} searches in each of the first `workers` Workers at once. */
  searchRound(workers: number): Promise<void>;
}

/** Starts the two Workers of the mix on `index` (the suite's one-thread build of `data`). */
export async function startMix(offheap: Offheap, index: VectorIndexLike, data: Dataset, full: boolean) {
  const workers = await startWorkers(offheap, index, data, 2);
  const scale = full ? 4 : 1;
  const counts: MixCounts = { insert: 300 * scale, batches: 10 * scale, search: 500 * scale, metadata: 4096 * scale };
  let round = 0;
  const searchRound = async (count: number) => {
    const counts: MixCounts = { insert: 0, batches: 0, search: ROUND_SEARCHES, metadata: 0 };
    const stats = new SharedArrayBuffer(OPERATIONS.length * STAT_FIELDS * 8);
    round++;
    const errors = await Promise.all(
      workers.slice(0, count).map((worker, i) =>
        worker.request({ op: "mix", worker: 100 + round * 2 + i, counts, stats })
      ),
    );
    if (errors.some((count) => count !== 0)) throw new Error(`a search round had ${errors} errors`);
  };
  return { workers, counts, searchRound } satisfies MixFixture;
}

/**
 * Runs the mix in the first `count` Workers at once (each on ids of its own); returns the facts:
 * per operation, operations per second across the Workers, the slowest Worker's latency percentiles,
 * and the errors.
 */
export async function runMix(mix: MixFixture, count: number): Promise<Record<string, number>> {
  const blocks = Array.from({ length: count }, () => new SharedArrayBuffer(OPERATIONS.length * STAT_FIELDS * 8));
  const started = performance.now();
  await Promise.all(
    mix.workers.slice(0, count).map((worker, i) =>
      worker.request({ op: "mix", worker: count * 10 + i, counts: mix.counts, stats: blocks[i] })
    ),
  );
  const wallMs = performance.now() - started;
  const facts: Record<string, number> = { "mix wall ms": wallMs };
  OPERATIONS.forEach((operation, op) => {
    const rows = blocks.map((block) => new Float64Array(block, op * STAT_FIELDS * 8, STAT_FIELDS));
    const done = rows.reduce((sum, row) => sum + row[STAT.count], 0);
    if (done === 0) return; // Not run: `get` where the index has none.
    // Each Worker's rate over its own time on this operation; the Workers ran at once, so they add up.
    const rate = rows.reduce((sum, row) => sum + row[STAT.count] * row[STAT.itemsPerOp] / (row[STAT.wallMs] / 1000), 0);
    const worst = (field: number) => Math.max(...rows.map((row) => row[field]));
    facts[`ops/s ${operation}`] = rate;
    facts[`p50 ns ${operation}`] = worst(STAT.p50Ns);
    facts[`p95 ns ${operation}`] = worst(STAT.p95Ns);
    facts[`p99 ns ${operation}`] = worst(STAT.p99Ns);
    facts[`errors ${operation}`] = rows.reduce((sum, row) => sum + row[STAT.errors], 0);
    facts[`count ${operation}`] = done;
  });
  return facts;
}

/** Closes and ends the mix's Workers. */
export async function stopMix(mix: MixFixture): Promise<void> {
  await stopWorkers(mix.workers);
}
