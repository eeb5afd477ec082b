/**
 * `vectors`: every metric × element type against the f64 reference, zero vectors, extreme
 * magnitudes, exact hamming, one-to-many and many-to-many against pairs, top-k against a full
 * sort, quantization, every bad input (matrices that are not whole rows too), and the whole file
 * again at each lower CPU level (in child processes, since the kernels are chosen at load).
 */
import assert from "node:assert/strict";
import process from "node:process";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { heap, OffheapError, quantize, vectors } from "../mod.ts";
import type { Metric, VectorArray } from "../mod.ts";
import { f16BitsOf, f16ValueOf } from "../src/vectors/quantize.ts";
import { runtime, test } from "./harness.ts";
import { close, fullSortTopK, metricsOf, random, reference, tolerance, TYPES } from "./vector_reference.ts";

const DIMS = [1, 3, 15, 16, 17, 127, 768, 1536, 4095];
const LARGER_IS_BETTER: Record<Metric, boolean> = { dot: true, cosine: true, l2sq: false, hamming: false, cosineDistance: false };

/** One pair score through the public pair functions, or `many` for cosineDistance (it has no pair function). */
function score(metric: Metric, a: VectorArray, b: VectorArray): number {
  switch (metric) {
    case "dot":
      return vectors.dot(a as Float32Array, b as Float32Array);
    case "l2sq":
      return vectors.l2sq(a as Float32Array, b as Float32Array);
    case "cosine":
      return vectors.cosine(a as Float32Array, b as Float32Array);
    case "hamming":
      return vectors.hamming(a as Uint8Array, b as Uint8Array);
    case "cosineDistance":
      return vectors.many(a, b, null, { metric })[0];
  }
}

function expectClose(metric: Metric, a: VectorArray, b: VectorArray, label: string, relative = 1e-5): void {
  const expected = reference(metric, a, b);
  const got = score(metric, a, b);
  const allowed = tolerance(metric, a, b, relative);
  assert.ok(close(expected, got, allowed), `${label} ${metric}: expected ${expected}, got ${got} (allowed ±${allowed})`);
}

test(`vectors.cpu() reports the level OFFHEAP_SIMD asks for (${process.env.OFFHEAP_SIMD ?? "unset"})`, () => {
  const level = vectors.cpu();
  assert.ok(["baseline", "avx2", "avx512", "neon"].includes(level));
  if (process.env.OFFHEAP_SIMD) assert.equal(level, process.env.OFFHEAP_SIMD);
});

test("every metric × element type matches the f64 reference at dims 1 to 4095", () => {
  const next = random(1);
  for (const type of Object.keys(TYPES) as (keyof typeof TYPES)[]) {
    for (const dim of DIMS) {
      // Offsets of one element make the inputs unaligned half of the time.
      const offset = dim % 2;
      const a = TYPES[type](next, dim + offset).subarray(offset);
      const b = TYPES[type](next, dim);
      for (const metric of metricsOf(type)) expectClose(metric, a, b, `${type} dim ${dim}`);
    }
  }
});

test("i8 dot and l2sq are exact integers; hamming is exact at the extremes", () => {
  const dim = 4095;
  const a = new Int8Array(dim).fill(-128);
  const b = new Int8Array(dim).fill(-128);
  assert.equal(vectors.dot(a, b), Math.fround(dim * 128 * 128));
  assert.equal(vectors.l2sq(a, new Int8Array(dim).fill(127)), Math.fround(dim * 255 * 255));
  for (const dim of [1, 7, 8, 63, 64, 65, 4095]) {
    assert.equal(vectors.hamming(new Uint8Array(dim).fill(0xff), new Uint8Array(dim)), dim * 8);
    assert.equal(vectors.hamming(new Uint8Array(dim).fill(0xa5), new Uint8Array(dim).fill(0xa5)), 0);
  }
});

test("a zero vector has cosine 0 and cosine distance 1; the other metrics stay exact", () => {
  const next = random(2);
  for (const type of ["f32", "f16", "i8"] as const) {
    const zero = TYPES[type](next, 768).fill(0);
    const other = TYPES[type](next, 768);
    assert.equal(vectors.cosine(zero, other), 0);
    assert.equal(vectors.cosine(zero, zero), 0);
    assert.equal(vectors.many(other, zero, null, { metric: "cosineDistance" })[0], 1);
    assert.equal(vectors.dot(zero, other), 0);
    expectClose("l2sq", zero, other, `${type} zero`);
  }
});

