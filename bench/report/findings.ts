/**
 * The report's findings: plain-language statements computed from the results files. Each function
 * looks at the data and returns sentences only for what the data shows; nothing here is canned.
 *
 * @module
 */
import { formatBytes, formatDuration, formatRatio } from "../lib/format.ts";
import { medianRatios, type Ratio, type RunResult } from "../lib/results.ts";
import { runtimeLabel } from "../lib/runtime.ts";
import { cacheFindings } from "./cache_findings.ts";
import { indexFindings } from "./index_report.ts";

/** The ratio issue 2 asks for: a 1 KiB allocRaw+freeRaw pair at most this × glibc's through FFI. */
const pairTargetRatio = 0.6;

function geometricMean(values: number[]): number {
  return Math.exp(values.reduce((sum, value) => sum + Math.log(value), 0) / values.length);
}

/** The runtime and version of a run, as findings name it ("Deno 2.9.6"). */
export function label(run: RunResult): string {
  return runtimeLabel(run.runtime, run.runtimeVersion);
}

/** Hugepages (THP mode, hugetlb reservation), NUMA nodes and the SIMD level the kernels used. */
export function machineFindings(run: RunResult): string[] {
  const { thp, hugepages, numaNodes, simdFlags } = run.machine;
  const lines: string[] = [];
  const reserve = `reserve hugetlb pages as root with \`echo 512 > /proc/sys/vm/nr_hugepages\``;
  const hugetlb = hugepages.reserved === 0
    ? `no hugetlb pages are reserved (nr_hugepages = 0), so MAP_HUGETLB requests cannot be served; ${reserve}`
    : `${hugepages.reserved} hugetlb pages of ${formatBytes(hugepages.sizeBytes)} are reserved for MAP_HUGETLB`;
  const thpMeaning: Record<string, string> = {
    madvise: "only memory that asks with madvise(MADV_HUGEPAGE) gets transparent hugepages; the C " +
      "baselines do not ask, so large blocks there use 4 KiB pages",
    always: "every large anonymous mapping may get transparent hugepages, the baselines' too, so " +
      "first-touch costs are comparable across allocators",
    never: "transparent hugepages are off, so hugepage-backed memory can only come from hugetlb",
  };
  lines.push(
    `THP is in ${thp.enabled} mode (defrag: ${thp.defrag}): ${thpMeaning[thp.enabled] ?? "unrecognized mode"}; ` +
      `${hugetlb}.`,
  );
  lines.push(
    numaNodes.length <= 1
      ? `The machine has ${
        numaNodes.length === 1 ? "one NUMA node" : "no NUMA node information"
      }, so node placement has nothing to choose from and ` +
        `cross-node costs are not measured here.`
      : `The machine has ${numaNodes.length} NUMA nodes (${numaNodes.join(", ")}).`,
  );
  const avx512 = simdFlags.includes("avx512f");
  const level = run.offheap.simdLevel;
  if (level === "avx512") {
    lines.push(`AVX-512 used: the vector kernels ran at avx512 (CPU flags: ${simdFlags.join(" ")}).`);
  } else if (avx512 && level !== "unavailable") {
    lines.push(`The CPU has AVX-512 but the kernels ran at ${level}: OFFHEAP_SIMD may have lowered the level.`);
  } else lines.push(`The vector kernels ran at ${level} (CPU SIMD flags: ${simdFlags.join(" ") || "none"}).`);
  return lines;
}

/** Issue 2's target: a 1 KiB pair at most 0.6× glibc's through the same FFI. */
export function pairTargetFindings(runs: RunResult[]): string[] {
  const lines: string[] = [];
  for (const run of runs) {
    const found = medianRatios(run).find((r) =>
      r.suite === "alloc" && r.caseName === "pair 1 KiB" && r.baseline === "glibc"
    );
    if (!found) continue;
    const verdict = found.ratio <= pairTargetRatio ? "meets" : "misses";
    lines.push(
      `${label(run)}: a 1 KiB allocRaw+freeRaw pair takes ${formatDuration(found.offheapNs)}, glibc malloc+free ` +
        `through the same FFI ${formatDuration(found.baselineNs)}: ${formatRatio(found.ratio)}, which ${verdict} ` +
        `the ≤ ${pairTargetRatio}× target of issue 2.`,
    );
  }
  return lines;
}

