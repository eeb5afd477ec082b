/**
 * Profiling (issue 13): tags balance in heap.alloc, Pool, Arena and Cache; a leaked buffer is
 * reported with the line that allocated it (GC forced in a child process); the sampler's rate and
 * estimates hold within a statistical tolerance; the timeline, the report and the SVG are
 * well-formed, and the timeline's timer never keeps a process alive; bad input is refused.
 *
 * @module
 */
import assert from "node:assert/strict";
import { runScript, test } from "./harness.ts";
import { Arena, Cache, heap, OffheapBuffer, Pool, profile } from "../mod.ts";
import { startWorker } from "./workers/runtime.ts";
import type { TagWorkerCommand, TagWorkerReport } from "./profile/tag_worker.ts";

const here = new URL(".", import.meta.url).pathname;

function liveOf(tag: string): { liveBytes: number; liveBlocks: number; peakBytes: number } {
  const counters = profile.byTag()[tag];
  assert.ok(counters, `tag ${tag} is listed`);
  return counters;
}

test("heap.alloc() counts each block under its tag, in every tier, back to zero after free", () => {
  const sizes = [16, 2000, 5000, 100_000, 3 * 1024 * 1024];
  const buffers = sizes.map((size) => heap.alloc(size, { tag: "t.heap" }));
  const total = sizes.reduce((sum, size) => sum + size, 0);
  assert.deepEqual(buffers.map((buffer) => buffer.tier), ["small", "medium", "medium", "mapped", "huge"]);
  assert.equal(liveOf("t.heap").liveBytes, total);
  assert.equal(liveOf("t.heap").liveBlocks, sizes.length);
  buffers[0].free();
  buffers[0].free(); // idempotent: counted once
  assert.equal(liveOf("t.heap").liveBytes, total - 16);
  for (const buffer of buffers) buffer.free();
  assert.deepEqual({ ...liveOf("t.heap") }, { ...liveOf("t.heap"), liveBytes: 0, liveBlocks: 0 });
  assert.equal(liveOf("t.heap").peakBytes, total);
  assert.equal(profile.byTag()["t.heap"].allocs, sizes.length);
  assert.equal(profile.byTag()["t.heap"].frees, sizes.length);
});

test("a transferred tagged buffer stays counted until its new owner frees it", () => {
  const descriptor = heap.alloc(512, { tag: "t.transfer" }).transfer();
  assert.equal(descriptor.tag, "t.transfer");
  assert.equal(liveOf("t.transfer").liveBytes, 512);
  OffheapBuffer.from(descriptor).free();
  assert.equal(liveOf("t.transfer").liveBytes, 0);
  assert.equal(liveOf("t.transfer").liveBlocks, 0);
});

test("tags are process-wide: a Worker's tagged buffers count where the main thread reads, and balance when it frees them", async () => {
  const mine = heap.alloc(1000, { tag: "t.workers" });
  const worker = startWorker(new URL("./profile/tag_worker.ts", import.meta.url));
  try {
    const report = await new Promise<TagWorkerReport>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<TagWorkerReport>) => resolve(event.data);
      worker.onerror = (event: Event) => reject(new Error((event as ErrorEvent).message));
      worker.postMessage({ tag: "t.workers", count: 50, size: 300 } satisfies TagWorkerCommand);
    });
    assert.equal(report.error, undefined);
    assert.equal(report.liveBytesSeen, 1000 + 50 * 300, "the Worker sees the main thread's bytes too");
    assert.equal(liveOf("t.workers").liveBytes, 1000 + 50 * 300);
    assert.equal(liveOf("t.workers").liveBlocks, 51);
    for (const descriptor of report.descriptors) OffheapBuffer.from(descriptor).free();
    mine.free();
    assert.equal(liveOf("t.workers").liveBytes, 0);
    assert.equal(liveOf("t.workers").liveBlocks, 0);
    assert.equal(liveOf("t.workers").peakBytes, 1000 + 50 * 300);
  } finally {
    worker.terminate();
  }
});

