/**
 * The three allocation patterns of the alloc suite (pair, N-cycle, random mix), for offheap and for
 * every baseline, as zero-argument functions that mitata can time.
 *
 * The C allocators get their loops from one template compiled once per allocator with
 * `new Function`: each compilation is a separate function with its own type feedback, so every FFI
 * call site sees exactly one symbol (DESIGN.md §3: a call site that sees several FFI functions
 * loses the fast call, 156 ns instead of 19). A closure factory shared by all allocators would be
 * exactly that trap: closures from one function literal share their feedback.
 *
 * @module
 */
import { do_not_optimize } from "mitata";
import type { NativeAllocator } from "./native.ts";
import { random as seededRandom } from "../../test/vector_reference.ts";

/** The random-mix workload: a tape of slot numbers; a slot's first use allocates, its next frees. */
export interface MixPlan {
  /** Slot per step. Each slot appears an even number of times, so every step sequence ends empty. */
  readonly tape: Int32Array;
  /** The size of the allocation made in each slot, in bytes. */
  readonly sizesBytes: readonly number[];
}

/** One allocator's way of running each pattern; every method returns the function to time. */
export interface AllocationPatterns {
  /** One allocation of `sizeBytes` freed at once. */
  pair(sizeBytes: number): () => void;
  /** `count` allocations of `sizeBytes`, then `count` frees in the same order. */
  cycle(sizeBytes: number, count: number): () => void;
  /** The allocations and frees of `plan`, interleaved as its tape says. */
  mix(plan: MixPlan): () => void;
}


/**
 * Builds a random mix: `count` allocations with sizes drawn log-uniformly from
 * [`minBytes`, `maxBytes`], interleaved with frees of random live blocks; all are freed by the end.
 *
 * @param options The allocation count, the size range in bytes and the seed.
 * @returns The plan every subject replays.
 */
export function mixPlan(options: { count: number; minBytes: number; maxBytes: number; seed: number }): MixPlan {
  // A seeded PRNG (the tests' mulberry32), so every subject and every run executes the same workload.
  const random = seededRandom(options.seed);
  const logMin = Math.log(options.minBytes);
  const logSpan = Math.log(options.maxBytes) - logMin;
  const sizesBytes = Array.from({ length: options.count }, () => Math.round(Math.exp(logMin + random() * logSpan)));
  const tape: number[] = [];
  const live: number[] = [];
  let next = 0;
  while (next < options.count || live.length > 0) {
    const allocate = next < options.count && (live.length === 0 || random() < 0.55);
    if (allocate) {
      tape.push(next);
      live.push(next++);
    } else {
      const index = Math.floor(random() * live.length);
      tape.push(live[index]);
      live[index] = live[live.length - 1];
      live.pop();
    }
  }
  return { tape: Int32Array.from(tape), sizesBytes };
}

/** The pattern loops over a `malloc` and a `free`; compiled once per allocator (see module doc). */
const nativeTemplate = `"use strict";
return {
  pair: (size) => function pair() { free(malloc(size)); },
  cycle: (size, slots) => function cycle() {
    for (let i = 0; i < slots.length; i++) slots[i] = malloc(size);
    for (let i = 0; i < slots.length; i++) free(slots[i]);
  },
  mix: (tape, sizes, slots, live) => function mix() {
    for (let i = 0; i < tape.length; i++) {
      const slot = tape[i];
      if (live[slot] === 0) { slots[slot] = malloc(sizes[slot]); live[slot] = 1; }
      else { free(slots[slot]); live[slot] = 0; }
    }
  },
};`;

interface CompiledLoops {
  pair(size: unknown): () => void;
  cycle(size: unknown, slots: unknown[]): () => void;
  mix(tape: Int32Array, sizes: unknown[], slots: unknown[], live: Uint8Array): () => void;
}

/**
 * The patterns for a C allocator opened through FFI, with monomorphic call sites.
 *
 * @param allocator An allocator from `openNativeAllocators`.
 * @returns Pattern factories whose loops call only this allocator's symbols.
 */
export function nativePatterns(allocator: NativeAllocator): AllocationPatterns {
  // The allocator's name makes each source text unique: V8 caches compiled `new Function` bodies by
  // source, and a cached body would share its type feedback with the other allocators' loops.
  const source = `// ${allocator.name} loops\n${nativeTemplate}`;
  const compile = new Function("malloc", "free", source) as (m: unknown, f: unknown) => CompiledLoops;
  const loops = compile(allocator.malloc, allocator.free);
  return {
    pair: (sizeBytes) => loops.pair(allocator.size(sizeBytes)),
    cycle: (sizeBytes, count) => loops.cycle(allocator.size(sizeBytes), new Array(count).fill(null)),
    mix: (plan) =>
      loops.mix(
        plan.tape,
        plan.sizesBytes.map((bytes) => allocator.size(bytes)),
        new Array(plan.sizesBytes.length).fill(null),
        new Uint8Array(plan.sizesBytes.length),
      ),
  };
}

/**
 * The patterns for `new ArrayBuffer`: what JS code does without offheap. "Free" drops the
 * reference; the garbage collector's work lands inside the timed loop, as it does in real code.
 * The buffers are zero-filled by the runtime, which malloc does not do.
 */
export const arrayBufferPatterns: AllocationPatterns = {
  pair: (sizeBytes) => () => do_not_optimize(new ArrayBuffer(sizeBytes)),
  cycle: (sizeBytes, count) => {
    const slots: (ArrayBuffer | null)[] = new Array(count).fill(null);
    return () => {
      for (let i = 0; i < count; i++) slots[i] = new ArrayBuffer(sizeBytes);
      for (let i = 0; i < count; i++) slots[i] = null;
    };
  },
  mix: (plan) => {
    const slots: (ArrayBuffer | null)[] = new Array(plan.sizesBytes.length).fill(null);
    const { tape, sizesBytes } = plan;
    return () => {
      for (let i = 0; i < tape.length; i++) {
        const slot = tape[i];
        slots[slot] = slots[slot] === null ? new ArrayBuffer(sizesBytes[slot]) : null;
      }
    };
  },
};

/** `new Uint8Array(size)` dropped at once: the other everyday way JS code gets a byte buffer. */
export function uint8ArrayPair(sizeBytes: number): () => void {
  return () => do_not_optimize(new Uint8Array(sizeBytes));
}