function describeCase(ratio: Ratio): string {
  return `${ratio.suite} ${ratio.caseName} (${formatRatio(ratio.ratio)})`;
}

/** For each baseline: in how many cases offheap is faster, the geometric mean, best and worst. */
export function baselineFindings(run: RunResult): string[] {
  const ratios = medianRatios(run);
  const lines: string[] = [];
  for (const baseline of [...new Set(ratios.map((ratio) => ratio.baseline))]) {
    const against = ratios.filter((ratio) => ratio.baseline === baseline).sort((a, b) => a.ratio - b.ratio);
    const faster = against.filter((ratio) => ratio.ratio < 1).length;
    const mean = geometricMean(against.map((ratio) => ratio.ratio));
    const overall = mean < 1 ? `${formatRatio(1 / mean)} faster` : `${formatRatio(mean)} slower`;
    const extremes = against.length > 1
      ? `; best ${describeCase(against[0])}, worst ${describeCase(against[against.length - 1])}`
      : "";
    lines.push(
      `${label(run)}, against ${baseline}: offheap is faster in ${faster} of ${against.length} cases, ` +
        `${overall} on geometric mean${extremes}.`,
    );
  }
  return lines;
}

function medianOf(run: RunResult, suite: string, caseName: string, subject: string): number | undefined {
  return run.suites.find((s) => s.name === suite)?.cases.find((c) => c.name === caseName)
    ?.subjects.find((s) => s.name === subject)?.stats?.p50;
}

/** Deno against Bun on the same case, and whether glibc through the same FFI shows the same gap. */
export function runtimeGapFindings(runs: RunResult[]): string[] {
  const deno = runs.find((run) => run.runtime === "deno");
  const bun = runs.find((run) => run.runtime === "bun");
  if (!deno || !bun) return [];
  const lines: string[] = [];
  const common = medianRatios(deno).filter((ratio) => ratio.baseline === "glibc")
    .filter((ratio) => medianOf(bun, ratio.suite, ratio.caseName, "offheap") !== undefined);
  const headline = common.find((ratio) => ratio.caseName === "pair 1 KiB") ?? common[0];
  if (!headline) return [];
  const offheapGap = headline.offheapNs / medianOf(bun, headline.suite, headline.caseName, "offheap")!;
  const glibcBun = medianOf(bun, headline.suite, headline.caseName, "glibc");
  const name = `${headline.suite} ${headline.caseName}`;
  const faster = offheapGap >= 1 ? "Bun" : "Deno";
  let line = `Deno ${name} is ${formatRatio(offheapGap)} Bun's (${formatDuration(headline.offheapNs)} against ` +
    `${formatDuration(headline.offheapNs / offheapGap)})`;
  if (glibcBun !== undefined) {
    const glibcGap = headline.baselineNs / glibcBun;
    const similar = Math.abs(Math.log(offheapGap / glibcGap)) < Math.log(1.3);
    const worse = offheapGap > glibcGap ? "Deno" : "Bun";
    line += similar
      ? `; glibc through the same FFI shows a similar Deno/Bun ratio (${formatRatio(glibcGap)}), so the difference ` +
        `is the runtimes' FFI call cost, not offheap.`
      : `; glibc through the same FFI has a Deno/Bun ratio of ${formatRatio(glibcGap)}, so offheap loses more ` +
        `than the FFI crossing explains in ${worse}: the extra is in offheap's own call path there (its JS ` +
        `wrapper or binding form).`;
  } else line += ".";
  const all = common.map((ratio) => ratio.offheapNs / medianOf(bun, ratio.suite, ratio.caseName, "offheap")!);
  if (all.length > 1) {
    line += ` Across ${all.length} shared cases, Deno's offheap medians are ${formatRatio(geometricMean(all))} Bun's ` +
      `on geometric mean (${faster} is faster on the headline case).`;
  }
  lines.push(line);
  return lines;
}