test("a Pool, an Arena and a Cache count the memory they map under their tag, back to zero", () => {
  const pool = new Pool({ blockSize: 4096, capacity: 4, tag: "t.pool" });
  const arena = new Arena({ chunkSize: 65536, tag: "t.arena" });
  const cache = new Cache({ maxBytes: 1 << 20, tag: "t.cache" });
  assert.equal(liveOf("t.pool").liveBytes, pool.stats().mappedBytes);
  assert.equal(liveOf("t.pool").liveBlocks, 1);
  const blocks = Array.from({ length: 20 }, () => pool.alloc()); // the pool grows
  assert.equal(liveOf("t.pool").liveBytes, pool.stats().mappedBytes);
  assert.ok(liveOf("t.pool").liveBytes >= 20 * 4096);
  for (const block of blocks) pool.free(block);
  assert.deepEqual([liveOf("t.arena").liveBytes, liveOf("t.arena").liveBlocks], [65536, 1]);
  for (let i = 0; i < 5; i++) arena.alloc(60_000); // a chunk each
  assert.deepEqual([liveOf("t.arena").liveBytes, liveOf("t.arena").liveBlocks], [5 * 65536, 5]);
  arena.reset();
  assert.deepEqual([liveOf("t.arena").liveBytes, liveOf("t.arena").liveBlocks], [65536, 1]);
  for (let i = 0; i < 200; i++) cache.set(`key${i}`, new Uint8Array(1000));
  assert.equal(liveOf("t.cache").liveBytes, cache.stats().memoryBytes);
  assert.ok(liveOf("t.cache").liveBytes > 200 * 1000);
  pool.free();
  arena.free();
  cache.free();
  for (const tag of ["t.pool", "t.arena", "t.cache"]) {
    assert.deepEqual([tag, liveOf(tag).liveBytes, liveOf(tag).liveBlocks], [tag, 0, 0]);
    assert.ok(liveOf(tag).peakBytes > 0);
  }
});

function leakChild(mode: string): Record<string, unknown> {
  const child = runScript(`${here}profile/leak_child.ts`, [mode], { denoFlags: ["--v8-flags=--expose-gc"] });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout.trim().split("\n").pop()!);
}

interface LeakEntryShape {
  state: string;
  address: number;
  byteLength: number;
  tag?: string;
  site?: string;
  ageSeconds: number;
}

test("a buffer dropped without free() is reported, after a forced GC, with the line that allocated it", () => {
  const report = leakChild("stacks");
  const leaks = report.leaks as LeakEntryShape[];
  const leaked = leaks.find((leak) => leak.address === report.leakedAddress);
  assert.ok(leaked, `the leaked buffer is listed: ${JSON.stringify(leaks)}`);
  assert.equal(leaked.state, "collected");
  assert.equal(leaked.byteLength, 4096);
  assert.equal(leaked.tag, "leaky");
  assert.match(leaked.site ?? "", /leak_child\.ts:25:\d+$/);
  assert.ok(leaked.ageSeconds >= 0 && leaked.ageSeconds < 60);
  const kept = leaks.find((leak) => leak.address === report.keptAddress);
  assert.ok(kept, "the buffer still live is listed");
  assert.equal(kept.state, "live");
  assert.match(kept.site ?? "", /leak_child\.ts:30:\d+$/);
  // The collected buffer was never freed: its bytes still count under its tag.
  assert.equal(report.leakyLiveBytes, 4096);
});

test("without stack tracking, batched leak watching still reports the leaked buffer", () => {
  const report = leakChild("batched");
  const leaks = report.leaks as LeakEntryShape[];
  const leaked = leaks.find((leak) => leak.address === report.leakedAddress);
  assert.ok(leaked, `the leaked buffer is listed: ${JSON.stringify(leaks)}`);
  assert.equal(leaked.state, "collected");
  assert.equal(leaked.site, undefined);
  assert.equal((report.heapLeaks as { count: number }).count, 1);
  assert.equal(
    leaks.some((leak) => leak.address === report.keptAddress),
    false,
    "live buffers are tracked only with stacks",
  );
});

function allocateSmall(count: number): void {
  for (let i = 0; i < count; i++) heap.alloc(64).free();
}

function allocateLarge(count: number): void {
  for (let i = 0; i < count; i++) heap.alloc(4096).free();
}

