/**
 * The results file (bench/results/<timestamp>-<runtime>.json): its shape, the median ratios of
 * offheap against each baseline computed from it, the summary table, and a structural check that
 * the smoke test uses. The runner writes it; the report reads it.
 *
 * @module
 */
import { alignColumns, formatDuration, formatRatio } from "./format.ts";
import type { Machine, Versions } from "./machine.ts";
import type { RuntimeName } from "./runtime.ts";
import type { ChartSpec } from "./suite.ts";

/** The schema tag of a results file. */
export const RESULTS_SCHEMA = "offheap-bench/1";

/** mitata's statistics of one benchmark, in nanoseconds per call, without the raw sample array. */
export interface Stats {
  kind: string;
  ticks: number;
  /** How many samples mitata took (the samples themselves are dropped to keep the file small). */
  sampleCount: number;
  min: number;
  max: number;
  avg: number;
  p25: number;
  p50: number;
  p75: number;
  p99: number;
  p999: number;
  gc?: { avg: number; min: number; max: number; total: number };
  heap?: { avg: number; min: number; max: number; total: number };
}

/** One subject's measurement in one case. */
export interface SubjectResult {
  name: string;
  offheap: boolean;
  /** Wall time mitata spent on this subject, warm-up included: what it costs the run. */
  elapsedMs?: number;
  stats?: Stats;
  error?: string;
}

/** One case: every subject's measurement of the same operation. */
export interface CaseResult {
  name: string;
  chart: string;
  label: string;
  facts?: Record<string, string | number>;
  subjects: SubjectResult[];
}

/** One suite's results, or why it was skipped. */
export interface SuiteResult {
  name: string;
  measures: string;
  charts: Record<string, ChartSpec>;
  skipped?: string;
  elapsedMs: number;
  cases: CaseResult[];
}

/** A whole results file: one runtime's run. */
export interface RunResult {
  schema: typeof RESULTS_SCHEMA;
  runtime: RuntimeName;
  runtimeVersion: string;
  startedAt: string;
  finishedAt: string;
  options: { quick: boolean; filter: string; full?: boolean };
  /** The machine, described at the end of the run. */
  machine: Machine;
  /** The 1-minute load average at the start of the run (the end's is in `machine`). */
  loadAverageStart1m: number;
  versions: Versions;
  /** What offheap reported about itself: the SIMD level its kernels run at. */
  offheap: { simdLevel: string };
  /** Skipped baselines and suites, one line each. */
  notes: string[];
  suites: SuiteResult[];
  /** mitata's context object (clock, CPU, runtime as mitata saw them). */
  mitata: unknown;
}

/** offheap's median against one baseline's median in one case. */
export interface Ratio {
  suite: string;
  caseName: string;
  chart: string;
  label: string;
  offheapNs: number;
  baseline: string;
  baselineNs: number;
  /** offheap's median time divided by the baseline's: below 1, offheap is faster. */
  ratio: number;
}

/**
 * The median ratios of offheap's primary subject against each baseline subject, case by case.
 * Cases where either side failed are left out.
 */
export function medianRatios(run: RunResult): Ratio[] {
  const ratios: Ratio[] = [];
  for (const suite of run.suites) {
    for (const entry of suite.cases) {
      const offheap = entry.subjects.find((subject) => subject.offheap && subject.stats);
      if (!offheap?.stats) continue;
      for (const baseline of entry.subjects) {
        if (baseline.offheap || !baseline.stats) continue;
        ratios.push({
          suite: suite.name,
          caseName: entry.name,
          chart: entry.chart,
          label: entry.label,
          offheapNs: offheap.stats.p50,
          baseline: baseline.name,
          baselineNs: baseline.stats.p50,
          ratio: offheap.stats.p50 / baseline.stats.p50,
        });
      }
    }
  }
  return ratios;
}

/** The baseline names in order of first appearance. */
export function baselineNames(ratios: Ratio[]): string[] {
  return [...new Set(ratios.map((ratio) => ratio.baseline))];
}

