/**
 * The accuracy policy through the public API (README "Accuracy"): f32 `dot`, `l2sq` and `cosine`
 * against a double-double reference on adversarial inputs, within 1 ULP of the exact score plus
 * `(dim + 64) · 2^-53 · Σ|terms|` (cosine: plus `(dim + 128) · 2^-53`), and `many` / `topK` equal
 * to the pair calls bit for bit. vectors.test.ts runs this file again at each lower CPU level; the
 * Zig tests (zig/src/simd/accuracy_test.zig) check every level, f16 and i8 too, against f128.
 */
import assert from "node:assert/strict";
import { vectors } from "../mod.ts";
import { test } from "./harness.ts";
import { random } from "./vector_reference.ts";

const DIMS = [1, 2, 7, 16, 17, 33, 100, 768, 1000, 4095, 4096];

/** a + b as an unevaluated sum hi + lo (Knuth's TwoSum): exact. */
function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, (a - (s - bb)) + (b - bb)];
}

/** Σ terms in double-double; each f32·f32 product is exact in f64, so this is the exact dot to ~2^-106. */
function sumExact(terms: number[]): number {
  let hi = 0;
  let lo = 0;
  for (const term of terms) {
    const [s, e] = twoSum(hi, term);
    hi = s;
    lo += e;
  }
  return hi + lo;
}

/** The spacing of f32 at `value` rounded to f32; 2^-149 in the subnormal range and at zero. */
function ulpOf(value: number): number {
  const bits = new Uint32Array(new Float32Array([Math.abs(value)]).buffer)[0];
  const exponent = (bits >>> 23) & 0xff;
  return exponent === 0 ? 2 ** -149 : 2 ** (exponent - 127 - 23);
}

type Shape = "positive" | "signed" | "wide" | "cancelling";

function vectorsOf(shape: Shape, dim: number, scale: number, next: () => number): [Float32Array<ArrayBuffer>, Float32Array<ArrayBuffer>] {
  const value = () => {
    const sign = next() < 0.5 ? -1 : 1;
    if (shape === "positive") return next() * scale;
    if (shape === "wide") return sign * 10 ** (next() * 60 - 30);
    return (next() * 2 - 1) * scale;
  };
  const a = Float32Array.from({ length: dim }, value);
  const b = Float32Array.from({ length: dim }, value);
  if (shape === "cancelling" && dim >= 3) {
    // Element half + i repeats a[i] against −b[i]·(1 ± 2^-21): pairs of terms cancel to a millionth.
    const half = dim >> 1;
    for (let i = 0; i < half; i++) {
      a[half + i] = a[i];
      b[half + i] = -b[i] * (1 + (next() - 0.5) * 2 ** -20);
    }
    a[dim - 1] = b[dim - 1] = scale * 2 ** -10;
  }
  return [a, b];
}

function expectWithin(name: string, got: number, exact: number, condition: number, allowed: number): void {
  const rounded = Math.fround(exact);
  if (!Number.isFinite(rounded)) {
    assert.equal(got, rounded, `${name}: expected ${rounded}, got ${got}`);
    return;
  }
  const bound = ulpOf(exact) + allowed * condition;
  assert.ok(Math.abs(got - exact) <= bound, `${name}: exact ${exact}, got ${got}, allowed ${bound}`);
}

test("f32 dot, l2sq and cosine are within 1 ULP of the exact score on adversarial inputs", () => {
  const next = random(0xacc);
  for (const shape of ["positive", "signed", "wide", "cancelling"] as Shape[]) {
    for (const scale of shape === "wide" ? [1] : [1e-30, 1e-20, 1, 1e20, 1e30]) {
      for (const dim of DIMS) {
        const [a, b] = vectorsOf(shape, dim, scale, next);
        const products = Array.from(a, (x, i) => x * b[i]);
        const squares = Array.from(a, (x, i) => (x - b[i]) * (x - b[i]));
        const perDim = (dim + 64) * 2 ** -53;
        const name = `${shape} ×${scale} dim ${dim}`;
        const dot = sumExact(products);
        expectWithin(`dot ${name}`, vectors.dot(a, b), dot, sumExact(products.map(Math.abs)), perDim);
        // (x − y)² in f64 is within 2^-52 of the exact square: far inside the bound.
        const l2sq = sumExact(squares);
        expectWithin(`l2sq ${name}`, vectors.l2sq(a, b), l2sq, l2sq, perDim);
        const norms = Math.sqrt(sumExact(Array.from(a, (x) => x * x))) * Math.sqrt(sumExact(Array.from(b, (y) => y * y)));
        const cosine = norms === 0 ? 0 : Math.max(-1, Math.min(1, dot / norms));
        expectWithin(`cosine ${name}`, vectors.cosine(a, b), cosine, 1, (dim + 128) * 2 ** -53);
      }
    }
  }
});

test("many and topK score adversarial rows bit for bit as the pair calls do", () => {
  const next = random(0xacc1);
  const dim = 1000;
  const shapes: Shape[] = ["positive", "signed", "wide", "cancelling"];
  const rows = new Float32Array(dim * shapes.length);
  let query = new Float32Array(dim);
  shapes.forEach((shape, row) => {
    const [a, b] = vectorsOf(shape, dim, 1e20, next);
    query = a;
    rows.set(b, row * dim);
  });
  for (const metric of ["dot", "l2sq", "cosine"] as const) {
    const scores = vectors.many(query, rows, null, { metric });
    const pair = metric === "dot" ? vectors.dot : metric === "l2sq" ? vectors.l2sq : vectors.cosine;
    const expected = Float32Array.from(shapes, (_, row) => pair(query, rows.subarray(row * dim, (row + 1) * dim)));
    assert.deepEqual(scores, expected);
    const top = vectors.topK(query, rows, shapes.length, { metric });
    for (let i = 0; i < shapes.length; i++) assert.equal(top.scores[i], expected[top.ids[i]]);
  }
});
