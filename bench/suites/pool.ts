/**
 * The pool suite (issue 13): what a `Pool` alloc+free pair and a 100-block cycle cost, against
 * `heap.allocRaw`/`freeRaw`, `heap.allocMany`/`freeMany`, the C allocators called through the same
 * FFI, and `new ArrayBuffer`. Issue 13 asks for a pair of at most 10 ns median in both runtimes and
 * at most 0.5× glibc `malloc`+`free` through FFI, in the same run. "JS free list, no checks" is
 * the floor of the design, measured in the same run: the same pops, pushes and state stores
 * without any check.
 *
 * @module
 */
import { formatBytes } from "../lib/format.ts";
import { loadOffheap, type Offheap } from "../lib/offheap.ts";
import { type Case, OFFHEAP, type Subject, type Suite } from "../lib/suite.ts";
import { openNativeAllocators } from "../baselines/native.ts";
import { type AllocationPatterns, arrayBufferPatterns, nativePatterns } from "../baselines/patterns.ts";

const pairSizesBytes = [64, 1024, 4096];
const cycleSizesBytes = [1024];
const cycleCount = 100;
const quickCases = new Set(["pair 1 KiB"]);

type Pool = InstanceType<Offheap["Pool"]>;
const pools: Pool[] = [];

function poolPair(pool: Pool): () => void {
  return () => pool.free(pool.alloc());
}

function poolCycle(pool: Pool, count: number): () => void {
  const slots = new Float64Array(count);
  return () => {
    for (let i = 0; i < count; i++) slots[i] = pool.alloc();
    for (let i = 0; i < count; i++) pool.free(slots[i]);
  };
}

/**
 * The floor of any JavaScript free list: a pair that pops an index from a `Uint32Array` stack,
 * marks a `Uint8Array` state, returns base + index × slot, and on free divides back and pushes,
 * with no check at all (no range, no double-free, no counters). What the pool's pair costs above it
 * is its checks; what the floor costs is the JIT's price of two calls and four typed-array accesses.
 */
function floorPair(sizeBytes: number): () => void {
  class FreeList {
    stack = new Uint32Array(128);
    top = 64;
    states = new Uint8Array(128);
    base = 2 ** 46;
    slot = Math.max(64, sizeBytes);
    constructor() {
      for (let index = 0; index < 64; index++) this.stack[index] = index;
    }
    alloc(): number {
      const index = this.stack[--this.top];
      this.states[index] = 3;
      return this.base + index * this.slot;
    }
    free(address: number): void {
      const index = (address - this.base) / this.slot;
      this.states[index] = 2;
      this.stack[this.top++] = index;
    }
  }
  const list = new FreeList();
  return () => list.free(list.alloc());
}

function rawPair(offheap: Offheap, sizeBytes: number): () => void {
  const { heap } = offheap;
  return () => heap.freeRaw(heap.allocRaw(sizeBytes));
}

function rawCycle(offheap: Offheap, sizeBytes: number, count: number): () => void {
  const { heap } = offheap;
  const slots = new Float64Array(count);
  return () => {
    for (let i = 0; i < count; i++) slots[i] = heap.allocRaw(sizeBytes);
    for (let i = 0; i < count; i++) heap.freeRaw(slots[i]);
  };
}

function batchCycle(offheap: Offheap, sizeBytes: number, count: number): () => void {
  const { heap } = offheap;
  const slots = new Float64Array(count);
  return () => heap.freeMany(heap.allocMany(sizeBytes, count, slots));
}

const suite: Suite = {
  name: "pool",
  measures: "Pool alloc+free (JS free list over off-heap blocks) against heap.allocRaw, C allocators through FFI " +
    "and new ArrayBuffer",
  charts: {
    pair: { title: "pair: allocate one pool block, free it", categoryAxis: "block size" },
    cycle: { title: `${cycleCount}-cycle: allocate ${cycleCount} blocks, then free them`, categoryAxis: "block size" },
  },
  async cases(context) {
    const offheap = await loadOffheap();
    if (typeof offheap === "string") return offheap;
    if (!("Pool" in offheap)) return "this offheap has no Pool";
    const natives = await openNativeAllocators(context.note);
    const nativeSets: [string, AllocationPatterns][] = natives.map((
      allocator,
    ) => [allocator.name, nativePatterns(allocator)]);
    const cases: Case[] = [];
    const poolFor = (sizeBytes: number) => {
      const pool = new offheap.Pool({ blockSize: sizeBytes, align: 64 });
      pools.push(pool);
      return pool;
    };
    for (const sizeBytes of pairSizesBytes) {
      const subjects: Subject[] = [
        { name: OFFHEAP, fn: poolPair(poolFor(sizeBytes)) },
        { name: `${OFFHEAP} allocRaw`, fn: rawPair(offheap, sizeBytes) },
        ...nativeSets.map(([name, patterns]) => ({ name, fn: patterns.pair(sizeBytes) })),
        { name: "ArrayBuffer", fn: arrayBufferPatterns.pair(sizeBytes) },
        { name: "JS free list, no checks", fn: floorPair(sizeBytes) },
      ];
      const name = `pair ${formatBytes(sizeBytes)}`;
      cases.push({
        name,
        chart: "pair",
        label: formatBytes(sizeBytes),
        quick: quickCases.has(name),
        subjects,
        facts: { sizeBytes },
      });
    }
    for (const sizeBytes of cycleSizesBytes) {
      const subjects: Subject[] = [
        { name: OFFHEAP, fn: poolCycle(poolFor(sizeBytes), cycleCount) },
        { name: `${OFFHEAP} allocRaw`, fn: rawCycle(offheap, sizeBytes, cycleCount) },
        { name: `${OFFHEAP} allocMany`, fn: batchCycle(offheap, sizeBytes, cycleCount) },
        ...nativeSets.map(([name, patterns]) => ({ name, fn: patterns.cycle(sizeBytes, cycleCount) })),
        { name: "ArrayBuffer", fn: arrayBufferPatterns.cycle(sizeBytes, cycleCount) },
      ];
      const name = `${cycleCount}-cycle ${formatBytes(sizeBytes)}`;
      cases.push({
        name,
        chart: "cycle",
        label: formatBytes(sizeBytes),
        quick: false,
        subjects,
        facts: { sizeBytes, count: cycleCount },
      });
    }
    return cases;
  },
  dispose() {
    for (const pool of pools.splice(0)) pool.free();
    return Promise.resolve();
  },
};

export default suite;
