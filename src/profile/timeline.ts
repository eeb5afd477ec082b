/**
 * The timeline: `profile.sample({ intervalMs })` reads, every interval, the live bytes of each
 * tier (`heap.stats()`), of each tag, the process's RSS and the allocation rate since the previous
 * sample. The timer never keeps the process alive (`unref` in Bun, `Deno.unrefTimer` in Deno), and
 * the samples are a bounded ring (the oldest go first).
 *
 * @module
 */
import { describe } from "../errors.ts";
import { readStats, type Tier, TIERS } from "../heap/stats.ts";
import { readTags } from "./tags.ts";

/** One reading of the timeline. */
export interface TimelineSample {
  /** When, in ms since the epoch. */
  time: number;
  /** Live bytes of each tier (usable sizes). */
  tiers: Record<Tier, number>;
  /** Live bytes of the tiers together. */
  liveBytes: number;
  /** Live bytes of each tag. */
  tags: Record<string, number>;
  /** The process's resident set size in bytes (the runtime's own memory included). */
  rssBytes: number;
  /** Bytes allocated per second since the previous sample (0 for the first). */
  allocRateBytesPerSecond: number;
}

/** Options of `profile.sample()`. */
export interface SampleOptions {
  /** Milliseconds between samples: an integer from 1 to 3,600,000. Default 1000. */
  intervalMs?: number;
  /** Samples kept (the oldest are dropped): an integer from 2 to 1,000,000. Default 3600. */
  maxSamples?: number;
}

/** A running timeline sampler (from `profile.sample()`). */
export interface Sampler {
  /** Stops sampling; the samples stay readable. Idempotent. */
  stop(): void;
  /** Stops sampling, for `using`. */
  [Symbol.dispose](): void;
}

const samples: TimelineSample[] = [];
let maxSamples = 3600;
let timer: ReturnType<typeof setInterval> | undefined;
let lastAllocated = 0;
let lastTime = 0;

interface DenoMemory {
  Deno?: { memoryUsage(): { rss: number }; unrefTimer(id: number): void };
  process?: { memoryUsage(): { rss: number } };
}

function rssBytes(): number {
  const global = globalThis as unknown as DenoMemory;
  if (global.Deno) return global.Deno.memoryUsage().rss;
  return global.process?.memoryUsage().rss ?? 0;
}

/** Takes one sample now and, when `record`, appends it to the timeline. */
export function takeSample(record = true): TimelineSample {
  const stats = readStats(0);
  const now = Date.now();
  const tiers = {} as Record<Tier, number>;
  let liveBytes = 0;
  let allocated = 0;
  for (const tier of TIERS) {
    tiers[tier] = stats.tiers[tier].liveBytes;
    liveBytes += tiers[tier];
    allocated += stats.tiers[tier].bytesAllocated;
  }
  const tags: Record<string, number> = {};
  for (const [name, counters] of Object.entries(readTags())) tags[name] = counters.liveBytes;
  const seconds = (now - lastTime) / 1000;
  const rate = lastTime === 0 || seconds <= 0 ? 0 : Math.max(0, allocated - lastAllocated) / seconds;
  const sample = { time: now, tiers, liveBytes, tags, rssBytes: rssBytes(), allocRateBytesPerSecond: rate };
  if (!record) return sample;
  lastAllocated = allocated;
  lastTime = now;
  samples.push(sample);
  if (samples.length > maxSamples) samples.splice(0, samples.length - maxSamples);
  return sample;
}

function integerIn(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new TypeError(`Cannot start sampling: ${name} must be a number, got ${typeof value} ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot start sampling: ${name} must be an integer from ${min} to ${max}, got ${describe(value)}`,
    );
  }
  return value;
}

/** Starts (or restarts, with new options) the sampler; the first sample is taken at once. */
export function startSampling(options: SampleOptions = {}): Sampler {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot start sampling: options must be an object, got ${describe(options)}`);
  }
  const intervalMs = integerIn("intervalMs", options.intervalMs, 1000, 1, 3_600_000);
  maxSamples = integerIn("maxSamples", options.maxSamples, 3600, 2, 1_000_000);
  stopSampling();
  takeSample();
  const started = setInterval(() => takeSample(), intervalMs);
  timer = started;
  const global = globalThis as unknown as DenoMemory;
  if (global.Deno) global.Deno.unrefTimer(started as unknown as number);
  else (started as unknown as { unref?: () => void }).unref?.();
  const stop = () => {
    if (timer === started) stopSampling();
  };
  return { stop, [Symbol.dispose]: stop };
}

/** Stops the sampler, if one runs. */
export function stopSampling(): void {
  if (timer === undefined) return;
  clearInterval(timer);
  timer = undefined;
}

/** Whether the sampler runs. */
export function sampling(): boolean {
  return timer !== undefined;
}

/** A copy of the samples taken so far. */
export function timelineSamples(): TimelineSample[] {
  return samples.map((sample) => ({ ...sample, tiers: { ...sample.tiers }, tags: { ...sample.tags } }));
}

/** Forgets every sample. */
export function clearTimeline(): void {
  samples.length = 0;
  lastAllocated = 0;
  lastTime = 0;
}
