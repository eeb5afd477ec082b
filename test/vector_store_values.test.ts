/**
 * What compact `VectorStore`s do with values that have no compact form: i8 storage refuses NaN and
 * ±Infinity (in rows and queries, before a batch changes anything) and never fixes a degenerate
 * scale from a batch of zeros; f16 storage keeps NaN and infinities, and search ranks NaN last.
 */
import assert from "node:assert/strict";
import { quantize, VectorStore } from "../mod.ts";
import { test } from "./harness.ts";

/** A predicate for assert.throws: an instance of `Kind` whose message includes every word. */
function named(Kind: ErrorConstructor, ...words: string[]) {
  return (error: unknown) => {
    assert.ok(error instanceof Kind, `expected ${Kind.name}, got ${error}`);
    for (const word of words) assert.ok(error.message.includes(word), `"${error.message}" names ${word}`);
    return true;
  };
}

test("i8 storage refuses NaN and ±Infinity with a RangeError, and a refused batch adds nothing", () => {
  using store = new VectorStore({ dim: 3, storage: "i8" });
  for (const bad of [NaN, Infinity, -Infinity]) {
    assert.throws(() => store.add(new Float32Array([1, bad, 0])), named(RangeError, "vector[1]", String(bad)));
    assert.throws(
      () => store.addBatch([new Float32Array([1, 2, 3]), new Float32Array([0, 0, bad])]),
      named(RangeError, "rows[1][2]", String(bad)),
    );
    assert.throws(() => store.addBatch(new Float32Array([1, 2, 3, bad, 0, 0])), named(RangeError, "rows[1][0]"));
    assert.throws(() => quantize.i8(new Float32Array([0, bad]), 1), named(RangeError, "values[1]", String(bad)));
  }
  assert.equal(store.size, 0);
  assert.equal(store.scale, undefined);
  store.add(new Float32Array([1, -2, 0.5]));
  assert.equal(store.scale, 63.5);
  assert.throws(() => store.search(new Float32Array([NaN, 0, 0]), { k: 1 }), named(RangeError, "query[0]", "NaN"));
  assert.throws(() => store.searchBatch(new Float32Array([1, 1, 1, 0, Infinity, 0]), { k: 1 }), named(RangeError, "query[1]"));
  // f32 storage quantizes nothing, so it stores NaN as given.
  using exact = new VectorStore({ dim: 1 });
  exact.add(new Float32Array([NaN]));
  assert.ok(Number.isNaN(exact.get(0)[0]));
});

test("an i8 store's scale stays unset through batches of zeros; the first nonzero batch fixes it", () => {
  using store = new VectorStore({ dim: 2, storage: "i8", metric: "l2sq" });
  assert.deepEqual([...store.addBatch(new Float32Array(4))], [0, 1]);
  store.add(new Float32Array(2));
  assert.equal(store.scale, undefined);
  assert.deepEqual([...store.get(0)], [0, 0]);
  // Every row is zero: the query is scaled on its own, and l2sq comes back as |q|² in f32 units.
  const early = store.search(new Float32Array([0.3, 0.4]), { k: 3 });
  assert.deepEqual([...early.ids], [0, 1, 2]);
  for (const score of early.scores) assert.ok(Math.abs(score - 0.25) < 0.25 * 0.02, `score ${score}`);
  assert.deepEqual([...store.search(new Float32Array(2), { k: 1 }).scores], [0]);
  // A batch mixing a zero row and small values takes its scale from the whole batch (127 / 0.5).
  const [, small] = store.addBatch([new Float32Array(2), new Float32Array([0.25, -0.5])]);
  assert.equal(store.scale, 254);
  assert.deepEqual([...store.get(small)], [64, -127]);
  const { ids, scores } = store.search(new Float32Array([0.25, -0.5]), { k: 2 });
  assert.equal(ids[0], small);
  assert.equal(scores[0], 0);
  assert.ok(Math.abs(scores[1] - 0.3125) < 0.3125 * 0.02, `score ${scores[1]}`);
});

test("an i8 dot store of zeros scores 0 before its scale is fixed", () => {
  using store = new VectorStore({ dim: 3, storage: "i8" });
  store.addBatch(new Float32Array(6));
  const { ids, scores } = store.search(new Float32Array([5, -1, 2]), { k: 2 });
  assert.deepEqual([...ids], [0, 1]);
  assert.deepEqual([...scores], [0, 0]);
  assert.equal(store.scale, undefined);
});

test("f16 storage keeps NaN and infinities: NaN rows score NaN and rank last, overflow is Infinity", () => {
  using store = new VectorStore({ dim: 2, storage: "f16" });
  const [one, nan, two, big] = store.addBatch([
    new Float32Array([1, 1]),
    new Float32Array([NaN, 1]),
    new Float32Array([2, 2]),
    new Float32Array([1e6, 0]),
  ]);
  assert.equal(store.get(big)[0], 0x7c00); // beyond ±65504: +Infinity
  assert.equal(store.get(nan)[0] & 0x7c00, 0x7c00);
  assert.notEqual(store.get(nan)[0] & 0x3ff, 0);
  const { ids, scores } = store.search(new Float32Array([1, 1]), { k: 4 });
  assert.deepEqual([...ids], [big, two, one, nan]);
  assert.equal(scores[0], Infinity);
  assert.deepEqual([...scores.subarray(1, 3)], [4, 2]);
  assert.ok(Number.isNaN(scores[3]));
});
