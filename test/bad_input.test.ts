/**
 * Every kind of bad input gets a clear TypeError, RangeError or OffheapError with a code, and the
 * process survives to run the next test.
 */
import assert from "node:assert/strict";
import { heap, OffheapError } from "../mod.ts";
import { test } from "./harness.ts";

function offheapError(code: string) {
  return (error: unknown) => error instanceof OffheapError && error.code === code;
}

test("sizes that are not positive integers are RangeErrors naming the size", () => {
  for (const size of [0, -1, NaN, 1.5, Infinity, 2 ** 53 + 2, 2 ** 60]) {
    assert.throws(() => heap.allocRaw(size), (e: unknown) => e instanceof RangeError && e.message.includes("size"), `allocRaw(${size})`);
    assert.throws(() => heap.alloc(size), RangeError, `alloc(${size})`);
  }
});

test("sizes of the wrong type are TypeErrors", () => {
  for (const size of ["12", null, undefined, {}, 12n]) {
    assert.throws(() => heap.alloc(size as unknown as number), TypeError, `alloc(${String(size)})`);
  }
  assert.throws(() => heap.allocRaw("12" as unknown as number), (e: unknown) => e instanceof TypeError || e instanceof RangeError);
});

test("alignments that are not powers of two up to 4096 are RangeErrors", () => {
  for (const align of [3, 24, 100, -8, 0.5, 8192, NaN]) {
    assert.throws(() => heap.alloc(64, { align }), (e: unknown) => e instanceof RangeError && e.message.includes("align"), `align ${align}`);
  }
  assert.throws(() => heap.allocRaw(64, 3), RangeError);
  assert.throws(() => heap.allocRaw(64, 8192), RangeError);
});

test("batches: bad counts and outputs are Type/RangeErrors; a bad address stops freeMany at its index", () => {
  for (const count of [-1, 1.5, NaN, Infinity, 2 ** 31]) {
    assert.throws(() => heap.allocMany(64, count), RangeError, `count ${count}`);
  }
  assert.throws(() => heap.allocMany(64, "4" as unknown as number), TypeError);
  assert.throws(() => heap.allocMany(64, 4, new Float64Array(3)), RangeError);
  assert.throws(() => heap.allocMany(64, 4, [0, 0, 0, 0] as unknown as Float64Array), TypeError);
  assert.throws(() => heap.allocMany(0, 4), RangeError);
  assert.throws(() => heap.allocMany("64" as unknown as number, 4), TypeError);
  assert.throws(() => heap.allocMany(NaN, 4), RangeError);
  assert.throws(() => heap.allocMany(64, 4, undefined, 3), RangeError);
  assert.throws(() => heap.freeMany([1, 2] as unknown as Float64Array), TypeError);
  const live = heap.stats().tiers.small.liveBytes;
  const addresses = heap.allocMany(32, 6);
  const stale = addresses[2];
  heap.freeRaw(stale);
  assert.throws(
    () => heap.freeMany(addresses),
    (e: unknown) => offheapError("DOUBLE_FREE")(e) && (e as Error).message.includes("index 2"),
  );
  // The two before the stale one are freed; the stale one and the rest are left alone.
  assert.throws(() => heap.freeRaw(addresses[0]), offheapError("DOUBLE_FREE"));
  heap.freeMany(addresses.subarray(3));
  assert.equal(heap.stats().tiers.small.liveBytes, live);
  for (const bad of [NaN, -5, 12345]) {
    assert.throws(() => heap.freeMany(new Float64Array([bad])), OffheapError, `address ${bad}`);
  }
});

