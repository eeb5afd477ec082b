/**
 * The f64 reference the vector tests compare the kernels against, with the same error model as
 * zig/src/simd/reference.zig: f32/f16 sums may be off by `relative · Σ|terms|` (plus denormal
 * spacing), cosine by `relative · condition + 1e-6`, i8 sums only by the final f32 rounding, and
 * hamming not at all. Also a seeded random source, so failures reproduce.
 *
 * @module
 */
import { f16ValueOf } from "../src/vectors/quantize.ts";
import type { Metric, VectorArray } from "../src/vectors/elements.ts";

/** A small seeded PRNG (mulberry32): floats in [0, 1). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The element types under test, with a filler of random values. */
export const TYPES = {
  f32: (next: () => number, length: number, scale = 1) => Float32Array.from({ length }, () => (next() * 2 - 1) * scale),
  f16: (next: () => number, length: number) => {
    const bits = new Uint16Array(length);
    new (globalThis as unknown as { Float16Array: Float32ArrayConstructor }).Float16Array(bits.buffer).set(
      Float32Array.from({ length }, () => next() * 2 - 1),
    );
    return bits;
  },
  i8: (next: () => number, length: number) => Int8Array.from({ length }, () => Math.floor(next() * 256) - 128),
  binary: (next: () => number, length: number) => Uint8Array.from({ length }, () => Math.floor(next() * 256)),
} as const;

/** The element value at `index`, as a number. */
export function element(array: VectorArray, index: number): number {
  return array instanceof Uint16Array ? f16ValueOf(array[index]) : array[index];
}

function popcount(byte: number): number {
  let count = 0;
  for (let value = byte; value !== 0; value &= value - 1) count++;
  return count;
}

/** The score in f64. Cosine of a zero vector is 0 (distance 1), as the kernels define it. */
export function reference(metric: Metric, a: VectorArray, b: VectorArray, offset = 0): number {
  let dot = 0, aa = 0, bb = 0, l2 = 0, bits = 0;
  for (let index = 0; index < a.length; index++) {
    if (metric === "hamming") {
      bits += popcount(a[index] ^ b[offset + index]);
      continue;
    }
    const x = element(a, index);
    const y = element(b, offset + index);
    dot += x * y;
    aa += x * x;
    bb += y * y;
    l2 += (x - y) * (x - y);
  }
  switch (metric) {
    case "dot":
      return dot;
    case "l2sq":
      return l2;
    case "hamming":
      return bits;
    case "cosine":
      return aa === 0 || bb === 0 ? 0 : Math.min(1, Math.max(-1, dot / (Math.sqrt(aa) * Math.sqrt(bb))));
    case "cosineDistance":
      return aa === 0 || bb === 0 ? 1 : 1 - Math.min(1, Math.max(-1, dot / (Math.sqrt(aa) * Math.sqrt(bb))));
  }
}

/** How far a kernel's f32 result may be from the reference. */
export function tolerance(metric: Metric, a: VectorArray, b: VectorArray, relative = 1e-5): number {
  if (metric === "hamming") return 0;
  const cosine = metric === "cosine" || metric === "cosineDistance";
  if (a instanceof Int8Array) return cosine ? 1e-6 : Math.abs(reference(metric, a, b)) * 2 ** -24;
  let terms = 0, aa = 0, bb = 0;
  for (let index = 0; index < a.length; index++) {
    const x = element(a, index);
    const y = element(b, index);
    terms += metric === "l2sq" ? (x - y) * (x - y) : Math.abs(x * y);
    aa += x * x;
    bb += y * y;
  }
  if (cosine) return aa === 0 || bb === 0 ? 1e-6 : relative * Math.max(1, terms / (Math.sqrt(aa) * Math.sqrt(bb))) + 1e-6;
  return relative * terms + 2 ** -149 * a.length;
}

/** Whether `got` is within `allowed` of `expected` (infinities must match exactly, NaN with NaN). */
export function close(expected: number, got: number, allowed: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(got);
  if (!Number.isFinite(expected) || Math.abs(expected) > 3.4028234663852886e38) return got === expected || (got === Infinity && expected > 0) || (got === -Infinity && expected < 0);
  return Math.abs(got - expected) <= allowed;
}

/** The metrics of an element type. */
export function metricsOf(type: keyof typeof TYPES): Metric[] {
  return type === "binary" ? ["hamming"] : ["dot", "l2sq", "cosine", "cosineDistance"];
}

/**
 * The first k of a full sort of `scores`: better first by the metric's direction, ties by lower
 * id, NaN last; −0 equals +0.
 */
export function fullSortTopK(scores: Float32Array, k: number, largerIsBetter: boolean): { ids: number[]; scores: number[] } {
  const ids = Array.from(scores.keys());
  ids.sort((x, y) => {
    const sx = scores[x], sy = scores[y];
    if (Number.isNaN(sx) || Number.isNaN(sy)) return Number.isNaN(sx) === Number.isNaN(sy) ? x - y : Number.isNaN(sx) ? 1 : -1;
    if (sx !== sy) return (sx > sy) === largerIsBetter ? -1 : 1;
    return x - y;
  });
  const top = ids.slice(0, k);
  return { ids: top, scores: top.map((id) => (scores[id] === 0 ? 0 : scores[id])) };
}