test("f32 kernels handle huge, tiny and denormal magnitudes", () => {
  const next = random(3);
  for (const magnitude of [1e30, 3e38, 1e-20, 1e-30, 1e-40, 1.4e-45]) {
    for (const dim of [17, 768, 1536]) {
      const a = TYPES.f32(next, dim, magnitude);
      const b = TYPES.f32(next, dim, magnitude);
      for (const metric of metricsOf("f32")) expectClose(metric, a, b, `magnitude ${magnitude} dim ${dim}`);
      // Parallel and opposite vectors: squares overflow or vanish in f32, the cosine must not.
      const same = Float32Array.from({ length: dim }, (_, i) => (i % 2 ? -magnitude : magnitude));
      const opposite = same.map((x) => -x);
      assert.ok(Math.abs(vectors.cosine(same, same) - 1) <= 1e-5, `cosine(x, x) at ${magnitude}`);
      assert.ok(Math.abs(vectors.cosine(same, opposite) + 1) <= 1e-5, `cosine(x, −x) at ${magnitude}`);
    }
  }
});

test("f16 kernels handle denormals, the largest half and infinities", () => {
  const specials = [0x0001, 0x03ff, 0x8200, 0x0400, 0x7bff, 0xfbff, 0x3c00, 0xc000];
  const a = Uint16Array.from({ length: 1024 }, (_, i) => specials[i % specials.length]);
  const b = Uint16Array.from({ length: 1024 }, (_, i) => specials[(i * 5 + 3) % specials.length]);
  for (const dim of [1, 7, 64, 1000, 1024]) {
    for (const metric of metricsOf("f16")) expectClose(metric, a.subarray(0, dim), b.subarray(0, dim), `f16 specials dim ${dim}`);
  }
  const infinite = a.slice(0, 8);
  infinite[3] = 0x7c00;
  assert.equal(vectors.dot(infinite, b.subarray(0, 8)), reference("dot", infinite, b.subarray(0, 8)));
});

test("many and cross equal the pair scores, for typed arrays, off-heap buffers and strides", () => {
  const next = random(4);
  for (const type of Object.keys(TYPES) as (keyof typeof TYPES)[]) {
    for (const [dim, stride, rows] of [[3, 3, 10], [17, 20, 33], [768, 768, 9], [100, 129, 5]]) {
      const matrix = TYPES[type](next, (rows - 1) * stride + dim);
      const queries = TYPES[type](next, 3 * dim);
      using buffer = heap.alloc(matrix.byteLength + 64, { align: 64 });
      new Uint8Array(buffer.bytes().buffer, buffer.bytes().byteOffset + 1, matrix.byteLength).set(
        new Uint8Array(matrix.buffer, matrix.byteOffset, matrix.byteLength),
      );
      const unaligned = { address: buffer.address + 1, byteLength: matrix.byteLength };
      for (const metric of metricsOf(type)) {
        const options = { metric, stride, rows };
        const cross = vectors.cross(queries, matrix, null, { ...options, dim });
        const crossAt = vectors.cross(queries, unaligned, null, { metric, stride, dim, rows });
        for (let q = 0; q < 3; q++) {
          const query = queries.subarray(q * dim, (q + 1) * dim);
          const fromArray = vectors.many(query, matrix, null, options);
          const fromAddress = vectors.many(query, unaligned, new Float32Array(rows + 2), options);
          for (let r = 0; r < rows; r++) {
            const row = matrix.subarray(r * stride, r * stride + dim);
            const expected = score(metric, query, row);
            const label = `${type} ${metric} dim ${dim} stride ${stride} q ${q} row ${r}`;
            assert.equal(fromArray[r], expected, `many ${label}`);
            assert.equal(fromAddress[r], expected, `many_at ${label}`);
            assert.equal(cross[q * rows + r], expected, `cross ${label}`);
            assert.equal(crossAt[q * rows + r], expected, `cross_at ${label}`);
          }
        }
      }
    }
  }
});

test("topK equals the first k of a full sort, with ties, signed zeros and every k", () => {
  const next = random(5);
  for (const type of Object.keys(TYPES) as (keyof typeof TYPES)[]) {
    const dim = type === "binary" ? 2 : 4;
    const rows = 1500;
    // Few distinct values, so that many rows tie.
    const matrix = TYPES[type](next, rows * dim).map((x) => (type === "f32" ? Math.round(x * 2) / 2 : x % 3));
    if (type === "f32") for (let r = 0; r < rows; r += 89) matrix.fill(-0, r * dim, (r + 1) * dim);
    const query = TYPES[type](next, dim).map((x) => (type === "f32" ? Math.round(x * 2) / 2 : x % 3));
    using buffer = heap.alloc(matrix.byteLength, { align: 64 });
    buffer.bytes().set(new Uint8Array(matrix.buffer));
    for (const metric of metricsOf(type)) {
      const scores = vectors.many(query, matrix, null, { metric });
      for (const k of [1, 2, 10, 100, 1024]) {
        const expected = fullSortTopK(scores, k, LARGER_IS_BETTER[metric]);
        for (const source of [matrix, buffer]) {
          const got = vectors.topK(query, source, k, { metric });
          assert.deepEqual([...got.ids], expected.ids, `${type} ${metric} k ${k} ids`);
          assert.deepEqual([...got.scores], expected.scores, `${type} ${metric} k ${k} scores`);
        }
      }
      const all = vectors.topK(query, matrix.subarray(0, 40 * dim), 40, { metric });
      assert.deepEqual([...all.ids], fullSortTopK(scores.subarray(0, 40), 40, LARGER_IS_BETTER[metric]).ids);
    }
  }
});

