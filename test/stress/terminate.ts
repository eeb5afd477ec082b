/**
 * Terminates Workers in the middle of allocating, `--times` times (default 20): each Worker loops
 * on alloc, fill, check and free, and is terminated once it has made progress, wherever it is. The
 * process must neither hang nor crash, later allocations must work, and the heaps the Workers left
 * must be adopted rather than piling up. Prints `terminate: ok` and exits 0.
 *
 * @module
 */
import { collectThreadHeaps, heap, loadLibrary, threadHeapStats } from "../../mod.ts";
import { TestWorker } from "../workers/worker_client.ts";
import { exit, numericOptions, scriptArguments, write } from "../workers/runtime.ts";

const options = numericOptions(scriptArguments(), { times: 20, workers: 2, progress: 2000 });
loadLibrary();
const counters = new Int32Array(new SharedArrayBuffer(4 * options.workers));

async function madeProgress(index: number): Promise<void> {
  // Waits for progress, not for time: Atomics.waitAsync would need a notify, so poll politely.
  for (let polls = 0; Atomics.load(counters, index) < options.progress; polls++) {
    if (polls > 600_000) throw new Error(`Worker ${index} made no progress`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

for (let time = 0; time < options.times; time++) {
  counters.fill(0);
  const workers = Array.from({ length: options.workers }, () => new TestWorker());
  workers.forEach((worker, index) =>
    void worker.send({ op: "spin", progress: counters.buffer as SharedArrayBuffer, index })
  );
  for (let index = 0; index < workers.length; index++) await madeProgress(index);
  for (const worker of workers) worker.terminate();
}
// The main thread still allocates, frees and collects normally.
for (let index = 0; index < 10_000; index++) heap.freeRaw(heap.allocRaw(16 + (index % 5000)));
collectThreadHeaps();
const threads = threadHeapStats();
write(`heaps ${threads.heaps}, adoptions ${threads.adoptions}, reclaimed dead ${threads.reclaimedDead}\n`);
const bounded = threads.heaps <= options.times * options.workers;
write(bounded ? "terminate: ok\n" : "terminate: FAILED (no heap was adopted)\n");
exit(bounded ? 0 : 1);
