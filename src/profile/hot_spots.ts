/**
 * Hot spots: allocation sites ranked by the bytes and the allocations they are estimated to make,
 * from sampled allocations (see state.ts for the sampling). Each sample's site is captured once
 * and stands for `1 / p` allocations of its size, so the estimates are unbiased whatever the mix of
 * sizes; the cost is one stack capture per `sampleBytes` allocated, on average.
 *
 * A sample's stack is captured at once (1-3 µs) but formatted (about 70 µs in Deno, which
 * source-maps it; 4 µs in Bun) only when the hot spots are read: formatting each at once made
 * sampling cost more than the allocations it sampled in Deno. The waiting samples are bounded by
 * thinning: when {@linkcode PENDING_MAX} wait, each is kept with probability 1/2 and its weight
 * doubled, which keeps every estimate unbiased. Until formatted, a captured stack keeps its
 * frames' receivers alive.
 *
 * @module
 */
import { armNextSample, profiling, sampleWeight, uniform } from "./state.ts";
import { captureStack, siteOf } from "./sites.ts";

/** One allocation site, as the samples estimate it. */
export interface HotSpot {
  /** The caller's `file:line:column`. */
  site: string;
  /** The caller's frames, innermost first. */
  stack: string;
  /** Estimated bytes allocated from the site while sampling was on. */
  bytes: number;
  /** Estimated allocations made from the site. */
  count: number;
  /** Samples taken at the site (the estimates' precision grows with it). */
  samples: number;
  /** The tags its sampled allocations carried. */
  tags: string[];
}

/** Options of `profile.hotSpots()`. */
export interface HotSpotOptions {
  /** Rank by estimated `"bytes"` (default) or `"count"`. */
  by?: "bytes" | "count";
  /** At most this many sites (default 20). */
  limit?: number;
}

/** Samples waiting to be formatted at most. */
export const PENDING_MAX = 4096;

interface PendingSample {
  readonly captured: Error;
  readonly size: number;
  weight: number;
  readonly tag: string | undefined;
}

const spots = new Map<string, HotSpot>();
const pending: PendingSample[] = [];

/**
 * Records an allocation of `size` bytes the native sampler flagged, and arms it with the next
 * countdown. A flag that comes back after this thread stopped sampling (none should) is dropped.
 */
export function noteSample(size: number, tag: string | undefined): void {
  if (profiling.sampleBytes === 0) return;
  pending.push({ captured: captureStack(), size, weight: sampleWeight(size), tag });
  if (pending.length >= PENDING_MAX) thinPending();
  armNextSample();
}

/** Keeps each waiting sample with probability 1/2, at twice its weight. */
function thinPending(): void {
  let kept = 0;
  for (const sample of pending) {
    if (uniform() > 0.5) continue;
    sample.weight *= 2;
    pending[kept++] = sample;
  }
  pending.length = kept;
}

/** Formats the waiting samples and adds them to their sites. */
function formatPending(): void {
  for (const sample of pending) {
    const { site, stack } = siteOf(sample.captured);
    const key = `${site}\n${stack}`;
    let spot = spots.get(key);
    if (spot === undefined) {
      spot = { site, stack, bytes: 0, count: 0, samples: 0, tags: [] };
      spots.set(key, spot);
    }
    spot.bytes += sample.size * sample.weight;
    spot.count += sample.weight;
    spot.samples += 1;
    if (sample.tag !== undefined && !spot.tags.includes(sample.tag)) spot.tags.push(sample.tag);
  }
  pending.length = 0;
}

/** The sampled sites, ranked. */
export function rankHotSpots(options: HotSpotOptions = {}): HotSpot[] {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot rank hot spots: options must be an object, got ${String(options)}`);
  }
  const by = options.by ?? "bytes";
  if (by !== "bytes" && by !== "count") {
    throw new RangeError(`Cannot rank hot spots: by must be "bytes" or "count", got ${String(by)}`);
  }
  const limit = options.limit ?? 20;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`Cannot rank hot spots: limit must be a positive integer, got ${String(limit)}`);
  }
  formatPending();
  const ranked = [...spots.values()].sort((a, b) => b[by] - a[by]);
  return ranked.slice(0, limit).map((spot) => ({ ...spot, tags: spot.tags.slice() }));
}

/** Forgets every sample (a new `profile.start()`). */
export function clearHotSpots(): void {
  spots.clear();
  pending.length = 0;
}
