/**
 * Pool: distinct aligned blocks, the state bytes catching double, foreign and interior frees,
 * growth by doubling and the decay (proved by offheap's resident bytes), presets, reset, stats,
 * sharing within a thread, and bad input.
 *
 * @module
 */
import assert from "node:assert/strict";
import { heap, OffheapError, Pool } from "../mod.ts";
import { test } from "./harness.ts";

const code = (expected: string) => (error: unknown) => error instanceof OffheapError && error.code === expected;

test("alloc() hands out distinct blocks aligned to align, viewable and writable", () => {
  using pool = new Pool({ blockSize: 100, align: 64, capacity: 8 });
  const blocks = Array.from({ length: 1000 }, () => pool.alloc());
  assert.equal(new Set(blocks).size, blocks.length);
  const sorted = blocks.slice().sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    assert.equal(sorted[i] % 64, 0);
    if (i > 0) assert.ok(sorted[i] - sorted[i - 1] >= 128);
  }
  blocks.forEach((address, i) => pool.view(address).fill(i & 0xff));
  blocks.forEach((address, i) => {
    const view = pool.view(address);
    assert.equal(view.length, 100);
    assert.equal(view[0], i & 0xff);
    assert.equal(view[99], i & 0xff);
  });
  for (const address of blocks) pool.free(address);
  assert.equal(pool.stats().blocksLive, 0);
});

test("free() refuses double, foreign and interior frees before changing anything", () => {
  using pool = new Pool({ blockSize: 256 });
  using other = new Pool({ blockSize: 256 });
  const a = pool.alloc();
  const b = pool.alloc();
  assert.throws(() => pool.free(a + 8), code("INTERIOR_POINTER"));
  assert.throws(() => pool.free(a + 256 * 1e6), code("NOT_OWNED"));
  assert.throws(() => pool.free(other.alloc()), code("NOT_OWNED"));
  const raw = heap.allocRaw(256);
  assert.throws(() => pool.free(raw), code("NOT_OWNED"));
  heap.freeRaw(raw);
  assert.throws(() => pool.free(-1), code("NOT_OWNED"));
  assert.throws(() => pool.free(Number.NaN), code("NOT_OWNED"));
  assert.equal(pool.stats().blocksLive, 2); // nothing changed
  pool.free(a);
  assert.throws(() => pool.free(a), code("DOUBLE_FREE"));
  // A block never handed out is free, not live.
  assert.throws(() => pool.free(b + 256 * 5), code("DOUBLE_FREE"));
  // A block beyond the carved capacity is not the pool's (yet).
  assert.throws(() => pool.free(b + 256 * 100_000), code("NOT_OWNED"));
  pool.free(b);
  assert.throws(() => pool.free("1" as unknown as number), TypeError);
  assert.throws(() => pool.view(a + 1), code("INTERIOR_POINTER"));
});

test("free() checks each address exactly for odd and non-power-of-two slots, near and far from the pool", () => {
  for (const [blockSize, align] of [[1000, 8], [4097, 1], [3000, 64], [64, 64]]) {
    using pool = new Pool({ blockSize, align, capacity: 64 });
    const slot = pool.slotSize;
    const blocks = Array.from({ length: 64 }, () => pool.alloc());
    const first = Math.min(...blocks);
    for (const address of blocks) {
      for (const delta of [-2, -1, 1, 2, slot - 1, 0.5]) {
        // Before the first block is outside the pool; anywhere else here is inside a block.
        const expected = address + delta < first ? "NOT_OWNED" : "INTERIOR_POINTER";
        assert.throws(() => pool.free(address + delta), code(expected), `${blockSize}/${align} ${address} + ${delta}`);
      }
    }
    // A whole number of slots away, but 2^32 blocks (or more) past the range or before it.
    for (const blocksAway of [2 ** 32, 2 ** 32 + 5, 2 ** 31, -1, -(2 ** 32)]) {
      const far = first + blocksAway * slot;
      if (far >= 0 && far < 2 ** 53) assert.throws(() => pool.free(far), code("NOT_OWNED"));
    }
    assert.throws(() => pool.free(2 ** 53), code("NOT_OWNED"));
    assert.equal(pool.stats().blocksLive, 64, "no refused free changed anything");
    for (const address of blocks) pool.free(address);
    assert.equal(pool.stats().blocksLive, 0);
    for (const address of blocks) assert.throws(() => pool.free(address), code("DOUBLE_FREE"));
  }
});

test("the pool grows by doubling up to maxBlocks, then is full", () => {
  using pool = new Pool({ blockSize: 64, capacity: 4, maxBlocks: 32 });
  const blocks = Array.from({ length: 32 }, () => pool.alloc());
  const stats = pool.stats();
  assert.equal(stats.capacity, 32);
  assert.equal(stats.grows, 3); // 4 -> 8 -> 16 -> 32
  assert.equal(stats.blocksLive, 32);
  assert.ok(stats.hitRate > 0.85 && stats.hitRate < 1);
  assert.equal(stats.efficiency, 1);
  assert.throws(() => pool.alloc(), code("OUT_OF_MEMORY"));
  for (const address of blocks) pool.free(address);
  using fixed = new Pool({ blockSize: 64, capacity: 2, grow: false });
  fixed.alloc();
  fixed.alloc();
  assert.throws(() => fixed.alloc(), code("OUT_OF_MEMORY"));
});

