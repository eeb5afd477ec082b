/**
 * The suite runner: runs every suite in bench/suites/ with mitata in the current runtime (Deno or
 * Bun, one source), prints mitata's tables, then a summary of offheap against each baseline as
 * median ratios, and writes bench/results/<timestamp>-<runtime>.json. bench/run.sh starts it once
 * per runtime; it can also be run alone:
 *
 *   deno run --v8-flags=--expose-gc -A bench/main.ts [--filter <text>] [--quick | --full] [--out <file>]
 *   bun bench/main.ts [--filter <text>] [--quick | --full] [--out <file>]
 *
 * `--filter <text>` keeps the suites whose name contains the text; a text "<suite> <more>" keeps the
 * cases of that suite whose "<suite> <case>" contains it (case-insensitive, e.g. "alloc pair 1 KiB"); a
 * text that names no suite keeps the cases that contain it in any suite; "a|b" keeps what either keeps.
 * `--quick` keeps only the cases marked quick; `--full` asks the suites for the sizes and variants
 * they leave out by default to keep the whole run short.
 *
 * @module
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import process from "node:process";
import { bench, group, run, summary } from "mitata";
import { describeMachine, describeVersions } from "./lib/machine.ts";
import { loadOffheap } from "./lib/offheap.ts";
import {
  type CaseResult,
  RESULTS_SCHEMA,
  type RunResult,
  type Stats,
  type SubjectResult,
  type SuiteResult,
  summaryText,
} from "./lib/results.ts";
import { repositoryRoot, runtimeLabel, runtimeName, runtimeVersion } from "./lib/runtime.ts";
import { type Case, isOffheap, OFFHEAP, type Subject, type Suite } from "./lib/suite.ts";

interface Options {
  filter: string;
  quick: boolean;
  full: boolean;
  out: string;
}

function parseOptions(args: string[]): Options {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const options: Options = {
    filter: "",
    quick: false,
    full: false,
    out: `${repositoryRoot()}/bench/results/${stamp}-${runtimeName}.json`,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--quick") options.quick = true;
    else if (arg === "--full") options.full = true;
    else if (arg === "--filter" && i + 1 < args.length) options.filter = args[++i].toLowerCase();
    else if (arg === "--out" && i + 1 < args.length) options.out = args[++i];
    else throw new RangeError(`Cannot run the benchmarks: unknown or incomplete argument ${arg}`);
  }
  return options;
}

const tag = `[${runtimeName}]`;

/** Imports every suite file, sorted by name, so that adding a suite is adding a file. */
async function discoverSuites(): Promise<Suite[]> {
  const folder = new URL("./suites/", import.meta.url);
  const files = readdirSync(folder).filter((file) => file.endsWith(".ts")).sort();
  const suites: Suite[] = [];
  for (const file of files) suites.push((await import(new URL(file, folder).href)).default as Suite);
  return suites;
}

/**
 * The filter's alternatives: "a|b" runs what "a" or "b" alone would run. An alternative selects the
 * suites whose name contains it, the cases of "<suite> <case text>", or, when it names no suite, the
 * cases whose name contains it in every suite ("top-10").
 */
function alternatives(options: Options): string[] {
  return options.filter.split("|").map((text) => text.trim()).filter((text) => text.length > 0);
}

function namesSuite(filter: string, names: readonly string[]): boolean {
  return names.some((name) => name.includes(filter) || filter.startsWith(`${name} `));
}

function selectsSuite(suite: Suite, options: Options, names: readonly string[]): boolean {
  const name = suite.name.toLowerCase();
  const wanted = alternatives(options);
  if (wanted.length === 0) return true;
  return wanted.some((filter) => name.includes(filter) || filter.startsWith(`${name} `) || !namesSuite(filter, names));
}

function selectCases(suite: Suite, cases: Case[], options: Options): Case[] {
  const name = suite.name.toLowerCase();
  const wanted = alternatives(options);
  return cases.filter((entry) =>
    (!options.quick || entry.quick) &&
    (wanted.length === 0 ||
      wanted.some((filter) => name.includes(filter) || `${name} ${entry.name}`.toLowerCase().includes(filter)))
  );
}

function benchName(entry: Case, subject: Subject): string {
  return `${entry.name} · ${subject.name}`;
}

/** Keeps mitata's statistics, without the raw samples and the generated code. */
function keepStats(stats: Record<string, unknown>): Stats {
  const { samples, debug: _debug, counters: _counters, ...kept } = stats;
  return { ...kept, sampleCount: (samples as number[]).length } as unknown as Stats;
}