test("sampling estimates each site's bytes and count within tolerance, and ranks them", () => {
  const sampleBytes = 4096;
  const run = () => {
    profile.clear();
    profile.start({ sampleBytes, seed: 12345 });
    allocateSmall(20_000); // 1.25 MiB: about 312 samples expected
    allocateLarge(2_000); // 8 MiB: each sampled with probability 1 - e^-1, about 1264 samples
    profile.stop();
    return profile.hotSpots({ limit: 10 });
  };
  const spots = run();
  const small = spots.find((spot) => spot.stack.includes("allocateSmall"));
  const large = spots.find((spot) => spot.stack.includes("allocateLarge"));
  assert.ok(small && large, JSON.stringify(spots.map((spot) => spot.site)));
  // Samples are Poisson(312) and Binomial(2000, 0.632): ±25% and ±10% are beyond 4 standard deviations.
  assert.ok(Math.abs(small.samples - 312.5) < 0.25 * 312.5, `small samples ${small.samples}`);
  assert.ok(Math.abs(large.samples - 1264) < 0.1 * 1264, `large samples ${large.samples}`);
  assert.ok(Math.abs(small.bytes / (20_000 * 64) - 1) < 0.25, `small bytes ${small.bytes}`);
  assert.ok(Math.abs(small.count / 20_000 - 1) < 0.25, `small count ${small.count}`);
  assert.ok(Math.abs(large.bytes / (2_000 * 4096) - 1) < 0.1, `large bytes ${large.bytes}`);
  assert.equal(spots[0], large, "ranked by bytes, the large site comes first");
  assert.equal(profile.hotSpots({ by: "count" })[0].stack.includes("allocateSmall"), true);
  assert.match(small.site, /profile\.test\.ts:\d+:\d+$/);
  // A fixed seed repeats exactly.
  const again = run();
  assert.deepEqual(again.map((spot) => spot.samples), spots.map((spot) => spot.samples));
  profile.clear();
});

test("past 4096 waiting samples, thinning keeps the estimates unbiased", () => {
  profile.clear();
  profile.start({ sampleBytes: 64, seed: 99 });
  allocateSmall(20_000); // each sampled with probability 1 - e^-1: about 12,600 samples, thinned twice
  profile.stop();
  const [spot] = profile.hotSpots({ limit: 1 });
  assert.ok(spot.samples < 4096, `samples kept ${spot.samples}`);
  assert.ok(Math.abs(spot.count / 20_000 - 1) < 0.1, `count ${spot.count}`);
  assert.ok(Math.abs(spot.bytes / (20_000 * 64) - 1) < 0.1, `bytes ${spot.bytes}`);
  profile.clear();
});

test("with profiling off, nothing is sampled or tracked", () => {
  profile.clear();
  profile.stop();
  allocateSmall(1000);
  assert.deepEqual(profile.hotSpots(), []);
  assert.deepEqual(profile.status(), { stacks: false, sampleBytes: 0, timeline: false });
});

/** Whether `text` is well-formed XML as far as element nesting goes (the SVG writes no comments or CDATA). */
function wellFormed(text: string): boolean {
  const open: string[] = [];
  for (const match of text.matchAll(/<(\/?)([a-zA-Z]+)([^>]*?)(\/?)>/g)) {
    const [, closing, name, , selfClosing] = match;
    if (selfClosing) continue;
    if (closing) {
      if (open.pop() !== name) return false;
    } else open.push(name);
  }
  return open.length === 0 && !/&(?!amp;|lt;|gt;|quot;)/.test(text);
}