/** The summary as rows: case, offheap median, then one ratio per baseline ("–" where absent). */
export function summaryRows(run: RunResult): string[][] {
  const ratios = medianRatios(run);
  const baselines = baselineNames(ratios);
  const rows: string[][] = [["case", "offheap p50", ...baselines.map((name) => `vs ${name}`)]];
  const keys = [...new Set(ratios.map((ratio) => `${ratio.suite}\u0000${ratio.caseName}`))];
  for (const key of keys) {
    const [suite, caseName] = key.split("\u0000");
    const forCase = ratios.filter((ratio) => ratio.suite === suite && ratio.caseName === caseName);
    rows.push([
      `${suite} ${caseName}`,
      formatDuration(forCase[0].offheapNs),
      ...baselines.map((name) => {
        const found = forCase.find((ratio) => ratio.baseline === name);
        return found ? formatRatio(found.ratio) : "–";
      }),
    ]);
  }
  return rows;
}

/** The summary printed at the end of a run: one aligned plain-text table per suite. */
export function summaryText(run: RunResult, title: string): string {
  const legend = "ratio = offheap median ÷ baseline median; below 1.00× offheap is faster";
  const tables = run.suites.map((suite) => {
    if (suite.skipped) return `${suite.name}: skipped, ${suite.skipped}`;
    const rows = summaryRows({ ...run, suites: [suite] });
    return rows.length > 1 ? alignColumns(rows) : `${suite.name}: no case measured both offheap and a baseline`;
  });
  return `${title}\n${legend}\n\n${tables.join("\n\n")}`;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * Checks the file-level structure of a parsed results file: schema, runtime, machine, versions and
 * a list of suites. The report reads any file that passes, even one where some subject failed.
 *
 * @returns One message per problem; empty when the file is well formed.
 */
export function formatProblems(value: unknown): string[] {
  if (typeof value !== "object" || value === null) return ["not a JSON object"];
  const run = value as Partial<RunResult>;
  const problems: string[] = [];
  if (run.schema !== RESULTS_SCHEMA) problems.push(`schema is ${run.schema}, expected ${RESULTS_SCHEMA}`);
  if (run.runtime !== "deno" && run.runtime !== "bun") problems.push(`runtime is ${run.runtime}`);
  if (!run.machine?.cpuModel || !Array.isArray(run.machine?.numaNodes)) problems.push("machine is incomplete");
  if (!run.machine?.thp?.enabled) problems.push("machine.thp.enabled is missing");
  if (!isFiniteNumber(run.loadAverageStart1m)) problems.push("loadAverageStart1m is missing");
  if (!run.versions?.deno || !run.versions?.bun || !run.versions?.zig) problems.push("versions are incomplete");
  if (!Array.isArray(run.suites) || run.suites.length === 0) problems.push("no suites");
  return problems;
}

/**
 * Checks a results file fully (not its timings): its format, then that some suite ran and every
 * subject of every case has consistent statistics. The smoke test requires no problem at all.
 *
 * @returns One message per problem; empty when the file is well formed and complete.
 */
export function structuralProblems(value: unknown): string[] {
  const problems = formatProblems(value);
  if (problems.length > 0) return problems;
  const ran = (value as RunResult).suites.filter((suite) => !suite.skipped);
  if (ran.length === 0) problems.push("every suite was skipped");
  for (const suite of ran) {
    if (suite.cases.length === 0) problems.push(`suite ${suite.name} has no cases`);
    for (const entry of suite.cases) {
      if (!entry.subjects.some((subject) => subject.offheap && subject.stats)) {
        problems.push(`${suite.name} ${entry.name}: no offheap measurement`);
      }
      for (const subject of entry.subjects) {
        const stats = subject.stats;
        if (subject.error !== undefined) problems.push(`${suite.name} ${entry.name} ${subject.name}: ${subject.error}`);
        else if (!stats || ![stats.min, stats.p50, stats.p99, stats.max].every(isFiniteNumber)) {
          problems.push(`${suite.name} ${entry.name} ${subject.name}: statistics missing`);
        } else if (!(stats.min <= stats.p50 && stats.p50 <= stats.max)) {
          problems.push(`${suite.name} ${entry.name} ${subject.name}: p50 outside [min, max]`);
        }
      }
    }
  }
  return problems;
}
