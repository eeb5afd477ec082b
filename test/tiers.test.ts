/**
 * The tiers in both runtimes: routing at every boundary, the region cache (hits proven by stats and
 * by counting mmaps, the byte budget proven by RSS), zeroing, alignment, advice, statistics,
 * `residentBytes()` against the kernel's smaps, bad options, and region views that outlive a free.
 */
import assert from "node:assert/strict";
import { heap } from "../mod.ts";
import { library } from "../src/ffi/load.ts";
import { readSmaps, residentBytes, test } from "./harness.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

test("every tier boundary routes exactly, and one byte either side", () => {
  const threshold = heap.options().hugeThresholdBytes;
  const cases: [number, string][] = [
    [1, "small"],
    [KiB - 1, "small"],
    [KiB, "small"],
    [KiB + 1, "medium"],
    [16 * KiB - 1, "medium"],
    [16 * KiB, "medium"],
    [16 * KiB + 1, "mapped"],
    [threshold - 1, "mapped"],
    [threshold, "mapped"],
    [threshold + 1, "huge"],
  ];
  for (const [size, tier] of cases) {
    const address = heap.allocRaw(size);
    assert.equal(heap.tierOf(address), tier, `size ${size}`);
    assert.ok(heap.usableSize(address) >= size);
    heap.view(address, size)[size - 1] = 1;
    heap.freeRaw(address);
  }
  using always = heap.alloc(100, { huge: "always" });
  assert.equal(always.tier, "huge");
});

test("a freed mapped region is reused: a cache hit, and no mmap", () => {
  for (const size of [64 * KiB, MiB]) {
    heap.freeRaw(heap.allocRaw(size)); // warm the bin
    const before = heap.stats();
    for (let i = 0; i < 100; i++) heap.freeRaw(heap.allocRaw(size));
    const after = heap.stats();
    assert.equal(after.osMapCalls, before.osMapCalls, `size ${size}: no mmap on a warm cache`);
    assert.equal(after.tiers.mapped.cacheHits - before.tiers.mapped.cacheHits, 100);
    assert.equal(after.tiers.mapped.cacheMisses, before.tiers.mapped.cacheMisses);
  }
});

test("a region whose view was taken still returns to the cache when freed here", () => {
  const address = heap.allocRaw(256 * KiB);
  heap.view(address, 16).fill(3);
  heap.freeRaw(address);
  const maps = heap.stats().osMapCalls;
  const again = heap.allocRaw(256 * KiB);
  assert.equal(again, address);
  assert.equal(heap.stats().osMapCalls, maps);
  heap.freeRaw(again);
});

test("this thread's own region view is detached by its free and reads as empty", () => {
  for (const size of [128 * KiB, 4 * MiB]) {
    const address = heap.allocRaw(size);
    const view = heap.view(address, size);
    view.fill(7);
    heap.freeRaw(address);
    assert.equal(view.length, 0, `size ${size}`);
    assert.equal(view[0], undefined);
  }
});

test("after 1 GiB of mapped-tier blocks are freed, RSS is within the budget after trim()", () => {
  heap.trim();
  const budget = heap.options().cacheBudgetBytes;
  const start = residentBytes();
  const live: number[] = [];
  for (let i = 0; i < 512; i++) {
    const address = heap.allocRaw(2 * MiB - 4096 * (i % 7));
    heap.view(address, 4096).fill(1);
    heap.view(address + MiB, 4096).fill(1); // touch a few pages, not all: keeps the test fast
    live.push(address);
    if (live.length === 64) for (const each of live.splice(0)) heap.freeRaw(each);
  }
  for (const each of live) heap.freeRaw(each);
  const stats = heap.stats();
  assert.ok(stats.cachedBytes <= budget, `cached ${stats.cachedBytes} > budget ${budget}`);
  assert.ok(stats.tiers.mapped.bytesPurged > 0, "regions over budget were given back");
  heap.trim();
  assert.equal(heap.stats().cachedBytes, 0);
  const grown = residentBytes() - start;
  assert.ok(grown < budget + 32 * MiB, `RSS grew by ${grown} bytes`);
});

