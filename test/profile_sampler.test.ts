/**
 * The native sampling countdown (zig/src/profile/sampler.zig): the allocation the library flags is
 * exactly the one a reference model of the seeded sampler picks (in every tier, with and without
 * options, and for an Arena's chunks), each Worker's countdown is its own, and a stopped sampler
 * flags nothing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { test } from "./harness.ts";
import { Arena, heap, profile } from "../mod.ts";
import { startWorker } from "./workers/runtime.ts";
import { sampledIndices } from "./profile/sampler_model.ts";
import type { SamplerWorkerCommand, SamplerWorkerReport } from "./profile/sampler_worker.ts";

function totalSamples(): number {
  return profile.hotSpots({ limit: 100 }).reduce((sum, spot) => sum + spot.samples, 0);
}

function allocatePlain(size: number): void {
  heap.alloc(size).free();
}

function allocateTagged(size: number): void {
  heap.alloc(size, { tag: "t.sampler", align: 64 }).free();
}

test("the sampled allocations are exactly the ones the reference model picks, in every tier and path", () => {
  const sampleBytes = 16 * 1024;
  const seed = 2024;
  // Small, medium and mapped sizes; every third through the options path.
  const sizes = Array.from({ length: 3000 }, (_, i) => [48, 700, 3000, 20_000, 150_000][(i * 7) % 5] + (i % 13));
  const expected = sampledIndices(sizes, sampleBytes, seed);
  assert.ok(expected.length > 200 && expected.length < 4096, `model samples ${expected.length}`);
  profile.clear();
  profile.start({ sampleBytes, seed });
  const taken: number[] = [];
  sizes.forEach((size, index) => {
    const before = totalSamples();
    if (index % 3 === 0) allocateTagged(size);
    else allocatePlain(size);
    if (totalSamples() !== before) taken.push(index);
  });
  profile.stop();
  assert.deepEqual(taken, expected);
  const spots = profile.hotSpots({ limit: 100 });
  assert.ok(spots.some((spot) => spot.stack.includes("allocateTagged") && spot.tags.includes("t.sampler")));
  assert.ok(spots.some((spot) => spot.stack.includes("allocatePlain") && spot.tags.length === 0));
  profile.clear();
});

test("an Arena's chunks run the countdown down and are sampled under the arena's tag", () => {
  const chunkSize = 64 * 1024;
  const sizes = Array.from({ length: 40 }, () => chunkSize);
  const expected = sampledIndices(sizes, 256 * 1024, 77);
  assert.ok(expected.length >= 3, `model samples ${expected.length}`);
  profile.clear();
  profile.start({ sampleBytes: 256 * 1024, seed: 77 });
  const arena = new Arena({ chunkSize, tag: "t.sampler.arena" }); // chunk 0
  try {
    for (let i = 1; i < sizes.length; i++) arena.bytes(chunkSize); // each fills one new chunk
  } finally {
    arena.free();
    profile.stop();
  }
  const spots = profile.hotSpots({ limit: 100 });
  assert.equal(spots.reduce((sum, spot) => sum + spot.samples, 0), expected.length);
  assert.ok(spots.every((spot) => spot.tags.includes("t.sampler.arena")));
  profile.clear();
});

test("after profile.stop() the library flags nothing, however much is allocated", () => {
  profile.clear();
  profile.start({ sampleBytes: 1024, seed: 3 });
  profile.stop();
  for (let i = 0; i < 2000; i++) allocatePlain(4096);
  assert.equal(totalSamples(), 0);
});

function runWorker(command: SamplerWorkerCommand): Promise<SamplerWorkerReport> {
  const worker = startWorker(new URL("./profile/sampler_worker.ts", import.meta.url));
  return new Promise<SamplerWorkerReport>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<SamplerWorkerReport>) => resolve(event.data);
    worker.onerror = (event: Event) => reject(new Error((event as ErrorEvent).message));
    worker.postMessage(command);
  }).finally(() => worker.terminate());
}

test("each Worker's countdown is its own: others' allocations neither use it nor get flagged by it", async () => {
  const sampleBytes = 8192;
  const seed = 41;
  const sizes = Array.from({ length: 4000 }, () => 512);
  const expected = sampledIndices(sizes, sampleBytes, seed).length;
  profile.clear();
  profile.start({ sampleBytes, seed });
  for (let i = 0; i < 2000; i++) allocatePlain(512);
  // Meanwhile one Worker allocates without sampling, another samples with its own seed.
  const [quiet, sampling] = await Promise.all([
    runWorker({ sampleBytes: 0, seed: 1, count: 20_000, size: 1024 }),
    runWorker({ sampleBytes: 4096, seed: 9, count: 3000, size: 256 }),
  ]);
  for (let i = 2000; i < sizes.length; i++) allocatePlain(512);
  profile.stop();
  assert.equal(quiet.error, undefined);
  assert.equal(sampling.error, undefined);
  assert.equal(quiet.samples, 0, "a Worker that never started sampling takes no sample");
  const workerSizes = Array.from({ length: 3000 }, () => 256);
  assert.equal(sampling.samples, sampledIndices(workerSizes, 4096, 9).length);
  assert.equal(totalSamples(), expected, "the main thread's countdown saw only its own allocations");
  profile.clear();
});
