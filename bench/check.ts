/**
 * Checks that results files are well formed (structure, never timings) and prints their summary
 * tables; the smoke test runs it on the files of a `--quick` run and fails on any problem.
 *
 *   deno run --allow-read bench/check.ts <results.json>...
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { type RunResult, structuralProblems, summaryText } from "./lib/results.ts";
import { runtimeLabel } from "./lib/runtime.ts";

let failed = false;
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("check: give the results files to check");
  failed = true;
}
for (const file of files) {
  let problems: string[];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
    problems = structuralProblems(parsed);
  } catch (error) {
    problems = [`cannot read or parse: ${error instanceof Error ? error.message : String(error)}`];
  }
  if (problems.length > 0) {
    failed = true;
    console.error(`check: ${file} is not well formed:\n  ${problems.join("\n  ")}`);
    continue;
  }
  const run = parsed as RunResult;
  console.log(`check: ${file} is well formed\n${summaryText(run, runtimeLabel(run.runtime, run.runtimeVersion))}\n`);
}
process.exit(failed ? 1 : 0);
