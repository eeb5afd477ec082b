/**
 * The index suite's part of the report (bench/suites/index.ts): recall/QPS curve charts, the
 * comparison table (QPS at recall 0.95, build times, memory per vector, open time), the VexFS-style
 * operations table and chart (1 and 2 Workers), and issue 15's targets judged on those figures.
 * Everything is read from the cases' facts; a figure that was not measured prints as "–" and gives
 * no verdict.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { formatDuration, formatRatio } from "../lib/format.ts";
import type { CaseResult, RunResult, SuiteResult } from "../lib/results.ts";
import { runtimeLabel } from "../lib/runtime.ts";
import { isOffheap } from "../lib/suite.ts";
import { curveFromFacts, qpsAtRecall, TARGET_RECALL } from "../index/curve.ts";
import { OPERATIONS } from "../index/worker_protocol.ts";
import { renderCurveChart } from "./curve_svg.ts";
import { renderChart } from "./svg.ts";

/** Issue 15's targets. */
const targets = {
  /** offheap's QPS at recall 0.95 at least this × the faster peer's. */
  qpsOverFasterPeer: 1.0,
  /** offheap's build time (1 and 2 threads) at most this × usearch's. */
  buildOverUsearch: 1.2,
  /** offheap's bytes per vector at most this × hnswlib-node's. */
  memoryOverHnswlib: 1.0,
};

type Facts = Record<string, string | number>;

function indexSuite(run: RunResult): SuiteResult | undefined {
  return run.suites.find((suite) => suite.name === "index" && !suite.skipped);
}

function searchCases(suite: SuiteResult): CaseResult[] {
  return suite.cases.filter((entry) => entry.chart === "search" && entry.facts);
}

/** The subjects with a curve in `facts`, offheap first. */
function curveSubjects(facts: Facts): string[] {
  const names = new Set<string>();
  for (const key of Object.keys(facts)) {
    const match = /^qps (.+) ef=\d+$/.exec(key);
    if (match) names.add(match[1]);
  }
  return [...names].sort((a, b) => Number(isOffheap(b)) - Number(isOffheap(a)));
}

function num(facts: Facts, key: string): number | undefined {
  const value = facts[key];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
}

function subtitle(run: RunResult): string {
  return `index suite · ${runtimeLabel(run.runtime, run.runtimeVersion)} · ${run.machine.cpuModel}, ` +
    `${run.machine.cpuCount} cores · ${run.startedAt.slice(0, 10)}`;
}

/** The VexFS-style chart of one run: p50 latency per operation, 1 and 2 Workers. */
function opsChart(run: RunResult, mixes: CaseResult[]): string | undefined {
  const groups = OPERATIONS.map((operation) => ({
    label: operation,
    bars: mixes.map((entry) => ({
      subject: `offheap, ${entry.label}`,
      offheap: true,
      value: entry.facts ? num(entry.facts, `p50 ns ${operation}`) : undefined,
    })).filter((bar) => bar.value !== undefined),
  })).filter((group) => group.bars.length > 0);
  if (groups.length === 0) return undefined;
  return renderChart({
    title: "VexFS-style operations on one shared index: median latency per operation",
    subtitle: subtitle(run),
    categoryAxis: "operation",
    groups,
    note: "batch insert: one addBatch of 100 vectors; get and has: the mean of groups of 32 calls (one call is " +
      "below the clock's resolution).",
  });
}

/**
 * Writes the index suite's charts (a curve chart per data set and runtime, the operations chart per
 * runtime) into `folder`; returns their file names under "index/curves" and "index/ops".
 */
export function writeIndexCharts(runs: RunResult[], folder: string): Map<string, string[]> {
  const written = new Map<string, string[]>();
  const add = (key: string, file: string, svg: string) => {
    writeFileSync(`${folder}/${file}`, svg);
    written.set(key, [...(written.get(key) ?? []), file]);
  };
  for (const run of runs) {
    const suite = indexSuite(run);
    if (!suite) continue;
    for (const entry of searchCases(suite)) {
      const facts = entry.facts!;
      const series = curveSubjects(facts).map((subject) => ({
        subject,
        offheap: isOffheap(subject),
        points: curveFromFacts(facts, subject),
      })).filter((curve) => curve.points.length > 0);
      if (series.length === 0) continue;
      add(
        "index/curves",
        `index-curve-${slug(entry.label)}-${run.runtime}.svg`,
        renderCurveChart({
          title: `recall@10 vs queries per second, ${entry.label}, ${facts.queries} queries, M=16, efConstruction=200`,
          subtitle: subtitle(run),
          series,
          targetRecall: TARGET_RECALL,
          note: suite.charts.search?.note,
        }),
      );
    }
    const svg = opsChart(run, suite.cases.filter((entry) => entry.chart === "workers"));
    if (svg) add("index/ops", `index-ops-${run.runtime}.svg`, svg);
  }
  return written;
}

