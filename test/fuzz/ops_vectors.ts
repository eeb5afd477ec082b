/**
 * Vector operations: pair scores over typed arrays, and `many`, `topK`, `cross` and `streamSum`
 * over live blocks given as `{ address, byteLength }` (at any byte offset) or as `OffheapBuffer`s,
 * each compared with the same call over a typed-array copy of those bytes; and the same calls over
 * foreign, freed and out-of-bounds memory, freed buffers and malformed arguments.
 *
 * @module
 */
import assert from "node:assert/strict";
import { heap, type Metric, vectors } from "../../mod.ts";
import { type Expected, offheap, OK, RANGE, TYPE } from "./expect.ts";
import type { Block, Model } from "./model.ts";
import type { Prng } from "./prng.ts";
import type { Op, Step } from "./step.ts";
import { pickStale } from "./ops_heap.ts";

type Kind = "f32" | "f16" | "i8" | "binary";
type VectorArray = Float32Array | Uint16Array | Int8Array | Uint8Array;
const KINDS: readonly Kind[] = ["f32", "f16", "i8", "binary"];
const ARRAYS = { f32: Float32Array, f16: Uint16Array, i8: Int8Array, binary: Uint8Array } as const;
const BYTES: Record<Kind, number> = { f32: 4, f16: 2, i8: 1, binary: 1 };
const METRICS: Record<Kind, readonly Metric[]> = {
  f32: ["dot", "l2sq", "cosine", "cosineDistance"],
  f16: ["dot", "l2sq", "cosine", "cosineDistance"],
  i8: ["dot", "l2sq", "cosine", "cosineDistance"],
  binary: ["hamming"],
};

/** A random vector of `length` elements of `kind`. */
function randomVector(rng: Prng, kind: Kind, length: number): VectorArray {
  const vector = new ARRAYS[kind](length);
  for (let i = 0; i < length; i++) {
    if (kind === "f32") vector[i] = rng.signed() * 4;
    else if (kind === "f16") vector[i] = rng.chance(0.9) ? (rng.below(0x7800) | (rng.below(2) << 15)) : rng.below(65536);
    else vector[i] = rng.u32() & 255;
  }
  return vector;
}

