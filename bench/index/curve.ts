/**
 * Recall@10 / QPS curves over `ef`, one code path for offheap and for the peers, so every library is
 * swept, timed and interpolated the same way: for each `ef`, every query searched one at a time on
 * one thread, `reps` timed passes (each at least 100 ms: the queries repeated as often as needed) of
 * which the fastest gives the QPS (as ann-benchmarks takes the best of its
 * runs: on a shared machine the slower passes measure the other processes), recall@10 against the
 * exact truth. QPS at a target recall is interpolated between the two `ef` points around it (linear in
 * recall, geometric in QPS), as ann-benchmarks reads its plots.
 *
 * @module
 */
import { K, recallAtK } from "./truth.ts";

/** The `ef` values a curve visits, in order; the sweep stops once recall reaches {@linkcode RECALL_SATURATED}. */
export const EF_SWEEP = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512];

/** Past this recall, higher `ef` only costs time. */
export const RECALL_SATURATED = 0.995;

/** The shortest timed pass: shorter sets of queries are searched several rounds per pass. */
const PASS_MS_MIN = 100;

/** The recall the QPS target is read at. */
export const TARGET_RECALL = 0.95;

/** One point of a curve. */
export interface CurvePoint {
  ef: number;
  recall: number;
  /** Queries per second, one thread, one query per call. */
  qps: number;
}

/**
 * Searches query `query` with `ef` and writes its K answers (row numbers) to `out` from `offset`.
 * Implementations copy only what they must: the copy is timed with the search.
 */
export type SearchOne = (query: number, ef: number, out: Float64Array, offset: number) => void;

/** Sweeps `ef` over {@linkcode EF_SWEEP}: one point per `ef` until recall saturates. */
export function sweep(search: SearchOne, truth: Uint32Array, queryCount: number, reps: number): CurvePoint[] {
  const points: CurvePoint[] = [];
  const found = new Float64Array(queryCount * K);
  for (const ef of EF_SWEEP) {
    // The first pass gives the answers (recall) and says how many rounds of the queries make a pass
    // long enough to time: a pass of a few milliseconds is one scheduler slice, all noise.
    const first = performance.now();
    for (let q = 0; q < queryCount; q++) search(q, ef, found, q * K);
    const rounds = Math.max(1, Math.ceil(PASS_MS_MIN / (performance.now() - first)));
    let best = Infinity;
    for (let rep = 0; rep < reps; rep++) {
      const started = performance.now();
      for (let round = 0; round < rounds; round++) {
        for (let q = 0; q < queryCount; q++) search(q, ef, found, q * K);
      }
      best = Math.min(best, performance.now() - started);
    }
    const recall = recallAtK(found, truth, queryCount);
    points.push({ ef, recall, qps: (rounds * queryCount) / (best / 1000) });
    if (recall >= RECALL_SATURATED) break;
  }
  return points;
}

/**
 * The QPS at `target` recall, interpolated between the last point below it and the first at or
 * above it; the first point's QPS when even it is above (a lower bound: a smaller `ef` would be
 * faster); undefined when no point reaches `target`.
 */
export function qpsAtRecall(points: CurvePoint[], target = TARGET_RECALL): number | undefined {
  const at = points.findIndex((point) => point.recall >= target);
  if (at < 0) return undefined;
  if (at === 0) return points[0].qps;
  const low = points[at - 1];
  const high = points[at];
  const t = (target - low.recall) / (high.recall - low.recall);
  return Math.exp(Math.log(low.qps) + t * (Math.log(high.qps) - Math.log(low.qps)));
}

/** A curve as flat numeric facts: `recall <subject> ef=<ef>` and `qps <subject> ef=<ef>`. */
export function curveFacts(subject: string, points: CurvePoint[]): Record<string, number> {
  const facts: Record<string, number> = {};
  for (const point of points) {
    facts[`recall ${subject} ef=${point.ef}`] = point.recall;
    facts[`qps ${subject} ef=${point.ef}`] = point.qps;
  }
  const at = qpsAtRecall(points);
  if (at !== undefined) facts[`qps@${TARGET_RECALL} ${subject}`] = at;
  return facts;
}

/** The curve of `subject` read back from facts written by {@linkcode curveFacts}. */
export function curveFromFacts(facts: Record<string, string | number>, subject: string): CurvePoint[] {
  const points: CurvePoint[] = [];
  for (const ef of EF_SWEEP) {
    const recall = facts[`recall ${subject} ef=${ef}`];
    const qps = facts[`qps ${subject} ef=${ef}`];
    if (typeof recall === "number" && typeof qps === "number") points.push({ ef, recall, qps });
  }
  return points;
}
