/**
 * The index suite's report (bench/report/index_report.ts) on a hand-made results file: the target
 * verdicts follow the figures (QPS at recall 0.95 against the faster peer, build time against
 * usearch's, memory against hnswlib-node's, errors of the Worker mix), the tables carry them, and a
 * curve chart is written per data set. No benchmark runs here.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { test } from "./harness.ts";
import type { CaseResult, RunResult } from "../bench/lib/results.ts";
import { curveFacts } from "../bench/index/curve.ts";
import { indexFindings, indexSection, writeIndexCharts } from "../bench/report/index_report.ts";

function searchCase(offheapQps: number, buildMs: number, bytes: number): CaseResult {
  const curve = (scale: number) => [
    { ef: 16, recall: 0.9, qps: 4000 * scale },
    { ef: 32, recall: 0.94, qps: 2000 * scale },
    { ef: 64, recall: 0.96, qps: 1000 * scale },
  ];
  return {
    name: "search GloVe 30k×50",
    chart: "search",
    label: "GloVe 30k×50",
    subjects: [],
    facts: {
      queries: 1000,
      ...curveFacts("offheap", curve(offheapQps)),
      ...curveFacts("hnswlib-node", curve(1)),
      ...curveFacts("usearch", curve(0.5)),
      "build ms 1 thread offheap": buildMs,
      "build ms 1 thread usearch": 1000,
      "bytes per vector offheap": 250,
      "resident bytes per vector offheap": bytes,
      "file bytes per vector hnswlib-node": 280,
      "resident bytes per vector hnswlib-node": 300,
    },
  };
}

function mixCase(workers: number, errors: number): CaseResult {
  return {
    name: `mix ${workers} Workers`,
    chart: "workers",
    label: `${workers} Workers`,
    subjects: [],
    facts: {
      workers,
      "ops/s search": 5000,
      "p50 ns search": 2e5,
      "p95 ns search": 3e5,
      "p99 ns search": 4e5,
      "errors search": errors,
    },
  };
}

function run(cases: CaseResult[]): RunResult {
  return {
    runtime: "deno",
    runtimeVersion: "2.9.6",
    startedAt: "2026-12-02T10:00:00Z",
    machine: { cpuModel: "test CPU", cpuCount: 2 },
    suites: [{ name: "index", measures: "", charts: { search: { title: "", categoryAxis: "" } }, elapsedMs: 0, cases }],
  } as unknown as RunResult;
}

test("the index findings meet the targets when the figures do, and miss them when they do not", () => {
  const good = indexFindings(run([searchCase(1.2, 1100, 290), mixCase(2, 0)])).join("\n");
  assert.match(good, /faster peer \(hnswlib-node\) 1,414: 1\.20×, which meets/);
  assert.match(good, /building with 1 thread .*: 1\.10×, which meets the ≤ 1\.2× target/);
  assert.match(
    good,
    /adds 290 resident bytes per vector with offheap and 300 with hnswlib-node .*: 0\.97×, which meets/,
  );
  assert.match(good, /had 0 error\(s\), which meets/);
  const bad = indexFindings(run([searchCase(0.8, 1300, 310), mixCase(2, 3)])).join("\n");
  assert.match(bad, /0\.80×, which misses/);
  assert.match(bad, /1\.30×, which misses/);
  assert.match(bad, /which misses the ≤ hnswlib target/);
  assert.match(bad, /had 3 error\(s\), which misses/);
});

test("the index section tables every library's QPS at recall 0.95 and the mix, and a curve chart is written", () => {
  const results = run([searchCase(1, 1000, 300), mixCase(1, 0)]);
  const section = indexSection([results]).join("\n");
  assert.match(section, /\| \*\*offheap\*\* \| 1,414 \|/);
  assert.match(section, /\| usearch \| 707 \|/);
  assert.match(section, /\| search \| 1 \| 5,000 \| 200 µs \| 300 µs \| 400 µs \| 0 \|/);
  const folder = mkdtempSync(`${tmpdir()}/offheap-index-report-`);
  try {
    const charts = writeIndexCharts([results], folder);
    const [curveFile] = charts.get("index/curves") ?? [];
    assert.equal(curveFile, "index-curve-glove_30k_50-deno.svg");
    const svg = readFileSync(`${folder}/${curveFile}`, "utf8");
    assert.equal((svg.match(/<polyline/g) ?? []).length, 3, "one line per library");
    assert.ok(charts.get("index/ops")?.length === 1);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
