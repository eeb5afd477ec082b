/**
 * The `profile` namespace: tags (`byTag`), leak reports (`leaks`), sampled hot spots
 * (`hotSpots`), the timeline (`sample`, `timeline`) and the summaries (`report`, `timelineSvg`).
 * Off by default and then free: `heap.alloc()` checks one flag. `start()` turns on stack tracking
 * and/or sampling; `OFFHEAP_PROFILE=stacks` (or `sample`, or both) does it from the environment.
 *
 * @module
 */
import { describe } from "../errors.ts";
import { leakReport } from "../heap/buffer.ts";
import { clearHotSpots, type HotSpot, type HotSpotOptions, rankHotSpots } from "./hot_spots.ts";
import { type LeakEntry, listLeaks } from "./leaks.ts";
import { renderReport, renderTimelineSvg } from "./report.ts";
import { configure, profiling, SAMPLE_BYTES_DEFAULT } from "./state.ts";
import { readTags, type TagStats } from "./tags.ts";
import {
  clearTimeline,
  type SampleOptions,
  type Sampler,
  sampling,
  startSampling,
  takeSample,
  type TimelineSample,
  timelineSamples,
} from "./timeline.ts";

/** Options of {@linkcode Profile.start}. */
export interface ProfileOptions {
  /**
   * Record each `heap.alloc()` buffer's allocation site (a trimmed JS stack) and time, so
   * `leaks()` names where leaked and still-live buffers were made. Costs a stack capture (a few
   * microseconds) per allocation. Default false.
   */
  stacks?: boolean;
  /**
   * Sample allocations for `hotSpots()`: one sample per this many bytes allocated on average (an
   * exponential countdown, as tcmalloc's heap profiler). 0 turns sampling off. Default 8388608
   * (8 MiB: a sample's stack capture costs 1-6 µs).
   */
  sampleBytes?: number;
  /** Seed of the sampler's generator, for repeatable runs. Default: the clock. */
  seed?: number;
}

/** What the profiler is doing. */
export interface ProfileStatus {
  /** Whether allocation sites are tracked. */
  stacks: boolean;
  /** Mean bytes between samples, 0 when not sampling. */
  sampleBytes: number;
  /** Whether the timeline sampler runs. */
  timeline: boolean;
}

/** The profiler. */
export interface Profile {
  /**
   * Turns on stack tracking and/or allocation sampling (replacing earlier settings).
   *
   * @param options What to record.
   * @throws {TypeError} If an option has the wrong type.
   * @throws {RangeError} If `sampleBytes` is negative or not an integer.
   *
   * @example
   * ```ts
   * import { heap, profile } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * profile.start({ stacks: true, sampleBytes: 4096, seed: 1 });
   * const buf = heap.alloc(1024);
   * assert.equal(profile.leaks().some((leak) => leak.address === buf.address), true);
   * buf.free();
   * profile.stop();
   * ```
   */
  start(options?: ProfileOptions): void;

  /**
   * Turns stack tracking and sampling off (what was recorded stays readable).
   *
   * @example
   * ```ts
   * import { profile } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * profile.start();
   * profile.stop();
   * assert.equal(profile.status().sampleBytes, 0);
   * ```
   */
  stop(): void;

  /**
   * Forgets the hot spots and the timeline (tag counters and leak records are kept).
   *
   * @example
   * ```ts
   * import { profile } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * profile.clear();
   * assert.deepEqual(profile.timeline(), []);
   * ```
   */
  clear(): void;

  /**
   * What the profiler is doing now.
   *
   * @example
   * ```ts
   * import { profile } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.equal(typeof profile.status().stacks, "boolean");
   * ```
   */
  status(): ProfileStatus;

  /**
   * Live bytes, blocks and peak of every tag (`tag` option of `heap.alloc`, `Pool`, `Arena`,
   * `Cache`), summed over every Worker. A Pool or Cache counts the memory it maps; an Arena its chunks.
   *
   * @returns The counters by tag name.
   *
   * @example
   * ```ts
   * import { heap, profile } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * const buf = heap.alloc(1000, { tag: "doc-example" });
   * assert.ok(profile.byTag()["doc-example"].liveBytes >= 1000);
   * buf.free();
   * ```
   */
  byTag(): Record<string, TagStats>;

