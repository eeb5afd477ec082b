/**
 * The cache suite (issue 11, "Benchmarks"): offheap's `Cache` against lru-cache (the most used JS
 * cache, pinned in package.json) and a plain `Map`, in the same run.
 *
 * - **GC relief** (chart "gc"): 1M entries of 1 KiB values under "key:" + i keys, each contender in
 *   a child process of its own (bench/baselines/cache_child.ts), so each has a fresh heap: the
 *   child fills its cache, collects garbage twice and reports its JS heap used, external memory and
 *   RSS (facts `jsHeapBytes <subject>`, …); then mitata samples one full GC (`gc()`, Deno started
 *   with `--v8-flags=--expose-gc`; `Bun.gc(true)`) and one loop that makes 3M `{ a: i }` objects
 *   and keeps them until it ends (after an untimed full GC), each timed inside the child and handed
 *   to mitata as a manual sample. "empty heap" is the same child holding nothing. The offheap child
 *   also reports what each entry costs beyond its key and value bytes: from the native memory the
 *   cache holds (`nativeBytesPerEntry`, its `stats().memoryBytes`), from the growth of the process's
 *   resident memory, and from the cache's own byte count.
 * - **Latency** (charts "latency1M", "latency10k"): one `getInto` hit, `get` hit, `get` miss and
 *   `set` (an overwrite with one of two values made beforehand), and per key of a `getManyInto` of
 *   64 keys, against lru-cache's and Map's
 *   `get`/`set`, at 1M and 10k entries of 1 KiB, string and integer keys, looked up in a seeded
 *   random order with fresh key objects. Each sample is the mean of a batch of about 5 ms, timed in
 *   the contender's child process (the 1M string-key children are the GC-relief ones). Beside the
 *   `getInto` cases at 1M entries, two floors: "one memory read" times a dependent read from memory
 *   in no CPU cache (a pointer chase over 256 MiB), and "index + entry read" the memory work every
 *   hit at that size must do (a random line of an 8 MiB index, then all 16 lines of the 1 KiB entry
 *   it names, in 256 MiB), in plain JavaScript with no hashing, locking or copying.
 * - **Hit rate** (chart "hitrate", a fact chart): each policy on the ARC paper's P3 trace (when
 *   ../shared/data/cache-traces/P3.lis.gz is there) and on a seeded Zipf(0.99) workload (1M
 *   requests over 100k keys), with 1% and 10% of the distinct keys as the capacity (`maxEntries`,
 *   and the `maxBytes` of that many entries), one shard, 1-byte values, plus the adaptive policy with
 *   only `maxEntries` bounding it; lru-cache with the same `max` is the reference LRU. Facts
 *   `hit rate <subject>`; mitata times replaying the next 16k requests on the warm cache.
 * - **Workers** (chart "workers"): 200k `getInto` per Worker on one cache of 100k × 1 KiB with 16
 *   shards, shared with `share()`/`Cache.open`, by 1 Worker and by 2 at once; each Worker's own
 *   lru-cache copy of the entries is the baseline. Scaling = 2 × t(1 Worker) / t(2 Workers).
 *
 * By default the suite runs what the targets need (70–80 s per runtime on the 2-core test
 * machine): the four 1M string-key latency cases, `getInto` and `getManyInto` at 1M integer keys,
 * `getInto` at 10k string keys, and the entry-bound adaptive variant on Zipf only. `--full` adds
 * the other latency sizes, key kinds and operations, the entry-bound variant on P3, and times every policy's replay.
 * `--quick` runs one case: `getInto` hit at 10k string keys. Everything is built lazily when its
 * first case runs (mitata's generator benchmarks), so a `--filter` builds only what it selects.
 * The targets are judged in the report's findings (bench/report/cache_findings.ts).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { LRUCache } from "lru-cache";
import { BenchChild } from "../lib/child.ts";
import { LOOKUP_FLOOR, MEMORY_READ } from "../baselines/memory_latency.ts";
import { loadOffheap } from "../lib/offheap.ts";
import { type Case, OFFHEAP, type Subject, type Suite, type SuiteContext } from "../lib/suite.ts";
import {
  type CacheChoice,
  type CacheClass,
  cacheClass,
  type CachePolicy,
  type Contender,
  fillStore,
  type Key,
  type KeyKind,
  type OffheapCache,
  offheapCache,
} from "../baselines/caches.ts";
import {
  loadP3,
  P3_CITATION,
  P3_LRU_REFERENCE,
  P3_PATH,
  replayLru,
  replayOffheap,
  type Workload,
  zipfWorkload,
} from "../baselines/cache_workloads.ts";
import { BenchWorker } from "../workers/client.ts";
import { collectGarbage } from "../../test/workers/runtime.ts";
import type { CacheRequest, WorkerStore } from "../workers/cache_protocol.ts";

const KiB = 1024;
/** Value bytes of the GC-relief, latency and Worker cases. */
export const VALUE_BYTES = KiB;
/** Entries of the GC-relief cases. */
export const GC_ENTRIES = 1_000_000;
/** Objects the allocation loop makes. */
export const LOOP_OBJECTS = 3_000_000;
/** Requests each timed hit-rate replay makes. */
const REPLAY_CHUNK = 1 << 14;
/** The Worker case: entries, shards, and gets per Worker per call. */
export const WORKER_ENTRIES = 100_000;
export const WORKER_SHARDS = 16;
export const WORKER_GETS = 200_000;
/** The one case `--quick` runs. */
const QUICK_CASE = "getInto hit 10k string keys";
const POLICIES: CachePolicy[] = ["adaptive", "lru", "lfu", "fifo"];

