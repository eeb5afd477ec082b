/**
 * The workers suite (issue 4, "Benchmarks"): how offheap's allocator scales across Worker threads
 * and what a free from another Worker costs, against the C allocators called through FFI from the
 * same Workers.
 *
 * - **churn** (alloc/free throughput): each Worker keeps a window of {@linkcode WINDOW} live blocks
 *   and does {@linkcode PAIRS} free+alloc pairs per iteration (1 KiB, 16 KiB, or sizes drawn
 *   log-uniformly from 16 B–64 KiB by a seeded PRNG). Each allocator runs it in 2 Workers at once
 *   and in 1 Worker doing the same per-Worker work. With perfect scaling both take the same time:
 *   scaling = 2 × t(1 Worker) / t(2 Workers), from the medians of this run, is added to the case
 *   facts as "scaling <allocator>" and printed as a note once the suite has run. Issue 4's targets
 *   for offheap: ≥ 1.8× on Bun, ≥ 1.6× on Deno; glibc and jemalloc reach 1.95–1.98× here.
 * - **cross-free**: a producer Worker allocates {@linkcode CROSS_BLOCKS} blocks and hands their
 *   addresses through a SharedArrayBuffer ring to a consumer Worker that frees them (so every free
 *   is a remote free), against the same allocations and frees done in one Worker. The pair runs on
 *   two threads at once, so its time is the slower of the two ends, not their sum.
 *
 * The two Workers (bench/workers/bench_worker.ts) start in `cases()` and stay alive until `dispose()`;
 * the main thread loads liboffheap and the C allocators before starting them (DESIGN.md §3), and
 * each Worker runs every churn once before measuring, so the first subject measured (offheap's)
 * does not pay for compiling and first-touching a fresh thread (it showed as 0.78× scaling in Bun).
 * Each timed call includes one message round trip per Worker (tens of microseconds), a few percent
 * of an iteration.
 *
 * @module
 */
import { formatBytes } from "../lib/format.ts";
import { loadOffheap } from "../lib/offheap.ts";
import { type Case, OFFHEAP, type Subject, type Suite, type SuiteContext } from "../lib/suite.ts";
import { openNativeAllocators } from "../baselines/native.ts";
import { mixPlan } from "../baselines/patterns.ts";
import { BenchWorker as Client } from "../workers/client.ts";
import { OFFHEAP_ALLOCATOR, type Request, type Ring } from "../workers/bench_protocol.ts";

const KiB = 1024;
/** Live blocks each churning Worker keeps. */
export const WINDOW = 100;
/** Free+alloc pairs per Worker per iteration of a churn case (twice as many operations). */
export const PAIRS = 500_000;
/** Blocks a cross-free iteration allocates and frees. */
export const CROSS_BLOCKS = 200_000;
/** Address slots in the producer/consumer ring. */
const RING_CAPACITY = 4096;
/** The producer publishes (and the same-thread loop frees) every this many blocks. */
const BATCH = 256;

/** A size workload: sizes cycled through in order (a power-of-two count). */
interface Workload {
  name: string;
  label: string;
  sizes: number[];
}

const mixed = mixPlan({ count: 4096, minBytes: 16, maxBytes: 64 * KiB, seed: 4 }).sizesBytes;
const workloads: Workload[] = [
  { name: "1 KiB", label: "1 KiB", sizes: [KiB] },
  { name: "16 KiB", label: "16 KiB", sizes: [16 * KiB] },
  { name: "mixed", label: `mixed ${formatBytes(16)}–${formatBytes(64 * KiB)}`, sizes: [...mixed] },
];
/** The workloads of the cross-free cases. */
const crossWorkloads = ["1 KiB", "mixed"];
/** The one case `--quick` runs. */
const QUICK_CASE = "churn 1 KiB";

/** The main-thread end of one bench/workers/bench_worker.ts. */
class BenchWorker extends Client<Request> {
  constructor() {
    super(new URL("../workers/bench_worker.ts", import.meta.url));
  }
}

