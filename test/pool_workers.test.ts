/**
 * A Pool shared by Workers (`pool.share()` / `Pool.open()`): blocks allocated in one thread are
 * freed in another, two Workers freeing the same blocks at once succeed exactly once per block
 * (the state byte's compare-and-swap), and the last owner's `free()` releases the pool.
 *
 * @module
 */
import assert from "node:assert/strict";
import { OffheapError, Pool } from "../mod.ts";
import type { PoolWorkerCommand, PoolWorkerReport } from "./workers/pool_worker.ts";
import { runWorkerOnce } from "./workers/runtime.ts";
import { test } from "./harness.ts";

function runWorker(command: PoolWorkerCommand): Promise<PoolWorkerReport> {
  return runWorkerOnce(new URL("./workers/pool_worker.ts", import.meta.url), command);
}

function filledBlocks(pool: Pool, count: number): number[] {
  return Array.from({ length: count }, (_, index) => {
    const address = pool.alloc();
    pool.view(address).fill(index & 0xff);
    return address;
  });
}

test("blocks cross Workers both ways: allocated here, freed there, and back", async () => {
  const pool = new Pool({ blockSize: 1024, capacity: 16 });
  const descriptor = pool.share();
  const blocks = filledBlocks(pool, 500);
  const report = await runWorker({ descriptor, free: blocks, alloc: 300, churn: 10_000 });
  assert.equal(report.error, undefined);
  assert.equal(report.freed, 500);
  assert.equal(report.badPatterns, 0);
  assert.equal(report.allocated.length, 300);
  report.allocated.forEach((address, index) => {
    assert.equal(pool.view(address)[0], index & 0xff);
    pool.free(address);
  });
  const stats = pool.stats();
  assert.equal(stats.blocksLive, 0);
  assert.equal(stats.handles, 1);
  assert.equal(stats.allocs, stats.frees);
  pool.free();
  assert.throws(() => Pool.open(descriptor), (e) => e instanceof OffheapError && e.code === "NOT_OWNED");
}, { timeoutMs: 120_000 });

test("two Workers freeing the same 2000 blocks at once: each block is freed exactly once", async () => {
  using pool = new Pool({ blockSize: 64 });
  const blocks = filledBlocks(pool, 2000);
  const descriptor = pool.share();
  const reports = await Promise.all([0, 1].map(() => runWorker({ descriptor, free: blocks, alloc: 0, churn: 0 })));
  for (const report of reports) assert.equal(report.error, undefined);
  assert.equal(reports[0].freed + reports[1].freed, 2000);
  assert.equal(reports[0].doubleFrees + reports[1].doubleFrees, 2000);
  assert.equal(pool.stats().blocksLive, 0);
  // The blocks came back to the pool: this thread can allocate them all again.
  const again = Array.from({ length: 2000 }, () => pool.alloc());
  assert.equal(new Set(again).size, 2000);
  for (const address of again) pool.free(address);
}, { timeoutMs: 120_000 });
