/**
 * The cache suite's findings (bench/suites/cache.ts): issue 11's targets, each stated with the
 * figures it is judged on and whether this run meets it, plus what the hit rates show. Only what the
 * results file holds is said; a case that did not run gives no sentence.
 *
 * @module
 */
import { formatDuration, formatRatio } from "../lib/format.ts";
import type { CaseResult, RunResult } from "../lib/results.ts";
import { label, subjectMedian } from "./findings.ts";
import { LOOKUP_FLOOR, MEMORY_READ } from "../baselines/memory_latency.ts";

/** Issue 11's targets. */
const targets = {
  /** offheap's JS heap (and its full-GC pause) at most this share of the Map's. */
  gcShareOfMap: 0.1,
  /** The small-object loop at most this × its time on an empty heap. */
  loopOverEmpty: 1.2,
  /** At 1M entries, offheap's median at most this × lru-cache's `get` (or `set`). */
  getIntoOverLru: 1.0,
  getOverLru: 2.0,
  setOverLru: 1.5,
  /** `getInto` with an integer key at 1M entries, at most this many ns. */
  getIntoIntegerNs: 100,
  /** Native bytes per entry beyond its key and value. */
  bytesPerEntry: 48,
  /** 2 × t(1 Worker) / t(2 Workers) on one shared cache. */
  workerScaling: 1.6,
};

function verdict(meets: boolean): string {
  return meets ? "meets" : "misses";
}

function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MiB`;
}

function points(fraction: number): string {
  const value = fraction * 100;
  return `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(2)} points`;
}

/** "a 1.2 MiB, b 3.4 MiB": each of `subjects` that has a value, formatted. */
function each(subjects: string[], value: (subject: string) => number | undefined, format: (v: number) => string) {
  return subjects.filter((subject) => value(subject) !== undefined)
    .map((subject) => `${subject} ${format(value(subject)!)}`).join(", ");
}

/** A numeric fact of the first case of `cases` that has it. */
function factOf(cases: CaseResult[], name: string): number | undefined {
  for (const entry of cases) {
    const value = entry.facts?.[name];
    if (typeof value === "number") return value;
  }
  return undefined;
}

function gcFindings(run: RunResult, cases: CaseResult[]): string[] {
  const gcCases = cases.filter((entry) => entry.chart === "gc");
  if (gcCases.length === 0) return [];
  const lines: string[] = [];
  const entries = Number(gcCases[0].facts?.entries ?? NaN);
  const valueBytes = Number(gcCases[0].facts?.valueBytes ?? NaN);
  const who = `${label(run)}, ${entries / 1e6}M entries × ${valueBytes / 1024} KiB`;
  const heap = (subject: string) => factOf(gcCases, `jsHeapBytes ${subject}`);
  const rss = (subject: string) => factOf(gcCases, `rssBytes ${subject}`);
  const [offheapHeap, mapHeap] = [heap("offheap"), heap("Map")];
  if (offheapHeap !== undefined && mapHeap !== undefined) {
    const share = offheapHeap / mapHeap;
    const others = each(["lru-cache", "empty heap"], heap, mebibytes);
    const rssText = each(["offheap", "Map", "lru-cache", "empty heap"], rss, mebibytes);
    lines.push(
      `${who}: JS heap used after a full GC is ${mebibytes(offheapHeap)} with offheap's Cache against ` +
        `${mebibytes(mapHeap)} with a Map (${others}): ${formatRatio(share)} the Map's, which ` +
        `${verdict(share <= targets.gcShareOfMap)} the ≤ 1/10 target. Process RSS: ${rssText}.`,
    );
  }
  const pause = gcCases.find((entry) => entry.name.startsWith("full GC"));
  const offheapPause = pause && subjectMedian(pause, "offheap");
  const mapPause = pause && subjectMedian(pause, "Map");
  if (pause && offheapPause !== undefined && mapPause !== undefined) {
    const share = offheapPause / mapPause;
    const others = each(["lru-cache", "empty heap"], (subject) => subjectMedian(pause, subject), formatDuration);
    lines.push(
      `${who}: a full GC takes ${formatDuration(offheapPause)} (median) with offheap's Cache against ` +
        `${formatDuration(mapPause)} with a Map (${others}): ${formatRatio(share)} the Map's, which ` +
        `${verdict(share <= targets.gcShareOfMap)} the ≤ 1/10 target.`,
    );
  }
  const loop = gcCases.find((entry) => entry.name.includes("object loop"));
  const empty = loop && subjectMedian(loop, "empty heap");
  const offheapLoop = loop && subjectMedian(loop, "offheap");
  if (loop && empty !== undefined && offheapLoop !== undefined) {
    const over = offheapLoop / empty;
    const others = each(
      ["Map", "lru-cache"],
      (subject) => subjectMedian(loop, subject),
      (ns) => formatRatio(ns / empty),
    );
    lines.push(
      `${who}: the ${loop.label} takes ${formatDuration(offheapLoop)} beside offheap's Cache and ` +
        `${formatDuration(empty)} on an empty heap: ${formatRatio(over)}, which ${
          verdict(over <= targets.loopOverEmpty)
        } the ≤ ${targets.loopOverEmpty}× target (beside ${others} the empty heap's time).`,
    );
  }
  const native = factOf(gcCases, "nativeBytesPerEntry offheap");
  if (native !== undefined) {
    const resident = factOf(gcCases, "residentBytesPerEntry offheap");
    const accounted = factOf(gcCases, "accountedBytesPerEntry offheap");
    lines.push(
      `${label(run)}: each cache entry costs ${native.toFixed(1)} native bytes beyond its key and value ` +
        `(the cache's memoryBytes over ${entries} entries), which ${
          verdict(native <= targets.bytesPerEntry)
        } the ≤ ${targets.bytesPerEntry} B target` +
        (resident !== undefined ? `; by the process's resident memory ${resident.toFixed(1)} B` : "") +
        (accounted !== undefined ? `; the cache's own byte count charges ${accounted.toFixed(1)} B` : "") + ".",
    );
  }
  return lines;
}