test("quantize.f16 rounds like Float16Array and like the bit-level converter, over every half", () => {
  for (let bits = 0; bits < 0x10000; bits++) {
    const value = f16ValueOf(bits);
    if (Number.isNaN(value)) continue;
    assert.equal(f16BitsOf(value), bits, `round trip of 0x${bits.toString(16)}`);
  }
  const next = random(6);
  const values = Float32Array.from({ length: 20000 }, (_, i) => (next() * 2 - 1) * 2 ** ((i % 60) - 30));
  values.set([65504, 65520, 65519.99, 1e9, -1e9, 2 ** -25, 2 ** -24 * 1.5, 2 ** -26, NaN, Infinity, -0], 0);
  const converted = quantize.f16(values);
  for (let i = 0; i < values.length; i++) {
    assert.equal(converted[i], f16BitsOf(values[i]), `f16 of ${values[i]}`);
  }
  assert.deepEqual(quantize.f16ToF32(converted).subarray(11), Float32Array.from(converted.subarray(11), f16ValueOf));
});

test("quantize.i8 and quantize.binary follow their documented rules", () => {
  const values = new Float32Array([0.5, -1, 0.25, -0.126, 2, 0]);
  assert.equal(quantize.i8Scale(values), 63.5);
  assert.equal(quantize.i8Scale(new Float32Array(3)), 1);
  assert.deepEqual([...quantize.i8(values, 63.5)], [32, -64, 16, -8, 127, 0]);
  assert.deepEqual([...quantize.i8(new Float32Array([0.5, -0.5, 1.5]), 1)], [1, -1, 2]);
  assert.deepEqual([...quantize.binary(new Float32Array([1, -1, 0, 2, 0, 0, 0, 3, 4]))], [0b10001001, 1]);
  assert.throws(() => quantize.i8(values, 0), (e: unknown) => e instanceof RangeError && /scale/.test(String(e)));
  assert.throws(() => quantize.i8(values, 1, new Int8Array(2)), TypeError);
  assert.throws(() => quantize.f16([1, 2] as unknown as Float32Array), TypeError);
});

function throwsNaming(fn: () => unknown, kind: new (...args: never[]) => Error, ...words: string[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof kind, `expected ${kind.name}, got ${error}`);
    for (const word of words) assert.ok((error as Error).message.includes(word), `"${(error as Error).message}" names ${word}`);
    return true;
  });
}