/** Wall times (ms) of every call of one subject, by case and subject name. */
type Samples = Map<string, number[]>;

/** What the suite holds until {@linkcode Suite.dispose}. */
const owned: {
  workers: BenchWorker[];
  samples: Samples;
  churnCases: { entry: Case; allocators: string[] }[];
  context?: SuiteContext;
} = { workers: [], samples: new Map(), churnCases: [] };

/** Wraps `operation` so that each call's wall time is kept in `samples` under `key`. */
function timed(key: string, operation: () => Promise<unknown>): () => Promise<void> {
  const times: number[] = [];
  owned.samples.set(key, times);
  return async () => {
    const started = performance.now();
    await operation();
    times.push(performance.now() - started);
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The subject names of one allocator in a churn case; offheap's 2-Worker subject is the baseline. */
function churnNames(allocator: string): [two: string, one: string] {
  return allocator === OFFHEAP_ALLOCATOR
    ? [OFFHEAP, `${OFFHEAP} 1 Worker`]
    : [`${allocator} 2 Workers`, `${allocator} 1 Worker`];
}

function churnCase(workload: Workload, allocators: string[], [first, second]: BenchWorker[]): Case {
  const name = `churn ${workload.label}`;
  const subjects: Subject[] = [];
  for (const allocator of allocators) {
    const request: Request = { op: "churn", allocator, workload: workload.name, window: WINDOW, pairs: PAIRS };
    const [two, one] = churnNames(allocator);
    subjects.push(
      { name: two, fn: timed(`${name}/${two}`, () => Promise.all([first.request(request), second.request(request)])) },
      { name: one, fn: timed(`${name}/${one}`, () => first.request(request)) },
    );
  }
  const facts = { window: WINDOW, pairsPerWorker: PAIRS, opsPerWorker: 2 * PAIRS };
  const entry: Case = { name, chart: "churn", label: workload.label, quick: name === QUICK_CASE, subjects, facts };
  owned.churnCases.push({ entry, allocators });
  return entry;
}

function crossCase(workload: Workload, allocators: string[], [producer, consumer]: BenchWorker[]): Case {
  const ring: Ring = {
    slots: new SharedArrayBuffer(RING_CAPACITY * 8),
    control: new SharedArrayBuffer(8),
    capacity: RING_CAPACITY,
    batch: BATCH,
  };
  const control = new Int32Array(ring.control);
  const count = CROSS_BLOCKS;
  const name = `cross-free ${workload.label}`;
  const subjects: Subject[] = [];
  for (const allocator of allocators) {
    const cross = allocator === OFFHEAP_ALLOCATOR ? OFFHEAP : `${allocator} cross-Worker`;
    const local = `${allocator} same-thread`;
    const produce: Request = { op: "produce", allocator, workload: workload.name, count, ring };
    const consume: Request = { op: "consume", allocator, count, ring };
    subjects.push(
      {
        name: cross,
        fn: timed(`${name}/${cross}`, async () => {
          control.fill(0);
          const [, freed] = await Promise.all([producer.request(produce), consumer.request(consume)]);
          if (freed !== count) throw new Error(`${name}: the consumer freed ${freed} of ${count} blocks`);
        }),
      },
      {
        name: local,
        fn: timed(`${name}/${local}`, async () => {
          const freed = await producer.request({
            op: "local",
            allocator,
            workload: workload.name,
            count,
            batch: BATCH,
          });
          if (freed !== count) throw new Error(`${name}: freed ${freed} of ${count} blocks`);
        }),
      },
    );
  }
  const facts = { blocks: count, ringSlots: RING_CAPACITY, batch: BATCH };
  return { name, chart: "crossfree", label: workload.label, quick: false, subjects, facts };
}

/** Why this runtime cannot run the suite, or undefined when it can. */
function missingApi(): string | undefined {
  if (typeof Worker !== "function") return "this runtime has no Worker";
  if (typeof SharedArrayBuffer !== "function") return "this runtime has no SharedArrayBuffer";
  if (typeof Atomics?.wait !== "function" || typeof Atomics.notify !== "function") {
    return "this runtime has no Atomics.wait/notify";
  }
  return undefined;
}

/**
 * Adds "scaling <allocator>" facts to the churn cases that ran, and prints them as one note. It runs
 * in `dispose()`, after measuring: the runner keeps each case's `facts` object by reference in its
 * results, so facts added here still reach the results file (the Suite interface has no hook that
 * sees mitata's statistics, so the medians come from the wall times `timed` kept of the same calls).
 */
function reportScaling(): void {
  const parts: string[] = [];
  for (const { entry, allocators } of owned.churnCases) {
    const figures: string[] = [];
    for (const allocator of allocators) {
      const [two, one] = churnNames(allocator).map((subject) => owned.samples.get(`${entry.name}/${subject}`) ?? []);
      if (two.length === 0 || one.length === 0) continue;
      const scaling = Math.round((200 * median(one)) / median(two)) / 100;
      entry.facts![`scaling ${allocator}`] = scaling;
      figures.push(`${allocator} ${scaling.toFixed(2)}×`);
    }
    if (figures.length > 0) parts.push(`${entry.label}: ${figures.join(", ")}`);
  }
  if (parts.length > 0) {
    owned.context?.note(`workers: 2-Worker scaling, 2 × t(1 Worker) / t(2 Workers) from medians: ${parts.join("; ")}`);
  }
}

const suite: Suite = {
  name: "workers",
  measures: `alloc/free throughput of 1 and 2 Workers (${WINDOW} live blocks, ${PAIRS / 1000}k pairs per Worker) ` +
    "and cross-Worker free through a SharedArrayBuffer ring against same-thread free, offheap against C " +
    "allocators through FFI",
  charts: {
    churn: {
      title: `alloc/free churn, ${WINDOW} live blocks, ${PAIRS / 1000}k free+alloc pairs per Worker, 2 Workers vs 1`,
      categoryAxis: "block size",
    },
    crossfree: {
      title: `${CROSS_BLOCKS / 1000}k blocks allocated in one Worker and freed in another, vs in one Worker`,
      categoryAxis: "block size",
    },
  },
  async cases(context) {
    const missing = missingApi();
    if (missing) return missing;
    const offheap = await loadOffheap();
    if (typeof offheap === "string") return offheap;
    owned.context = context;
    // The main thread opens every library before any Worker does (DESIGN.md §3, src/ffi/load.ts).
    const { path } = offheap.loadLibrary();
    const natives = (await openNativeAllocators(context.note)).map((allocator) => allocator.name);
    const allocators = [OFFHEAP_ALLOCATOR, ...natives];
    if ((globalThis.navigator?.hardwareConcurrency ?? 2) < 2) {
      context.note("workers: this machine has one CPU, so 2 Workers cannot scale");
    }
    owned.workers = [new BenchWorker(), new BenchWorker()];
    const selected = context.quick
      ? workloads.filter((workload) => `churn ${workload.label}` === QUICK_CASE)
      : workloads;
    await Promise.all(owned.workers.map(async (worker) => {
      await worker.request({ op: "init", path, natives });
      for (const workload of selected) {
        await worker.request({ op: "sizes", workload: workload.name, sizes: workload.sizes });
        // One warm-up round per allocator: compiles the Worker's loops and touches each heap's
        // memory, so the first subject measured (offheap's) does not pay for a fresh thread.
        for (const allocator of allocators) {
          await worker.request({ op: "churn", allocator, workload: workload.name, window: WINDOW, pairs: PAIRS });
        }
      }
    }));
    const cases = selected.map((workload) => churnCase(workload, allocators, owned.workers));
    for (const workload of selected.filter((entry) => crossWorkloads.includes(entry.name))) {
      cases.push(crossCase(workload, allocators, owned.workers));
    }
    return cases;
  },
  // deno-lint-ignore require-await
  async dispose() {
    reportScaling();
    for (const worker of owned.workers.splice(0)) worker.terminate();
    owned.samples.clear();
    owned.churnCases = [];
  },
};

export default suite;