test("a double free is DOUBLE_FREE, in every tier (a cached region stays known)", () => {
  for (const size of [16, 2000, 20_000, 1 << 20, 3 << 20]) {
    const address = heap.allocRaw(size);
    heap.freeRaw(address);
    assert.throws(() => heap.freeRaw(address), offheapError("DOUBLE_FREE"), `size ${size}`);
  }
  // Once trim() has unmapped the cache, the address is no longer offheap's at all.
  const huge = heap.allocRaw(3 << 20);
  heap.freeRaw(huge);
  heap.trim();
  assert.throws(() => heap.freeRaw(huge), offheapError("NOT_OWNED"));
  // A huge region with an explicit backing is never cached: unmapped at free.
  const never = heap.alloc(3 << 20, { huge: "never" });
  const neverAddress = never.address;
  never.free();
  assert.throws(() => heap.freeRaw(neverAddress), offheapError("NOT_OWNED"));
});

test("freeing a pointer offheap never allocated is NOT_OWNED", () => {
  for (const address of [4096, 123456789 * 4096, 2 ** 47 + 4096, 2 ** 52]) {
    assert.throws(() => heap.freeRaw(address), offheapError("NOT_OWNED"), `address ${address}`);
  }
  for (const address of [-16, NaN, 1.5]) {
    assert.throws(() => heap.freeRaw(address), offheapError("INVALID_ARGUMENT"), `address ${address}`);
  }
  assert.throws(() => heap.freeRaw("1" as unknown as number), TypeError);
});

test("freeing an interior pointer is INTERIOR_POINTER and leaves the block live", () => {
  for (const size of [64, 3000, 40_000]) {
    const address = heap.allocRaw(size);
    heap.view(address, size).fill(9);
    assert.throws(() => heap.freeRaw(address + 16), offheapError("INTERIOR_POINTER"), `size ${size}`);
    assert.equal(heap.view(address, size)[size - 1], 9);
    heap.freeRaw(address);
  }
});

test("a buffer used after free() is USE_AFTER_FREE, never a crash", () => {
  const small = heap.alloc(64);
  const mapped = heap.alloc(100_000);
  const staleView = mapped.bytes();
  staleView[0] = 1;
  small.free();
  mapped.free();
  assert.throws(() => small.bytes(), offheapError("USE_AFTER_FREE"));
  assert.throws(() => mapped.f32(), offheapError("USE_AFTER_FREE"));
  // The unmapped region's view was detached: it reads as empty instead of faulting.
  assert.equal(staleView.length, 0);
  assert.equal(staleView[0], undefined);
});

test("a view of a freed region is DOUBLE_FREE while cached, NOT_OWNED once unmapped", () => {
  const address = heap.allocRaw(1 << 20);
  heap.view(address, 16)[0] = 1;
  heap.freeRaw(address);
  assert.throws(() => heap.view(address, 16), offheapError("DOUBLE_FREE"));
  heap.trim();
  assert.throws(() => heap.view(address, 16), offheapError("NOT_OWNED"));
});

test("view() rejects ranges that run past their mapping and lengths that are not positive", () => {
  const address = heap.allocRaw(100_000);
  assert.throws(() => heap.view(address, 200_000), RangeError);
  assert.throws(() => heap.view(address, 0), RangeError);
  assert.throws(() => heap.view(address, -1), RangeError);
  heap.freeRaw(address);
});

test("allocRaw refuses an alignment that is not an integer, and a size that is not a number, before the FFI", () => {
  // Found by the fuzzer (seed 1): Deno's FFI threw its own "Invalid FFI u32 type" TypeError for a
  // NaN alignment, and Bun's truncated 0.5 to 0 (the default) and allocated.
  for (const align of [NaN, 0.5, 1.5, -8, 2 ** 32]) {
    assert.throws(() => heap.allocRaw(64, align), (e: unknown) => e instanceof RangeError && e.message.includes("align"), `align ${align}`);
  }
  // Found by the fuzzer under Bun (seed 1): a BigInt size was converted and allocated.
  const live = heap.stats().tiers.small.liveBytes;
  for (const size of [12n, "12", null, undefined, {}]) {
    assert.throws(() => heap.allocRaw(size as unknown as number), TypeError, `size ${String(size)}`);
  }
  assert.equal(heap.stats().tiers.small.liveBytes, live);
});
