/**
 * The small and medium tiers and the raw/owned allocation paths, in both runtimes: size classes,
 * alignment, data integrity, usable size, realloc, and bounded RSS under churn.
 */
import assert from "node:assert/strict";
import { heap, OffheapBuffer } from "../mod.ts";
import { residentBytes, test } from "./harness.ts";

/** Every class size of zig/src/alloc/size_class.zig up to the medium limit. */
const CLASS_SIZES = (() => {
  const sizes: number[] = [];
  for (let size = 16; size <= 128; size += 16) sizes.push(size);
  for (let base = 128; base < 16384; base *= 2) for (let q = 1; q <= 4; q++) sizes.push(base + (base / 4) * q);
  return sizes;
})();

function pattern(address: number, index: number): number {
  return (address / 16 + index * 31) & 0xff;
}

function fill(address: number, size: number): void {
  const bytes = heap.view(address, size);
  for (let i = 0; i < size; i++) bytes[i] = pattern(address, i);
}

function check(address: number, size: number): void {
  const bytes = heap.view(address, size);
  for (let i = 0; i < size; i++) {
    if (bytes[i] !== pattern(address, i)) assert.fail(`byte ${i} of block ${address} (size ${size}) was overwritten`);
  }
}

test("allocRaw() round-trips every size class and reports its usable size", () => {
  for (const size of CLASS_SIZES) {
    for (const request of [size - 15, size]) {
      const address = heap.allocRaw(request);
      assert.equal(heap.usableSize(address), size, `request ${request}`);
      assert.equal(heap.tierOf(address), size <= 1024 ? "small" : "medium");
      fill(address, request);
      check(address, request);
      heap.freeRaw(address);
    }
  }
});

test("allocRaw() honours every power-of-two alignment up to 4096", () => {
  for (let align = 1; align <= 4096; align *= 2) {
    for (const size of [1, 24, 100, 1000, 5000, 20000]) {
      const address = heap.allocRaw(size, align);
      assert.equal(address % align, 0, `size ${size} align ${align}`);
      assert.equal(address % 16, 0);
      heap.freeRaw(address);
    }
  }
});

test("blocks keep their contents while thousands of others come and go", () => {
  const live = new Map<number, number>();
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let step = 0; step < 20000; step++) {
    if (live.size > 0 && random() < 0.45) {
      const [address, size] = live.entries().next().value!;
      check(address, size);
      heap.freeRaw(address);
      live.delete(address);
    } else {
      const size = 1 + Math.floor(random() ** 3 * 16384);
      const address = heap.allocRaw(size);
      assert.ok(!live.has(address), "an address was handed out twice");
      fill(address, size);
      live.set(address, size);
    }
  }
  for (const [address, size] of live) {
    check(address, size);
    heap.freeRaw(address);
  }
});

test("reallocRaw() keeps contents across size classes and tiers", () => {
  let address = heap.allocRaw(24);
  fill(address, 24);
  const original = heap.view(address, 24).slice();
  for (const size of [100, 1024, 1025, 4000, 16384, 16385, 100_000, 2000, 24]) {
    address = heap.reallocRaw(address, size);
    assert.deepEqual(heap.view(address, 24), original, `after realloc to ${size}`);
    assert.ok(heap.usableSize(address) >= size);
  }
  heap.freeRaw(address);
});

