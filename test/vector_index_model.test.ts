/**
 * `VectorIndex` against a model: a seeded random mix of add, addBatch, remove, update, has, size and
 * filtered searches (valid and invalid) on a small index, checked after every step against a Map of
 * the live vectors. Removals drive the index through tombstones and rebuilds, and ids come back
 * after removal. Filtered searches over a small index take the exact path, so their scores must
 * equal a brute-force l2sq over the allowed live vectors. At the end a saved and viewed copy must
 * answer like the original.
 */
import assert from "node:assert/strict";
import { OffheapError, VectorIndex } from "../mod.ts";
import { test } from "./harness.ts";
import { random } from "./vector_reference.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";

const DIM = 8;
const ID_SPACE = 400;

function l2sq(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return sum;
}

test("a random mix of operations matches a model of the live vectors, through rebuilds", () => {
  const next = random(77);
  const int = (n: number) => Math.floor(next() * n);
  const vector = () => Float32Array.from({ length: DIM }, () => Math.round((next() * 2 - 1) * 64) / 16);
  using index = new VectorIndex({ dim: DIM, metric: "l2sq", m: 8, efConstruction: 64 });
  const live = new Map<number, Float32Array>();
  for (let step = 0; step < 3000; step++) {
    const op = int(10);
    const id = int(ID_SPACE);
    if (op <= 2) {
      const v = vector();
      if (live.has(id)) {
        assert.throws(() => index.add(id, v), (e) => e instanceof OffheapError && e.code === "ALREADY_EXISTS");
      } else {
        index.add(id, v);
        live.set(id, v);
      }
    } else if (op === 3) {
      const ids = Array.from({ length: 1 + int(20) }, () => int(ID_SPACE));
      const rows = ids.map(() => vector());
      const clash = ids.some((x, i) => live.has(x) || ids.indexOf(x) !== i);
      if (clash) {
        assert.throws(() => index.addBatch(ids, rows), (e) => e instanceof OffheapError && e.code === "ALREADY_EXISTS");
      } else {
        index.addBatch(ids, rows);
        ids.forEach((x, i) => live.set(x, rows[i]));
      }
    } else if (op <= 5) {
      if (live.has(id)) {
        index.remove(id);
        live.delete(id);
      } else assert.throws(() => index.remove(id), RangeError);
    } else if (op === 6) {
      const v = vector();
      if (live.has(id)) {
        index.update(id, v);
        live.set(id, v);
      } else assert.throws(() => index.update(id, v), RangeError);
    } else {
      const query = vector();
      const allowed = Array.from({ length: int(60) }, () => int(ID_SPACE));
      const k = 1 + int(12);
      const result = index.search(query, { k, filter: allowed });
      const expected = [...new Set(allowed)].filter((x) => live.has(x)).map((x) => l2sq(query, live.get(x)!)).sort((
        a,
        b,
      ) => a - b)
        .slice(0, k);
      assert.equal(result.ids.length, expected.length, `step ${step}: result count`);
      result.ids.forEach((x, i) => {
        assert.ok(live.has(x) && allowed.includes(x), `step ${step}: id ${x} not allowed or not live`);
        assert.ok(Math.abs(result.scores[i] - expected[i]) <= 1e-4 * (1 + expected[i]), `step ${step}: score ${i}`);
      });
      const unfiltered = index.search(query, { k });
      for (const x of unfiltered.ids) assert.ok(live.has(x), `step ${step}: removed id ${x} returned`);
    }
    assert.equal(index.size, live.size, `step ${step}: size`);
    assert.equal(index.has(id), live.has(id), `step ${step}: has(${id})`);
  }
  const stats = index.stats();
  assert.ok(stats.removed * 2 < stats.nodes || stats.removed < 64, "tombstones were cleared by rebuilds");
  const path = `${mkdtempSync(`${tmpdir()}/offheap-model-`)}/model.hnsw`;
  index.save(path);
  using view = VectorIndex.open(path, { mode: "view" });
  for (let q = 0; q < 50; q++) {
    const query = vector();
    assert.deepEqual(view.search(query, { k: 10 }), index.search(query, { k: 10 }));
  }
});