function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  return [head, head.map((_, i) => (i === 0 ? ":--" : "--:")), ...body].map((row) => `| ${row.join(" | ")} |`).join(
    "\n",
  );
}

function ms(value: number | undefined): string {
  return value === undefined ? "–" : formatDuration(value * 1e6);
}

function fixed(value: number | undefined, digits = 0): string {
  return value === undefined
    ? "–"
    : value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** The comparison table of one data set: one row per library; `openNs` is offheap's median `view` open. */
function comparisonTable(facts: Facts, openNs: number | undefined): string {
  const rows = [[
    "library",
    `QPS at recall ${TARGET_RECALL}`,
    "build, 1 thread",
    "build, 2 threads",
    "bytes/vector resident",
    "bytes/vector native",
    "bytes/vector saved",
    "open saved index",
  ]];
  for (const subject of curveSubjects(facts)) {
    const qps = qpsAtRecall(curveFromFacts(facts, subject));
    rows.push([
      isOffheap(subject) ? `**${subject}**` : `${subject} ${facts[`version ${subject}`] ?? ""}`.trim(),
      fixed(qps),
      ms(num(facts, `build ms 1 thread ${subject}`)),
      ms(num(facts, `build ms 2 threads ${subject}`)),
      fixed(num(facts, `resident bytes per vector ${subject}`)),
      fixed(num(facts, `bytes per vector ${subject}`)),
      fixed(num(facts, `file bytes per vector ${subject}`)),
      isOffheap(subject) && openNs !== undefined ? formatDuration(openNs) : ms(num(facts, `open ms ${subject}`)),
    ]);
  }
  return markdownTable(rows);
}

/** The curves as a table: one row per ef, recall and QPS per library. */
function curveTable(facts: Facts): string {
  const subjects = curveSubjects(facts);
  const curves = subjects.map((subject) => curveFromFacts(facts, subject));
  const efs = [...new Set(curves.flatMap((curve) => curve.map((point) => point.ef)))].sort((a, b) => a - b);
  const rows = [["ef", ...subjects.flatMap((subject) => [`recall ${subject}`, `QPS ${subject}`])]];
  for (const ef of efs) {
    rows.push([
      String(ef),
      ...curves.flatMap((curve) => {
        const point = curve.find((p) => p.ef === ef);
        return point ? [point.recall.toFixed(4), fixed(point.qps)] : ["–", "–"];
      }),
    ]);
  }
  return markdownTable(rows);
}

/** The VexFS-style table: per operation and Worker count, ops/s, latency percentiles, errors. */
function operationsTable(mixes: CaseResult[]): string | undefined {
  const rows = [["operation", "Workers", "operations/s", "p50", "p95", "p99", "errors"]];
  for (const operation of OPERATIONS) {
    for (const entry of mixes) {
      const facts = entry.facts ?? {};
      const rate = num(facts, `ops/s ${operation}`);
      if (rate === undefined) continue;
      const latency = (p: string) => {
        const value = num(facts, `${p} ns ${operation}`);
        return value === undefined ? "–" : formatDuration(value);
      };
      const unit = operation === "batch insert" ? " vectors" : "";
      rows.push([
        operation,
        String(facts.workers),
        `${fixed(rate)}${unit}`,
        latency("p50"),
        latency("p95"),
        latency("p99"),
        String(facts[`errors ${operation}`] ?? "–"),
      ]);
    }
  }
  return rows.length > 1 ? markdownTable(rows) : undefined;
}

/** The index suite's report section for each runtime (after its mitata summary). */
export function indexSection(runs: RunResult[]): string[] {
  const out: string[] = [];
  for (const run of runs) {
    const suite = indexSuite(run);
    if (!suite) continue;
    out.push(`### ${runtimeLabel(run.runtime, run.runtimeVersion)}: HNSW comparison`, "");
    out.push(
      "One query per call on one thread, k=10, cosine, M=16, efConstruction=200 for every library. offheap runs in " +
        "this runtime; the peers in Bun processes of their own; every library's index is built once per bench run " +
        "(the second runtime loads the first one's and reports its build times), and every library's " +
        "timed passes take turns at each ef, so all are timed under the same load. Resident: what a load of the " +
        "saved index adds to a fresh Bun process's resident set, measured alike for every library (a second load, " +
        "after a first has paid each library's once-per-process setup: bench/index/resident_child.ts); it counts " +
        "lookup tables, locks and allocator rounding (offheap's arrays of 2 MiB and more are hugepage-backed and " +
        "round up to 2 MiB). Native: offheap's own count (`stats().memoryBytes`). Saved: the saved index. Open: offheap's `VectorIndex.open(path, { mode: \"view\" })` (mitata's median), usearch's " +
        "`view`, hnswlib-node's `readIndexSync` (a full read: it has no mapped mode). hnswlib-node has no parallel add.",
      "",
    );
    for (const entry of searchCases(suite)) {
      const facts = entry.facts!;
      const open = suite.cases.find((other) => other.chart === "open" && other.label === entry.label);
      const openNs = open?.subjects.find((subject) => subject.name === "offheap view")?.stats?.p50;
      out.push(
        `**${entry.label}**, ${facts.queries} queries:`,
        "",
        comparisonTable(facts, openNs),
        "",
        curveTable(facts),
        "",
      );
    }
    const table = operationsTable(suite.cases.filter((entry) => entry.chart === "workers"));
    if (table) out.push("VexFS-style operations on one shared index (GloVe base set):", "", table, "");
  }
  return out;
}

function verdict(meets: boolean): string {
  return meets ? "meets" : "misses";
}

/** The QPS target on each data set: offheap's QPS at recall 0.95 against the faster peer's. */
function qpsFindings(run: RunResult, entry: CaseResult): string[] {
  const facts = entry.facts!;
  const mine = qpsAtRecall(curveFromFacts(facts, "offheap"));
  const peers = curveSubjects(facts).filter((subject) => !isOffheap(subject))
    .map((subject) => ({ subject, qps: qpsAtRecall(curveFromFacts(facts, subject)) }))
    .filter((peer): peer is { subject: string; qps: number } => peer.qps !== undefined)
    .sort((a, b) => b.qps - a.qps);
  if (mine === undefined || peers.length === 0) return [];
  const ratio = mine / peers[0].qps;
  return [
    `${runtimeLabel(run.runtime, run.runtimeVersion)}, ${entry.label}: offheap answers ${fixed(mine)} queries/s at ` +
    `recall@10 ${TARGET_RECALL}, the faster peer (${peers[0].subject}) ${fixed(peers[0].qps)}: ${
      formatRatio(ratio)
    }, ` +
    `which ${verdict(ratio >= targets.qpsOverFasterPeer)} the ≥ ${targets.qpsOverFasterPeer}× target of issue 15.`,
  ];
}

function buildFindings(run: RunResult, entry: CaseResult): string[] {
  const facts = entry.facts!;
  const lines: string[] = [];
  for (const threads of ["1 thread", "2 threads"]) {
    const mine = num(facts, `build ms ${threads} offheap`);
    const usearch = num(facts, `build ms ${threads} usearch`);
    if (mine === undefined || usearch === undefined) continue;
    const ratio = mine / usearch;
    lines.push(
      `${runtimeLabel(run.runtime, run.runtimeVersion)}, ${entry.label}: building with ${threads} takes offheap ` +
        `${ms(mine)}, usearch ${ms(usearch)}: ${formatRatio(ratio)}, which ${
          verdict(ratio <= targets.buildOverUsearch)
        } ` +
        `the ≤ ${targets.buildOverUsearch}× target.`,
    );
  }
  const mine = num(facts, "resident bytes per vector offheap");
  const hnswlib = num(facts, "resident bytes per vector hnswlib-node");
  if (mine !== undefined && hnswlib !== undefined) {
    const ratio = mine / hnswlib;
    lines.push(
      `${runtimeLabel(run.runtime, run.runtimeVersion)}, ${entry.label}: a loaded index adds ${fixed(mine)} resident ` +
        `bytes per vector with offheap and ${fixed(hnswlib)} with hnswlib-node (measured alike, in fresh Bun ` +
        `processes): ${formatRatio(ratio)}, which ${verdict(ratio <= targets.memoryOverHnswlib)} the ≤ hnswlib target.`,
    );
  }
  return lines;
}

function mixFindings(run: RunResult, mixes: CaseResult[]): string[] {
  if (mixes.length === 0) return [];
  const errors = mixes.reduce(
    (sum, entry) =>
      sum + OPERATIONS.reduce((total, operation) => total + (num(entry.facts ?? {}, `errors ${operation}`) ?? 0), 0),
    0,
  );
  return [
    `${runtimeLabel(run.runtime, run.runtimeVersion)}: the VexFS-style mix with ${
      mixes.map((e) => e.label).join(" and ")
    } ` +
    `had ${errors} error(s), which ${verdict(errors === 0)} the zero-error target.`,
  ];
}

/** Issue 15's targets, judged for each runtime on what its run measured. */
export function indexFindings(run: RunResult): string[] {
  const suite = indexSuite(run);
  if (!suite) return [];
  return [
    ...searchCases(suite).flatMap((entry) => [...qpsFindings(run, entry), ...buildFindings(run, entry)]),
    ...mixFindings(run, suite.cases.filter((entry) => entry.chart === "workers")),
  ];
}
