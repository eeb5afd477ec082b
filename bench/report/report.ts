/**
 * `npm run bench:report`: turns the newest results file of each runtime into bench/REPORT.md, the
 * SVG charts it embeds (bench/charts/), and bench/README_TABLE.md, the table the README shows.
 * Everything in them, findings included, is computed from the JSON.
 *
 *   deno run --allow-read --allow-write bench/report/report.ts [--results <dir>] [--out <dir>] [--readme]
 *
 * `--readme` also writes the table into README.md, between `<!-- bench-table:start -->` and
 * `<!-- bench-table:end -->`.
 *
 * @module
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import { formatBytes, formatDuration, formatRatio } from "../lib/format.ts";
import {
  baselineNames,
  type CaseResult,
  formatProblems,
  medianRatios,
  type RunResult,
  type SuiteResult,
  summaryRows,
} from "../lib/results.ts";
import { isOffheap } from "../lib/suite.ts";
import { repositoryRoot, runtimeLabel } from "../lib/runtime.ts";
import { findings } from "./findings.ts";
import { indexSection, writeIndexCharts } from "./index_report.ts";
import { type BarGroup, renderChart } from "./svg.ts";

function parseOptions(args: string[]): { results: string; out: string; readme: boolean } {
  const options = { results: `${repositoryRoot()}/bench/results`, out: `${repositoryRoot()}/bench`, readme: false };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--readme") options.readme = true;
    else if (args[i] === "--results" && args[i + 1]) options.results = args[++i];
    else if (args[i] === "--out" && args[i + 1]) options.out = args[++i];
    else throw new RangeError(`Cannot write the report: unknown or incomplete argument ${args[i]}`);
  }
  return options;
}

const readmeStart = "<!-- bench-table:start -->";
const readmeEnd = "<!-- bench-table:end -->";

/** Replaces the README's block between the bench-table markers with `table`; false without markers. */
function spliceReadme(table: string): boolean {
  const path = `${repositoryRoot()}/README.md`;
  const readme = readFileSync(path, "utf8");
  const start = readme.indexOf(readmeStart);
  const end = readme.indexOf(readmeEnd);
  if (start < 0 || end < start) return false;
  writeFileSync(path, `${readme.slice(0, start + readmeStart.length)}\n${table.trim()}\n${readme.slice(end)}`);
  return true;
}

/** A full run (every suite, not `--quick`) outranks any partial one, whatever their dates. */
function isFullRun(run: RunResult): boolean {
  return run.options.filter === "" && !run.options.quick;
}

/** Whether `candidate` should replace `known` as the run a runtime's report is made from. */
function supersedes(candidate: RunResult, known: RunResult): boolean {
  if (isFullRun(candidate) !== isFullRun(known)) return isFullRun(candidate);
  return known.startedAt < candidate.startedAt;
}

/**
 * The newest well-formed results file of each runtime, Deno first; a full run is preferred, so a
 * later `--filter` or `--quick` run does not replace the report with a partial one.
 */
function latestRuns(folder: string): { runs: RunResult[]; files: string[] } {
  const newest = new Map<string, { run: RunResult; file: string }>();
  let names: string[] = [];
  try {
    names = readdirSync(folder).filter((name) => name.endsWith(".json"));
  } catch {
    names = [];
  }
  for (const name of names) {
    let run: RunResult;
    try {
      run = JSON.parse(readFileSync(`${folder}/${name}`, "utf8"));
    } catch {
      continue;
    }
    if (formatProblems(run).length > 0) continue;
    const known = newest.get(run.runtime);
    if (!known || supersedes(run, known.run)) newest.set(run.runtime, { run, file: name });
  }
  const ordered = ["deno", "bun"].map((runtime) => newest.get(runtime)).filter((entry) => entry !== undefined);
  return { runs: ordered.map((entry) => entry.run), files: ordered.map((entry) => entry.file) };
}

function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  const align = head.map((_, i) => (i === 0 ? ":--" : "--:"));
  return [head, align, ...body].map((row) => `| ${row.join(" | ")} |`).join("\n");
}

/** A fact chart's bars in one case: the subject after the fact's name, and the fact's value. */
function factColumns(entry: CaseResult, fact: string): [string, number][] {
  return Object.entries(entry.facts ?? {})
    .filter((pair): pair is [string, number] => pair[0].startsWith(`${fact} `) && typeof pair[1] === "number")
    .map(([name, value]) => [name.slice(fact.length + 1), value]);
}

