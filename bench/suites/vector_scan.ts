/**
 * The vector scan suite (issue 5): what a distance costs next to an empty FFI call, and what a
 * 100k × 768 scan with top-10 costs next to the library's plain streaming read of the same bytes
 * (the single-core bandwidth roofline), for f32, f16, i8 and binary rows.
 *
 * - "pair 768-d f32": `vectors.dot` against the FFI floor (`offheap_abi_version`, a call that does
 *   nothing) and a plain JS loop, in the same run.
 * - "top-10 100k×768 <type>": `vectors.topK` over off-heap rows by address, against
 *   `vectors.streamSum` over the f32 rows (the bandwidth yardstick) and, for the compact
 *   types, against the f32 scan (the speedup of fewer bytes).
 *
 * @module
 */
import { do_not_optimize } from "mitata";
import { loadOffheap } from "../lib/offheap.ts";
import { library } from "../../src/ffi/load.ts";
import { type Case, OFFHEAP, type Suite } from "../lib/suite.ts";

const rows = 100_000;
const dim = 768;

function dotJs(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

const suite: Suite = {
  name: "vector_scan",
  measures: "a 768-d f32 pair against the empty-FFI floor and plain JS; 100k×768 top-10 scans (f32, f16, i8, " +
    "binary) against the streaming-read bandwidth of the same f32 rows",
  charts: {
    pair: { title: "one 768-d f32 dot product", categoryAxis: "operation" },
    scan: { title: "top-10 over 100k × 768 rows", categoryAxis: "element type" },
  },
  async cases(context) {
    const offheap = await loadOffheap();
    if (typeof offheap === "string") return offheap;
    const { heap, quantize, vectors } = offheap;
    if (typeof (vectors as { topK?: unknown }).topK !== "function") return "vectors has no topK yet";
    const { native } = library(); // the facade's own FFI table: the empty call is offheap_abi_version

    const a = heap.alloc(dim * 4, { align: 64 }).f32();
    const b = heap.alloc(dim * 4, { align: 64 }).f32();
    for (let i = 0; i < dim; i++) [a[i], b[i]] = [Math.sin(i), Math.cos(i)];
    const cases: Case[] = [{
      name: "pair 768-d f32",
      chart: "pair",
      label: "dot 768-d",
      quick: true,
      subjects: [
        { name: OFFHEAP, fn: () => do_not_optimize(vectors.dot(a, b)) },
        { name: "empty FFI call", fn: () => do_not_optimize(native.offheap_abi_version()) },
        { name: "plain JS", fn: () => do_not_optimize(dotJs(a, b)) },
      ],
    }];

    if (context.quick) return cases; // Only the pair is quick: skip building 100k rows.

    // The rows: f32, then each compact form of the same values.
    const f32 = heap.alloc(rows * dim * 4, { align: 64 });
    const values = f32.f32();
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 0.618) * Math.cos(i * 0.0007);
    const f16 = heap.alloc(rows * dim * 2, { align: 64 });
    quantize.f16(values, f16.u16());
    const i8 = heap.alloc(rows * dim, { align: 64 });
    quantize.i8(values, quantize.i8Scale(values), i8.i8());
    const bits = heap.alloc(rows * dim / 8, { align: 64 });
    for (let r = 0; r < rows; r++) {
      quantize.binary(values.subarray(r * dim, (r + 1) * dim), bits.bytes().subarray(r * dim / 8, (r + 1) * dim / 8));
    }
    const query = values.slice(0, dim);
    const queries = {
      f32: query,
      f16: quantize.f16(query),
      i8: quantize.i8(query, quantize.i8Scale(values)),
      binary: quantize.binary(query),
    };
    const f32Scan = () => do_not_optimize(vectors.topK(queries.f32, f32, 10));
    const stream = { name: "stream read of the f32 rows", fn: () => do_not_optimize(vectors.streamSum(f32)) };
    cases.push({
      name: "top-10 100k×768 f32",
      chart: "scan",
      label: "f32",
      quick: false, // --quick stays under a minute; the 100k-row scans run in the full run only.
      subjects: [{ name: OFFHEAP, fn: f32Scan }, stream],
    });
    const compact = [["f16", f16, queries.f16], ["i8", i8, queries.i8], ["binary", bits, queries.binary]] as const;
    for (const [type, matrix, q] of compact) {
      cases.push({
        name: `top-10 100k×768 ${type}`,
        chart: "scan",
        label: type,
        quick: false,
        subjects: [
          { name: OFFHEAP, fn: () => do_not_optimize(vectors.topK(q, matrix, 10)) },
          { name: "f32 scan", fn: f32Scan },
          stream,
        ],
      });
    }
    return cases;
  },
};

export default suite;
