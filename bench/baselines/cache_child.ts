/**
 * A child process of the cache suite (bench/suites/cache.ts) holding one filled cache in a heap of
 * its own, so that one contender's JS heap, GC pauses and RSS are never another's:
 *
 *   deno run -A --v8-flags=--expose-gc bench/baselines/cache_child.ts <contender> <keys> <entries> <valueBytes>
 *   bun bench/baselines/cache_child.ts <contender> <keys> <entries> <valueBytes>
 *
 * `<contender>` is offheap, Map, lru-cache or empty (a process that holds nothing: the empty heap);
 * `<keys>` is string ("key:" + i) or integer. It fills the cache, collects garbage twice and prints
 * one JSON line of memory facts, then answers requests (bench/lib/child.ts), each with `ns`, the
 * time it measured itself:
 *
 * - `{ op: "gc" }`: one full collection (`gc()` in Deno, `Bun.gc(true)` in Bun);
 * - `{ op: "alloc", count }`: a full collection (not timed), then a loop that makes `count`
 *   `{ a: i }` objects and keeps them in an array until it ends, as a request handler building its
 *   working data does;
 * - `{ op: "get" | "getInto" | "getMany" | "miss" | "set" }`: the nanoseconds per operation of a
 *   batch of lookups of existing keys (`get`, `getInto`, and `getMany`: `getManyInto` with 64 keys a
 *   call, per key), of absent keys (`miss`), or of overwrites of existing keys with one of two
 *   values made beforehand (`set`); keys come in a seeded random order;
 * - `{ op: "chase" }` (the empty contender): the nanoseconds of one dependent read from memory that
 *   is in no CPU cache, over 256 MiB (memory_latency.ts);
 * - `{ op: "floor" }` (the empty contender): the nanoseconds of one step of the lookup floor
 *   (memory_latency.ts): a random line of an index the size of a 1M-entry cache's, then every line
 *   of the 1 KiB entry it names, the memory work under a `getInto` hit at 1M entries.
 *
 * Each operation's loop is compiled separately (`new Function`), so each call site sees one method
 * of one class (DESIGN.md §3), and the loop calls the store's own method, with no wrapper between.
 *
 * @module
 */
import process from "node:process";
import { loadOffheap, type Offheap } from "../lib/offheap.ts";
import { serveRequests } from "../lib/child.ts";
import { buildChase, buildLookupFloor, chaseNs, lookupFloorNs } from "./memory_latency.ts";
import { collectGarbage, scriptArguments } from "../../test/workers/runtime.ts";
import {
  type CacheClass,
  cacheClass,
  type Contender,
  fillStore,
  keyBytes,
  type KeyKind,
  lookupKeys,
  storeSize,
  valueOf,
} from "./caches.ts";

const [contender, kind, entriesText, valueBytesText] = scriptArguments() as [Contender, KeyKind, string, string];
const entries = Number(entriesText);
const valueBytes = Number(valueBytesText);

/** A high-resolution clock in nanoseconds (as mitata reads it). */
const bun = (globalThis as unknown as { Bun?: { nanoseconds(): number } }).Bun;
const nowNs: () => number = bun ? () => bun.nanoseconds() : () => performance.now() * 1e6;

/** Lookup keys per batch cycle: enough that a 1M-entry cache is read all over, not from L2. */
const LOOKUPS = entries >= 100_000 ? 1 << 18 : 1 << 16;
/** The time one latency sample aims at. */
const SAMPLE_NS = 5e6;

/** Keys per `getManyInto` call in the `getMany` loop (a power of two). */
const MANY = 64;

type Loop = (
  store: unknown,
  keys: unknown[],
  mask: number,
  start: number,
  count: number,
  out: Uint8Array,
  values: Uint8Array[] | Float64Array,
) => number;

const bodies: Record<string, string> = {
  get: "sink += store.get(keys[i & mask]).length;",
  getInto: "sink += store.getInto(keys[i & mask], out);",
  // One call per MANY lookups: `keys` holds the batches of keys, `values` the lengths array.
  getMany: `if ((i & ${MANY - 1}) === 0) sink += store.getManyInto(keys[(i / ${MANY}) & mask], out, values);`,
  miss: "if (store.get(keys[i & mask]) === undefined) sink++;",
  set: "store.set(keys[i & mask], values[i & 1]); sink++;",
};

function compile(op: string): Loop {
  const body = bodies[op];
  if (!body) throw new RangeError(`cache child: no operation ${op}`);
  return new Function(
    "store",
    "keys",
    "mask",
    "start",
    "count",
    "out",
    "values",
    `// ${op} loop\n"use strict";\nlet sink = 0;\nfor (let i = start; i < start + count; i++) { ${body} }\nreturn sink;`,
  ) as Loop;
}

function memoryFacts(): Record<string, number> {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return { jsHeapBytes: usage.heapUsed, externalBytes: usage.external, rssBytes: usage.rss };
}

if (!bun && typeof (globalThis as { gc?: unknown }).gc !== "function") {
  throw new Error("cache child: gc() is missing; start Deno with --v8-flags=--expose-gc");
}
const offheap = contender === "offheap" ? await loadOffheap() : undefined;
if (typeof offheap === "string") throw new Error(offheap);
let Cache: CacheClass | undefined;
if (offheap) {
  const found = cacheClass(offheap);
  if (typeof found === "string") throw new Error(found);
  Cache = found;
}

