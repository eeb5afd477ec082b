/**
 * Raw addresses handed to the vector calls are checked by the library, never trusted: for `many`,
 * `topK`, `cross` and `streamSum`, a foreign address, an address inside a freed block, and a range
 * that runs past the end of a live block or region each throw an `OffheapError` with a precise code
 * in this same process (no crash), while any range inside one live block or region, starting at any
 * byte of it, scores exactly like the same rows in a typed array.
 */
import assert from "node:assert/strict";
import { heap, OffheapError, vectors } from "../mod.ts";
import type { Matrix, OffheapErrorCode } from "../mod.ts";
import { test } from "./harness.ts";

const DIM = 4;
const ROW_BYTES = DIM * 4;
const query = new Float32Array([1, -2, 3, 0.5]);

/** One vector call over `rows` rows of `matrix`, its results as plain numbers. */
type Call = (matrix: Matrix, rows: number) => number[];

const CALLS: Record<string, Call> = {
  many: (matrix, rows) => [...vectors.many(query, matrix, null, { rows })],
  topK: (matrix, rows) => {
    const { ids, scores } = vectors.topK(query, matrix, Math.min(rows, 8), { rows });
    return [...ids, ...scores];
  },
  cross: (matrix, rows) => [...vectors.cross(query, matrix, null, { dim: DIM, rows })],
  sum: (matrix, rows) => [vectors.streamSum(matrix as Float32Array, rows * DIM)],
};

function expectCode(code: OffheapErrorCode, run: () => unknown, label: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof OffheapError, `${label}: expected OffheapError ${code}, got ${error}`);
    assert.equal(error.code, code, `${label}: ${error.message}`);
    return true;
  });
}

/** An f32 view of `bytes` of offheap memory at `address` (which may be past a buffer's byteLength, up to its usable size). */
function f32At(address: number, bytes: number): Float32Array {
  const view = heap.view(address, bytes);
  return new Float32Array(view.buffer, view.byteOffset, bytes / 4);
}

/** Fills an f32 view with values that give every row a different score. */
function fill(values: Float32Array): void {
  for (let index = 0; index < values.length; index++) values[index] = Math.sin(index * 0.37) * 10;
}

test("a bogus address is NOT_OWNED for many, topK, cross and streamSum (the process lives)", () => {
  for (const [name, call] of Object.entries(CALLS)) {
    expectCode("NOT_OWNED", () => call({ address: 12345678, byteLength: 1 << 20 }, (1 << 20) / ROW_BYTES), name);
    expectCode("NOT_OWNED", () => call({ address: 2 ** 46 + 4096 * 3 }, 1), `${name} high`);
    expectCode("NOT_OWNED", () => call({ address: 4096 }, 1), `${name} low`);
  }
});

test("an address inside a freed block is USE_AFTER_FREE for every call", () => {
  // A live neighbour of the same size class keeps the page in use, so the freed block stays known.
  using neighbour = heap.alloc(3000);
  const freed = heap.alloc(3000);
  const address = freed.address;
  freed.free();
  for (const [name, call] of Object.entries(CALLS)) {
    expectCode("USE_AFTER_FREE", () => call({ address: address + 16 }, 2), name);
    expectCode("USE_AFTER_FREE", () => call({ address }, 1), `${name} at the start`);
    expectCode("USE_AFTER_FREE", () => call(freed, 1), `${name} the buffer itself`);
  }
  assert.ok(neighbour.byteLength === 3000);
});

test("a range that runs one byte past a live block is OUT_OF_BOUNDS; any range inside it works", () => {
  using buffer = heap.alloc(4096);
  const usable = heap.usableSize(buffer.address);
  assert.equal(usable % ROW_BYTES, 0);
  const values = new Float32Array(usable / 4);
  fill(values);
  f32At(buffer.address, usable).set(values);
  const rows = usable / ROW_BYTES;
  for (const [name, call] of Object.entries(CALLS)) {
    expectCode("OUT_OF_BOUNDS", () => call({ address: buffer.address + 1 }, rows), `${name} +1 byte`);
    expectCode("OUT_OF_BOUNDS", () => call({ address: buffer.address }, rows + 1), `${name} +1 row`);
    expectCode("OUT_OF_BOUNDS", () => call({ address: buffer.address + usable - ROW_BYTES + 1 }, 1), `${name} last row +1`);
    // Interior addresses (buffer.address + offset), up to the very end, read the same rows as a typed array.
    assert.deepEqual(call({ address: buffer.address }, rows), call(values, rows), `${name} whole block`);
    for (const first of [1, 3, rows - 1]) {
      const expected = call(values.subarray(first * DIM), rows - first);
      assert.deepEqual(call({ address: buffer.address + first * ROW_BYTES }, rows - first), expected, `${name} from row ${first}`);
    }
  }
});

test("a region is bounded by its mapping: interior ranges work, one byte past is OUT_OF_BOUNDS", () => {
  using big = heap.alloc(8 << 20);
  const mapped = heap.usableSize(big.address);
  const offset = 1 << 20;
  const rows = (mapped - offset) / ROW_BYTES;
  const tail = f32At(big.address + offset, rows * ROW_BYTES);
  fill(tail);
  for (const [name, call] of Object.entries(CALLS)) {
    assert.deepEqual(call({ address: big.address + offset }, rows), call(tail, rows), `${name} to the region's end`);
    expectCode("OUT_OF_BOUNDS", () => call({ address: big.address + offset + 1 }, rows), `${name} +1 byte`);
    expectCode("OUT_OF_BOUNDS", () => call({ address: big.address, byteLength: mapped + ROW_BYTES }, mapped / ROW_BYTES + 1), name);
  }
  // A mapped-tier region is smaller than its 4 MiB chunk: the rest of the chunk is no one's memory.
  const small = heap.alloc(100 << 10);
  const address = small.address;
  const smallMapped = heap.usableSize(address);
  for (const [name, call] of Object.entries(CALLS)) {
    expectCode("NOT_OWNED", () => call({ address: address + smallMapped }, 1), `${name} past the mapping`);
  }
  small.free();
  for (const [name, call] of Object.entries(CALLS)) {
    expectCode("USE_AFTER_FREE", () => call({ address: address + 64 }, 1), `${name} freed region`);
  }
});

test("an address that is not an integer from 1 to 2^47 - 1 is a RangeError for every call, streamSum too", () => {
  // Found by the fuzzer (seed 1): streamSum passed { address: NaN } to the library and threw
  // OffheapError INVALID_ARGUMENT, where many, topK and cross throw a RangeError naming the address.
  for (const address of [NaN, 0, -4096, 1.5, 2 ** 47, Infinity]) {
    for (const [name, call] of Object.entries(CALLS)) {
      assert.throws(
        () => call({ address, byteLength: 64 }, 1),
        (e: unknown) => e instanceof RangeError && e.message.includes("address"),
        `${name} at ${address}`,
      );
    }
  }
});
