/**
 * The profile suite (issue 13): what a `heap.alloc()` + `free()` pair costs with profiling off, on
 * with sampling (the default 8 MiB mean), and on with stack tracking (every buffer's site captured
 * and registered for leaks at once), against the raw `allocRaw`/`freeRaw` pair and glibc
 * `malloc`/`free` through the same FFI. Issue 13 asks that the pair cost at most 60 ns, that
 * profiling off cost nothing measurable and that sampling cost at most 2%.
 *
 * "offheap alloc() before" is the path this session replaced, rebuilt from the same public pieces:
 * `offheap_alloc_ex`, `offheap_tier_of`, and a FinalizationRegistry registration per buffer with an
 * unregister at free (two FFI crossings and the registry on every pair).
 *
 * @module
 */
import { loadOffheap, type Offheap } from "../lib/offheap.ts";
import { type Case, OFFHEAP, type Subject, type Suite } from "../lib/suite.ts";
import { openNativeAllocators } from "../baselines/native.ts";
import { nativePatterns } from "../baselines/patterns.ts";
import { library } from "../../src/ffi/load.ts";

const sizesBytes = [64, 1024];

/** Which subject last set the profiling mode: each switches to its own before its pairs. */
let current = "";

/**
 * A subject that runs with profiling configured by `start` (off for `undefined`). Every subject of
 * the pair has the same shape (a string comparison, then the pair), so they are timed alike; the
 * mode is switched on a subject's first call, in mitata's warm-up.
 */
function profiled(
  offheap: Offheap,
  name: string,
  sizeBytes: number,
  options: Parameters<Offheap["profile"]["start"]>[0] | undefined,
): Subject {
  const { heap, profile } = offheap;
  const switchMode = () => {
    current = name;
    profile.clear();
    if (options === undefined) profile.stop();
    else profile.start(options);
  };
  return {
    name,
    fn: () => {
      if (current !== name) switchMode();
      heap.alloc(sizeBytes).free();
    },
  };
}

/** The replaced path: two crossings and a registry registration per pair. */
function previousPath(sizeBytes: number): () => void {
  const { native } = library();
  const registry = new FinalizationRegistry<{ address: number }>(() => {});
  const allocEx = native.offheap_alloc_ex;
  const tierOf = native.offheap_tier_of;
  const free = native.offheap_free;
  class Owned {
    address: number;
    tier: number;
    constructor(address: number, tier: number) {
      this.address = address;
      this.tier = tier;
      registry.register(this, { address }, this);
    }
    free() {
      free(this.address);
      registry.unregister(this);
    }
  }
  return () => {
    const address = allocEx(sizeBytes, 0, 0, -1);
    new Owned(address, tierOf(address)).free();
  };
}

const suite: Suite = {
  name: "profile",
  measures: "heap.alloc()+free() with profiling off, sampling and stack tracking, against the replaced path, " +
    "allocRaw and glibc through FFI",
  charts: {
    pair: { title: "heap.alloc() + free(): profiling off, sampling, stacks", categoryAxis: "block size" },
  },
  async cases(context) {
    const offheap = await loadOffheap();
    if (typeof offheap === "string") return offheap;
    if (!("profile" in offheap)) return "this offheap has no profile";
    const natives = await openNativeAllocators(context.note);
    const glibc = natives.filter((allocator) => allocator.name === "glibc");
    const { heap } = offheap;
    return sizesBytes.map((sizeBytes): Case => ({
      name: `alloc() pair ${sizeBytes} B`,
      chart: "pair",
      label: `${sizeBytes} B`,
      quick: sizeBytes === 64,
      subjects: [
        profiled(offheap, OFFHEAP, sizeBytes, undefined),
        profiled(offheap, `${OFFHEAP} sampling`, sizeBytes, { seed: 1 }),
        profiled(offheap, `${OFFHEAP} stacks`, sizeBytes, { stacks: true, sampleBytes: 0 }),
        { name: `${OFFHEAP} alloc() before`, fn: previousPath(sizeBytes) },
        { name: `${OFFHEAP} allocRaw`, fn: () => heap.freeRaw(heap.allocRaw(sizeBytes)) },
        ...glibc.map((allocator) => ({ name: allocator.name, fn: nativePatterns(allocator).pair(sizeBytes) })),
      ],
      facts: { sizeBytes },
    }));
  },
  async dispose() {
    current = "";
    const offheap = await loadOffheap();
    if (typeof offheap !== "string") offheap.profile.stop();
  },
};

export default suite;