/** The latency targets: [case name, what it compares, the bound on offheap ÷ lru-cache]. */
const latencyTargets: [string, string, number][] = [
  ["getInto hit 1M string keys", "getInto hit against lru-cache's get", targets.getIntoOverLru],
  ["get hit 1M string keys", "get hit against lru-cache's get", targets.getOverLru],
  ["set 1M string keys", "set against lru-cache's set", targets.setOverLru],
  ["getInto hit 1M integer keys", "getInto hit against lru-cache's get, integer keys", targets.getIntoOverLru],
  [
    "getManyInto hit 1M integer keys",
    "getManyInto hit (64 keys a call, per key) against lru-cache's get, integer keys",
    targets.getIntoOverLru,
  ],
  ["get hit 1M integer keys", "get hit against lru-cache's get, integer keys", targets.getOverLru],
  ["set 1M integer keys", "set against lru-cache's set, integer keys", targets.setOverLru],
];

function latencyFindings(run: RunResult, cases: CaseResult[]): string[] {
  const parts: string[] = [];
  for (const [name, what, bound] of latencyTargets) {
    const entry = cases.find((found) => found.name === name);
    const offheap = entry && subjectMedian(entry, "offheap");
    const lru = entry && subjectMedian(entry, "lru-cache");
    if (offheap === undefined || lru === undefined) continue;
    const map = subjectMedian(entry!, "Map");
    parts.push(
      `${what} ${formatDuration(offheap)} vs ${formatDuration(lru)} = ${formatRatio(offheap / lru)} ` +
        `(${verdict(offheap / lru <= bound)} ≤ ${bound}×${map !== undefined ? `; Map ${formatDuration(map)}` : ""})`,
    );
  }
  const integer = cases.find((found) => found.name === "getInto hit 1M integer keys");
  const integerNs = integer && subjectMedian(integer, "offheap");
  if (integerNs !== undefined) {
    parts.push(
      `getInto with an integer key takes ${formatDuration(integerNs)}, which ${
        verdict(integerNs <= targets.getIntoIntegerNs)
      } the ≤ ${targets.getIntoIntegerNs} ns target`,
    );
  }
  const floorText = floorFindings(cases);
  if (floorText) parts.push(floorText);
  if (parts.length === 0) return [];
  return [`${label(run)}, cache latency at 1M entries of 1 KiB (medians): ${parts.join("; ")}.`];
}

/**
 * The 1M-entry `getInto` cases against the two floors measured in the same run: one read from memory
 * in no CPU cache, and the memory work of a hit (an index line, then the 1 KiB entry it names).
 */
function floorFindings(cases: CaseResult[]): string | undefined {
  const measured = ["string", "integer"].flatMap((kind) => {
    const entry = cases.find((found) => found.name === `getInto hit 1M ${kind} keys`);
    const offheap = entry && subjectMedian(entry, "offheap");
    const read = entry && subjectMedian(entry, MEMORY_READ);
    const floor = entry && subjectMedian(entry, LOOKUP_FLOOR);
    if (offheap === undefined || read === undefined) return [];
    return [{ kind, offheap, read, floor, lru: subjectMedian(entry!, "lru-cache") }];
  });
  if (measured.length === 0) return undefined;
  const { read } = measured[measured.length - 1];
  const reads = measured.map(({ kind, offheap }) => `${kind} keys ${(offheap / read).toFixed(2)}`).join(", ");
  let text = `one read from memory in no CPU cache (a pointer chase over 256 MiB, same run) takes ` +
    `${formatDuration(read)}; a getInto hit takes ${reads} of them`;
  const withFloor = measured.filter((found) => found.floor !== undefined);
  if (withFloor.length === 0) return text;
  const floor = withFloor[withFloor.length - 1].floor!;
  const overFloor = withFloor.map(({ kind, offheap }) => `${kind} keys ${formatRatio(offheap / floor)}`).join(", ");
  text += `; the memory work every hit at 1M uniformly random keys must do (a line of an 8 MiB index, then ` +
    `all 16 lines of the 1 KiB entry it names, in plain JavaScript with no hashing or copying) takes ` +
    `${formatDuration(floor)}, and getInto takes ${overFloor} of that floor`;
  const belowFloor = withFloor.filter(({ lru }) => lru !== undefined && lru < floor);
  if (belowFloor.length > 0) {
    const which = belowFloor.map(({ kind, lru }) => `${kind} keys ${formatDuration(lru!)}`).join(", ");
    text += `; lru-cache's get, which returns a reference and reads no value, takes ${which}: below the ` +
      `floor, so getInto ≤ ${targets.getIntoOverLru}× lru-cache is out of reach there`;
  }
  if (floor > targets.getIntoIntegerNs) {
    text += `; the ≤ ${targets.getIntoIntegerNs} ns target is below the floor`;
  }
  return text;
}