/** Same values, NaN equal to NaN, +0 and -0 told apart. */
function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: lengths`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]) && !(Number.isNaN(actual[i]) && Number.isNaN(expected[i]))) {
      throw new Error(`${what}: element ${i} is ${actual[i]} by address, ${expected[i]} over a copy`);
    }
  }
}

/** A typed-array copy of `byteLength` bytes of a block from `offset`. */
function copyOf(block: Block, offset: number, byteLength: number, kind: Kind): VectorArray {
  const bytes = new Uint8Array(byteLength);
  bytes.set(heap.view(block.address + offset, byteLength));
  return new ARRAYS[kind](bytes.buffer, 0, Math.floor(byteLength / BYTES[kind]));
}

type Scan = "many" | "topK" | "cross" | "streamSum";

/** Runs one scan over `matrix`; `rows` rows of `dim`. */
function scan(which: Scan, query: VectorArray, matrix: unknown, dim: number, rows: number, metric: Metric, k: number): ArrayLike<number>[] {
  const m = matrix as Float32Array;
  switch (which) {
    case "many":
      return [vectors.many(query, m, null, { metric, rows })];
    case "topK": {
      const { ids, scores } = vectors.topK(query, m, k, { metric, rows });
      return [ids, scores];
    }
    case "cross":
      return [vectors.cross(query, m, null, { dim, metric, rows })];
    default:
      return [[vectors.streamSum(m as Float32Array, rows * dim)]];
  }
}

const scanLive: Op = {
  name: "scan by address",
  weight: 8,
  make(rng, model) {
    if (model.blocks.length === 0) return null;
    const block = rng.pick(model.blocks);
    const which = rng.pick<Scan>(["many", "many", "topK", "cross", "streamSum"]);
    const kind = which === "streamSum" ? "f32" : rng.pick(KINDS);
    const eb = BYTES[kind];
    const dim = Math.min(rng.between(1, 8), Math.floor(block.size / eb));
    if (dim === 0) return null;
    // An OffheapBuffer is scanned whole (its byteLength is the size asked); an address at any byte.
    const asBuffer = block.buffer !== undefined && block.size <= 64 * 1024 && rng.chance(0.3);
    const offset = asBuffer ? 0 : rng.below(block.size - dim * eb + 1);
    const byteLength = asBuffer ? block.size : rng.between(dim * eb, Math.min(block.usable - offset, 64 * 1024));
    const rows = Math.floor(byteLength / eb / dim);
    const metric = rng.pick(METRICS[kind]);
    const query = randomVector(rng, kind, which === "cross" ? dim * rng.between(1, 3) : dim);
    const k = rng.between(1, Math.min(rows, 8));
    const matrix = asBuffer ? block.buffer! : { address: block.address + offset, byteLength };
    return {
      name: `vectors.${which} (${kind})`,
      args: [query, asBuffer ? "the OffheapBuffer" : matrix, { dim, rows, metric, k }, `block ${block.id} +${offset}`],
      expect: OK,
      call: () => scan(which, query, matrix, dim, rows, metric, k),
      after(result) {
        const copy = copyOf(block, offset, byteLength, kind);
        const expected = scan(which, query, copy, dim, rows, metric, k);
        const actual = result as ArrayLike<number>[];
        for (let i = 0; i < expected.length; i++) assertSame(actual[i], expected[i], `vectors.${which}`);
      },
    };
  },
};

/** A scan over memory it must refuse, and what it must throw. */
function badScan(rng: Prng, model: Model): { matrix: unknown; rows: number | undefined; expect: Expected; note: string } | null {
  const choice = rng.below(6);
  if (choice === 0 && model.blocks.length > 0) {
    const block = rng.pick(model.blocks);
    const offset = rng.below(block.usable);
    // Whole rows of the scans below (2 f32) past the end: at least one byte of them lies outside.
    const byteLength = block.usable - offset + 8 * rng.between(1, 64);
    return { matrix: { address: block.address + offset, byteLength }, rows: undefined, expect: offheap("OUT_OF_BOUNDS"), note: `past block ${block.id}` };
  }
  if (choice === 1) {
    const stale = pickStale(rng, model);
    if (stale === undefined) return null;
    return { matrix: { address: stale.address, byteLength: 32 }, rows: undefined, expect: offheap("USE_AFTER_FREE", "NOT_OWNED"), note: `freed ${stale.tier}` };
  }
  if (choice === 2) {
    const address = rng.pick([4096, 12345678, 123456789 * 4096]);
    return { matrix: { address, byteLength: 1 << 20 }, rows: undefined, expect: offheap("NOT_OWNED"), note: "foreign" };
  }
  if (choice === 3 && model.freedBuffers.length > 0) {
    return { matrix: rng.pick(model.freedBuffers), rows: undefined, expect: offheap("USE_AFTER_FREE"), note: "freed buffer" };
  }
  if (choice === 4) {
    const address = rng.pick([0, -4096, 1.5, NaN, 2 ** 47, 2 ** 60]);
    return { matrix: { address, byteLength: 32 }, rows: undefined, expect: RANGE, note: "bad address" };
  }
  const matrix = rng.pick<unknown>([{ address: "4096", byteLength: 32 }, { address: 4096 }, null, [1, 2, 3], "x"]);
  return { matrix, rows: undefined, expect: TYPE, note: "malformed" };
}

const scanBad: Op = {
  name: "scan refused",
  weight: 5,
  make(rng, model) {
    const bad = badScan(rng, model);
    if (bad === null) return null;
    const which = rng.pick<Scan>(["many", "topK", "cross", "streamSum"]);
    const query = randomVector(rng, "f32", 2);
    const { matrix, expect } = bad;
    const call = (): unknown => {
      switch (which) {
        case "many":
          return vectors.many(query, matrix as Float32Array);
        case "topK":
          return vectors.topK(query, matrix as Float32Array, 1);
        case "cross":
          return vectors.cross(query, matrix as Float32Array, null, { dim: 2 });
        default:
          return vectors.streamSum(matrix as Float32Array);
      }
    };
    return { name: `vectors.${which}`, args: [query, matrix, bad.note], expect, call };
  },
};

const argumentsBad: Op = {
  name: "vector arguments refused",
  weight: 3,
  make(rng) {
    const f = new Float32Array([1, 2, 3, 4]);
    const cases: [string, () => unknown, Expected][] = [
      ["vectors.dot(f32, i8)", () => vectors.dot(f, new Int8Array(4)), TYPE],
      ["vectors.dot(f32[4], f32[3])", () => vectors.dot(f, new Float32Array(3)), RANGE],
      ["vectors.dot([], [])", () => vectors.dot(new Float32Array(0), new Float32Array(0)), RANGE],
      ["vectors.dot(Array)", () => vectors.dot([1, 2] as unknown as Float32Array, f), TYPE],
      ["vectors.hamming(f32)", () => vectors.hamming(f as unknown as Uint8Array, f as unknown as Uint8Array), TYPE],
      ["vectors.cosine(u8)", () => vectors.cosine(new Uint8Array(4) as unknown as Int8Array, new Uint8Array(4) as unknown as Int8Array), TYPE],
      ["vectors.dot(65537)", () => vectors.dot(new Float32Array(65537), new Float32Array(65537)), RANGE],
      ["vectors.many(not whole rows)", () => vectors.many(new Float32Array(3), new Float32Array(7)), RANGE],
      ["vectors.many(metric hamming on f32)", () => vectors.many(f, f, null, { metric: "hamming" }), TYPE],
      ["vectors.many(metric 'manhattan')", () => vectors.many(f, f, null, { metric: "manhattan" as Metric }), RANGE],
      ["vectors.many(stride < dim)", () => vectors.many(f, f, null, { stride: 2 }), RANGE],
      ["vectors.many(out too short)", () => vectors.many(new Float32Array(1), f, new Float32Array(3)), RANGE],
      ["vectors.many(out f64)", () => vectors.many(f, f, new Float64Array(1) as unknown as Float32Array), TYPE],
      ["vectors.topK(k 0)", () => vectors.topK(f, f, 0), RANGE],
      ["vectors.topK(k > rows)", () => vectors.topK(new Float32Array(2), f, 3), RANGE],
      ["vectors.topK(k 1025)", () => vectors.topK(new Float32Array(1), new Float32Array(2000), 1025), RANGE],
      ["vectors.topK(k NaN)", () => vectors.topK(f, f, NaN), RANGE],
      ["vectors.cross(no dim)", () => vectors.cross(f, f, null, {} as { dim: number }), TYPE],
      ["vectors.cross(queries % dim)", () => vectors.cross(new Float32Array(3), f, null, { dim: 2 }), RANGE],
      ["vectors.streamSum(count > length)", () => vectors.streamSum(f, 5), RANGE],
      ["vectors.streamSum(count -1)", () => vectors.streamSum(f, -1), RANGE],
      ["vectors.many(rows > matrix)", () => vectors.many(f, f, null, { rows: 2 }), RANGE],
    ];
    const [name, call, expect] = rng.pick(cases);
    return { name, args: [], expect, call };
  },
};

/** Exact references for the integer kernels. */
function referencePair(kind: Kind, metric: Metric, a: VectorArray, b: VectorArray): number | undefined {
  if (kind === "binary") {
    let bits = 0;
    for (let i = 0; i < a.length; i++) {
      let x = a[i] ^ b[i];
      while (x !== 0) {
        bits += x & 1;
        x >>= 1;
      }
    }
    return bits;
  }
  if (kind !== "i8" || (metric !== "dot" && metric !== "l2sq")) return undefined;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += metric === "dot" ? a[i] * b[i] : (a[i] - b[i]) ** 2;
  return sum;
}

const pair: Op = {
  name: "pair score",
  weight: 4,
  make(rng): Step {
    const kind = rng.pick(KINDS);
    const length = rng.between(1, 40);
    const a = randomVector(rng, kind, length);
    const b = randomVector(rng, kind, length);
    const metric = rng.pick(METRICS[kind]);
    const fn = metric === "cosineDistance" ? "cosine" : metric;
    return {
      name: `vectors.${fn} (${kind})`,
      args: [a, b],
      expect: OK,
      call: () => (vectors[fn] as (x: VectorArray, y: VectorArray) => number)(a, b),
      after(result) {
        assert.equal(typeof result, "number");
        const reference = referencePair(kind, fn, a, b);
        if (reference !== undefined) assert.equal(result, reference, `vectors.${fn} (${kind})`);
      },
    };
  },
};

/** The vector operations. */
export const VECTOR_OPS: readonly Op[] = [scanLive, scanBad, argumentsBad, pair];

