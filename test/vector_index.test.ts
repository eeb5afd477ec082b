/**
 * `VectorIndex` (HNSW): recall@10 against the exact `VectorStore` on a seeded clustered set at the
 * default ef, through removals and updates; filtered search (only allowed ids, and the exact top-k
 * among them when the filter is tight); compact storage with re-ranking; save → open (load and
 * view) giving identical results; foreign, truncated and missing files; real Workers searching and
 * adding concurrently; and every bad input.
 */
import assert from "node:assert/strict";
import { OffheapError, VectorIndex, VectorStore } from "../mod.ts";
import type { ElementType, Metric } from "../mod.ts";
import { test } from "./harness.ts";
import { random } from "./vector_reference.ts";
import { runWorkerOnce } from "./workers/runtime.ts";
import type { IndexCommand, IndexReply } from "./workers/index_worker.ts";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";

const TIMEOUT = { timeoutMs: 120_000 };
const DIM = 32;
const COUNT = 4000;

/** `count` points around 20 seeded centres (unit Gaussian noise, centres spread 3× wider). */
function clustered(seed: number, count: number, dim = DIM): Float32Array {
  const next = random(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const centres = Float32Array.from({ length: 20 * dim }, () => gauss() * 3);
  const rows = new Float32Array(count * dim);
  for (let row = 0; row < count; row++) {
    const centre = Math.floor(next() * 20) * dim;
    for (let i = 0; i < dim; i++) rows[row * dim + i] = centres[centre + i] + gauss();
  }
  return rows;
}

const rows = clustered(1, COUNT);
const queries = clustered(1, COUNT + 200).subarray(COUNT * DIM); // same centres, unseen points

/** Mean recall@k of `found` against `truth` (lists of ids per query). */
function recallOf(truth: ArrayLike<number>[], found: ArrayLike<number>[]): number {
  let hits = 0;
  let total = 0;
  truth.forEach((expected, q) => {
    const got = new Set(Array.from(found[q]));
    for (const id of Array.from(expected)) if (got.has(id)) hits++;
    total += expected.length;
  });
  return hits / total;
}

/** Exact top-k ids per query from a VectorStore of `live` (id → row). */
function exactTopK(live: Map<number, Float32Array>, metric: Metric, qs: Float32Array, k: number): number[][] {
  using store = new VectorStore({ dim: DIM, metric });
  const storeIds: number[] = [];
  for (const [id, row] of live) {
    store.add(row);
    storeIds.push(id);
  }
  return store.searchBatch(qs, { k }).map((result) => Array.from(result.ids, (slot) => storeIds[slot]));
}

function liveMap(source: Float32Array, count: number): Map<number, Float32Array> {
  const live = new Map<number, Float32Array>();
  for (let id = 0; id < count; id++) live.set(id, source.subarray(id * DIM, (id + 1) * DIM));
  return live;
}

const allIds = Float64Array.from({ length: COUNT }, (_, i) => i);

test("recall@10 at the default ef is at least 0.95 against the exact VectorStore, for cosine and l2sq", () => {
  for (const metric of ["cosine", "l2sq"] as const) {
    using index = new VectorIndex({ dim: DIM, metric });
    index.addBatch(allIds, rows);
    assert.equal(index.size, COUNT);
    const truth = exactTopK(liveMap(rows, COUNT), metric, queries, 10);
    const found = index.searchBatch(queries, { k: 10 });
    const recall = recallOf(truth, found.map((r) => r.ids));
    assert.ok(recall >= 0.95, `${metric} recall ${recall}`);
    // One search equals the same query in a batch, and scores are in the metric's units.
    const one = index.search(queries.subarray(0, DIM), { k: 10 });
    assert.deepEqual(one, found[0]);
    if (metric === "cosine") assert.ok(one.scores[0] <= 1.0001 && one.scores[0] >= one.scores[9]);
    else assert.ok(one.scores[0] <= one.scores[9]);
    const stats = index.stats();
    assert.equal(stats.size, COUNT);
    assert.ok(stats.levels >= 2 && stats.edges > COUNT * 10 && stats.memoryBytes > COUNT * DIM * 4);
    assert.equal(stats.metric, metric);
  }
});

test("removals and updates keep recall, and removed ids never come back", () => {
  using index = new VectorIndex({ dim: DIM, metric: "l2sq" });
  index.addBatch(allIds, rows);
  const live = liveMap(rows, COUNT);
  for (let id = 0; id < COUNT; id += 3) {
    index.remove(id);
    live.delete(id);
  }
  const moved = clustered(9, 300);
  for (let i = 0; i < 300; i++) {
    const id = 1 + 3 * i;
    const row = moved.subarray(i * DIM, (i + 1) * DIM);
    index.update(id, row);
    live.set(id, row);
  }
  assert.equal(index.size, live.size);
  assert.equal(index.has(0), false);
  assert.equal(index.has(1), true);
  const found = index.searchBatch(queries, { k: 10 });
  for (const result of found) for (const id of result.ids) assert.ok(live.has(id), `removed id ${id} returned`);
  const recall = recallOf(exactTopK(live, "l2sq", queries, 10), found.map((r) => r.ids));
  assert.ok(recall >= 0.95, `recall after churn ${recall}`);
  // Removing a third, then re-adding, exercises the rebuild and the id map's reuse of ids.
  index.add(0, rows.subarray(0, DIM));
  assert.equal(index.search(rows.subarray(0, DIM), { k: 1 }).ids[0], 0);
});

test("a filter returns only allowed ids; a tight one returns the exact top-k among them", () => {
  using index = new VectorIndex({ dim: DIM, metric: "cosine" });
  index.addBatch(allIds, rows);
  const next = random(5);
  const tight = Array.from({ length: 60 }, () => Math.floor(next() * COUNT));
  const tightSet = new Set(tight);
  const allowedLive = new Map([...tightSet].map((id) => [id, rows.subarray(id * DIM, (id + 1) * DIM)] as const));
  const truth = exactTopK(allowedLive, "cosine", queries.subarray(0, 20 * DIM), 10);
  for (const filter of [tight, tightSet, Float64Array.from(tight)]) {
    const found = index.searchBatch(queries.subarray(0, 20 * DIM), { k: 10, filter });
    found.forEach((result, q) => assert.deepEqual(Array.from(result.ids), truth[q], `query ${q}`));
  }
  // A bitset over ids: every even id (half of them, a loose filter: the graph walk applies it).
  const bits = new Uint8Array(COUNT / 8).fill(0b01010101);
  const loose = index.searchBatch(queries, { k: 10, filter: bits });
  for (const result of loose) {
    assert.equal(result.ids.length, 10);
    for (const id of result.ids) assert.equal(id % 2, 0);
  }
  const evenLive = new Map([...liveMap(rows, COUNT)].filter(([id]) => id % 2 === 0));
  const recall = recallOf(exactTopK(evenLive, "cosine", queries, 10), loose.map((r) => r.ids));
  assert.ok(recall >= 0.9, `loose filter recall ${recall}`);
  // Labels: given per vector at addBatch; a tight label set is answered exactly, a loose one by
  // the walk, and updates keep a vector's label.
  using labelled = new VectorIndex({ dim: DIM, metric: "cosine" });
  labelled.addBatch(allIds, rows, { labels: Array.from(allIds, (id) => id % 50) });
  const labelTruth = exactTopK(
    new Map([...liveMap(rows, COUNT)].filter(([id]) => id % 50 === 7 || id % 50 === 9)),
    "cosine",
    queries.subarray(0, 20 * DIM),
    10,
  );
  labelled.searchBatch(queries.subarray(0, 20 * DIM), { k: 10, filter: { labels: [9, 7, 9] } }).forEach((result, q) => {
    assert.deepEqual(Array.from(result.ids), labelTruth[q], `label query ${q}`);
  });
  for (
    const result of labelled.searchBatch(queries, {
      k: 10,
      filter: {
        labels: new Uint32Array([
          1,
          2,
          3,
          4,
          5,
          6,
          7,
          8,
          9,
          10,
          11,
          12,
          13,
          14,
          15,
          16,
          17,
          18,
          19,
          20,
          21,
          22,
          23,
          24,
          25,
          26,
          27,
          28,
          29,
          30,
        ]),
      },
    })
  ) {
    assert.equal(result.ids.length, 10);
    for (const id of result.ids) assert.ok(id % 50 >= 1 && id % 50 <= 30, `label of ${id}`);
  }
  labelled.update(7, rows.subarray(8 * DIM, 9 * DIM));
  assert.ok(
    Array.from(labelled.search(rows.subarray(8 * DIM, 9 * DIM), { k: 3, filter: { labels: [7] } }).ids).includes(7),
  );
  labelled.add(COUNT, rows.subarray(0, DIM), { label: 4_000_000_000 });
  assert.deepEqual(
    Array.from(labelled.search(rows.subarray(0, DIM), { k: 5, filter: { labels: [4_000_000_000] } }).ids),
    [COUNT],
  );
  // Ids the index does not hold, and an empty filter, allow nothing.
  assert.equal(index.search(queries.subarray(0, DIM), { k: 5, filter: [COUNT + 5] }).ids.length, 0);
  assert.equal(index.search(queries.subarray(0, DIM), { k: 5, filter: [] }).ids.length, 0);
});

test("f16, i8 and binary storage with f32 re-ranking keep recall", () => {
  const cases: [ElementType, Metric, number, number][] = [["f16", "cosine", 0, 0.95], ["i8", "cosine", 0, 0.93], [
    "i8",
    "l2sq",
    0,
    0.93,
  ], [
    "binary",
    "cosine",
    400,
    0.5,
  ]];
  const truthCosine = exactTopK(liveMap(rows, COUNT), "cosine", queries, 10);
  const truthL2 = exactTopK(liveMap(rows, COUNT), "l2sq", queries, 10);
  for (const [storage, metric, ef, floor] of cases) {
    using index = new VectorIndex({ dim: DIM, metric, storage, rerank: true });
    index.addBatch(allIds, rows);
    const found = index.searchBatch(queries, { k: 10, ...(ef ? { ef } : {}) });
    const recall = recallOf(metric === "cosine" ? truthCosine : truthL2, found.map((r) => r.ids));
    assert.ok(recall >= floor, `${storage} ${metric} recall ${recall}`);
    assert.equal(index.stats().storage, storage);
  }
  // Binary with hamming walks and scores the bits themselves.
  using bits = new VectorIndex({ dim: DIM, storage: "binary" });
  bits.addBatch(allIds, rows);
  assert.equal(bits.stats().metric, "hamming");
  assert.ok(Number.isInteger(bits.search(queries.subarray(0, DIM), { k: 3 }).scores[0]));
});

test("save, then open loaded and viewed: identical results; the view is read-only", () => {
  const directory = mkdtempSync(`${tmpdir()}/offheap-index-`);
  const path = `${directory}/index.hnsw`;
  using index = new VectorIndex({ dim: DIM, metric: "cosine", storage: "i8", rerank: true });
  index.addBatch(allIds, rows);
  index.remove(17);
  const bytes = index.save(path);
  assert.ok(bytes > COUNT * DIM);
  const expected = index.searchBatch(queries, { k: 10, filter: new Uint8Array(COUNT / 8).fill(0xff) });
  for (const mode of ["load", "view"] as const) {
    using opened = VectorIndex.open(path, { mode });
    assert.deepEqual(
      opened.searchBatch(queries, { k: 10, filter: new Uint8Array(COUNT / 8).fill(0xff) }),
      expected,
      mode,
    );
    assert.equal(opened.size, COUNT - 1);
    assert.equal(opened.has(17), false);
    assert.equal(opened.stats().readOnly, mode === "view");
  }
  using view = VectorIndex.open(path, { mode: "view" });
  assert.throws(
    () => view.add(COUNT, rows.subarray(0, DIM)),
    (e) => e instanceof OffheapError && e.code === "READ_ONLY",
  );
  assert.throws(() => view.remove(1), (e) => e instanceof OffheapError && e.code === "READ_ONLY");
  using loaded = VectorIndex.open(path);
  loaded.add(COUNT, rows.subarray(0, DIM));
  assert.equal(loaded.size, COUNT);
  // Truncated, corrupted, foreign and missing files are clear errors.
  const file = readFileSync(path);
  writeFileSync(`${path}.cut`, file.subarray(0, file.length - 100));
  const corrupt = new Uint8Array(file);
  corrupt[corrupt.length >> 1] ^= 1;
  writeFileSync(`${path}.bad`, corrupt);
  writeFileSync(`${path}.txt`, "not an index at all");
  for (const bad of [`${path}.cut`, `${path}.bad`, `${path}.txt`]) {
    for (const mode of ["load", "view"] as const) {
      assert.throws(
        () => VectorIndex.open(bad, { mode }),
        (e) => e instanceof OffheapError && e.code === "INVALID_FILE",
        bad,
      );
    }
  }
  assert.throws(
    () => VectorIndex.open(`${directory}/missing.hnsw`),
    (e) => e instanceof OffheapError && e.code === "NOT_FOUND",
  );
  assert.throws(
    () => index.save(`${directory}/no/such/dir/x.hnsw`),
    (e) => e instanceof OffheapError && e.code === "IO_FAILED",
  );
});

test("get gives back each vector as the index keeps it, in every storage, loaded and viewed", () => {
  const directory = mkdtempSync(`${tmpdir()}/offheap-index-get-`);
  const first = rows.subarray(0, DIM);
  const norm = Math.hypot(...first);
  const near = (got: Float32Array | undefined, expected: ArrayLike<number>, tolerance: number, what: string) => {
    assert.ok(got instanceof Float32Array && got.length === DIM, what);
    for (let i = 0; i < DIM; i++) assert.ok(Math.abs(got[i] - expected[i]) <= tolerance, `${what} [${i}]`);
  };
  const normalized = Array.from(first, (x) => x / norm);
  const cases = [
    { options: { metric: "l2sq" as Metric }, expected: first, tolerance: 0 },
    { options: { metric: "cosine" as Metric }, expected: normalized, tolerance: 1e-6 },
    { options: { metric: "l2sq" as Metric, storage: "f16" as ElementType }, expected: first, tolerance: 4e-3 },
    { options: { metric: "l2sq" as Metric, storage: "i8" as ElementType }, expected: first, tolerance: 0.05 },
    {
      options: { metric: "cosine" as Metric, storage: "i8" as ElementType, rerank: true },
      expected: normalized,
      tolerance: 1e-6,
    },
    {
      options: { metric: "hamming" as Metric, storage: "binary" as ElementType },
      expected: Array.from(first, (x) => x > 0 ? 1 : 0),
      tolerance: 0,
    },
  ];
  for (const [position, { options, expected, tolerance }] of cases.entries()) {
    const what = JSON.stringify(options);
    using index = new VectorIndex({ dim: DIM, ...options });
    index.addBatch(allIds.slice(0, 100), rows.subarray(0, 100 * DIM));
    near(index.get(0), expected, tolerance, what);
    assert.equal(index.get(100), undefined);
    index.remove(0);
    assert.equal(index.get(0), undefined, `${what}: a removed id`);
    index.add(0, first);
    near(index.get(0), expected, tolerance, `${what}: added again`);
    const path = `${directory}/${position}.hnsw`;
    index.save(path);
    for (const mode of ["load", "view"] as const) {
      using opened = VectorIndex.open(path, { mode });
      near(opened.get(0), expected, tolerance, `${what} ${mode}`);
      assert.deepEqual(opened.get(42), index.get(42));
    }
  }
  using index = new VectorIndex({ dim: DIM });
  index.add(5, first);
  assert.throws(() => index.get(-1), (e) => e instanceof RangeError);
  assert.throws(() => index.get(1.5), (e) => e instanceof RangeError);
  assert.throws(() => index.get("5" as unknown as number), (e) => e instanceof TypeError);
  index.free();
  assert.throws(() => index.get(5), (e) => e instanceof OffheapError && e.code === "USE_AFTER_FREE");
});

function runWorker(command: IndexCommand): Promise<IndexReply> {
  return runWorkerOnce(new URL("./workers/index_worker.ts", import.meta.url), command);
}

test("Workers searching one shared index concurrently get what a single thread gets", async () => {
  using index = new VectorIndex({ dim: DIM, metric: "cosine" });
  index.addBatch(allIds, rows);
  const expected = index.searchBatch(queries, { k: 10 }).map((r) => Array.from(r.ids));
  const descriptor = index.share();
  const replies = await Promise.all(
    [0, 1, 2].map(() => runWorker({ op: "search", descriptor, queries, k: 10, rounds: 5 })),
  );
  for (const reply of replies) {
    assert.ok(reply.ok, reply.ok ? "" : reply.message);
    assert.deepEqual(reply.ids, expected);
  }
}, TIMEOUT);

test("a batch linked by several native threads reaches the recall of a serial build", () => {
  const truth = exactTopK(liveMap(rows, COUNT), "cosine", queries, 10);
  for (const threads of [1, 2, 4]) {
    using index = new VectorIndex({ dim: DIM, metric: "cosine" });
    index.addBatch(allIds, rows, { threads });
    assert.equal(index.size, COUNT);
    const recall = recallOf(truth, index.searchBatch(queries, { k: 10 }).map((r) => r.ids));
    assert.ok(recall >= 0.95, `${threads} threads: recall ${recall}`);
  }
  using index = new VectorIndex({ dim: DIM });
  assert.throws(() => index.addBatch([1], new Float32Array(DIM), { threads: 0 }), RangeError);
});

test("Workers adding to one shared index concurrently build it whole, with serial recall", async () => {
  using index = new VectorIndex({ dim: DIM, metric: "l2sq" });
  const descriptor = index.share();
  const half = COUNT / 2;
  const replies = await Promise.all([0, 1].map((part) =>
    runWorker({
      op: "add",
      descriptor,
      ids: allIds.slice(part * half, (part + 1) * half),
      rows: rows.slice(part * half * DIM, (part + 1) * half * DIM),
      chunk: 100,
    })
  ));
  for (const reply of replies) assert.ok(reply.ok, reply.ok ? "" : reply.message);
  assert.equal(index.size, COUNT);
  const found = index.searchBatch(queries, { k: 10 }).map((r) => r.ids);
  const recall = recallOf(exactTopK(liveMap(rows, COUNT), "l2sq", queries, 10), found);
  assert.ok(recall >= 0.95, `parallel-built recall ${recall}`);
  // The index outlives a Worker's reference; freeing ours last frees it.
  index.free();
  assert.throws(() => VectorIndex.open(descriptor), (e) => e instanceof OffheapError && e.code === "NOT_OWNED");
}, TIMEOUT);

test("placement options reach the allocator, and capacity reserves memory up front", () => {
  using small = new VectorIndex({ dim: DIM, huge: "never", node: 0 });
  using large = new VectorIndex({ dim: DIM, capacity: 50_000, huge: "auto" });
  const reserved = large.stats().capacity;
  assert.ok(reserved >= 50_000);
  assert.ok(large.stats().memoryBytes > small.stats().memoryBytes + 50_000 * DIM * 4);
  large.addBatch(allIds.subarray(0, 1000), rows.subarray(0, 1000 * DIM));
  assert.equal(large.stats().capacity, reserved, "no growth below capacity");
  small.addBatch(allIds.subarray(0, 1000), rows.subarray(0, 1000 * DIM));
  assert.ok(small.stats().capacity >= 1000, "growth past the initial 16");
  assert.throws(() => new VectorIndex({ dim: DIM, huge: "sometimes" as "auto" }), RangeError);
  assert.throws(() => new VectorIndex({ dim: DIM, node: -1 }), RangeError);
  assert.throws(
    () => new VectorIndex({ dim: DIM, node: 1000 }),
    (e) => e instanceof RangeError || e instanceof OffheapError,
  );
});

test("bad input is a clear error and leaves the index as it was", () => {
  using index = new VectorIndex({ dim: 4, metric: "l2sq" });
  const v = new Float32Array([1, 2, 3, 4]);
  index.add(1, v);
  const isType = (e: unknown) => e instanceof TypeError;
  const isRange = (e: unknown) => e instanceof RangeError;
  assert.throws(() => new VectorIndex({ dim: 0 }), isRange);
  assert.throws(() => new VectorIndex({ dim: 4, metric: "nope" as Metric }), isRange);
  assert.throws(() => new VectorIndex({ dim: 4, metric: "hamming" }), isType);
  assert.throws(() => new VectorIndex({ dim: 4, storage: "binary", metric: "cosine", rerank: false }), isType);
  assert.throws(() => new VectorIndex({ dim: 4, m: 1 }), isRange);
  assert.throws(() => new VectorIndex({ dim: 4, efSearch: 0 }), isRange);
  assert.throws(() => new VectorIndex({ dim: 4, scale: 2 }), isType);
  assert.throws(() => new VectorIndex(null as unknown as { dim: number }), isType);
  assert.throws(() => index.add(2, new Float32Array(3)), isRange);
  assert.throws(() => index.add(2, new Float64Array(4) as unknown as Float32Array), isType);
  assert.throws(() => index.add(2, new Float32Array([1, NaN, 0, 0])), isRange);
  assert.throws(() => index.add(-1, v), isRange);
  assert.throws(() => index.add(1.5, v), isRange);
  assert.throws(() => index.add(2 ** 53 + 2, v), isRange);
  assert.throws(() => index.add("2" as unknown as number, v), isType);
  assert.throws(() => index.add(1, v), (e) => e instanceof OffheapError && e.code === "ALREADY_EXISTS");
  assert.throws(
    () => index.addBatch([5, 5], new Float32Array(8)),
    (e) => e instanceof OffheapError && e.code === "ALREADY_EXISTS",
  );
  assert.throws(
    () => index.addBatch([6, 1], new Float32Array(8)),
    (e) => e instanceof OffheapError && e.code === "ALREADY_EXISTS",
  );
  assert.throws(() => index.addBatch([6, 7], new Float32Array(7)), isRange);
  assert.throws(() => index.addBatch([6, 7], new Float32Array([0, 0, 0, 0, 0, Infinity, 0, 0])), isRange);
  assert.equal(index.size, 1, "refused batches added nothing");
  assert.equal(index.has(5) || index.has(6), false);
  assert.throws(() => index.remove(99), isRange);
  assert.throws(() => index.update(99, v), isRange);
  assert.throws(() => index.update(1, new Float32Array([NaN, 0, 0, 0])), isRange);
  for (const k of [0, 1025, 1.5, NaN]) assert.throws(() => index.search(v, { k }), isRange, `k ${k}`);
  assert.throws(() => index.search(v, { k: "3" as unknown as number }), isType);
  assert.throws(() => index.search(v, { k: 1, ef: 0 }), isRange);
  assert.throws(() => index.search(v, { k: 1, filter: "1" as unknown as number[] }), isType);
  assert.throws(() => index.search(v, { k: 1, filter: new Int32Array([1]) as unknown as Float64Array }), isType);
  assert.throws(() => index.search(v, { k: 1, filter: [-1] }), isRange);
  assert.throws(() => index.search(v, { k: 1, filter: ["x"] as unknown as number[] }), isType);
  assert.throws(() => index.search(v, { k: 1, filter: { labels: [-1] } }), isRange);
  assert.throws(() => index.search(v, { k: 1, filter: { labels: "1" as unknown as number[] } }), isType);
  assert.throws(() => index.addBatch([8], v, { labels: [2 ** 32] }), isRange);
  assert.throws(() => index.addBatch([8], v, { labels: [1, 2] }), isRange);
  assert.throws(() => index.add(8, v, { label: 1.5 }), isRange);
  assert.throws(() => index.search(new Float32Array([0, 0, NaN, 0]), { k: 1 }), isRange);
  assert.throws(() => index.search(v, undefined as unknown as { k: number }), isType);
  assert.throws(() => VectorIndex.open({ kind: "nope" } as unknown as string), isType);
  assert.throws(() => VectorIndex.open(42 as unknown as string), isType);
  assert.throws(() => VectorIndex.open("/tmp/x", { mode: "write" as "load" }), isRange);
  assert.deepEqual(Array.from(index.search(v, { k: 5 }).ids), [1], "k beyond the size returns what exists");
  index.free();
  index.free();
  assert.throws(() => index.search(v, { k: 1 }), (e) => e instanceof OffheapError && e.code === "USE_AFTER_FREE");
  assert.throws(() => index.size, (e) => e instanceof OffheapError && e.code === "USE_AFTER_FREE");
});