function hitRateFindings(run: RunResult, cases: CaseResult[]): string[] {
  const parts: string[] = [];
  for (const entry of cases.filter((found) => found.chart === "hitrate")) {
    const rate = (subject: string) => entry.facts?.[`hit rate ${subject}`] as number | undefined;
    const adaptive = rate("offheap adaptive");
    const lru = rate("offheap lru");
    if (adaptive === undefined || lru === undefined) continue;
    const reference = rate("lru-cache");
    const policies = ["adaptive", "lru", "lfu", "fifo"].filter((policy) => rate(`offheap ${policy}`) !== undefined);
    const best = policies.reduce((a, b) => (rate(`offheap ${b}`)! > rate(`offheap ${a}`)! ? b : a));
    const check = reference === undefined
      ? ""
      : Math.abs(reference - lru) < 1e-12
      ? ", offheap's lru equal to lru-cache's"
      : `, offheap's lru ${points(lru - reference)} from lru-cache's ${(reference * 100).toFixed(2)}%`;
    const entryBound = rate("offheap adaptive (maxEntries only)");
    const entryBoundText = entryBound === undefined
      ? ""
      : `, adaptive with only maxEntries binding ${(entryBound * 100).toFixed(2)}%`;
    parts.push(
      `${entry.label} (${entry.facts?.entries} entries): adaptive ${(adaptive * 100).toFixed(2)}% vs lru ` +
        `${(lru * 100).toFixed(2)}% (${points(adaptive - lru)}), best ${best}${check}${entryBoundText}`,
    );
  }
  const lines = parts.length === 0 ? [] : [`${label(run)}, cache hit rates: ${parts.join("; ")}.`];
  const checks: string[] = [];
  for (const entry of cases.filter((found) => found.chart === "hitrate")) {
    for (const [name, value] of Object.entries(entry.facts ?? {})) {
      const published = entry.facts?.[`${name}, published`];
      if (typeof value !== "number" || typeof published !== "number") continue;
      checks.push(`${name} ${(value * 100).toFixed(2)}% (published ${(published * 100).toFixed(2)}%)`);
    }
  }
  if (checks.length > 0) {
    lines.push(`${label(run)}, the replay checked against published exact-LRU figures: ${checks.join(", ")}.`);
  }
  return lines;
}

function workerFindings(run: RunResult, cases: CaseResult[]): string[] {
  const one = cases.find((entry) => entry.name === "get 1 Worker");
  const two = cases.find((entry) => entry.name === "get 2 Workers");
  if (!one || !two) return [];
  const parts: string[] = [];
  for (const subject of ["offheap", "lru-cache"]) {
    const [t1, t2] = [subjectMedian(one, subject), subjectMedian(two, subject)];
    if (t1 === undefined || t2 === undefined) continue;
    const scaling = (2 * t1) / t2;
    parts.push(
      subject === "offheap"
        ? `offheap's shared cache scales ${formatRatio(scaling)} from 1 to 2 Workers (${formatDuration(t1)} and ` +
          `${formatDuration(t2)} per call), which ${verdict(scaling >= targets.workerScaling)} the ≥ ` +
          `${targets.workerScaling}× target`
        : `each Worker's own lru-cache copy scales ${formatRatio(scaling)} (${formatDuration(t1)} and ${
          formatDuration(t2)
        })`,
    );
  }
  if (parts.length === 0) return [];
  return [`${label(run)}, cache gets from Workers (${two.facts?.getsPerWorker} per Worker): ${parts.join("; ")}.`];
}

/** Every finding about the cache suite in one run. */
export function cacheFindings(run: RunResult): string[] {
  const suite = run.suites.find((found) => found.name === "cache" && !found.skipped);
  if (!suite) return [];
  return [
    ...gcFindings(run, suite.cases),
    ...latencyFindings(run, suite.cases),
    ...hitRateFindings(run, suite.cases),
    ...workerFindings(run, suite.cases),
  ];
}