test("the timeline samples tiers, tags, RSS and rate; the report and the SVG are well-formed", async () => {
  profile.clear();
  const sampler = profile.sample({ intervalMs: 20 });
  const held: OffheapBuffer[] = [];
  for (let step = 0; step < 6; step++) {
    held.push(heap.alloc(200_000, { tag: "t.timeline" }));
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  sampler.stop();
  sampler.stop();
  const timeline = profile.timeline();
  assert.ok(timeline.length >= 4, `samples ${timeline.length}`);
  for (const sample of timeline) {
    assert.deepEqual(Object.keys(sample.tiers), ["small", "medium", "mapped", "huge"]);
    assert.equal(sample.liveBytes, Object.values(sample.tiers).reduce((sum, bytes) => sum + bytes, 0));
    assert.ok(sample.rssBytes > 0);
    assert.ok(sample.allocRateBytesPerSecond >= 0);
  }
  const last = timeline[timeline.length - 1];
  assert.ok(last.tags["t.timeline"] >= 5 * 200_000);
  assert.ok(timeline.slice(1).some((sample) => sample.allocRateBytesPerSecond > 0));
  assert.ok(last.time > timeline[0].time);
  const report = profile.report();
  for (const heading of ["now", "live:", "growth:", "top tags", "t.timeline", "top sites", "suspected leaks"]) {
    assert.ok(report.includes(heading), `report has ${heading}:\n${report}`);
  }
  const svg = profile.timelineSvg();
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok(wellFormed(svg), svg);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 6);
  const points = /points="([^"]*)"/.exec(svg)![1].split(" ");
  assert.equal(points.length, timeline.length);
  for (const point of points) assert.match(point, /^\d+(\.\d)?,\d+(\.\d)?$/);
  for (const buffer of held) buffer.free();
  assert.equal(liveOf("t.timeline").liveBytes, 0);
});

test("the timeline's timer never keeps a process alive", () => {
  const started = Date.now();
  const child = runScript(`${here}profile/timer_child.ts`, [], { timeoutMs: 20_000 });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout.trim()), { samples: 1, stacks: false });
  assert.ok(Date.now() - started < 9_000, "the child ended before the 10 s interval fired");
});

test("bad tags and options are TypeErrors or RangeErrors; a freed buffer is USE_AFTER_FREE", () => {
  const long = "x".repeat(65);
  for (
    const [tag, kind] of [[42, TypeError], [null, TypeError], ["", RangeError], [long, RangeError], [
      "é".repeat(33),
      RangeError,
    ]] as const
  ) {
    assert.throws(() => heap.alloc(64, { tag: tag as unknown as string }), kind);
    assert.throws(() => new Pool({ blockSize: 64, tag: tag as unknown as string }), kind);
    assert.throws(() => new Arena({ tag: tag as unknown as string }), kind);
    assert.throws(() => new Cache({ maxBytes: 1 << 20, tag: tag as unknown as string }), kind);
  }
  heap.alloc(64, { tag: "x".repeat(64) }).free(); // 64 bytes is the limit
  assert.throws(() => heap.alloc("64" as unknown as number), TypeError);
  assert.throws(() => heap.alloc(-1), RangeError);
  assert.throws(() => heap.alloc(1.5), RangeError);
  assert.throws(() => heap.alloc(Number.NaN), RangeError);
  assert.throws(() => heap.alloc(2 ** 47), RangeError);
  assert.throws(() => heap.alloc(64, null as unknown as undefined), TypeError);
  assert.throws(() => profile.start({ stacks: "yes" as unknown as boolean }), TypeError);
  assert.throws(() => profile.start({ sampleBytes: -1 }), RangeError);
  assert.throws(() => profile.start({ sampleBytes: "1" as unknown as number }), TypeError);
  assert.throws(() => profile.sample({ intervalMs: 0 }), RangeError);
  assert.throws(() => profile.sample({ intervalMs: "1" as unknown as number }), TypeError);
  assert.throws(() => profile.hotSpots({ by: "size" as unknown as "bytes" }), RangeError);
  assert.throws(() => profile.hotSpots({ limit: 0 }), RangeError);
  assert.equal(profile.status().stacks, false);
  const buffer = heap.alloc(64);
  buffer.free();
  assert.throws(() => buffer.bytes(), { code: "USE_AFTER_FREE" });
  assert.throws(() => buffer.share(), { code: "USE_AFTER_FREE" });
});

test("OFFHEAP_PROFILE=stacks turns on stack tracking at load", () => {
  const child = runScript(`${here}profile/timer_child.ts`, [], { env: { OFFHEAP_PROFILE: "stacks" } });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout.trim()), { samples: 1, stacks: true });
});
