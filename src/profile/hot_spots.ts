/**
 * Hot spots: allocation sites ranked by the bytes and the allocations they are estimated to make,
 * from sampled allocations (see state.ts for the sampling). Each sample's site is captured once
 * and stands for `1 / p` allocations of its size, so the estimates are unbiased whatever the mix of
 * sizes; the cost is one stack capture per `sampleBytes` allocated, on average.
 *
 * @module
 */
import { nextCountdown, profiling, sampleWeight } from "./state.ts";
import { captureSite } from "./sites.ts";

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

const spots = new Map<string, HotSpot>();

/** Records a sampled allocation of `size` bytes and draws the next countdown. */
export function noteSample(size: number, tag: string | undefined): void {
  const weight = sampleWeight(size);
  const { site, stack } = captureSite();
  const key = `${site}\n${stack}`;
  let spot = spots.get(key);
  if (spot === undefined) {
    spot = { site, stack, bytes: 0, count: 0, samples: 0, tags: [] };
    spots.set(key, spot);
  }
  spot.bytes += size * weight;
  spot.count += weight;
  spot.samples += 1;
  if (tag !== undefined && !spot.tags.includes(tag)) spot.tags.push(tag);
  profiling.countdown = nextCountdown();
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
  const ranked = [...spots.values()].sort((a, b) => b[by] - a[by]);
  return ranked.slice(0, limit).map((spot) => ({ ...spot, tags: spot.tags.slice() }));
}

/** Forgets every sample (a new `profile.start()`). */
export function clearHotSpots(): void {
  spots.clear();
}