function sizeLabel(entries: number): string {
  return entries >= 1e6 ? `${entries / 1e6}M` : `${entries / 1e3}k`;
}

/** What one child process holds. */
interface ChildSpec {
  contender: Contender;
  kind: KeyKind;
  entries: number;
}

/**
 * The child processes, started when a case first needs one and ended once no later case does (the
 * cases are ordered so that the children of one fixture are used together), so that at most one
 * fixture's children hold memory at a time.
 */
class ChildPool {
  readonly #alive = new Map<string, BenchChild>();
  readonly #lastUse = new Map<string, number>();

  #key(spec: ChildSpec): string {
    return `${spec.contender} ${spec.kind} ${spec.entries}`;
  }

  /** Records that the case at `index` uses the child of `spec`. */
  plan(spec: ChildSpec, index: number): void {
    const key = this.#key(spec);
    this.#lastUse.set(key, Math.max(index, this.#lastUse.get(key) ?? -1));
  }

  /** The child of `spec` once it is ready, and its memory facts; ends the children no case from `index` on uses. */
  async open(spec: ChildSpec, index: number): Promise<{ child: BenchChild; facts: Record<string, unknown> }> {
    for (const [key, child] of this.#alive) {
      if ((this.#lastUse.get(key) ?? -1) < index) {
        child.kill();
        this.#alive.delete(key);
      }
    }
    const key = this.#key(spec);
    let child = this.#alive.get(key);
    if (!child) {
      const script = new URL("../baselines/cache_child.ts", import.meta.url);
      const args = [spec.contender, spec.kind, String(spec.entries), String(VALUE_BYTES)];
      child = new BenchChild(script, args, `cache child (${key})`);
      this.#alive.set(key, child);
    }
    const facts = await child.ready;
    const expected = spec.contender === "empty" ? 0 : spec.entries;
    if (facts.entries !== expected) {
      throw new Error(`cache child (${key}) holds ${facts.entries} of ${expected} entries`);
    }
    return { child, facts };
  }

  closeAll(): void {
    for (const child of this.#alive.values()) child.kill();
    this.#alive.clear();
    this.#lastUse.clear();
  }
}

/** What the suite holds until {@linkcode Suite.dispose}. */
const owned: {
  children: ChildPool;
  caches: OffheapCache[];
  workers?: Promise<WorkerFixture>;
  workloads: Map<string, Workload>;
} = { children: new ChildPool(), caches: [], workloads: new Map() };

/**
 * A subject measured in a child process: `request` answers with its own timing in `ns`, which
 * mitata takes as a manual sample. The child starts when mitata first runs the subject; `onReady`
 * sees its memory facts.
 */
function childSubject(
  name: string,
  spec: ChildSpec,
  index: number,
  request: Record<string, unknown>,
  onReady?: (facts: Record<string, unknown>) => void,
): Subject {
  owned.children.plan(spec, index);
  return {
    name,
    fn: async function* () {
      const { child, facts } = await owned.children.open(spec, index);
      onReady?.(facts);
      yield { manual: async () => Number((await child.request(request)).ns) };
    },
  };
}

const gcContenders: [Contender, string][] = [
  ["offheap", OFFHEAP],
  ["Map", "Map"],
  ["lru-cache", "lru-cache"],
  ["empty", "empty heap"],
];

/** The memory facts a GC-relief child reports, kept per subject. */
const memoryFacts = [
  "jsHeapBytes",
  "externalBytes",
  "rssBytes",
  "buildMs",
  "nativeBytesPerEntry",
  "residentBytesPerEntry",
  "accountedBytesPerEntry",
];

function gcCases(first: number): Case[] {
  const fixture = `${sizeLabel(GC_ENTRIES)} × 1 KiB`;
  const operations = [
    { name: `full GC ${fixture}`, label: "full GC", request: { op: "gc" } },
    {
      name: `${LOOP_OBJECTS / 1e6}M-object loop ${fixture}`,
      label: `${LOOP_OBJECTS / 1e6}M-object loop`,
      request: { op: "alloc", count: LOOP_OBJECTS },
    },
  ];
  return operations.map((operation, offset): Case => {
    const facts: Record<string, string | number> = { entries: GC_ENTRIES, valueBytes: VALUE_BYTES, keys: "string" };
    const subjects = gcContenders.map(([contender, name]) =>
      childSubject(
        name,
        { contender, kind: "string", entries: GC_ENTRIES },
        first + offset,
        operation.request,
        (ready) => {
          for (const fact of memoryFacts) if (typeof ready[fact] === "number") facts[`${fact} ${name}`] = ready[fact];
        },
      )
    );
    return { name: operation.name, chart: "gc", label: operation.label, quick: false, subjects, facts };
  });
}

/** The latency operations: offheap's request op, and the baselines' for the same question. */
const latencyOperations = [
  { name: "getInto hit", offheap: "getInto", baseline: "get" },
  // Per key, offheap looking up 64 keys a call (`getManyInto`); the baselines get one at a time.
  { name: "getManyInto hit", offheap: "getMany", baseline: "get" },
  { name: "get hit", offheap: "get", baseline: "get" },
  { name: "get miss", offheap: "miss", baseline: "miss" },
  { name: "set", offheap: "set", baseline: "set" },
];

/** The latency fixtures, in the order they run, and which operations each runs without `--full`. */
const latencyFixtures: { entries: number; kind: KeyKind; byDefault: string[] }[] = [
  { entries: 1_000_000, kind: "string", byDefault: ["getInto hit", "get hit", "get miss", "set"] },
  { entries: 1_000_000, kind: "integer", byDefault: ["getInto hit", "getManyInto hit"] },
  { entries: 10_000, kind: "string", byDefault: ["getInto hit"] },
  { entries: 10_000, kind: "integer", byDefault: [] },
];

function latencyCases(first: number, full: boolean): Case[] {
  const cases: Case[] = [];
  for (const { entries, kind, byDefault } of latencyFixtures) {
    for (const operation of latencyOperations) {
      if (!full && !byDefault.includes(operation.name)) continue;
      const index = first + cases.length;
      const name = `${operation.name} ${sizeLabel(entries)} ${kind} keys`;
      const subjects = (["offheap", "lru-cache", "Map"] as Contender[]).map((contender) =>
        childSubject(contender === "offheap" ? OFFHEAP : contender, { contender, kind, entries }, index, {
          op: contender === "offheap" ? operation.offheap : operation.baseline,
        })
      );
      // The floor under a hit at 1M entries, same run: one read from memory in no CPU cache, and
      // the index line and 1 KiB entry every hit must read.
      if (entries >= 1_000_000 && operation.name === "getInto hit") {
        // One process serves every case: the empty heap's of the string-key fixture.
        const empty: ChildSpec = { contender: "empty", kind: "string", entries };
        subjects.push(
          childSubject(MEMORY_READ, empty, index, { op: "chase" }),
          childSubject(LOOKUP_FLOOR, empty, index, { op: "floor" }),
        );
      }
      cases.push({
        name,
        chart: `latency${sizeLabel(entries)}`,
        label: `${operation.name}, ${kind} keys`,
        quick: name === QUICK_CASE,
        subjects,
        facts: {
          entries,
          valueBytes: VALUE_BYTES,
          keys: kind,
          lookups: "uniform random",
          policy: "adaptive (the default)",
        },
      });
    }
  }
  return cases;
}

/** A workload, made (or read) once, when a case first needs it. */
function workload(name: string, make: () => Workload): Workload {
  let found = owned.workloads.get(name);
  if (!found) {
    found = make();
    owned.workloads.set(name, found);
  }
  return found;
}

/** Replays `REPLAY_CHUNK` requests per call, going round the workload. */
function chunkedReplay(keys: Float64Array, replay: (from: number, to: number) => number): () => number {
  let position = 0;
  return () => {
    const from = position;
    position = from + 2 * REPLAY_CHUNK > keys.length ? 0 : from + REPLAY_CHUNK;
    return replay(from, from + REPLAY_CHUNK);
  };
}

/** The subject named after the one policy that is also measured with only `maxEntries` bounding it. */
const ENTRY_BOUND_ONLY = "adaptive (maxEntries only)";

/**
 * Bytes one hit-rate entry is charged: an integer key (a type byte and 8 bytes), the 1-byte value,
 * and the cache's per-entry overhead (read from its stats).
 */
function traceEntryBytes(Cache: CacheClass): number {
  const probe = offheapCache(Cache, 1, 1);
  const overhead = probe.stats().entryOverheadBytes;
  probe.free();
  return 9 + 1 + overhead;
}

/**
 * One hit-rate case: its first subject replays the whole workload through a fresh cache of each
 * policy and through lru-cache (the facts), keeping the caches of the timed subjects, which then
 * time replays of the next requests on them. Each offheap cache is bounded to the same capacity
 * twice: `maxEntries` and the `maxBytes` of exactly that many entries (the adaptive policy sizes
 * its segments from `maxBytes`). "adaptive (maxEntries only)" leaves `maxBytes` unbounding, to show
 * what the adaptive policy does when only `maxEntries` binds.
 */
function hitRateCase(
  Cache: CacheClass,
  name: string,
  make: () => Workload,
  fraction: number,
  full: boolean,
  references: readonly [number, number][] = [],
): Case {
  const facts: Record<string, string | number> = {};
  const timed = full ? POLICIES : POLICIES.slice(0, 1);
  const warm = new Map<string, OffheapCache | LRUCache<Key, Uint8Array>>();
  let measured: Promise<Float64Array> | undefined;
  const measure = (): Float64Array => {
    const { keys, distinctKeys } = workload(name, make);
    const entries = Math.max(1, Math.round(distinctKeys * fraction));
    const entryBytes = traceEntryBytes(Cache);
    const maxBytes = entries * entryBytes;
    Object.assign(facts, { entries, maxBytes, requests: keys.length, distinctKeys, shards: 1, valueBytes: 1 });
    const variants: [string, CacheChoice][] = POLICIES.map((policy) => [policy, { policy, shards: 1, maxBytes }]);
    // The P3 replays are the long ones: by default only the Zipf cases show the entry-bound variant.
    if (full || keys.length <= 1_000_000) variants.push([ENTRY_BOUND_ONLY, { policy: "adaptive", shards: 1 }]);
    for (const [variant, choice] of variants) {
      const cache = offheapCache(Cache, entries, 1, choice);
      owned.caches.push(cache);
      facts[`hit rate ${OFFHEAP} ${variant}`] = replayOffheap(cache, keys, 0, keys.length) / keys.length;
      if ((timed as string[]).includes(variant)) warm.set(variant, cache);
    }
    const lru = new LRUCache<Key, Uint8Array>({ max: entries });
    facts["hit rate lru-cache"] = replayLru(lru, keys, 0, keys.length) / keys.length;
    // A check of the replay against published figures: offheap's exact LRU at the sizes they name.
    for (const [size, published] of references) {
      const cache = offheapCache(Cache, size, 1, { policy: "lru", shards: 1, maxBytes: size * entryBytes });
      facts[`${name} lru at ${size} entries`] = replayOffheap(cache, keys, 0, keys.length) / keys.length;
      facts[`${name} lru at ${size} entries, published`] = published;
      cache.free();
    }
    warm.set("lru-cache", lru);
    return keys;
  };
  const subject = (subjectName: string, key: string): Subject => ({
    name: subjectName,
    fn: async function* () {
      measured ??= Promise.resolve().then(measure);
      const keys = await measured;
      const cache = warm.get(key)!;
      yield cache instanceof LRUCache
        ? chunkedReplay(keys, (from, to) => replayLru(cache, keys, from, to))
        : chunkedReplay(keys, (from, to) => replayOffheap(cache, keys, from, to));
    },
  });
  const label = `${name}, ${fraction * 100}%`;
  return {
    name: `hit rate ${label.replace(",", "")}`,
    chart: "hitrate",
    label,
    quick: false,
    subjects: [...timed.map((policy) => subject(`${OFFHEAP} ${policy}`, policy)), subject("lru-cache", "lru-cache")],
    facts,
  };
}

function hitRateCases(Cache: CacheClass, context: SuiteContext): Case[] {
  const workloads: [string, () => Workload][] = [];
  if (existsSync(P3_PATH)) workloads.push(["P3", () => loadP3()!]);
  else context.note(`cache: the P3 trace is not at ${P3_PATH}, so its hit rates are not measured`);
  workloads.push(["Zipf 0.99", () => zipfWorkload(1_000_000, 100_000, 0.99, 11)]);
  return workloads.flatMap(([name, make]) =>
    [0.01, 0.1].map((fraction) => {
      // Under --full, the first P3 case also replays exact LRU at the sizes the trace's README gives.
      const references = context.full && name === "P3" && fraction === 0.01 ? P3_LRU_REFERENCE : [];
      return hitRateCase(Cache, name, make, fraction, context.full, references);
    })
  );
}

/** The Worker case's fixture: the shared cache and two Workers that opened it. */
interface WorkerFixture {
  cache: OffheapCache;
  workers: BenchWorker<CacheRequest>[];
}

async function startWorkers(Cache: CacheClass, path: string | undefined): Promise<WorkerFixture> {
  // Two Workers need both cores: the earlier cases' children, caches and workloads go first, and
  // their garbage with them, so that no process or collector of theirs competes with the Workers.
  owned.children.closeAll();
  for (const cache of owned.caches.splice(0)) cache.free();
  owned.workloads.clear();
  collectGarbage();
  const cache = fillStore("offheap", Cache, "string", WORKER_ENTRIES, VALUE_BYTES, { shards: WORKER_SHARDS });
  const fixture = { cache: cache as OffheapCache, workers: [] as BenchWorker<CacheRequest>[] };
  owned.caches.push(fixture.cache);
  const descriptor = fixture.cache.share();
  const url = new URL("../workers/cache_worker.ts", import.meta.url);
  fixture.workers = [new BenchWorker<CacheRequest>(url), new BenchWorker<CacheRequest>(url)];
  await Promise.all(fixture.workers.map(async (worker, i) => {
    await worker.request({
      op: "init",
      path,
      descriptor,
      entries: WORKER_ENTRIES,
      valueBytes: VALUE_BYTES,
      lookups: 1 << 16,
      seed: 100 + i,
    });
    // A warm-up round per store: compiled loops and touched memory before the first sample.
    for (const store of ["offheap", "lru-cache"] as WorkerStore[]) {
      await worker.request({ op: "gets", store, count: WORKER_GETS });
    }
  }));
  return fixture;
}

async function gets(worker: BenchWorker<CacheRequest>, store: WorkerStore): Promise<void> {
  const bytes = await worker.request({ op: "gets", store, count: WORKER_GETS });
  if (bytes !== WORKER_GETS * VALUE_BYTES) {
    throw new Error(`${store}: ${WORKER_GETS} gets read ${bytes} bytes, not ${WORKER_GETS * VALUE_BYTES}: some missed`);
  }
}

function workerCases(Cache: CacheClass, path: string | undefined): Case[] {
  return [1, 2].map((count): Case => {
    const subject = (name: string, store: WorkerStore): Subject => ({
      name,
      fn: async function* () {
        owned.workers ??= startWorkers(Cache, path);
        const { workers } = await owned.workers;
        const used = workers.slice(0, count);
        yield async () => {
          await Promise.all(used.map((worker) => gets(worker, store)));
        };
      },
    });
    const label = `${count} Worker${count > 1 ? "s" : ""}`;
    return {
      name: `get ${label}`,
      chart: "workers",
      label,
      quick: false,
      subjects: [subject(OFFHEAP, "offheap"), subject("lru-cache", "lru-cache")],
      facts: { entries: WORKER_ENTRIES, shards: WORKER_SHARDS, getsPerWorker: WORKER_GETS, workers: count },
    };
  });
}

const suite: Suite = {
  name: "cache",
  measures: "offheap's Cache against lru-cache and Map: GC relief with 1M × 1 KiB entries (JS heap, RSS, full-GC " +
    "pause, a small-object loop; each in its own process), get/getInto/set latency, hit rate per policy on P3 " +
    "and Zipf(0.99), and gets from 1 and 2 Workers on one shared cache",
  charts: {
    gc: {
      title: `${sizeLabel(GC_ENTRIES)} entries × 1 KiB, string keys, one process each: a full GC, and a loop ` +
        `making ${LOOP_OBJECTS / 1e6}M small objects`,
      categoryAxis: "operation",
    },
    latency1M: { title: "one operation on 1M entries × 1 KiB, random existing keys", categoryAxis: "operation" },
    latency10k: { title: "one operation on 10k entries × 1 KiB, random existing keys", categoryAxis: "operation" },
    hitrate: {
      title: "hit rate by policy, cache size as a share of the distinct keys (one shard, 1-byte values)",
      categoryAxis: "workload, cache size",
      fact: "hit rate",
      note: P3_CITATION,
    },
    workers: {
      title: `${WORKER_GETS / 1000}k gets per Worker, one shared cache of ${WORKER_ENTRIES / 1000}k × 1 KiB ` +
        `(${WORKER_SHARDS} shards) vs each Worker's own lru-cache`,
      categoryAxis: "Workers",
    },
  },
  async cases(context) {
    const offheap = await loadOffheap();
    if (typeof offheap === "string") return offheap;
    const Cache = cacheClass(offheap);
    if (typeof Cache === "string") return Cache;
    const cases: Case[] = [];
    cases.push(...gcCases(cases.length));
    cases.push(...latencyCases(cases.length, context.full));
    cases.push(...hitRateCases(Cache, context));
    // The main thread opens the library before any Worker does (DESIGN.md §3).
    cases.push(...workerCases(Cache, offheap.loadLibrary().path));
    return cases;
  },
  async dispose() {
    owned.children.closeAll();
    const fixture = await owned.workers?.catch(() => undefined);
    if (fixture) {
      await Promise.all(fixture.workers.map((worker) => worker.request({ op: "close" }).catch(() => 0)));
      for (const worker of fixture.workers) worker.terminate();
    }
    owned.workers = undefined;
    for (const cache of owned.caches.splice(0)) cache.free();
    owned.workloads.clear();
  },
};

export default suite;