test("idle chunks are given back after the decay and by trim(): resident bytes fall", async () => {
  using pool = new Pool({ blockSize: 64 * 1024, capacity: 1, maxBlocks: 2048, decayMs: 50, huge: "never" });
  const before = heap.residentBytes();
  const blocks = Array.from({ length: 1024 }, () => pool.alloc());
  for (const address of blocks) pool.view(address).fill(1);
  const touched = heap.residentBytes();
  assert.ok(touched - before >= 60 * 1024 * 1024, `resident grew by ${touched - before}`);
  assert.equal(pool.stats().capacity, 1024);
  for (const address of blocks) pool.free(address);
  await new Promise((resolve) => setTimeout(resolve, 80));
  // The decay runs when blocks come back: a few more frees push a batch back.
  for (let i = 0; i < 64; i++) pool.free(pool.alloc());
  pool.trim();
  const stats = pool.stats();
  assert.ok(stats.chunksReleased >= 1);
  assert.equal(stats.capacity, 1);
  assert.ok(heap.residentBytes() - before < 8 * 1024 * 1024, `resident after trim: ${heap.residentBytes() - before}`);
  // It grows again on demand.
  const again = Array.from({ length: 4 }, () => pool.alloc());
  assert.equal(pool.stats().capacity, 4);
  for (const address of again) pool.free(address);
});

test("presets are the seed documents' sizes, 64-byte aligned", () => {
  const expected = {
    vectorSmall: 4096,
    vectorMedium: 65536,
    vectorLarge: 1 << 20,
    vectorHuge: 4 << 20,
    metadata: 1024,
    searchResults: 8192,
    graphNodes: 512,
    hashTables: 16384,
  };
  assert.deepEqual(Object.keys(Pool.presets).sort(), Object.keys(expected).sort());
  for (const [name, blockSize] of Object.entries(expected)) {
    const preset = Pool.presets[name as keyof typeof Pool.presets];
    assert.deepEqual(preset, { blockSize, align: 64 });
    using pool = new Pool(preset);
    const address = pool.alloc();
    assert.equal(address % 64, 0);
    assert.equal(pool.view(address).length, blockSize);
    assert.equal(pool.stats().slotSize, blockSize);
    pool.free(address);
  }
});

test("reset() frees every block; allocBuffer() owns one block", () => {
  using pool = new Pool({ blockSize: 32, capacity: 4 });
  const a = pool.alloc();
  pool.alloc();
  pool.reset();
  assert.equal(pool.stats().blocksLive, 0);
  assert.throws(() => pool.free(a), code("DOUBLE_FREE"));
  const block = pool.allocBuffer();
  block.f32()[7] = 1.25;
  assert.equal(pool.view(block.address).length, 32);
  assert.equal(block.f32()[7], 1.25);
  block.free();
  block.free();
  assert.throws(() => block.bytes(), code("USE_AFTER_FREE"));
  assert.equal(pool.stats().blocksLive, 0);
});

test("a pool opened twice in one thread shares blocks; the last free() releases it", () => {
  const pool = new Pool({ blockSize: 128 });
  const other = Pool.open(pool.share());
  const a = other.alloc();
  pool.free(a);
  assert.equal(pool.stats().handles, 2);
  pool.free();
  pool.free();
  assert.equal(pool.freed, true);
  assert.throws(() => pool.alloc(), code("USE_AFTER_FREE"));
  assert.throws(() => pool.free(a), code("USE_AFTER_FREE"));
  assert.throws(() => pool.stats(), code("USE_AFTER_FREE"));
  const b = other.alloc();
  other.view(b).fill(1);
  const descriptor = other.share();
  other.free();
  assert.throws(() => Pool.open(descriptor), code("NOT_OWNED"));
});

test("bad options are TypeErrors and RangeErrors that name them", () => {
  assert.throws(() => new Pool(undefined as never), TypeError);
  assert.throws(() => new Pool({} as never), TypeError);
  assert.throws(() => new Pool({ blockSize: "1" } as never), TypeError);
  assert.throws(() => new Pool({ blockSize: 0 }), RangeError);
  assert.throws(() => new Pool({ blockSize: 1.5 }), RangeError);
  assert.throws(() => new Pool({ blockSize: 64, align: 48 }), /align must be a power of two/);
  assert.throws(() => new Pool({ blockSize: 64, align: 8192 }), RangeError);
  assert.throws(() => new Pool({ blockSize: 64, capacity: 10, maxBlocks: 5 }), /capacity 10 is above maxBlocks 5/);
  assert.throws(() => new Pool({ blockSize: 64, grow: 1 } as never), TypeError);
  assert.throws(() => new Pool({ blockSize: 64, huge: "sometimes" } as never), RangeError);
  assert.throws(() => new Pool({ blockSize: 64, node: 1023 }), RangeError);
  assert.throws(() => Pool.open({ kind: "offheap.cache", handle: 1 } as never), TypeError);
});