test("residentBytes() grows by the bytes touched in fresh mapped and huge buffers, and drops after trim()", () => {
  heap.trim();
  const before = heap.residentBytes();
  const mapped = heap.alloc(512 * KiB);
  const huge = heap.alloc(8 * MiB, { huge: "never" }); // 4 KiB pages: exactly the touched bytes
  const thp = heap.alloc(4 * MiB);
  mapped.bytes().fill(1);
  huge.bytes().fill(1);
  thp.bytes().subarray(0, MiB).fill(1);
  const touched = 512 * KiB + 8 * MiB + MiB;
  const during = heap.residentBytes();
  assert.ok(during - before >= touched, `grew by ${during - before}, touched ${touched}`);
  const mappedBytes = [mapped, huge, thp].reduce((sum, buf) => sum + heap.usableSize(buf.address), 0);
  assert.ok(during - before <= mappedBytes, `grew by ${during - before}, mapped ${mappedBytes}`);
  assert.equal(during % 4096, 0);
  mapped.free();
  huge.free();
  thp.free();
  heap.trim();
  const after = heap.residentBytes();
  assert.ok(during - after >= touched, `dropped by ${during - after} after trim()`);
});

/** Whether `address` lies in a segment or region of offheap (live or cached). */
function inOffheapMapping(address: number, out: Float64Array): boolean {
  return library().native.offheap_mapping_of(address, out) === 0;
}

test("residentBytes() is at most the Rss of the smaps mappings holding offheap memory", () => {
  heap.trim();
  const buffers = [heap.alloc(100), heap.alloc(8 * KiB), heap.alloc(300 * KiB), heap.alloc(6 * MiB)];
  for (const buf of buffers) buf.bytes().fill(2);
  const resident = heap.residentBytes();
  // Offheap mappings start on 4 MiB chunks and are read-write: a mapping overlaps a VMA when it
  // holds the VMA's start or starts at a chunk boundary inside it.
  const out = new Float64Array(3);
  let rssBytes = 0;
  let vmas = 0;
  for (const vma of readSmaps()) {
    if (!vma.perms.startsWith("rw")) continue;
    let holds = inOffheapMapping(vma.start, out);
    for (let chunk = Math.ceil(vma.start / (4 * MiB)) * 4 * MiB; !holds && chunk < vma.end; chunk += 4 * MiB) {
      holds = inOffheapMapping(chunk, out);
    }
    if (!holds) continue;
    vmas++;
    // The kernel's Rss leaves hugetlb pages out; residentBytes() counts them.
    rssBytes += ((vma.fields.Rss ?? 0) + (vma.fields.Private_Hugetlb ?? 0) + (vma.fields.Shared_Hugetlb ?? 0)) * KiB;
  }
  for (const buf of buffers) buf.free();
  assert.ok(vmas >= 1, "no VMA holds offheap memory");
  assert.ok(resident > 6 * MiB, `resident ${resident}`);
  assert.ok(rssBytes >= resident, `smaps Rss ${rssBytes} < residentBytes() ${resident}`);
});

test("a mapped region freed by its own thread waits in the thread's stash, and trim() empties it", () => {
  heap.trim();
  const before = heap.stats();
  const address = heap.allocRaw(64 * KiB);
  heap.freeRaw(address);
  const stashed = heap.stats();
  assert.equal(stashed.stashedBytes - before.stashedBytes, 64 * KiB);
  assert.equal(stashed.stashedRegions - before.stashedRegions, 1);
  assert.equal(stashed.cachedRegions, before.cachedRegions, "the global cache is not involved");
  assert.throws(() => heap.freeRaw(address), "a stashed region is still a double free");
  const again = heap.allocRaw(64 * KiB);
  assert.equal(again, address);
  assert.equal(heap.stats().stashHits - before.stashHits, 1);
  heap.freeRaw(again);
  heap.trim();
  const trimmed = heap.stats();
  assert.equal(trimmed.stashedBytes, before.stashedBytes);
  assert.equal(trimmed.cachedBytes, 0);
});