/** Registers every case with mitata, runs them, and collects the results by case and subject. */
async function measureCases(cases: Case[]): Promise<{ results: CaseResult[]; context: unknown }> {
  for (const entry of cases) {
    group(entry.name, () => {
      summary(() => {
        for (const subject of entry.subjects) {
          const registered = bench(benchName(entry, subject), subject.fn);
          if (subject.name === OFFHEAP) registered.baseline(true);
        }
      });
    });
  }
  // mitata calls `observe` after each benchmark: the gaps between calls are their wall times.
  const elapsedMs = new Map<string, number>();
  let previous = performance.now();
  const { benchmarks, context } = await run({
    colors: Boolean(process.stdout.isTTY),
    print: (line: string) => console.log(line),
    observe: (trial) => {
      const now = performance.now();
      elapsedMs.set(trial.alias, now - previous);
      previous = now;
      return trial;
    },
  });
  const byName = new Map(benchmarks.map((trial) => [trial.alias, trial.runs[0]]));
  const results = cases.map((entry): CaseResult => ({
    name: entry.name,
    chart: entry.chart,
    label: entry.label,
    facts: entry.facts,
    subjects: entry.subjects.map((subject): SubjectResult => {
      const measured = byName.get(benchName(entry, subject));
      const name = benchName(entry, subject);
      const result: SubjectResult = {
        name: subject.name,
        offheap: isOffheap(subject.name),
        elapsedMs: elapsedMs.get(name),
      };
      if (measured?.stats) result.stats = keepStats(measured.stats as unknown as Record<string, unknown>);
      else result.error = measured ? String((measured.error as Error)?.message ?? measured.error) : "not run";
      return result;
    }),
  }));
  return { results, context };
}

/** Why a suite does not run here, or the cases it runs under the current options. */
async function casesToRun(suite: Suite, options: Options, note: (line: string) => void): Promise<Case[] | string> {
  const built = await suite.cases({ note, quick: options.quick, full: options.full });
  if (typeof built === "string") return built;
  const cases = selectCases(suite, built, options);
  if (cases.length > 0) return cases;
  return options.quick ? "no case of it is part of --quick" : `no case matches --filter "${options.filter}"`;
}

/** Runs one suite: prints its progress lines and mitata's tables, and returns its results. */
async function runSuite(suite: Suite, position: string, options: Options, note: (line: string) => void) {
  const started = performance.now();
  const result: SuiteResult = {
    name: suite.name,
    measures: suite.measures,
    charts: suite.charts,
    elapsedMs: 0,
    cases: [],
  };
  let context: unknown;
  const cases = await casesToRun(suite, options, note);
  if (typeof cases === "string") {
    result.skipped = cases;
  } else {
    const benchmarks = cases.reduce((sum, entry) => sum + entry.subjects.length, 0);
    console.log(`${tag} suite ${position} ${suite.name}: ${cases.length} cases, ${benchmarks} benchmarks`);
    ({ results: result.cases, context } = await measureCases(cases));
  }
  await suite.dispose?.();
  result.elapsedMs = performance.now() - started;
  const outcome = result.skipped ? `skipped, ${result.skipped}` : "done";
  console.log(`${tag} suite ${position} ${suite.name}: ${outcome} in ${(result.elapsedMs / 1000).toFixed(1)} s`);
  return { result, context };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const loadAverageStart1m = describeMachine().loadAverage1m;
  const notes: string[] = [];
  const note = (line: string) => {
    if (notes.includes(line)) return;
    notes.push(line);
    console.log(`${tag} note: ${line}`);
  };
  const offheap = await loadOffheap();
  if (typeof offheap === "string") note(offheap);

  const discovered = await discoverSuites();
  const names = discovered.map((suite) => suite.name.toLowerCase());
  const suites = discovered.filter((suite) => selectsSuite(suite, options, names));
  if (suites.length === 0) throw new RangeError(`Cannot run the benchmarks: no suite matches "${options.filter}"`);
  const results: SuiteResult[] = [];
  let mitata: unknown = null;
  for (const [i, suite] of suites.entries()) {
    const { result, context } = await runSuite(suite, `${i + 1}/${suites.length}`, options, note);
    results.push(result);
    mitata ??= context;
  }

  const runResult: RunResult = {
    schema: RESULTS_SCHEMA,
    runtime: runtimeName,
    runtimeVersion: runtimeVersion(),
    startedAt,
    finishedAt: new Date().toISOString(),
    options: { quick: options.quick, filter: options.filter, full: options.full },
    machine: describeMachine(),
    loadAverageStart1m,
    versions: describeVersions(),
    offheap: { simdLevel: typeof offheap === "string" ? "unavailable" : offheap.vectors.cpu() },
    notes,
    suites: results,
    mitata,
  };
  mkdirSync(options.out.replace(/\/[^/]*$/, ""), { recursive: true });
  // mitata's context carries its raw noop samples (tens of MB); the statistics are all the report uses.
  const withoutSamples = (key: string, value: unknown) => key === "samples" ? undefined : value;
  writeFileSync(options.out, JSON.stringify(runResult, withoutSamples, 1) + "\n");
  console.log(`\n${summaryText(runResult, `offheap vs baselines, ${runtimeLabel()} (median ratios)`)}\n`);
  console.log(`${tag} results: ${options.out}`);
}

await main();
