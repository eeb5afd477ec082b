/**
 * `VectorStore`: add/search/remove round trips against a brute-force reference, growth across
 * many adds, zero-copy `get()` views, `free()` idempotence and use-after-free errors, compact
 * storage (f16, i8, binary) with its recall reported, and every bad input.
 */
import assert from "node:assert/strict";
import { heap, OffheapError, quantize, VectorStore, vectors } from "../mod.ts";
import type { ElementType, Metric } from "../mod.ts";
import { test } from "./harness.ts";
import { fullSortTopK, random, reference } from "./vector_reference.ts";

const LARGER: Record<Metric, boolean> = { dot: true, cosine: true, l2sq: false, hamming: false, cosineDistance: false };

function randomRows(seed: number, count: number, dim: number): Float32Array {
  const next = random(seed);
  return Float32Array.from({ length: count * dim }, () => next() * 2 - 1);
}

/** The expected top-k of the live rows `live` (id → vector), by the f64-free route: f32 scores then a full sort. */
function bruteForce(live: Map<number, Float32Array>, query: Float32Array, k: number, metric: Metric) {
  const ids = [...live.keys()];
  const scores = Float32Array.from(ids, (id) => vectors.many(query, live.get(id)!, null, { metric })[0]);
  const top = fullSortTopK(scores, k, LARGER[metric]);
  return { ids: top.ids.map((slot) => ids[slot]), scores: top.scores };
}

test("add, search and remove round-trip against a brute-force search, for every metric", () => {
  const dim = 24;
  const rows = randomRows(1, 300, dim);
  for (const metric of ["dot", "l2sq", "cosine", "cosineDistance"] as const) {
    using store = new VectorStore({ dim, metric });
    const live = new Map<number, Float32Array>();
    for (let i = 0; i < 300; i++) {
      const vector = rows.subarray(i * dim, (i + 1) * dim);
      live.set(store.add(vector), vector);
    }
    const next = random(2);
    for (let round = 0; round < 120; round++) {
      const id = Math.floor(next() * 300);
      assert.equal(store.remove(id), live.delete(id), `remove ${id}`);
    }
    assert.equal(store.size, live.size);
    for (let q = 0; q < 20; q++) {
      const query = rows.subarray(q * dim, (q + 1) * dim);
      const got = store.search(query, { k: 10 });
      const expected = bruteForce(live, query, 10, metric);
      assert.deepEqual(new Set(got.ids), new Set(expected.ids), `${metric} query ${q} ids`);
      assert.deepEqual([...got.scores], expected.scores, `${metric} query ${q} scores`);
    }
    for (const [id, vector] of live) assert.deepEqual(store.get(id), vector, `get(${id}) after removals`);
  }
});

test("growth across many adds doubles the capacity and keeps every row", () => {
  const dim = 7;
  using store = new VectorStore({ dim, capacity: 1 });
  const capacities = new Set<number>();
  for (let i = 0; i < 5000; i++) {
    store.add(new Float32Array(dim).fill(i));
    capacities.add(store.capacity);
  }
  assert.equal(store.size, 5000);
  assert.ok(capacities.size <= 14, `capacity changed ${capacities.size} times`);
  for (const id of [0, 1, 2, 1000, 4095, 4096, 4999]) assert.deepEqual([...store.get(id)], new Array(dim).fill(id));
  const ids = store.addBatch(new Float32Array(dim * 3000).fill(-1));
  assert.deepEqual([ids[0], ids[2999]], [5000, 7999]);
  assert.equal(store.search(new Float32Array(dim).fill(1), { k: 1 }).ids[0], 4999);
});

test("get() returns a zero-copy view of the row, in the storage type", () => {
  using store = new VectorStore({ dim: 4 });
  const id = store.add(new Float32Array([1, 2, 3, 4]));
  const view = store.get(id) as Float32Array;
  assert.ok(view instanceof Float32Array);
  view[0] = 10;
  assert.equal(store.get(id)[0], 10);
  assert.equal(store.search(new Float32Array([1, 0, 0, 0]), { k: 1 }).scores[0], 10);
  using f16 = new VectorStore({ dim: 2, storage: "f16" });
  assert.deepEqual(f16.get(f16.add(new Float32Array([1, -2]))), new Uint16Array([0x3c00, 0xc000]));
  using binary = new VectorStore({ dim: 10, storage: "binary" });
  assert.deepEqual(binary.get(binary.add(new Float32Array([1, 1, -1, 0, 0, 0, 0, 0, 0, 5]))), new Uint8Array([3, 2]));
});

