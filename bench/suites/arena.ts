/**
 * The arena suite (issue 13): 100 bump allocations and one rewind, against 100 `heap.allocRaw` +
 * `freeRaw` pairs, one `allocMany`/`freeMany` of 100, and the C allocators through FFI. Issue 13
 * asks for an `alloc` of at most 5 ns median from JavaScript: divide a case's time by 100. Two
 * floors run in the same case: a bump allocator with no checks ("JS bump, no checks") and the loop's
 * 100 stores alone ("store loop").
 *
 * @module
 */
import { loadOffheap, type Offheap } from "../lib/offheap.ts";
import { type Case, OFFHEAP, type Subject, type Suite } from "../lib/suite.ts";
import { openNativeAllocators } from "../baselines/native.ts";
import { nativePatterns } from "../baselines/patterns.ts";

const count = 100;
const sizeBytes = 64;

type Arena = InstanceType<Offheap["Arena"]>;
const arenas: Arena[] = [];

/**
 * The floor of a bump allocator in JavaScript, measured in the same run: a class whose `alloc`
 * aligns, bumps and returns base + offset with one bound check and nothing else (no size or
 * alignment checks, no chunks), in the same loop as the arena's case.
 */
function floorBump(slots: Float64Array): () => void {
  class Bump {
    base = 2 ** 46;
    offset = 0;
    limit = 1 << 20;
    alloc(size: number): number {
      const start = (this.offset + 15) & -16;
      const end = start + size;
      if (end > this.limit) return -1;
      this.offset = end;
      return this.base + start;
    }
  }
  const bump = new Bump();
  return () => {
    bump.offset = 0;
    for (let i = 0; i < count; i++) slots[i] = bump.alloc(sizeBytes);
  };
}

/** The loop alone: 100 stores of a double into the same `Float64Array`. */
function storeLoop(slots: Float64Array): () => void {
  let base = 2 ** 46;
  return () => {
    base += 1;
    for (let i = 0; i < count; i++) slots[i] = base + i * sizeBytes;
  };
}

const suite: Suite = {
  name: "arena",
  measures: `${count} arena allocations of ${sizeBytes} B and a rewind, against allocRaw, allocMany and C allocators`,
  charts: {
    alloc: { title: `${count} allocations of ${sizeBytes} B, then free them all`, categoryAxis: "pattern" },
  },
  async cases(context) {
    const offheap = await loadOffheap();
    if (typeof offheap === "string") return offheap;
    if (!("Arena" in offheap)) return "this offheap has no Arena";
    const natives = await openNativeAllocators(context.note);
    const arena = new offheap.Arena({ chunkSize: 1 << 20 });
    arenas.push(arena);
    const { heap } = offheap;
    const slots = new Float64Array(count);
    const subjects: Subject[] = [
      {
        name: OFFHEAP,
        fn: () => {
          const mark = arena.mark();
          for (let i = 0; i < count; i++) slots[i] = arena.alloc(sizeBytes);
          arena.rewind(mark);
        },
      },
      {
        name: `${OFFHEAP} scope`,
        fn: () =>
          arena.scope((a) => {
            for (let i = 0; i < count; i++) slots[i] = a.alloc(sizeBytes);
          }),
      },
      {
        name: `${OFFHEAP} allocRaw`,
        fn: () => {
          for (let i = 0; i < count; i++) slots[i] = heap.allocRaw(sizeBytes);
          for (let i = 0; i < count; i++) heap.freeRaw(slots[i]);
        },
      },
      { name: `${OFFHEAP} allocMany`, fn: () => heap.freeMany(heap.allocMany(sizeBytes, count, slots)) },
      ...natives.map((allocator) => ({ name: allocator.name, fn: nativePatterns(allocator).cycle(sizeBytes, count) })),
      { name: "JS bump, no checks", fn: floorBump(new Float64Array(count)) },
      { name: "store loop", fn: storeLoop(new Float64Array(count)) },
    ];
    const cases: Case[] = [{
      name: `${count} allocs 64 B`,
      chart: "alloc",
      label: "100 × 64 B",
      quick: true,
      subjects,
      facts: { count, sizeBytes },
    }];
    return cases;
  },
  dispose() {
    for (const arena of arenas.splice(0)) arena.free();
    return Promise.resolve();
  },
};

export default suite;