collectGarbage();
const residentBefore = process.memoryUsage().rss;
const started = nowNs();
const store = fillStore(contender, Cache, kind, entries, valueBytes);
const facts: Record<string, number> = { buildMs: (nowNs() - started) / 1e6, entries: storeSize(store) };
Object.assign(facts, memoryFacts());
if (offheap && store) {
  // What the cache costs beyond its keys' and values' own bytes, per entry, three ways: the native
  // memory it holds (its pages, large entries, index and sketch), the growth of the process's
  // resident memory, and what its byte bound charges.
  const payload = keyBytes(kind, entries) + entries * valueBytes;
  const stats = (store as { stats(): { bytes: number; memoryBytes: number } }).stats();
  facts.nativeBytesPerEntry = (stats.memoryBytes - payload) / entries;
  facts.residentBytesPerEntry = (facts.rssBytes - residentBefore - payload) / entries;
  facts.accountedBytesPerEntry = (stats.bytes - payload) / entries;
}

/**
 * Each operation's loop, keys and batch size, and where its next batch starts: batches go on
 * through the key list instead of starting over, so consecutive samples look up different keys and
 * a sample never finds its entries still in the CPU caches from the sample before.
 */
const loops = new Map<
  string,
  {
    loop: Loop;
    keys: unknown[];
    mask: number;
    target: Uint8Array;
    extra: Uint8Array[] | Float64Array;
    count: number;
    next: number;
  }
>();
const out = new Uint8Array(valueBytes);
const values = [valueOf(valueBytes, 1), valueOf(valueBytes, 2)];

function latency(op: string): number {
  let entry = loops.get(op);
  if (!entry) {
    const lookups = lookupKeys(kind, entries, LOOKUPS, 42, op === "miss");
    const batched = op === "getMany";
    const keys = batched
      ? Array.from({ length: LOOKUPS / MANY }, (_, batch) => lookups.slice(batch * MANY, (batch + 1) * MANY))
      : lookups;
    const target = batched ? new Uint8Array(MANY * valueBytes) : out;
    const extra = batched ? new Float64Array(MANY) : values;
    const loop = compile(op);
    const mask = keys.length - 1;
    // Warm-up: the loop and the store's methods get compiled before anything is timed.
    for (let round = 0; round < 3; round++) loop(store, keys, mask, round * 4096, 4096, target, extra);
    const t0 = nowNs();
    loop(store, keys, mask, 3 * 4096, 4096, target, extra);
    const perOp = Math.max(1, (nowNs() - t0) / 4096);
    const count = 2 ** Math.round(Math.log2(Math.min(1 << 22, Math.max(1024, SAMPLE_NS / perOp))));
    entry = { loop, keys, mask, target, extra, count, next: 4 * 4096 };
    loops.set(op, entry);
  }
  const { loop, keys, mask, target, extra, count, next } = entry;
  entry.next = (next + count) % LOOKUPS;
  const t0 = nowNs();
  const sink = loop(store, keys, mask, next, count, target, extra);
  const ns = (nowNs() - t0) / count;
  // Every lookup of an existing key must find its whole value, and every lookup of another must miss.
  const expected = op === "get" || op === "getInto" || op === "getMany" ? count * valueBytes : count;
  if (sink !== expected) throw new Error(`${op}: the batch of ${count} summed to ${sink}, not ${expected}`);
  return ns;
}

/**
 * A floor's sampler: the floor is built in offheap's memory when first asked for and walked once
 * untimed (the loop gets compiled), then each call times one walk.
 */
function floorSampler<Built>(
  build: (offheap: Offheap) => Built,
  walk: (built: Built) => number,
): () => Promise<number> {
  let built: Built | undefined;
  return async () => {
    if (built === undefined) {
      const loaded = await loadOffheap();
      if (typeof loaded === "string") throw new Error(loaded);
      built = build(loaded);
      walk(built);
    }
    return walk(built);
  };
}

/**
 * The chase block: 8× the CPU's last-level cache (32 MiB here), so no read finds its line cached,
 * and 128 hugepages, which the TLB holds (as it holds a 1M-entry cache's 2 MiB chunks), so no read
 * pays a page walk the cache's lookups do not.
 */
const CHASE_BYTES = 256 << 20;
/** Dependent reads per sample. */
const CHASE_READS = 1 << 14;
const chaseSample = floorSampler(
  (loaded) => buildChase(loaded, CHASE_BYTES),
  (chase) => chaseNs(chase, CHASE_READS, nowNs),
);

/** The lookup floor's index: the size of a 1M-entry cache's (131072 lines of 12 slots, ≤ 3/4 full). */
const FLOOR_INDEX_BYTES = 8 << 20;
/** Its entries: 256 MiB, twice as many slots as index lines, 8× the last-level cache. */
const FLOOR_ENTRIES_BYTES = 256 << 20;
/** Index-then-entry steps per sample. */
const FLOOR_STEPS = 1 << 13;
const floorSample = floorSampler(
  (loaded) => buildLookupFloor(loaded, FLOOR_INDEX_BYTES, FLOOR_ENTRIES_BYTES, valueBytes),
  (floor) => lookupFloorNs(floor, FLOOR_STEPS, nowNs),
);

function allocationLoop(count: number): number {
  const kept: { a: number }[] = [];
  for (let i = 0; i < count; i++) kept.push({ a: i });
  return kept.length;
}

serveRequests(facts, (request) => {
  switch (request.op) {
    case "gc": {
      const t0 = nowNs();
      collectGarbage();
      return { ns: nowNs() - t0 };
    }
    case "alloc": {
      collectGarbage();
      const t0 = nowNs();
      const made = allocationLoop(Number(request.count));
      return { ns: nowNs() - t0, made };
    }
    case "chase":
      return chaseSample().then((ns) => ({ ns }));
    case "floor":
      return floorSample().then((ns) => ({ ns }));
    default:
      if (!store) throw new Error(`${contender} holds no cache to ${request.op}`);
      return { ns: latency(String(request.op)) };
  }
});