/** Steps in offheap's cost between neighbouring sizes that the C allocators do not show. */
export function cliffFindings(run: RunResult): string[] {
  const lines: string[] = [];
  for (const suite of run.suites) {
    for (const chart of Object.keys(suite.charts)) {
      const cases = suite.cases.filter((entry) => entry.chart === chart);
      for (let i = 1; i < cases.length; i++) {
        const [before, after] = [cases[i - 1], cases[i]];
        const offheapStep = (medianOf(run, suite.name, after.name, "offheap") ?? NaN) /
          (medianOf(run, suite.name, before.name, "offheap") ?? NaN);
        const glibcStep = (medianOf(run, suite.name, after.name, "glibc") ?? NaN) /
          (medianOf(run, suite.name, before.name, "glibc") ?? NaN);
        // A step of 8× or more in offheap's cost that glibc's step is not within 4× of.
        if (!Number.isFinite(offheapStep) || !Number.isFinite(glibcStep)) continue;
        if (offheapStep < 8 || glibcStep >= offheapStep / 4) continue;
        const tiers = before.facts?.tier !== after.facts?.tier && after.facts?.tier
          ? `, where blocks move from the ${before.facts?.tier} tier to the ${after.facts?.tier} tier`
          : after.facts?.tier
          ? ` (both in the ${after.facts.tier} tier)`
          : "";
        const maps = Number(after.facts?.osMapCallsPerRun ?? NaN);
        const advice = maps > 0
          ? ` offheap's stats count ${Number(maps.toPrecision(2))} mmap call(s) per run there once warm: freed ` +
            `mappings are not reused, and keeping them in a cache would take the system calls off this path.`
          : maps === 0
          ? " offheap's stats count no mmap call per run there once warm, so the step is the tier's own " +
            "bookkeeping, not the kernel."
          : "";
        lines.push(
          `${label(run)}: offheap's ${suite.name} ${chart} cost jumps ${formatRatio(offheapStep)} from ` +
            `${before.label} to ${after.label}${tiers}, while glibc's changes ${formatRatio(glibcStep)}: ` +
            `at ${after.label} offheap takes ${formatDuration(medianOf(run, suite.name, after.name, "offheap")!)} ` +
            `against glibc's ${formatDuration(medianOf(run, suite.name, after.name, "glibc")!)}.${advice}`,
        );
      }
    }
  }
  return lines;
}

/** The median of subject `name` in a case, or undefined where it was not measured. */
export function subjectMedian(entry: { subjects: { name: string; stats?: { p50: number } }[] }, name: string) {
  return entry.subjects.find((subject) => subject.name === name)?.stats?.p50;
}

/** What the hugepage policies of the touch suite got and what they gained over 4 KiB pages. */
export function hugepageFindings(run: RunResult): string[] {
  const touch = run.suites.find((suite) => suite.name === "touch" && !suite.skipped);
  if (!touch) return [];
  const lines: string[] = [];
  const backings = new Set(touch.cases.map((entry) => String(entry.facts?.["backing offheap huge"] ?? "")));
  const used = [...backings].filter(Boolean).join(", ");
  if (used) lines.push(`${label(run)}: the huge tier (huge: "always") was backed by ${used}.`);
  for (const entry of touch.cases) {
    const auto = subjectMedian(entry, "offheap");
    const small = subjectMedian(entry, "offheap 4k");
    const backing = entry.facts?.["backing offheap"];
    if (auto === undefined || small === undefined || backing === undefined) continue;
    const bytes = Number(entry.facts?.sizeBytes ?? 0);
    const rate = (ns: number) => `${(bytes / ns).toFixed(1)} GB/s`;
    lines.push(
      `${label(run)}: allocating and touching ${entry.label} takes ${formatDuration(auto)} with the default policy ` +
        `(backing: ${backing}, ${rate(auto)}) against ${formatDuration(small)} with 4 KiB pages only ` +
        `(${rate(small)}): ${formatRatio(small / auto)} ${auto <= small ? "faster" : "slower"}.`,
    );
  }
  return lines;
}

