/**
 * The stress runner, in the spirit of mimalloc's test/test-stress.c:
 *
 *   npm run stress -- --workers 8 --ops 1000000 --rounds 10
 *   deno run -A test/stress/stress.ts --workers 4 --ops 200000 --rounds 2     (or: bun test/stress/stress.ts ...)
 *
 * Each round starts `workers` Workers that run `ops` steps each (stress_worker.ts), then terminates
 * them; between rounds the main thread frees half the transfer slots (cross-thread frees into the
 * heaps of ended Workers) while the other half survive into the next round. At the end it checks:
 * no corrupted block, no failed free, counters balanced (allocs - frees = live blocks, zero after
 * the final frees), no freed region still mapped for views of ended Workers once their threads
 * have exited, and offheap's own resident memory (`heap.residentBytes()`) within the budget after
 * trim. The process RSS is printed for information only: after many Worker lifecycles it is
 * mostly the runtime's own retention, not offheap's. Prints a progress line (a live one on a
 * terminal), then `stress: ok` or `stress: FAILED`, and exits 0 or 1.
 *
 * @module
 */
import { heap, loadLibrary, threadHeapStats } from "../../mod.ts";
import { type Block, TransferSlots } from "../workers/slots.ts";
import { intact } from "../workers/pattern.ts";
import { sweepEndedPins } from "./sweep.ts";
import type { StressResult, StressTask } from "./stress_worker.ts";
import {
  exit,
  numericOptions,
  residentBytes,
  runtimeName,
  scriptArguments,
  startWorker,
  stdoutIsTerminal,
  trimRuntimeMalloc,
  write,
} from "../workers/runtime.ts";

const options = numericOptions(scriptArguments(), {
  workers: 8,
  ops: 1_000_000,
  rounds: 10,
  slots: 1000,
  seed: 1,
  /** MiB of offheap's own memory that may stay resident after trim: the region cache budget plus slack. */
  "rss-budget-mib": 128,
});

// The loading rule: the main thread opens the library before any Worker starts.
loadLibrary();
const problems: string[] = [];
const slots = new TransferSlots(options.slots);
const progress = new SharedArrayBuffer(4 * options.workers);
const MIB = 1024 * 1024;

function liveCounts(): { blocks: number; bytes: number } {
  const tiers = Object.values(heap.stats().tiers);
  return {
    blocks: tiers.reduce((sum, tier) => sum + tier.allocs - tier.frees, 0),
    bytes: tiers.reduce((sum, tier) => sum + tier.liveBytes, 0),
  };
}

function freeChecked(blocks: Block[]): void {
  for (const block of blocks) {
    if (!intact(block.address, block.size)) problems.push(`block ${block.address} (${block.size}) corrupted in a slot`);
    heap.freeRaw(block.address);
  }
}

function report(started: number, done: number, final: boolean): void {
  const seconds = (performance.now() - started) / 1000;
  const line =
    `${runtimeName} ${done.toLocaleString("en")} ops  ${Math.round(done / seconds).toLocaleString("en")} ops/s  ` +
    `live ${(liveCounts().bytes / MIB).toFixed(1)} MiB  rss ${(residentBytes() / MIB).toFixed(0)} MiB`;
  if (stdoutIsTerminal()) write(`\r${line}   ${final ? "\n" : ""}`);
  else write(`${line}\n`);
}

async function runRound(round: number): Promise<StressResult[]> {
  const url = new URL("./stress_worker.ts", import.meta.url);
  const workers = Array.from({ length: options.workers }, () => startWorker(url));
  const results = workers.map((worker, id) =>
    new Promise<StressResult>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<StressResult>) => resolve(event.data);
      worker.onerror = (event: Event) => reject(new Error(`Worker ${id}: ${(event as ErrorEvent).message}`));
      const seed = options.seed * 7919 + round * 1000 + id;
      const task: StressTask = { id, seed, ops: options.ops, slots: slots.memory, progress, release: id % 2 === 0 };
      worker.postMessage(task);
    })
  );
  try {
    return await Promise.all(results);
  } finally {
    for (const worker of workers) worker.terminate();
  }
}

function checkResults(results: StressResult[]): void {
  for (const result of results) {
    if (result.corrupt > 0) problems.push(`Worker ${result.id}: ${result.corrupt} corrupted blocks`);
    for (const failure of result.failures) problems.push(`Worker ${result.id}: ${failure}`);
  }
}

async function main(): Promise<void> {
  await trimRuntimeMalloc();
  const baseline = { live: liveCounts(), rss: residentBytes() };
  const started = performance.now();
  let completed = 0;
  const counters = new Int32Array(progress);
  const ticker = setInterval(() => {
    const running = counters.reduce((sum, value) => sum + value, 0);
    report(started, completed + running, false);
  }, stdoutIsTerminal() ? 250 : 2000);
  try {
    for (let round = 0; round < options.rounds; round++) {
      checkResults(await runRound(round));
      completed += options.workers * options.ops;
      counters.fill(0);
      freeChecked(slots.drain((index) => index % 2 === round % 2));
    }
  } finally {
    clearInterval(ticker);
  }
  report(started, completed, true);
  freeChecked(slots.drain());
  await finalChecks(baseline);
}

async function finalChecks(baseline: { live: { blocks: number; bytes: number }; rss: number }): Promise<void> {
  const live = liveCounts();
  if (live.blocks !== baseline.live.blocks) {
    problems.push(`unbalanced: ${live.blocks - baseline.live.blocks} blocks live`);
  }
  if (live.bytes !== baseline.live.bytes) problems.push(`unbalanced: ${live.bytes - baseline.live.bytes} bytes live`);
  // trim() collects the heaps of ended Workers and drops the pins of their views (once their threads
  // have exited) before unmapping the region cache; every block is freed, so nothing may stay mapped.
  const pinned = await sweepEndedPins(10_000);
  if (pinned > 0) problems.push(`${(pinned / MIB).toFixed(1)} MiB of freed regions still pinned by views of ended Workers`);
  await trimRuntimeMalloc();
  const offheapResident = heap.residentBytes();
  const rss = residentBytes();
  const budget = options["rss-budget-mib"] * MIB;
  if (offheapResident > budget) {
    problems.push(
      `offheap resident ${(offheapResident / MIB).toFixed(1)} MiB after trim exceeds the budget ${budget / MIB} MiB`,
    );
  }
  const threads = threadHeapStats();
  write(
    `heaps ${threads.heaps} (adoptions ${threads.adoptions}, reclaimed dead ${threads.reclaimedDead}), ` +
      `pins of ended Workers dropped ${threads.pinsDropped}\n`,
  );
  write(
    `after trim: offheap resident ${(offheapResident / MIB).toFixed(2)} MiB (budget ${budget / MIB} MiB); ` +
      `process rss ${(rss / MIB).toFixed(0)} MiB (baseline ${(baseline.rss / MIB).toFixed(0)} MiB), ` +
      `the rest is the runtime's\n`,
  );
  if (problems.length === 0) {
    write("stress: ok\n");
    exit(0);
  }
  write(`stress: FAILED\n${problems.slice(0, 20).join("\n")}\n`);
  exit(1);
}

await main();
