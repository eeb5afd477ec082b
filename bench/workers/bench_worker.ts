/**
 * The Worker behind the workers benchmark suite (bench/suites/workers.ts). It opens the libraries
 * the main thread already opened (liboffheap from the path in the first message, the C allocators
 * by name), then runs allocation loops on request and answers each with a checksum:
 *
 * - `churn`: a window of live blocks, each step frees the oldest block and allocates a new one;
 * - `produce` / `consume`: the two ends of a cross-Worker free, addresses handed over through a
 *   SharedArrayBuffer ring with `Atomics.wait`/`notify`;
 * - `local`: the same allocations and frees as a producer/consumer pair, in this one thread.
 *
 * Every loop is compiled once per allocator with `new Function` (as bench/baselines/patterns.ts
 * does), so each FFI call site sees exactly one symbol (DESIGN.md §3).
 *
 * @module
 */
import { heap, loadLibrary } from "../../mod.ts";
import { openNativeAllocators } from "../baselines/native.ts";
import { OFFHEAP_ALLOCATOR, type Request, type Ring } from "./bench_protocol.ts";
import { serveMessages } from "./serve.ts";

/**
 * The loops, over one allocator's `malloc` and `free` (in Deno the C allocators take and return
 * BigInts, so sizes come pre-converted and the ring is a BigUint64Array for them).
 */
const template = `"use strict";
return {
  churn(sizes, mask, window, pairs) {
    const slots = new Array(window);
    for (let i = 0; i < window; i++) slots[i] = malloc(sizes[i & mask]);
    let slot = 0;
    for (let i = 0; i < pairs; i++) {
      free(slots[slot]);
      slots[slot] = malloc(sizes[(i + window) & mask]);
      if (++slot === window) slot = 0;
    }
    let checksum = 0;
    for (let i = 0; i < window; i++) {
      checksum = (checksum + Number(slots[i]) % 4096) % 1e9;
      free(slots[i]);
    }
    return checksum;
  },
  produce(sizes, mask, count, ring, control, capacity, batch) {
    let freed = 0;
    for (let i = 0; i < count; i++) {
      while (i - freed >= capacity) {
        freed = Atomics.load(control, 1);
        if (i - freed >= capacity && Atomics.wait(control, 1, freed, 10000) === "timed-out") {
          throw new Error("producer: the consumer stalled for 10 s");
        }
      }
      ring[i & (capacity - 1)] = malloc(sizes[i & mask]);
      if (((i + 1) & (batch - 1)) === 0 || i + 1 === count) {
        Atomics.store(control, 0, i + 1);
        Atomics.notify(control, 0);
      }
    }
    return count;
  },
  consume(count, ring, control, capacity) {
    let done = 0;
    while (done < count) {
      const published = Atomics.load(control, 0);
      if (published === done) {
        if (Atomics.wait(control, 0, done, 10000) === "timed-out") throw new Error("consumer: the producer stalled for 10 s");
        continue;
      }
      for (; done < published; done++) free(ring[done & (capacity - 1)]);
      Atomics.store(control, 1, done);
      Atomics.notify(control, 1);
    }
    return done;
  },
  local(sizes, mask, count, held, batch) {
    let freed = 0;
    for (let i = 0; i < count; i++) {
      held[i & (batch - 1)] = malloc(sizes[i & mask]);
      if (((i + 1) & (batch - 1)) === 0 || i + 1 === count) {
        for (let j = 0; freed <= i; j++, freed++) free(held[j]);
      }
    }
    return freed;
  },
};`;

interface Loops {
  churn(sizes: unknown[], mask: number, window: number, pairs: number): number;
  produce(
    sizes: unknown[],
    mask: number,
    count: number,
    ring: Float64Array | BigUint64Array,
    control: Int32Array,
    capacity: number,
    batch: number,
  ): number;
  consume(count: number, ring: Float64Array | BigUint64Array, control: Int32Array, capacity: number): number;
  local(sizes: unknown[], mask: number, count: number, held: unknown[], batch: number): number;
}

