/**
 * What profiling is doing now: one object whose `stacks` the buffer's constructor checks, and
 * whose `sampleBytes` says whether this thread samples. `profile.start()` fills it in.
 *
 * Sampling draws byte countdowns from an exponential distribution (as tcmalloc's heap profiler
 * does), so each allocation of `size` bytes is sampled with probability `1 - exp(-size / mean)`
 * whatever the pattern of sizes, from a seeded generator so runs repeat. The countdown itself runs
 * in the library (zig/src/profile/sampler.zig, one per thread): every owned allocation counts it
 * down in the call it already makes, and the one that runs it out comes back flagged, so the
 * allocation path tests the same bit with sampling on or off. The sample then arms the next draw.
 *
 * @module
 */
import { whenOpen } from "../ffi/load.ts";

/** The profiler's switches. */
export interface ProfilingState {
  /** Each tracked allocation records its site and time. */
  stacks: boolean;
  /** Mean bytes between samples; 0 when sampling is off. */
  sampleBytes: number;
}

/** The one state object (per JS thread). */
export const profiling: ProfilingState = { stacks: false, sampleBytes: 0 };

/**
 * The generator's state (xorshift32, never 0), kept out of {@linkcode profiling}: its values above
 * 2^31 would change that object's field representation, which the buffer's constructor would pay for.
 */
const seedState = new Uint32Array([1]);

/** A uniform draw in (0, 1] from the seeded generator (xorshift32). */
export function uniform(): number {
  let x = seedState[0];
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  seedState[0] = x >>> 0 || 1;
  return seedState[0] / 4294967296;
}

/** The next countdown: exponential with mean `sampleBytes`. */
function nextCountdown(): number {
  return -Math.log(uniform()) * profiling.sampleBytes;
}

/**
 * Arms this thread's native sampler with the next countdown (or disarms it when sampling is off):
 * after `configure` and after each sample. Before the library is open, it is armed as it opens.
 */
export function armNextSample(): void {
  const countdown = profiling.sampleBytes > 0 ? nextCountdown() : 0;
  whenOpen((native) => {
    const status = native.offheap_profile_countdown(countdown);
    if (status !== 0) throw new RangeError(`Cannot arm the sampler: countdown ${countdown} (status ${status})`);
  });
}

/**
 * The sampled allocation's estimated count and bytes: an allocation of `size` is sampled with
 * probability `p = 1 - exp(-size / mean)`, so it stands for `1 / p` allocations of its size.
 */
export function sampleWeight(size: number): number {
  const probability = 1 - Math.exp(-size / profiling.sampleBytes);
  return probability > 0 ? 1 / probability : 1;
}

/**
 * The default mean bytes between samples: 8 MiB, 16 times tcmalloc's 512 KiB, because capturing a
 * JavaScript stack costs 1 µs in Bun and 3-6 µs in Deno, where tcmalloc's unwinder costs a fraction
 * of that; at 8 MiB a 1 KiB `heap.alloc()` pair pays well under 1 ns for the captures. A program
 * allocating 1 GB/s still takes over 100 samples a second.
 */
export const SAMPLE_BYTES_DEFAULT = 8 * 1024 * 1024;

/** Turns tracking and sampling on or off (`sampleBytes` 0: no sampling). */
export function configure(stacks: boolean, sampleBytes: number, seed: number): void {
  profiling.stacks = stacks;
  profiling.sampleBytes = sampleBytes;
  seedState[0] = seed >>> 0 || 1;
  armNextSample();
}

/** `OFFHEAP_PROFILE`: a comma list of `stacks` (track every buffer's site) and `sample` (hot spots). */
function readEnvironment(): string {
  try {
    const global = globalThis as unknown as {
      Deno?: { env: { get(name: string): string | undefined } };
      process?: { env: Record<string, string | undefined> };
    };
    return (global.Deno ? global.Deno.env.get("OFFHEAP_PROFILE") : global.process?.env.OFFHEAP_PROFILE) ?? "";
  } catch {
    return ""; // Deno without --allow-env: profiling stays off.
  }
}

const requested = readEnvironment().split(",").map((word) => word.trim());
if (requested.includes("stacks") || requested.includes("sample")) {
  configure(requested.includes("stacks"), requested.includes("sample") ? SAMPLE_BYTES_DEFAULT : 0, Date.now());
}
