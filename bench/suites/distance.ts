/**
 * The distance suite (issue 6): one query against one vector through offheap's SIMD kernels, over
 * off-heap f32 memory, against the same arithmetic as a plain JS loop and simsimd over N-API (the
 * npm package `simsimd`, a pinned devDependency; Deno loads it from node_modules, Bun natively). It shows what one FFI crossing costs next to the arithmetic, and
 * where a kernel starts to pay off (a 768-d native dot is about 29 ns; plain JS about 625 ns).
 *
 * Metrics beyond `dot` are measured when the facade exports them (`vectors.l2sq`, `vectors.cosine`).
 *
 * @module
 */
import { do_not_optimize } from "mitata";
import { loadOffheap } from "../lib/offheap.ts";
import { type Case, OFFHEAP, type Subject, type Suite } from "../lib/suite.ts";

const dimensions = [128, 768, 1536];
/** The input blocks, kept referenced so they are never collected (and reported) as leaks. */
const inputs: { free(): void }[] = [];

/** Two-argument f32 metric as the facade and simsimd expose it. */
type Metric = (a: Float32Array, b: Float32Array) => number;

function dotJs(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function l2sqJs(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}

function cosineJs(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  return 1 - dot / Math.sqrt(normA * normB);
}

/**
 * simsimd's metrics (a devDependency of the repository, never of the published package, so the
 * suite still runs, with a note, where it is not installed). simsimd's `cosine` is the cosine
 * distance; only its time per call is compared.
 */
async function loadSimsimd(): Promise<Record<string, Metric> | string> {
  const specifier = "simsimd";
  try {
    const module = await import(specifier);
    return { dot: module.inner ?? module.dot, l2sq: module.sqeuclidean, cosine: module.cosine };
  } catch {
    return "simsimd baseline skipped: the npm package simsimd is not installed (npm install)";
  }
}

const suite: Suite = {
  name: "distance",
  measures: "one f32 query against one vector (dot, and l2sq/cosine when exported) by dimension, offheap's " +
    "SIMD kernels through FFI against plain JS loops and simsimd",
  charts: {
    dot: { title: "dot product of two f32 vectors", categoryAxis: "dimensions" },
    l2sq: { title: "squared euclidean distance of two f32 vectors", categoryAxis: "dimensions" },
    cosine: { title: "cosine distance of two f32 vectors", categoryAxis: "dimensions" },
  },
  async cases(context) {
    const offheap = await loadOffheap();
    if (typeof offheap === "string") return offheap;
    const simsimd = await loadSimsimd();
    if (typeof simsimd === "string") context.note(simsimd);
    const { heap, vectors } = offheap;
    const facade = vectors as unknown as Record<string, Metric | undefined>;
    // Called as methods with constant names, the way users call them.
    const metrics: [string, Metric, Metric][] = [
      ["dot", (a, b) => facade.dot!(a, b), dotJs],
      ["l2sq", (a, b) => facade.l2sq!(a, b), l2sqJs],
      ["cosine", (a, b) => facade.cosine!(a, b), cosineJs],
    ];
    const cases: Case[] = [];
    for (const [metric, kernel, plainJs] of metrics) {
      if (typeof facade[metric] !== "function") continue;
      for (const dimension of dimensions) {
        // Off-heap, 64-byte aligned inputs: the memory offheap's users pass to the kernels.
        const blocks = [heap.alloc(dimension * 4, { align: 64 }), heap.alloc(dimension * 4, { align: 64 })];
        inputs.push(...blocks); // Owned for the life of the process: the closures below read them.
        const [a, b] = blocks.map((block) => block.f32());
        for (let i = 0; i < dimension; i++) [a[i], b[i]] = [Math.sin(i) + 1.5, Math.cos(i) + 1.5];
        const subjects: Subject[] = [
          { name: OFFHEAP, fn: () => do_not_optimize(kernel(a, b)) },
          { name: "plain JS", fn: () => do_not_optimize(plainJs(a, b)) },
        ];
        const native = typeof simsimd === "string" ? undefined : simsimd[metric];
        if (native) subjects.push({ name: "simsimd", fn: () => do_not_optimize(native(a, b)) });
        const name = `${metric} ${dimension}-d`;
        cases.push({
          name,
          chart: metric,
          label: `${dimension}-d`,
          quick: false,
          subjects,
        });
      }
    }
    return cases.length > 0 ? cases : "vectors has no distance kernel yet";
  },
};

export default suite;