/** One allocator as this Worker uses it: its compiled loops and its size and address forms. */
interface Allocator {
  loops: Loops;
  size(bytes: number): unknown;
  /** Whether `malloc` returns BigInts (Deno's C allocators), so the ring must be a BigUint64Array. */
  bigint: boolean;
}

const allocators = new Map<string, Allocator>();
/** Sizes per workload and allocator, in the form the allocator's `malloc` takes. */
const workloads = new Map<string, Map<string, unknown[]>>();

function compile(name: string, malloc: unknown, free: unknown, size: (bytes: number) => unknown): Allocator {
  // The name makes each source text unique, so no two allocators share compiled code or feedback.
  const build = new Function("malloc", "free", `// ${name} loops\n${template}`) as (m: unknown, f: unknown) => Loops;
  const sample = (malloc as (size: unknown) => unknown)(size(16));
  (free as (address: unknown) => void)(sample);
  return { loops: build(malloc, free), size, bigint: typeof sample === "bigint" };
}

async function init(path: string | undefined, natives: string[]): Promise<void> {
  loadLibrary({ path });
  allocators.set(OFFHEAP_ALLOCATOR, compile(OFFHEAP_ALLOCATOR, heap.allocRaw, heap.freeRaw, (bytes) => bytes));
  if (natives.length === 0) return;
  // The main thread opened the same libraries first, so these dlopens only bump reference counts.
  for (const native of await openNativeAllocators(() => {})) {
    if (natives.includes(native.name)) {
      allocators.set(native.name, compile(native.name, native.malloc, native.free, native.size));
    }
  }
  const missing = natives.filter((name) => !allocators.has(name));
  if (missing.length > 0) throw new Error(`bench worker: could not open ${missing.join(", ")}`);
}

function allocatorNamed(name: string): Allocator {
  const allocator = allocators.get(name);
  if (!allocator) throw new Error(`bench worker: no allocator ${name} (init first)`);
  return allocator;
}

function sizesFor(workload: string, allocator: string): unknown[] {
  const sizes = workloads.get(workload)?.get(allocator);
  if (!sizes) throw new Error(`bench worker: no workload ${workload}`);
  return sizes;
}

function ringView(ring: Ring, allocator: Allocator): Float64Array | BigUint64Array {
  return allocator.bigint ? new BigUint64Array(ring.slots) : new Float64Array(ring.slots);
}

async function run(request: Request): Promise<number> {
  switch (request.op) {
    case "init":
      await init(request.path, request.natives);
      return allocators.size;
    case "sizes": {
      if (request.sizes.length & (request.sizes.length - 1)) throw new RangeError("sizes: length not a power of two");
      const converted = new Map<string, unknown[]>();
      for (const [name, allocator] of allocators) converted.set(name, request.sizes.map(allocator.size));
      workloads.set(request.workload, converted);
      return request.sizes.length;
    }
    case "churn": {
      const sizes = sizesFor(request.workload, request.allocator);
      const { loops } = allocatorNamed(request.allocator);
      return loops.churn(sizes, sizes.length - 1, request.window, request.pairs);
    }
    case "produce": {
      const allocator = allocatorNamed(request.allocator);
      const sizes = sizesFor(request.workload, request.allocator);
      const { ring } = request;
      const control = new Int32Array(ring.control);
      const view = ringView(ring, allocator);
      return allocator.loops.produce(sizes, sizes.length - 1, request.count, view, control, ring.capacity, ring.batch);
    }
    case "consume": {
      const allocator = allocatorNamed(request.allocator);
      const { ring } = request;
      return allocator.loops.consume(
        request.count,
        ringView(ring, allocator),
        new Int32Array(ring.control),
        ring.capacity,
      );
    }
    case "local": {
      const allocator = allocatorNamed(request.allocator);
      const sizes = sizesFor(request.workload, request.allocator);
      const held = new Array(request.batch).fill(null);
      return allocator.loops.local(sizes, sizes.length - 1, request.count, held, request.batch);
    }
  }
}

serveMessages(run);