test("searches with k above the size return every vector; an empty store returns nothing", () => {
  using store = new VectorStore({ dim: 2, metric: "l2sq" });
  assert.deepEqual(store.search(new Float32Array(2), { k: 5 }).ids, new Uint32Array(0));
  store.addBatch([new Float32Array([3, 0]), new Float32Array([1, 0])]);
  const { ids, scores } = store.search(new Float32Array(2), { k: 5 });
  assert.deepEqual([...ids], [1, 0]);
  assert.deepEqual([...scores], [1, 9]);
  const batch = store.searchBatch(new Float32Array([3, 0, 1, 0]), { k: 1 });
  assert.deepEqual(batch.map((r) => r.ids[0]), [0, 1]);
});

test("free() is idempotent and any later use is USE_AFTER_FREE", () => {
  const store = new VectorStore({ dim: 3 });
  store.add(new Float32Array(3));
  store.free();
  store.free();
  assert.equal(store.freed, true);
  const useAfterFree = (e: unknown) => e instanceof OffheapError && e.code === "USE_AFTER_FREE";
  assert.throws(() => store.add(new Float32Array(3)), useAfterFree);
  assert.throws(() => store.addBatch([new Float32Array(3)]), useAfterFree);
  assert.throws(() => store.get(0), useAfterFree);
  assert.throws(() => store.remove(0), useAfterFree);
  assert.throws(() => store.search(new Float32Array(3), { k: 1 }), useAfterFree);
  assert.throws(() => store.searchBatch([new Float32Array(3)], { k: 1 }), useAfterFree);
  assert.throws(() => store.descriptor(), useAfterFree);
  {
    using scoped = new VectorStore({ dim: 1 });
    scoped.add(new Float32Array(1));
  }
});

test("the row memory is 64-byte aligned off-heap memory from heap", () => {
  using store = new VectorStore({ dim: 768, capacity: 1000 });
  store.addBatch(randomRows(3, 10, 768));
  const { address, rows, stride, type } = store.descriptor();
  assert.equal(address % 64, 0);
  assert.deepEqual([rows, stride, type], [10, 768, "f32"]);
  assert.equal(heap.usableSize(address) >= 1000 * 768 * 4, true);
});

/** Recall of a compact store of `rows` against the f32 one, over `queries`. */
function recallOf(storage: ElementType, metric: Metric, rows: Float32Array, queries: Float32Array, dim: number): number {
  using exact = new VectorStore({ dim, metric: storage === "binary" ? "cosine" : metric });
  using compact = new VectorStore({ dim, storage, metric: storage === "binary" ? "hamming" : metric });
  exact.addBatch(rows);
  compact.addBatch(rows);
  return VectorStore.recall(exact, compact, queries, { k: 10 });
}

test("compact f16, i8 and binary storage search with high recall against f32 (reported)", () => {
  const dim = 128;
  const rows = randomRows(4, 4000, dim);
  const queries = randomRows(5, 50, dim);
  const recalls: Record<string, number> = {};
  for (const storage of ["f16", "i8", "binary"] as const) {
    for (const metric of storage === "binary" ? ["hamming" as const] : (["dot", "cosine", "l2sq"] as const)) {
      recalls[`${storage} ${metric}`] = recallOf(storage, metric, rows, queries, dim);
    }
  }
  console.log("recall@10 against f32 (4000 × 128, 50 queries):", JSON.stringify(recalls));
  for (const metric of ["dot", "cosine", "l2sq"]) {
    assert.ok(recalls[`f16 ${metric}`] >= 0.99, `f16 ${metric}`);
    assert.ok(recalls[`i8 ${metric}`] >= 0.9, `i8 ${metric}`);
  }
  assert.ok(recalls["binary hamming"] > 0.2, "binary");
});

test("i8 storage fixes its scale from the first batch (or the option) and reports f32-unit scores", () => {
  using store = new VectorStore({ dim: 4, storage: "i8", metric: "dot" });
  assert.equal(store.scale, undefined);
  assert.equal(store.search(new Float32Array(4), { k: 1 }).ids.length, 0);
  store.addBatch([new Float32Array([0.5, -0.25, 0, 1]), new Float32Array([2, 0, 0, 0])]);
  assert.equal(store.scale, 63.5);
  store.add(new Float32Array([4, 0, 0, 0]));
  assert.deepEqual(store.get(2), new Int8Array([127, 0, 0, 0]), "beyond the first batch's range saturates");
  const query = new Float32Array([1, 1, 1, 1]);
  const { scores } = store.search(query, { k: 3 });
  const q = quantize.i8(query, 63.5);
  assert.ok(Math.abs(scores[0] - vectors.dot(q, store.get(2) as Int8Array) / 63.5 ** 2) < 1e-6);
  assert.ok(Math.abs(scores[0] - 2) < 0.05, `score ${scores[0]} ≈ 2 (saturated)`);
  using given = new VectorStore({ dim: 2, storage: "i8", scale: 10, metric: "l2sq" });
  given.add(new Float32Array([1, 2]));
  assert.deepEqual(given.get(0), new Int8Array([10, 20]));
  assert.ok(Math.abs(given.search(new Float32Array([0, 0]), { k: 1 }).scores[0] - reference("l2sq", new Float32Array([1, 2]), new Float32Array(2))) < 1e-6);
});