  /**
   * Buffers the GC collected without `free()`, then (with stack tracking) the tracked buffers still
   * live, with site, size, tag and age.
   *
   * @returns The suspected leaks.
   *
   * @example
   * ```ts
   * import { profile } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.ok(Array.isArray(profile.leaks()));
   * ```
   */
  leaks(): LeakEntry[];

  /**
   * The sampled allocation sites, ranked by estimated bytes (or count).
   *
   * @param options `by` and `limit`.
   * @returns The sites.
   *
   * @example
   * ```ts
   * import { heap, profile } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * profile.start({ sampleBytes: 1024, seed: 7 });
   * for (let i = 0; i < 100; i++) heap.alloc(256).free();
   * profile.stop();
   * assert.ok(profile.hotSpots({ by: "count", limit: 5 }).length >= 1);
   * ```
   */
  hotSpots(options?: HotSpotOptions): HotSpot[];

  /**
   * Starts the timeline: every `intervalMs`, the live bytes per tier and per tag, RSS and the
   * allocation rate. The timer never keeps the process alive.
   *
   * @param options The interval and how many samples to keep.
   * @returns The sampler (stop it, or `using` it).
   *
   * @example
   * ```ts
   * import { profile } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * using _sampler = profile.sample({ intervalMs: 100 });
   * assert.ok(profile.timeline().length >= 1);
   * ```
   */
  sample(options?: SampleOptions): Sampler;

  /**
   * The timeline's samples so far.
   *
   * @example
   * ```ts
   * import { profile } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.ok(Array.isArray(profile.timeline()));
   * ```
   */
  timeline(): TimelineSample[];

  /**
   * A readable summary: now, peak, growth rate, allocation rate, top tags, top sites, suspected leaks.
   *
   * @example
   * ```ts
   * import { profile } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.match(profile.report(), /suspected leaks/);
   * ```
   */
  report(): string;

  /**
   * The timeline as an SVG chart (live bytes per tier, total live and RSS over time).
   *
   * @example
   * ```ts
   * import { profile } from "@offheap/offheap";
   * import assert from "node:assert/strict";
   * assert.match(profile.timelineSvg(), /^<svg/);
   * ```
   */
  timelineSvg(): string;
}

function start(options: ProfileOptions = {}): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot start profiling: options must be an object, got ${describe(options)}`);
  }
  const { stacks = false, sampleBytes = SAMPLE_BYTES_DEFAULT, seed = Date.now() } = options;
  if (typeof stacks !== "boolean") {
    throw new TypeError(`Cannot start profiling: stacks must be a boolean, got ${typeof stacks} ${describe(stacks)}`);
  }
  for (const [name, value] of [["sampleBytes", sampleBytes], ["seed", seed]] as const) {
    if (typeof value !== "number") {
      throw new TypeError(`Cannot start profiling: ${name} must be a number, got ${typeof value} ${describe(value)}`);
    }
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Cannot start profiling: ${name} must be a non-negative integer, got ${describe(value)}`);
    }
  }
  configure(stacks, sampleBytes, seed);
}

/** The profiler. */
export const profile: Profile = {
  start,
  stop: () => configure(false, 0, 1),
  clear() {
    clearHotSpots();
    clearTimeline();
  },
  status: () => ({ stacks: profiling.stacks, sampleBytes: profiling.sampleBytes, timeline: sampling() }),
  byTag: readTags,
  leaks: listLeaks,
  hotSpots: rankHotSpots,
  sample: startSampling,
  timeline: timelineSamples,
  report() {
    const timeline = timelineSamples();
    const now = takeSample(false);
    return renderReport({
      now,
      timeline,
      tags: readTags(),
      hotSpots: rankHotSpots({ limit: 10 }),
      leaks: listLeaks(),
      leakedTotal: leakReport().count,
    });
  },
  timelineSvg: () => renderTimelineSvg(timelineSamples()),
};
