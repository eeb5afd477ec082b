/**
 * The shape of a benchmark suite. A suite is one file in bench/suites/ whose default export is a
 * {@linkcode Suite}; the runner finds it by listing that folder, so adding a suite adds one file.
 *
 * @module
 */

/** The subject name of offheap's own implementation; variants are named "offheap <variant>". */
export const OFFHEAP = "offheap";

/** True for offheap's subjects ("offheap", "offheap alloc()"), false for baselines. */
export function isOffheap(subjectName: string): boolean {
  return subjectName === OFFHEAP || subjectName.startsWith(`${OFFHEAP} `);
}

/** One implementation of a case's operation: offheap's or a baseline's. */
export interface Subject {
  /** "offheap", "offheap <variant>", or the baseline's name ("glibc", "ArrayBuffer", …). */
  name: string;
  /** The operation to time. It must consume its results (free them, or pass them to a sink). */
  fn: () => unknown;
}

/** One operation measured for every subject, e.g. "pair 1 KiB". */
export interface Case {
  /** Unique within the suite; shown in tables. */
  name: string;
  /** The id of the chart (a key of {@linkcode Suite.charts}) this case is drawn in. */
  chart: string;
  /** The case's label inside its chart, e.g. "1 KiB". */
  label: string;
  /** Whether `--quick` runs it. Keep quick cases few: `--quick` runs everything in under 60 s. */
  quick: boolean;
  /** The first subject must be offheap's; the ratios are taken against it. */
  subjects: Subject[];
  /** Facts about the case for the report, e.g. `{ tier: "mapped" }` for the offheap tier used. */
  facts?: Record<string, string | number>;
}

/** One chart of a suite: a title and the name of its category axis (the case labels). */
export interface ChartSpec {
  title: string;
  /** What the case labels are, e.g. "block size". */
  categoryAxis: string;
  /**
   * Set for a chart of a fact rather than of times (a hit rate): each case's bars are its facts named
   * `<fact> <subject>` (fractions, drawn and tabled as percentages), in the order the facts were set.
   */
  fact?: string;
  /** A line the report prints under the chart and its table, e.g. the citation of a data set. */
  note?: string;
}

/** What the runner gives a suite. */
export interface SuiteContext {
  /** True under `--quick`: a suite may skip building data that only its non-quick cases use. */
  quick: boolean;
  /** True under `--full`: a suite adds the sizes and variants it leaves out by default to keep the run short. */
  full: boolean;
  /** Records a line for the output and the JSON, e.g. a baseline that was skipped. */
  note(line: string): void;
}

/** A benchmark suite (see the module doc). */
export interface Suite {
  /** Short name used by `--filter`, in file names and in tables. */
  name: string;
  /** One sentence: what it measures and against what. */
  measures: string;
  /** Chart id to chart description. */
  charts: Record<string, ChartSpec>;
  /**
   * Builds the cases, or returns why the suite cannot run here (an API that does not exist yet, a
   * missing library), which the runner prints as a note.
   */
  cases(context: SuiteContext): Promise<Case[] | string>;
  /** Releases what `cases` holds (native memory, Workers) once the suite has been measured. */
  dispose?(): Promise<void>;
}
