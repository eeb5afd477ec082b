/**
 * The churn bound: creates and terminates `--workers` Workers (default 200), `--concurrency` at a
 * time, each allocating `--mib` MiB (default 16) in random sizes across every tier, freeing half
 * itself and handing the other half to the main thread, which checks and frees it (cross-thread
 * frees into a heap whose Worker is ending). RSS, sampled after every round, must stay within twice
 * the peak of the first round, and no freed region may stay mapped for views of ended Workers once
 * `heap.trim()` has swept their pins. Each sample follows a full garbage collection, so it measures
 * memory still in use, not JS garbage such as dead Worker heaps (in Deno that needs `--expose-gc`,
 * as below).
 * Prints `churn: ok` or `churn: FAILED` and exits 0 or 1.
 *
 *   deno run -A --v8-flags=--expose-gc test/stress/churn.ts --workers 200 --concurrency 4 --mib 16
 *
 * @module
 */
import { heap, loadLibrary, threadHeapStats } from "../../mod.ts";
import { intact } from "../workers/pattern.ts";
import { sweepEndedPins } from "./sweep.ts";
import { liveBytesOf } from "../heap_totals.ts";
import { TestWorker } from "../workers/worker_client.ts";
import { collectGarbage, exit, numericOptions, residentBytes, runtimeName, scriptArguments, write } from "../workers/runtime.ts";

const options = numericOptions(scriptArguments(), { workers: 200, concurrency: 4, mib: 16 });
const MIB = 1024 * 1024;
loadLibrary();

/** RSS after a full GC: the bound is about memory in use, and garbage is collected at its own pace. */
function residentInUse(): number {
  collectGarbage();
  return residentBytes();
}

async function round(index: number): Promise<number> {
  const workers = Array.from({ length: options.concurrency }, () => new TestWorker());
  const handed = await Promise.all(
    workers.map((worker, id) => worker.blocks({ op: "churn", bytes: options.mib * MIB, seed: index * 100 + id + 1 })),
  );
  const peak = residentInUse();
  for (const worker of workers) worker.terminate();
  let corrupt = 0;
  for (const block of handed.flat()) {
    if (!intact(block.address, block.size)) corrupt++;
    heap.freeRaw(block.address);
  }
  if (corrupt > 0) throw new Error(`round ${index}: ${corrupt} corrupted blocks`);
  return Math.max(peak, residentInUse());
}

const rounds = Math.ceil(options.workers / options.concurrency);
const firstPeak = await round(0);
let worst = firstPeak;
for (let index = 1; index < rounds; index++) worst = Math.max(worst, await round(index));
// Its trim() also collects the heaps of ended Workers.
const pinned = await sweepEndedPins(10_000);
const threads = threadHeapStats();
const live = liveBytesOf(heap.stats());
write(
  `${runtimeName}: ${rounds * options.concurrency} Workers, first-round peak ${(firstPeak / MIB).toFixed(0)} MiB, ` +
    `worst ${(worst / MIB).toFixed(0)} MiB (${(worst / firstPeak).toFixed(2)}x), heaps ${threads.heaps}, ` +
    `adoptions ${threads.adoptions}, live ${live} bytes, pins of ended Workers dropped ${threads.pinsDropped}\n`,
);
if (pinned > 0) write(`${(pinned / MIB).toFixed(0)} MiB of freed regions still pinned by views of ended Workers\n`);
const ok = worst <= 2 * firstPeak && live === 0 && pinned === 0;
write(ok ? "churn: ok\n" : "churn: FAILED\n");
exit(ok ? 0 : 1);
