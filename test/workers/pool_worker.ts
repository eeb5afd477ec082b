/**
 * The Worker of test/pool_workers.test.ts: opens a shared pool from its descriptor, then either
 * frees the blocks it is given (counting successes and DOUBLE_FREE refusals, after checking each
 * block's pattern) or allocates blocks and fills them with a pattern for the main thread to check.
 *
 * @module
 */
import { OffheapError, Pool, type PoolDescriptor } from "../../mod.ts";

/** The command the test posts. */
export interface PoolWorkerCommand {
  descriptor: PoolDescriptor;
  /** Blocks to free (their first byte must be `index & 0xff`), if any. */
  free: number[];
  /** Blocks to allocate and fill with `index & 0xff` (and a churn of alloc+free pairs before). */
  alloc: number;
  churn: number;
}

/** What the Worker reports. */
export interface PoolWorkerReport {
  freed: number;
  doubleFrees: number;
  badPatterns: number;
  allocated: number[];
  error?: string;
}

const self = globalThis as unknown as {
  onmessage: (event: MessageEvent<PoolWorkerCommand>) => void;
  postMessage(message: PoolWorkerReport): void;
};

self.onmessage = (event) => {
  const command = event.data;
  const report: PoolWorkerReport = { freed: 0, doubleFrees: 0, badPatterns: 0, allocated: [] };
  try {
    const pool = Pool.open(command.descriptor);
    command.free.forEach((address, index) => {
      if (pool.view(address)[0] !== (index & 0xff)) report.badPatterns += 1;
      try {
        pool.free(address);
        report.freed += 1;
      } catch (error) {
        if (error instanceof OffheapError && error.code === "DOUBLE_FREE") report.doubleFrees += 1;
        else throw error;
      }
    });
    for (let i = 0; i < command.churn; i++) pool.free(pool.alloc());
    for (let index = 0; index < command.alloc; index++) {
      const address = pool.alloc();
      pool.view(address).fill(index & 0xff);
      report.allocated.push(address);
    }
    pool.free();
  } catch (error) {
    report.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  self.postMessage(report);
};
