/**
 * `ParallelSearch`: Workers scanning slices of the same off-heap rows return exactly what the
 * single-threaded search returns, for every element type and metric, any Worker count (more
 * Workers than rows included), ties, and a store with removals; a store being searched refuses
 * changes and defers `free()`; closing is idempotent; bad inputs get clear errors.
 */
import assert from "node:assert/strict";
import { heap, ParallelSearch, VectorStore, vectors } from "../mod.ts";
import type { ElementType, Metric } from "../mod.ts";
import { test } from "./harness.ts";
import { metricsOf, random, TYPES } from "./vector_reference.ts";

const TIMEOUT = { timeoutMs: 120_000 };

test("parallel topK over an off-heap matrix equals vectors.topK, for every type, metric, k and Worker count", async () => {
  const next = random(1);
  for (const workers of [1, 2, 3]) {
    await using pool = new ParallelSearch({ workers });
    assert.equal(pool.workers, workers);
    for (const type of Object.keys(TYPES) as (keyof typeof TYPES)[]) {
      const dim = type === "binary" ? 8 : 33;
      const rows = 2001;
      // Rounded values make many rows tie, so the merge's tie order is tested too.
      const matrix = TYPES[type](next, rows * dim).map((x) => (type === "f32" ? Math.round(x * 4) / 4 : x));
      using buffer = heap.alloc(matrix.byteLength, { align: 64 });
      buffer.bytes().set(new Uint8Array(matrix.buffer));
      const query = TYPES[type](next, dim);
      for (const metric of metricsOf(type)) {
        for (const k of [1, 10, 1024]) {
          const expected = vectors.topK(query, buffer, k, { metric });
          assert.deepEqual(await pool.topK(query, buffer, k, { metric }), expected, `${workers} ${type} ${metric} k ${k}`);
        }
      }
      const few = { address: buffer.address, byteLength: buffer.byteLength };
      assert.deepEqual(await pool.topK(query, few, 2, { rows: 2 }), vectors.topK(query, few, 2, { rows: 2 }), "fewer rows than Workers");
    }
  }
}, TIMEOUT);

test("parallel search of a VectorStore equals store.search, with removals and compact storage", async () => {
  await using pool = new ParallelSearch({ workers: 2 });
  const dim = 48;
  const next = random(2);
  const rows = Float32Array.from({ length: 3000 * dim }, () => next() * 2 - 1);
  const cases: [ElementType, Metric][] = [["f32", "cosine"], ["f32", "l2sq"], ["f16", "dot"], ["i8", "dot"], ["i8", "l2sq"], ["binary", "hamming"]];
  for (const [storage, metric] of cases) {
    using store = new VectorStore({ dim, storage, metric });
    store.addBatch(rows);
    for (let id = 0; id < 3000; id += 7) store.remove(id);
    const queries = await Promise.all(
      Array.from({ length: 8 }, (_, q) => pool.search(store, rows.subarray(q * dim, (q + 1) * dim), { k: 25 })),
    );
    queries.forEach((got, q) => {
      assert.deepEqual(got, store.search(rows.subarray(q * dim, (q + 1) * dim), { k: 25 }), `${storage} ${metric} query ${q}`);
    });
  }
}, TIMEOUT);

test("a store being searched in parallel refuses changes and frees only after the search", async () => {
  await using pool = new ParallelSearch({ workers: 2 });
  const store = new VectorStore({ dim: 256 });
  store.addBatch(new Float32Array(256 * 4000).fill(1));
  const pending = pool.search(store, new Float32Array(256).fill(1), { k: 3 });
  assert.throws(() => store.add(new Float32Array(256)), /parallel search/);
  assert.throws(() => store.remove(0), /parallel search/);
  store.free();
  const { ids } = await pending;
  assert.deepEqual([...ids], [0, 1, 2]);
  assert.equal(store.freed, true);
}, TIMEOUT);

test("close() is idempotent, and a closed pool refuses searches", async () => {
  const pool = new ParallelSearch({ workers: 1 });
  using store = new VectorStore({ dim: 2 });
  store.add(new Float32Array([1, 1]));
  assert.deepEqual([...(await pool.search(store, new Float32Array([1, 0]), { k: 1 })).ids], [0]);
  await pool.close();
  await pool.close();
  assert.throws(() => pool.search(store, new Float32Array([1, 0]), { k: 1 }), /closed/);
}, TIMEOUT);

test("bad parallel inputs get the same clear errors as the single-threaded calls", async () => {
  assert.throws(() => new ParallelSearch({ workers: 0 }), (e: unknown) => e instanceof RangeError && /workers/.test(String(e)));
  assert.throws(() => new ParallelSearch({ workers: 1.5 }), RangeError);
  await using pool = new ParallelSearch({ workers: 1 });
  const f = new Float32Array(4);
  assert.throws(() => pool.topK(f, new Float32Array(8) as unknown as { address: number }, 1), (e: unknown) => e instanceof TypeError && /off-heap/.test(String(e)));
  using buffer = heap.alloc(32);
  assert.throws(() => pool.topK(f, buffer, 3), (e: unknown) => e instanceof RangeError && /row count 2/.test(String(e)));
  assert.throws(() => pool.topK(f, buffer, 1, { metric: "hamming" }), TypeError);
  assert.throws(() => pool.search({} as VectorStore, f, { k: 1 }), TypeError);
  using store = new VectorStore({ dim: 4 });
  assert.deepEqual((await pool.search(store, f, { k: 3 })).ids.length, 0, "an empty store");
  assert.throws(() => pool.search(store, new Float32Array(3), { k: 1 }), RangeError);
}, TIMEOUT);
