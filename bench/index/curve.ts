/**
 * Recall@10 / QPS curves over `ef`, one code path for offheap and for the peers, so every library is
 * swept, timed and interpolated the same way, at the same time: for each `ef`, every query searched
 * one at a time on one thread, `reps` timed passes per library in turns (each at least 100 ms: the
 * queries repeated as often as needed), of which the fastest gives the QPS (as ann-benchmarks takes
 * the best of its runs: on a shared machine the slower passes measure the other processes), and
 * recall@10 against the exact truth. QPS at a target recall is interpolated between the two `ef` points around it (linear in
 * recall, geometric in QPS), as ann-benchmarks reads its plots.
 *
 * @module
 */
import { K, recallAtK } from "./truth.ts";

/** The `ef` values a curve visits, in order; the sweep stops once recall reaches {@linkcode RECALL_SATURATED}. */
export const EF_SWEEP = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512];

/** Past this recall, higher `ef` only costs time. */
export const RECALL_SATURATED = 0.995;

/** The shortest timed pass: a shorter set of queries is searched several rounds per pass. */
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

/** A timed pass: every query searched `rounds` times at `ef`; `answers` asks for the last round's answers. */
export interface PassRequest {
  ef: number;
  rounds: number;
  answers: boolean;
}

/** A pass's own timing (the searches only), and the answers when asked: `queries × K` row numbers. */
export interface PassReply {
  ms: number;
  ids?: ArrayLike<number>;
}

/** One library a sweep measures, in this process or in a child (the peers). */
export interface Contender {
  name: string;
  pass(request: PassRequest): PassReply | Promise<PassReply>;
}

/**
 * Sweeps `ef` over {@linkcode EF_SWEEP} for every contender at once: at each `ef`, a first pass per
 * contender gives its answers (recall) and how many rounds of the queries make a timed pass of at
 * least {@linkcode PASS_MS_MIN} ms; then `reps` timed passes of each, taking turns (each repetition
 * starting with another contender), so that every library is timed in the same stretch of the
 * machine's load. A contender leaves once its recall saturates.
 */
export async function sweepTogether(
  contenders: Contender[],
  truth: Uint32Array,
  queryCount: number,
  reps: number,
): Promise<Map<string, CurvePoint[]>> {
  const curves = new Map<string, CurvePoint[]>(contenders.map((contender) => [contender.name, []]));
  let active = [...contenders];
  for (const ef of EF_SWEEP) {
    if (active.length === 0) break;
    const rounds: number[] = [];
    const recalls: number[] = [];
    for (const contender of active) {
      const first = await contender.pass({ ef, rounds: 1, answers: true });
      recalls.push(recallAtK(first.ids!, truth, queryCount));
      rounds.push(Math.max(1, Math.ceil(PASS_MS_MIN / Math.max(first.ms, 0.01))));
    }
    const best = active.map(() => Infinity);
    for (let rep = 0; rep < reps; rep++) {
      for (let turn = 0; turn < active.length; turn++) {
        const i = (rep + turn) % active.length;
        const { ms } = await active[i].pass({ ef, rounds: rounds[i], answers: false });
        best[i] = Math.min(best[i], ms);
      }
    }
    active.forEach((contender, i) => {
      curves.get(contender.name)!.push({ ef, recall: recalls[i], qps: (rounds[i] * queryCount) / (best[i] / 1000) });
    });
    active = active.filter((_, i) => recalls[i] < RECALL_SATURATED);
  }
  return curves;
}

/**
 * A contender in this process: `search` searches query `query` at `ef` and writes its K answers
 * (row numbers) to `out` from `offset`; copying them is timed with the search.
 */
export function localContender(
  name: string,
  queryCount: number,
  search: (query: number, ef: number, out: Float64Array, offset: number) => void,
): Contender {
  const found = new Float64Array(queryCount * K);
  return {
    name,
    pass({ ef, rounds, answers }) {
      found.fill(-1);
      const started = performance.now();
      for (let round = 0; round < rounds; round++) {
        for (let q = 0; q < queryCount; q++) search(q, ef, found, q * K);
      }
      const ms = performance.now() - started;
      return answers ? { ms, ids: found } : { ms };
    },
  };
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