/** Scan bandwidth of VectorStore by storage type, and what splitting the scan across Workers gave. */
export function searchFindings(run: RunResult): string[] {
  const search = run.suites.find((suite) => suite.name === "vectorstore" && !suite.skipped);
  if (!search) return [];
  const lines: string[] = [];
  for (const entry of search.cases) {
    const rowCount = Number(entry.facts?.rowCount ?? 0);
    const f32 = subjectMedian(entry, "offheap");
    if (!rowCount || f32 === undefined) continue;
    const bytesF32 = rowCount * 768 * 4;
    const parts = [`f32 ${(bytesF32 / f32).toFixed(1)} GB/s (${formatDuration(f32)})`];
    for (const storage of ["f16", "i8"]) {
      const ns = subjectMedian(entry, `offheap ${storage}`);
      if (ns !== undefined) parts.push(`${storage} ${formatDuration(ns)}, ${formatRatio(f32 / ns)} f32's speed`);
    }
    const workers = subjectMedian(entry, "offheap workers");
    const plain = subjectMedian(entry, "plain JS");
    let line = `${label(run)}: VectorStore search over ${entry.label} scans ${parts.join("; ")}`;
    if (plain !== undefined) {
      line += `; plain JS takes ${formatDuration(plain)} (${formatRatio(plain / f32)} f32's time)`;
    }
    if (workers !== undefined) {
      line += workers < f32
        ? `; ParallelSearch over ${run.machine.cpuCount} Workers brings it to ${formatDuration(workers)} ` +
          `(${formatRatio(f32 / workers)} faster)`
        : `; ParallelSearch over ${run.machine.cpuCount} Workers is slower (${
          formatDuration(workers)
        }): at this size ` +
          `the messaging costs more than splitting the scan saves`;
    }
    lines.push(`${line}.`);
  }
  return lines;
}

/** Other work on the machine during the run, read from the load average at its start and end. */
export function loadFindings(run: RunResult): string[] {
  // The end's figure includes the benchmark's own busy core, so only the start's is a verdict.
  if (run.loadAverageStart1m < 0.75 * run.machine.cpuCount) return [];
  return [
    `${label(run)}: the 1-minute load average was ${run.loadAverageStart1m.toFixed(2)} at the start and ` +
    `${run.machine.loadAverage1m.toFixed(2)} at the end, on ${run.machine.cpuCount} cores: other processes ` +
    `competed for the CPUs, so the figures are noisier and slower than on an idle machine.`,
  ];
}

/** Measurements whose tail is far from their median, so their medians deserve less trust. */
export function noiseFindings(run: RunResult): string[] {
  const noisy: string[] = [];
  for (const suite of run.suites) {
    for (const entry of suite.cases) {
      for (const subject of entry.subjects) {
        const stats = subject.stats;
        if (stats && subject.offheap && stats.p75 > 1.5 * stats.p50) {
          noisy.push(
            `${suite.name} ${entry.name} (${subject.name}: p75 ${formatRatio(stats.p75 / stats.p50)} the median)`,
          );
        }
      }
    }
  }
  if (noisy.length === 0) return [];
  return [
    `${label(run)}: ${noisy.length} offheap measurement(s) are noisy, p75 above 1.5× the median: ` +
    `${noisy.slice(0, 5).join("; ")}${
      noisy.length > 5 ? "; …" : ""
    }. Re-run them with --filter before relying on them.`,
  ];
}

/**
 * Every finding for the report, in reading order.
 *
 * @param runs The newest results file of each runtime.
 * @returns One plain-language sentence or short paragraph per finding.
 */
export function findings(runs: RunResult[]): string[] {
  if (runs.length === 0) return [];
  return [
    ...pairTargetFindings(runs),
    ...runtimeGapFindings(runs),
    ...runs.flatMap(baselineFindings),
    ...runs.flatMap(cliffFindings),
    ...runs.flatMap(hugepageFindings),
    ...runs.flatMap(searchFindings),
    ...runs.flatMap(cacheFindings),
    ...runs.flatMap(indexFindings),
    ...machineFindings(runs[0]),
    ...runs.flatMap(loadFindings),
    ...runs.flatMap(noiseFindings),
    ...[...new Set(runs.flatMap((run) => run.notes.map((note) => `Skipped in ${label(run)}: ${note}.`)))],
  ];
}