/** A fact chart as a table: one row per case, one column per subject, values as percentages. */
function factTable(suite: SuiteResult, chart: string, fact: string): string | undefined {
  const cases = suite.cases.filter((entry) => entry.chart === chart);
  const subjects = [...new Set(cases.flatMap((entry) => factColumns(entry, fact).map(([subject]) => subject)))];
  if (subjects.length === 0) return undefined;
  const rows = cases.map((entry) => {
    const values = new Map(factColumns(entry, fact));
    const entries = entry.facts?.entries === undefined ? "" : ` (${entry.facts.entries.toLocaleString("en-US")})`;
    return [
      `${entry.label}${entries}`,
      ...subjects.map((subject) => {
        const value = values.get(subject);
        return value === undefined ? "–" : `${(value * 100).toFixed(2)}%`;
      }),
    ];
  });
  return markdownTable([[`${fact}`, ...subjects], ...rows]);
}

function chartFile(suite: string, chart: string, runtime: string): string {
  return `${suite}-${chart}-${runtime}.svg`;
}

/** Writes one SVG per suite, chart and runtime; returns the file names by "suite/chart". */
function writeCharts(runs: RunResult[], folder: string): Map<string, string[]> {
  mkdirSync(folder, { recursive: true });
  for (const stale of readdirSync(folder).filter((name) => name.endsWith(".svg"))) rmSync(`${folder}/${stale}`);
  const written = new Map<string, string[]>();
  for (const run of runs) {
    for (const suite of run.suites.filter((s) => !s.skipped)) {
      for (const [chart, spec] of Object.entries(suite.charts)) {
        const cases = suite.cases.filter((entry) => entry.chart === chart);
        const groups: BarGroup[] = cases.map((entry) => ({
          label: entry.label,
          bars: spec.fact
            ? factColumns(entry, spec.fact).map(([subject, value]) => ({ subject, offheap: isOffheap(subject), value }))
            : entry.subjects.map((subject) => ({
              subject: subject.name,
              offheap: subject.offheap,
              value: subject.stats?.p50,
            })),
        }));
        if (groups.length === 0) continue;
        const file = chartFile(suite.name, chart, run.runtime);
        const subtitle = `${suite.name} suite · ${runtimeLabel(run.runtime, run.runtimeVersion)} · ` +
          `${run.machine.cpuModel}, ${run.machine.cpuCount} cores · ${run.startedAt.slice(0, 10)}`;
        writeFileSync(
          `${folder}/${file}`,
          renderChart({
            title: spec.title,
            subtitle,
            categoryAxis: spec.categoryAxis,
            groups,
            percent: spec.fact !== undefined,
            note: spec.note,
          }),
        );
        written.set(`${suite.name}/${chart}`, [...(written.get(`${suite.name}/${chart}`) ?? []), file]);
      }
    }
  }
  return written;
}

function machineLine(run: RunResult): string {
  const m = run.machine;
  return `${m.cpuModel} (${m.cpuCount} cores, ${
    formatBytes(Math.round(m.memoryTotalBytes / 2 ** 30) * 2 ** 30)
  } RAM, ` +
    `kernels at ${run.offheap.simdLevel}), Linux ${m.kernel}, THP ${m.thp.enabled}, ` +
    `${m.hugepages.reserved} hugetlb pages, ${m.numaNodes.length} NUMA node(s)`;
}

function versionsLine(run: RunResult): string {
  const v = run.versions;
  return `offheap ${v.offheap} (commit ${v.commit}), Deno ${v.deno}, Bun ${v.bun}, Zig ${v.zig}, mitata ${v.mitata}`;
}

/** The cases the README shows, where a suite has them; other suites show every case. */
const readmeCases = new Set([
  "alloc pair 16 B",
  "alloc pair 1 KiB",
  "alloc pair 1 MiB",
  "alloc pair 64 MiB",
  "alloc 100-cycle 1 KiB",
  "alloc 100-cycle 16 KiB",
  "alloc mix 16 B–64 KiB",
  "distance dot 768-d",
  "touch 64 MiB",
  "vectorstore search 100k×768",
  "cache full GC 1M × 1 KiB",
  "cache getInto hit 1M string keys",
  "cache get hit 1M string keys",
  "cache set 1M string keys",
  "cache getInto hit 1M integer keys",
  "cache get 2 Workers",
]);

/** One README table for one suite: offheap and each baseline, both runtimes, medians and ratios. */
function readmeSuiteTable(runs: RunResult[], suite: string): string | undefined {
  const ratiosOf = (run: RunResult) => medianRatios(run).filter((ratio) => ratio.suite === suite);
  const baselines = [...new Set(runs.flatMap((run) => baselineNames(ratiosOf(run))))];
  const rows: string[][] = [["case", "runtime", "offheap", ...baselines]];
  for (const run of runs) {
    const ratios = ratiosOf(run);
    const cases = [...new Set(ratios.map((ratio) => `${ratio.suite} ${ratio.caseName}`))];
    const shown = cases.some((name) => readmeCases.has(name)) ? cases.filter((name) => readmeCases.has(name)) : cases;
    for (const name of shown) {
      const forCase = ratios.filter((ratio) => `${ratio.suite} ${ratio.caseName}` === name);
      rows.push([
        name,
        runtimeLabel(run.runtime, run.runtimeVersion),
        `**${formatDuration(forCase[0].offheapNs)}**`,
        ...baselines.map((baseline) => {
          const found = forCase.find((ratio) => ratio.baseline === baseline);
          return found ? `${formatDuration(found.baselineNs)} (${formatRatio(found.ratio)})` : "–";
        }),
      ]);
    }
  }
  return rows.length > 1 ? markdownTable(rows) : undefined;
}

