/**
 * Arena: alignment, mark/rewind, reset, scopes (`scope(fn)` and `using`), views that stay valid
 * until a rewind, growth and its limits, and bad input.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Arena, OffheapError, vectors } from "../mod.ts";
import { test } from "./harness.ts";

const code = (expected: string) => (error: unknown) => error instanceof OffheapError && error.code === expected;

test("alloc() aligns to the arena's align or the one given, and never overlaps", () => {
  using arena = new Arena({ chunkSize: 4096, align: 32 });
  const seen: [number, number][] = [];
  for (let i = 1; i <= 300; i++) {
    const align = 1 << (i % 13);
    const size = 1 + (i * 37) % 500;
    const address = arena.alloc(size, align);
    assert.equal(address % align, 0);
    seen.push([address, size]);
  }
  assert.equal(arena.alloc(1) % 32, 0);
  seen.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] >= seen[i - 1][0] + seen[i - 1][1]);
  assert.ok(arena.stats().chunks > 1);
});

test("views stay valid (and keep their data) while the arena grows, until a rewind", () => {
  using arena = new Arena({ chunkSize: 8192 });
  const views = Array.from({ length: 50 }, (_, i) => arena.f32(512).fill(i));
  views.forEach((view, i) => {
    assert.equal(view.length, 512);
    assert.equal(view[511], i);
  });
  assert.equal(vectors.dot(views[2], views[3]), 512 * 6);
  const m = arena.mark();
  const later = arena.f64(10).fill(9);
  arena.rewind(m);
  assert.equal(later.length, 10); // still readable after the rewind (it sees what comes next)
  const reused = arena.f64(10);
  assert.equal(reused.byteOffset, later.byteOffset);
});

test("mark() and rewind() free everything allocated since the mark, across chunks", () => {
  using arena = new Arena({ chunkSize: 4096 });
  arena.alloc(1000);
  const m = arena.mark();
  const used = arena.stats().bytesUsed;
  for (let i = 0; i < 20; i++) arena.alloc(3000);
  assert.ok(arena.stats().chunks >= 20);
  arena.rewind(m);
  assert.equal(arena.stats().bytesUsed, used);
  assert.equal(arena.stats().chunks, 2); // the mark's chunk and one spare
  assert.ok(arena.stats().highWater >= used + 20 * 3000);
  assert.throws(() => arena.rewind(m + 5000), RangeError);
  assert.throws(() => arena.rewind("0" as unknown as number), TypeError);
});

test("reset() keeps one chunk; a large allocation gets a chunk of its own", () => {
  using arena = new Arena({ chunkSize: 4096 });
  const big = arena.alloc(100_000);
  arena.bytes(100_000).fill(3);
  assert.ok(big > 0);
  assert.ok(arena.stats().bytesMapped >= 200_000);
  arena.reset();
  const stats = arena.stats();
  assert.deepEqual([stats.chunks, stats.bytesUsed, stats.bytesMapped], [1, 0, 4096]);
});

test("scope(fn) and `using scope` rewind at the end, also when fn throws or is async", async () => {
  using arena = new Arena();
  arena.alloc(10);
  const before = arena.stats().bytesUsed;
  assert.equal(arena.scope((a) => a.i32(100).length), 100);
  assert.equal(arena.stats().bytesUsed, before);
  assert.throws(() => arena.scope((a) => {
    a.alloc(500);
    throw new Error("boom");
  }), /boom/);
  assert.equal(arena.stats().bytesUsed, before);
  await arena.scope(async (a) => {
    a.alloc(500);
    await Promise.resolve();
    assert.ok(a.stats().bytesUsed > before);
  });
  assert.equal(arena.stats().bytesUsed, before);
  {
    using scope = arena.scope();
    arena.u16(64);
    assert.ok(scope.mark >= 0);
  }
  assert.equal(arena.stats().bytesUsed, before);
});

test("an arena that may not grow refuses what does not fit", () => {
  using arena = new Arena({ chunkSize: 4096, grow: false });
  assert.throws(() => arena.alloc(5000), RangeError);
  arena.alloc(4000);
  assert.throws(() => arena.alloc(200), code("OUT_OF_MEMORY"));
});

test("bad input: TypeError, RangeError, USE_AFTER_FREE; free() is idempotent", () => {
  assert.throws(() => new Arena({ chunkSize: "1" } as never), TypeError);
  assert.throws(() => new Arena({ chunkSize: 10 }), RangeError);
  assert.throws(() => new Arena({ align: 3 }), RangeError);
  assert.throws(() => new Arena({ grow: "yes" } as never), TypeError);
  assert.throws(() => new Arena({ huge: "sometimes" } as never), RangeError);
  const arena = new Arena();
  assert.throws(() => arena.alloc(0), RangeError);
  assert.throws(() => arena.alloc(1.5), RangeError);
  assert.throws(() => arena.alloc("8" as unknown as number), TypeError);
  assert.throws(() => arena.alloc(8, 3), RangeError);
  assert.throws(() => arena.alloc(8, 8192), RangeError);
  assert.throws(() => arena.f32(-1), RangeError);
  arena.free();
  arena.free();
  assert.throws(() => arena.alloc(8), code("USE_AFTER_FREE"));
  assert.throws(() => arena.mark(), code("USE_AFTER_FREE"));
  assert.throws(() => arena.stats(), code("USE_AFTER_FREE"));
});
