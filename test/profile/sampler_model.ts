/**
 * A reference model of the allocation sampler, written apart from the code it checks: the seeded
 * xorshift32 generator, exponential countdowns of mean `sampleBytes`, a countdown drawn at
 * `profile.start()` and after each sample, and the allocation that takes it to zero or below
 * sampled. Given the same seed and sizes it says exactly which allocations the library flags.
 *
 * @module
 */

/** The indices (into `sizes`) of the allocations the sampler takes, in order. */
export function sampledIndices(sizes: readonly number[], sampleBytes: number, seed: number): number[] {
  let state = seed >>> 0 || 1;
  const nextDraw = (): number => {
    let x = state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    state = x >>> 0 || 1;
    return -Math.log(state / 4294967296) * sampleBytes;
  };
  const sampled: number[] = [];
  let left = nextDraw();
  sizes.forEach((size, index) => {
    left -= size;
    if (left > 0) return;
    sampled.push(index);
    left = nextDraw();
  });
  return sampled;
}