/** The README's benchmark block: date, machine, versions, then one table per suite. */
function readmeTable(runs: RunResult[]): string {
  const first = runs[0];
  const suites = [...new Set(runs.flatMap((run) => run.suites.map((suite) => suite.name)))];
  const tables = suites.map((suite) => readmeSuiteTable(runs, suite)).filter((table) => table !== undefined);
  return [
    "<!-- Generated by `npm run bench:report` from bench/results; do not edit by hand. -->",
    "",
    `Measured ${first.startedAt.slice(0, 10)} on ${machineLine(first)}; ${versionsLine(first)}. ` +
    "Medians per operation; in parentheses, offheap's median divided by that baseline's (below 1× offheap is " +
    "faster). Full report with charts: [bench/REPORT.md](bench/REPORT.md).",
    "",
    tables.join("\n\n"),
    "",
  ].join("\n");
}

function report(runs: RunResult[], files: string[], charts: Map<string, string[]>, found: string[]): string {
  const first = runs[0];
  const out: string[] = [
    "# offheap benchmark report",
    "",
    "<!-- Generated by `npm run bench:report` from bench/results; do not edit by hand. -->",
    "",
    `Generated from ${files.map((file) => `\`${file}\``).join(" and ")}` +
    `${runs.some((run) => run.options.quick) ? " (a `--quick` run: a subset of the cases)" : ""}.`,
    "",
    `- **Machine:** ${machineLine(first)}`,
    `- **Versions:** ${versionsLine(first)}`,
    `- **Method:** mitata, every subject measured in the same process and run; figures are medians (p50) per ` +
    `operation. A ratio is offheap's median divided by the baseline's: below 1× offheap is faster. C allocators ` +
    `are called through the same FFI as offheap; \`new ArrayBuffer\` is zero-filled by the runtime and freed by GC.`,
    "",
  ];
  const suites = [...new Set(runs.flatMap((run) => run.suites.map((suite) => suite.name)))];
  for (const name of suites) {
    const description = runs.map((run) => run.suites.find((suite) => suite.name === name)).find((s) => s);
    out.push(`## ${name}`, "", `Measures ${description?.measures}.`, "");
    for (const run of runs) {
      const suite = run.suites.find((s) => s.name === name);
      if (!suite) continue;
      if (suite.skipped) {
        out.push(`${runtimeLabel(run.runtime, run.runtimeVersion)}: skipped, ${suite.skipped}.`, "");
        continue;
      }
      const rows = summaryRows({ ...run, suites: [suite] });
      out.push(`### ${runtimeLabel(run.runtime, run.runtimeVersion)}`, "", markdownTable(rows), "");
      for (const [chart, spec] of Object.entries(suite.charts)) {
        const table = spec.fact ? factTable(suite, chart, spec.fact) : undefined;
        if (table) out.push(`${spec.title}:`, "", table, "", ...(spec.note ? [spec.note, ""] : []));
      }
    }
    if (name === "index") out.push(...indexSection(runs));
    for (const [key, files] of charts) {
      if (!key.startsWith(`${name}/`)) continue;
      for (const file of files) {
        out.push(`![${key} ${file.replace(/\.svg$/, "").split("-").pop()}](charts/${file})`, "");
      }
    }
  }
  out.push("## Findings", "", ...found.map((line) => `- ${line}`), "");
  return out.join("\n");
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const { runs, files } = latestRuns(options.results);
  if (runs.length === 0) {
    console.error(`report: no well-formed results in ${options.results}; run \`npm run bench\` first`);
    process.exit(1);
  }
  const charts = writeCharts(runs, `${options.out}/charts`);
  for (const [key, files] of writeIndexCharts(runs, `${options.out}/charts`)) charts.set(key, files);
  const found = findings(runs);
  writeFileSync(`${options.out}/REPORT.md`, report(runs, files, charts, found));
  const table = readmeTable(runs);
  writeFileSync(`${options.out}/README_TABLE.md`, table);
  if (options.readme && !spliceReadme(table)) console.error(`report: README.md has no ${readmeStart} block`);
  console.log(`\nFindings (${files.join(", ")}):`);
  for (const line of found) console.log(`- ${line}`);
  const count = [...charts.values()].flat().length;
  console.log(
    `\nreport: ${options.out}/REPORT.md, ${options.out}/README_TABLE.md and ${count} charts in ${options.out}/charts`,
  );
}

main();