test("zero: true gives zeroed memory from fresh and from recycled regions", () => {
  for (const size of [100, 5000, 64 * KiB, 3 * MiB]) {
    const dirty = heap.allocRaw(size);
    heap.view(dirty, size).fill(0xab);
    heap.freeRaw(dirty);
    using clean = heap.alloc(size, { zero: true });
    assert.ok(clean.bytes().every((byte) => byte === 0), `size ${size}`);
  }
});

test("alignment: powers of two up to 4096 everywhere, up to 2 MiB in the huge tier", () => {
  for (let align = 1; align <= 4096; align *= 2) {
    using buf = heap.alloc(64 * KiB, { align });
    assert.equal(buf.address % align, 0);
  }
  using hugeAligned = heap.alloc(4 * KiB, { huge: "always", align: 2 * MiB });
  assert.equal(hugeAligned.address % (2 * MiB), 0);
  assert.throws(() => heap.alloc(64 * KiB, { align: 8192 }), /up to 4096|from 1 to 4096/);
  assert.throws(() => heap.alloc(4 * MiB, { align: 4 * MiB }), RangeError);
  assert.throws(() => heap.alloc(4 * MiB, { align: 3 * MiB }), RangeError);
});

test("advice is accepted on mapped and huge buffers, and the region is reused afterwards", () => {
  for (const advice of ["sequential", "random", "willneed"] as const) {
    using buf = heap.alloc(512 * KiB, { advice });
    buf.bytes().fill(1);
    using big = heap.alloc(4 * MiB, { advice });
    big.bytes()[0] = 1;
  }
});

test("stats: live and peak bytes per tier, balanced after frees", () => {
  const before = heap.stats().tiers.mapped;
  const addresses = Array.from({ length: 8 }, () => heap.allocRaw(100 * KiB));
  const during = heap.stats().tiers.mapped;
  assert.equal(during.liveBytes - before.liveBytes, 8 * heap.usableSize(addresses[0]));
  assert.ok(during.peakBytes >= during.liveBytes);
  for (const address of addresses) heap.freeRaw(address);
  const after = heap.stats().tiers.mapped;
  assert.equal(after.liveBytes, before.liveBytes);
  assert.equal(after.allocs - after.frees, before.allocs - before.frees);
  assert.ok(heap.stats().numaNodes >= 1);
});

test("every bad option is a clear TypeError or RangeError", () => {
  const bad: [Record<string, unknown>, typeof TypeError | typeof RangeError, RegExp][] = [
    [{ huge: "sometimes" }, RangeError, /huge/],
    [{ huge: 1 }, TypeError, /huge/],
    [{ numa: "nearby" }, RangeError, /numa/],
    [{ numa: true }, TypeError, /numa/],
    [{ advice: "dontneed" }, RangeError, /advice/],
    [{ advice: 3 }, TypeError, /advice/],
    [{ zero: "yes" }, TypeError, /zero/],
    [{ collapse: 1 }, TypeError, /collapse/],
    [{ node: -1 }, RangeError, /node/],
    [{ node: 1.5 }, RangeError, /node/],
    [{ node: "0" }, TypeError, /node/],
    [{ node: 0, numa: "interleave" }, RangeError, /node/],
    [{ align: "64" }, TypeError, /align/],
    [{ align: 3 }, RangeError, /align/],
    [{ tag: 5 }, TypeError, /tag/],
  ];
  for (const [options, kind, pattern] of bad) {
    assert.throws(
      () => heap.alloc(64 * KiB, options),
      (e: unknown) => e instanceof kind && pattern.test((e as Error).message),
      JSON.stringify(options),
    );
  }
  assert.throws(() => heap.alloc(64, null as unknown as object), TypeError);
});