test("every bad input gets a TypeError or RangeError naming the argument and its value", () => {
  const f = new Float32Array(4);
  throwsNaming(() => vectors.dot(f, new Float32Array(3)), RangeError, "lengths differ", "4", "3");
  throwsNaming(() => vectors.dot(f, new Int8Array(4) as unknown as Float32Array), TypeError, "b", "Float32Array", "Int8Array");
  throwsNaming(() => vectors.dot([1, 2] as unknown as Float32Array, f), TypeError, "a", "Array");
  throwsNaming(() => vectors.cosine(new Uint8Array(2) as unknown as Float32Array, new Uint8Array(2) as unknown as Float32Array), TypeError, "hamming");
  throwsNaming(() => vectors.hamming(f as unknown as Uint8Array, f as unknown as Uint8Array), TypeError, "Uint8Array", "Float32Array");
  throwsNaming(() => vectors.dot(new Float32Array(0), new Float32Array(0)), RangeError, "a.length", "0");
  throwsNaming(() => vectors.dot(new Float32Array(65537), new Float32Array(65537)), RangeError, "65537");
  throwsNaming(() => vectors.many(f, new Float32Array(8), null, { metric: "euclid" as Metric }), RangeError, "metric", "euclid");
  throwsNaming(() => vectors.many(f, new Float32Array(8), null, { metric: "hamming" }), TypeError, "hamming");
  throwsNaming(() => vectors.many(f, new Float32Array(8), null, { stride: 3 }), RangeError, "stride", "3");
  throwsNaming(() => vectors.many(f, new Float32Array(8), null, { stride: 4.5 }), RangeError, "stride", "4.5");
  throwsNaming(() => vectors.many(f, new Float32Array(8), null, { rows: 3 }), RangeError, "rows 3", "holds 8");
  throwsNaming(() => vectors.many(f, new Float32Array(8), new Float32Array(1)), RangeError, "out", "1");
  throwsNaming(() => vectors.many(f, new Float32Array(8), new Float64Array(2) as unknown as Float32Array), TypeError, "out", "Float64Array");
  throwsNaming(() => vectors.many(f, new Uint16Array(8), null), TypeError, "matrix", "Uint16Array");
  throwsNaming(() => vectors.many(f, { address: 4096 }, null), TypeError, "rows");
  throwsNaming(() => vectors.many(f, "rows" as unknown as Float32Array, null), TypeError, "matrix", "rows");
  throwsNaming(() => vectors.cross(f, f, null, { dim: 0 }), RangeError, "dim", "0");
  throwsNaming(() => vectors.cross(f, f, null, { dim: 1.5 }), RangeError, "dim", "1.5");
  throwsNaming(() => vectors.cross(f, f, null, { dim: "4" as unknown as number }), TypeError, "dim");
  throwsNaming(() => vectors.cross(f, f, null, { dim: 3 }), RangeError, "multiple of dim 3");
  throwsNaming(() => vectors.topK(f, new Float32Array(8), 3), RangeError, "k", "row count 2", "3");
  throwsNaming(() => vectors.topK(f, new Float32Array(8), 0), RangeError, "k", "0");
  throwsNaming(() => vectors.topK(f, new Float32Array(4 * 2000), 1025), RangeError, "k", "1025");
  throwsNaming(() => vectors.topK(f, new Float32Array(8), 1.5), RangeError, "k", "1.5");
  throwsNaming(() => vectors.topK(f, new Float32Array(8), "1" as unknown as number), TypeError, "k");
  const buffer = heap.alloc(64);
  buffer.free();
  assert.throws(() => vectors.many(f, buffer, null), (e: unknown) => e instanceof OffheapError && e.code === "USE_AFTER_FREE");
});

test("a typed-array matrix that is not a whole number of rows is a RangeError unless rows is given", () => {
  const q = new Float32Array([1, -2, 3, 0.5]);
  const matrix = Float32Array.from({ length: 4 * 3 + 1 }, (_, i) => Math.sin(i));
  const calls = [
    () => vectors.many(q, matrix),
    () => vectors.topK(q, matrix, 1),
    () => vectors.cross(q, matrix, null, { dim: 4 }),
    () => vectors.many(q, new Float32Array(6 + 6 + 5), null, { stride: 6 }),
  ];
  for (const call of calls) throwsNaming(call, RangeError, "matrix.length", "not a whole number of rows");
  // A prefix by options.rows, and a last row without its stride's padding, are whole rows.
  assert.equal(vectors.many(q, matrix, null, { rows: 3 }).length, 3);
  assert.equal(vectors.topK(q, matrix, 2, { rows: 3 }).ids.length, 2);
  assert.equal(vectors.many(q, new Float32Array(6 + 6 + 4), null, { stride: 6 }).length, 3);
  assert.equal(vectors.many(q, new Float32Array(6 * 3), null, { stride: 6 }).length, 3);
  assert.equal(vectors.many(q, new Float32Array(0)).length, 0);
});

const LEVEL_ORDER = ["baseline", "avx2", "avx512"];
const natural = vectors.cpu();
const lower = LEVEL_ORDER.slice(0, Math.max(0, LEVEL_ORDER.indexOf(natural)));

test(
  `every vectors and VectorStore test passes again at the lower CPU levels (${lower.join(", ") || "none"})`,
  () => {
    const files = ["vectors.test.ts", "vectors_accuracy.test.ts", "vector_store.test.ts"]
      .map((name) => fileURLToPath(new URL(name, import.meta.url)));
    for (const level of lower) {
      const args = runtime === "deno" ? ["test", "-A", "--no-check", ...files] : ["test", "--timeout", "120000", ...files];
      const child = spawnSync(process.execPath, args, {
        env: { ...process.env, OFFHEAP_SIMD: level },
        encoding: "utf8",
        maxBuffer: 64 << 20,
      });
      assert.equal(child.status, 0, `OFFHEAP_SIMD=${level} failed:\n${child.stdout}\n${child.stderr}`);
    }
  },
  { ignore: process.env.OFFHEAP_SIMD !== undefined || lower.length === 0, timeoutMs: 600_000 },
);