test("f16 and i8 input stores take their own arrays", () => {
  using halves = new VectorStore({ dim: 2, type: "f16", metric: "l2sq" });
  halves.addBatch(new Uint16Array([0x3c00, 0, 0, 0x3c00]));
  assert.deepEqual([...halves.search(new Uint16Array([0, 0x3c00]), { k: 1 }).ids], [1]);
  using bytes = new VectorStore({ dim: 3, type: "i8" });
  bytes.add(new Int8Array([1, 2, 3]));
  assert.equal(bytes.search(new Int8Array([1, 1, 1]), { k: 1 }).scores[0], 6);
  using bits = new VectorStore({ dim: 2, type: "binary" });
  bits.addBatch([new Uint8Array([0, 0]), new Uint8Array([255, 1])]);
  assert.deepEqual([...bits.search(new Uint8Array([255, 0]), { k: 2 }).scores], [1, 8]);
});

test("every bad VectorStore input gets a clear TypeError or RangeError", () => {
  const named = (kind: new (...args: never[]) => Error, ...words: string[]) => (e: unknown) =>
    e instanceof kind && words.every((word) => (e as Error).message.includes(word));
  assert.throws(() => new VectorStore({ dim: 0 }), named(RangeError, "dim", "0"));
  assert.throws(() => new VectorStore({ dim: 2.5 }), named(RangeError, "dim", "2.5"));
  assert.throws(() => new VectorStore({ dim: "8" as unknown as number }), named(TypeError, "dim"));
  assert.throws(() => new VectorStore(undefined as unknown as { dim: number }), named(TypeError, "options"));
  assert.throws(() => new VectorStore({ dim: 2, type: "f64" as ElementType }), named(RangeError, "type", "f64"));
  assert.throws(() => new VectorStore({ dim: 2, type: "i8", storage: "f16" }), named(TypeError, "storage", "f32"));
  assert.throws(() => new VectorStore({ dim: 2, metric: "hamming" }), named(TypeError, "hamming"));
  assert.throws(() => new VectorStore({ dim: 2, scale: 3 }), named(TypeError, "scale"));
  assert.throws(() => new VectorStore({ dim: 2, storage: "i8", scale: -1 }), named(RangeError, "scale", "-1"));
  assert.throws(() => new VectorStore({ dim: 2, capacity: 0 }), named(RangeError, "capacity", "0"));
  using store = new VectorStore({ dim: 3 });
  assert.throws(() => store.add(new Float32Array(4)), named(RangeError, "dim 3", "4"));
  assert.throws(() => store.add(new Float64Array(3) as unknown as Float32Array), named(TypeError, "Float32Array", "Float64Array"));
  assert.throws(() => store.addBatch(new Float32Array(7)), named(RangeError, "7", "dim 3"));
  assert.throws(() => store.addBatch([new Float32Array(3), new Float32Array(2)]), named(RangeError, "rows[1]"));
  assert.equal(store.size, 0, "a rejected batch adds nothing");
  store.add(new Float32Array(3));
  assert.throws(() => store.search(new Float32Array(3), { k: 0 }), named(RangeError, "k", "0"));
  assert.throws(() => store.search(new Float32Array(3), { k: 1025 }), named(RangeError, "k", "1025"));
  assert.throws(() => store.search(new Float32Array(3), {} as { k: number }), named(TypeError, "k"));
  assert.throws(() => store.search(new Float32Array(2), { k: 1 }), named(RangeError, "query", "2"));
  assert.throws(() => store.get(5), named(RangeError, "id 5"));
  assert.throws(() => store.get(-1), named(RangeError, "id", "-1"));
  assert.throws(() => store.remove(0.5), named(RangeError, "id", "0.5"));
  assert.equal(store.remove(99), false);
});

test("placement options reach heap.alloc: huge rows land in the huge tier, bad nodes are RangeErrors", () => {
  using store = new VectorStore({ dim: 768, capacity: 1000, huge: "always", numa: "local" });
  store.addBatch(randomRows(6, 3, 768));
  assert.equal(heap.tierOf(store.descriptor().address), "huge");
  assert.equal(store.descriptor().address % 64, 0);
  assert.throws(() => new VectorStore({ dim: 4, node: 4096 }), RangeError);
});