test("allocMany()/freeMany() hand out distinct, aligned, writable blocks in every tier and count them", () => {
  for (const [size, count] of [[24, 5000], [3000, 500], [40_000, 40], [3 << 20, 3]]) {
    const before = heap.stats();
    const out = new Float64Array(count + 2).fill(-7);
    assert.equal(heap.allocMany(size, count, out, 64), out);
    const addresses = out.subarray(0, count);
    assert.equal(new Set(addresses).size, count, `size ${size}: addresses repeat`);
    assert.deepEqual(Array.from(out.subarray(count)), [-7, -7], "wrote past count");
    addresses.forEach((address, index) => {
      assert.equal(address % 64, 0);
      heap.view(address, size).fill(index & 0xff);
    });
    addresses.forEach((address, index) => assert.equal(heap.view(address, size)[size - 1], index & 0xff));
    const tier = heap.tierOf(addresses[0]);
    const during = heap.stats().tiers[tier];
    assert.equal(during.allocs - before.tiers[tier].allocs, count, `size ${size}: allocs counted`);
    const kept = heap.view(addresses[0], size);
    heap.freeMany(addresses);
    // This thread's views of freed regions are detached (and unpinned) by freeMany, as by freeRaw.
    if (tier === "mapped" || tier === "huge") assert.equal(kept.length, 0, `size ${size}: view still attached`);
    const after = heap.stats().tiers[tier];
    assert.equal(after.frees - before.tiers[tier].frees, count, `size ${size}: frees counted`);
    assert.equal(after.liveBytes, before.tiers[tier].liveBytes);
  }
  assert.equal(heap.allocMany(16, 0).length, 0);
  heap.freeMany(new Float64Array(0));
});

test("alloc() returns an owned buffer with zero-copy views", () => {
  const buf = heap.alloc(4096, { align: 64, zero: true, tag: "views" });
  assert.ok(buf instanceof OffheapBuffer);
  assert.equal(buf.byteLength, 4096);
  assert.equal(buf.tier, "medium");
  assert.equal(buf.tag, "views");
  assert.ok(buf.bytes().every((b) => b === 0));
  buf.f32()[1] = 1.5;
  assert.equal(new Float32Array(buf.bytes().buffer, buf.bytes().byteOffset, 2)[1], 1.5);
  assert.equal(buf.f64().length, 512);
  assert.equal(buf.i8().length, 4096);
  buf.u32()[0] = 0xdeadbeef;
  assert.equal(heap.view(buf.address, 4)[0], 0xef);
  buf.free();
  buf.free(); // idempotent
  assert.equal(buf.freed, true);
});

test("alloc({ zero: true }) zeroes recycled blocks", () => {
  const first = heap.allocRaw(512);
  heap.view(first, 512).fill(0xaa);
  heap.freeRaw(first);
  using buf = heap.alloc(512, { zero: true });
  assert.equal(buf.address, first, "the freed block is reused first");
  assert.ok(buf.bytes().every((b) => b === 0));
});

test("`using` frees the buffer at the end of the block", () => {
  const before = heap.stats().tiers.small.frees;
  {
    using buf = heap.alloc(100);
    buf.bytes()[0] = 1;
  }
  assert.equal(heap.stats().tiers.small.frees, before + 1);
});

test("stats() counts allocations per tier and balances after frees", () => {
  const before = heap.stats();
  const addresses = [heap.allocRaw(10), heap.allocRaw(2000), heap.allocRaw(50_000)];
  const during = heap.stats();
  assert.equal(during.tiers.small.allocs - before.tiers.small.allocs, 1);
  assert.equal(during.tiers.medium.allocs - before.tiers.medium.allocs, 1);
  assert.equal(during.tiers.mapped.allocs - before.tiers.mapped.allocs, 1);
  assert.equal(during.tiers.mapped.liveBytes - before.tiers.mapped.liveBytes, 53248);
  for (const address of addresses) heap.freeRaw(address);
  const after = heap.stats();
  for (const tier of ["small", "medium", "mapped"] as const) {
    assert.equal(after.tiers[tier].liveBytes, before.tiers[tier].liveBytes, tier);
  }
  assert.ok(after.threadHeaps >= 1);
});

test("1M alloc/free cycles keep RSS bounded", () => {
  const warm: number[] = [];
  for (let i = 0; i < 1000; i++) warm.push(heap.allocRaw(1024));
  for (const address of warm) heap.freeRaw(address);
  const before = residentBytes();
  for (let i = 0; i < 1_000_000; i++) {
    const a = heap.allocRaw(1024);
    const b = heap.allocRaw(48 + (i & 511));
    heap.freeRaw(a);
    heap.freeRaw(b);
  }
  const grown = residentBytes() - before;
  assert.ok(grown < 16 << 20, `RSS grew by ${grown} bytes over 1M cycles`);
});
