/**
 * The index benchmark's data and arithmetic (bench/index/): the `.npy` reader accepts the layouts
 * the format allows and refuses, with a RangeError naming the problem, what it cannot read
 * correctly (wrong magic, dtype, rank, a truncated file); the seeded data sets are the same in every
 * process; recall@10 counts what it should; and QPS at a target recall is interpolated between the
 * right points. Timings are not judged here (they are the suite's job).
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { test } from "./harness.ts";
import { readNpyMatrix } from "../bench/index/npy.ts";
import { loadDataset } from "../bench/index/datasets.ts";
import { K, recallAtK } from "../bench/index/truth.ts";
import { curveFacts, curveFromFacts, type CurvePoint, qpsAtRecall } from "../bench/index/curve.ts";

/** The bytes of a version-1 `.npy` file with `header` (padded as the format says) and `data`. */
function npyBytes(header: string, data: Uint8Array, magic = "\x93NUMPY"): Uint8Array {
  let text = header;
  while ((10 + text.length + 1) % 16 !== 0) text += " ";
  text += "\n";
  const bytes = new Uint8Array(10 + text.length + data.length);
  for (let i = 0; i < 6; i++) bytes[i] = magic.charCodeAt(i);
  bytes[6] = 1;
  bytes[7] = 0;
  new DataView(bytes.buffer).setUint16(8, text.length, true);
  for (let i = 0; i < text.length; i++) bytes[10 + i] = text.charCodeAt(i);
  bytes.set(data, 10 + text.length);
  return bytes;
}

function withFile(bytes: Uint8Array, check: (path: string) => void): void {
  const folder = mkdtempSync(`${tmpdir()}/offheap-npy-`);
  try {
    const path = `${folder}/matrix.npy`;
    writeFileSync(path, bytes);
    check(path);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const values = Float32Array.from([1, 2, 3, 4, 5, 6]); // 2 rows × 3 columns, row-major
const asBytes = (array: Float32Array) => new Uint8Array(array.buffer.slice(0));

test("readNpyMatrix() reads a C-ordered <f4 matrix row by row", () => {
  const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  withFile(npyBytes(header, asBytes(values)), (path) => {
    const matrix = readNpyMatrix(path);
    assert.equal(matrix.rows, 2);
    assert.equal(matrix.cols, 3);
    assert.deepEqual(Array.from(matrix.values), [1, 2, 3, 4, 5, 6]);
  });
});

test("readNpyMatrix() transposes a Fortran-ordered matrix (the GloVe wheel's layout) into rows", () => {
  const header = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
  const columnMajor = Float32Array.from([1, 4, 2, 5, 3, 6]);
  withFile(npyBytes(header, asBytes(columnMajor)), (path) => {
    assert.deepEqual(Array.from(readNpyMatrix(path).values), [1, 2, 3, 4, 5, 6]);
  });
});

test("readNpyMatrix() refuses a foreign file, another dtype, another rank and a truncated file", () => {
  const good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  const cases: [Uint8Array, RegExp][] = [
    [npyBytes(good, asBytes(values), "\x93NUMPZ"), /magic/],
    [npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", asBytes(values)), /dtype <f8/],
    [npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", asBytes(values)), /rank 1/],
    [npyBytes(good, asBytes(values).subarray(0, 20)), /20 data bytes .* expected 24/],
    [npyBytes("{'descr': '<f4', 'shape': (2, 3), }", asBytes(values)), /header/],
  ];
  for (const [bytes, message] of cases) {
    withFile(bytes, (path) =>
      assert.throws(() => readNpyMatrix(path), (error: Error) => {
        assert.ok(error instanceof RangeError, `${error}`);
        assert.match(error.message, message);
        return true;
      }));
  }
});

test("a clustered data set is the same for the same spec and differs for another seed", () => {
  const spec = { kind: "clustered", rows: 300, queries: 20, dim: 16, clusters: 5, seed: 3 } as const;
  const first = loadDataset(spec);
  const again = loadDataset(spec);
  assert.equal(first.base.length, 300 * 16);
  assert.equal(first.queries.length, 20 * 16);
  assert.ok(first.base.every(Number.isFinite));
  assert.deepEqual(first.base, again.base);
  assert.deepEqual(first.queries, again.queries);
  assert.notDeepEqual(loadDataset({ ...spec, seed: 4 }).base, first.base);
  assert.equal(first.label, "clustered 300×16");
});

test("recallAtK() counts the true neighbours found among the first k answers, in any order", () => {
  const truth = Uint32Array.from({ length: 2 * K }, (_, i) => i); // query 0: 0..9, query 1: 10..19
  const found = new Float64Array(2 * K).fill(-1);
  for (let i = 0; i < K; i++) found[i] = K - 1 - i; // query 0: all ten, reversed
  for (let i = 0; i < 5; i++) found[K + i] = 10 + i; // query 1: five of ten
  assert.equal(recallAtK(found, truth, 2), 15 / 20);
});

test("qpsAtRecall() interpolates between the points around the target, geometrically in QPS", () => {
  const curve: CurvePoint[] = [
    { ef: 16, recall: 0.9, qps: 4000 },
    { ef: 32, recall: 0.94, qps: 2000 },
    { ef: 64, recall: 0.96, qps: 1000 },
  ];
  assert.ok(Math.abs(qpsAtRecall(curve, 0.95)! - Math.sqrt(2000 * 1000)) < 1e-6);
  assert.equal(qpsAtRecall(curve, 0.8), 4000, "above the target from the first point: that point's QPS");
  assert.equal(qpsAtRecall(curve, 0.99), undefined, "never reached: no figure");
  assert.deepEqual(curveFromFacts(curveFacts("usearch", curve), "usearch"), curve);
});
