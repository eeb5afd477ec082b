/**
 * The seeded operation fuzzer: random sequences of calls over the public API (the heap, buffers,
 * vectors, VectorStore, Cache), valid and invalid, each judged against the model's prediction
 * (success, or the error class and OffheapError code it must throw). Every live block holds a
 * pattern derived from its id, checked at free, at realloc and every `checkEvery` operations; at the
 * end everything is freed and the heap's live bytes must be back where they started.
 *
 * A seed names the whole sequence: a failure prints the seed, the operation's index, its name and
 * arguments, and the command that replays it (`--trace K` prints every operation from index K).
 *
 * ```sh
 * deno run -A test/fuzz/fuzzer.ts --seed 1 --ops 1000000
 * bun test/fuzz/fuzzer.ts --seed 1 --ops 1000000 --trace 999990
 * ```
 *
 * @module
 */
import process from "node:process";
import { heap } from "../../mod.ts";
import { judge, outcomeOf, show } from "./expect.ts";
import { Model } from "./model.ts";
import { Prng } from "./prng.ts";
import type { Op, Step } from "./step.ts";
import { HEAP_OPS } from "./ops_heap.ts";
import { VECTOR_OPS } from "./ops_vectors.ts";
import { STORE_OPS } from "./ops_store.ts";
import { CACHE_OPS } from "./ops_cache.ts";

/** The runtime running the fuzzer. */
const RUNTIME = "Deno" in globalThis ? "deno" : "bun";

/** Every operation of the fuzzer, with its weight. */
export const OPS: readonly Op[] = [...HEAP_OPS, ...VECTOR_OPS, ...STORE_OPS, ...CACHE_OPS];

/** Options of {@linkcode runFuzz}. */
export interface FuzzOptions {
  seed: number;
  ops: number;
  /** Print every operation from this index on (for replaying a failure). */
  trace?: number;
  /** Check every live block's pattern and the heap's live bytes this often. Default 2000. */
  checkEvery?: number;
  /** Where trace lines go. Default console.log. */
  log?: (line: string) => void;
}

/** What a run did. */
export interface FuzzSummary {
  seed: number;
  ops: number;
  seconds: number;
  opsPerSecond: number;
  /** Per operation name: calls that succeeded and calls that threw (as the model expected). */
  outcomes: Map<string, { ok: number; thrown: number }>;
  /** Pattern checks made. */
  patternChecks: number;
}

/** A failure: a call that did not do what the model predicted, or corrupted memory. */
export class FuzzFailure extends Error {
  constructor(readonly seed: number, readonly index: number, readonly ops: number, step: Step | string, reason: string) {
    const what = typeof step === "string" ? step : `${step.name}(${step.args.map(show).join(", ")})`;
    super(
      `fuzz failure at operation ${index} of seed ${seed}: ${what}: ${reason}\n` +
        `  replay: npm run fuzz -- --runtime ${RUNTIME} --seed ${seed} --ops ${index + 1} --trace ${Math.max(0, index - 20)}`,
    );
    this.name = "FuzzFailure";
  }
}

function heapLiveBytes(): number {
  const { tiers } = heap.stats();
  return tiers.small.liveBytes + tiers.medium.liveBytes + tiers.mapped.liveBytes + tiers.huge.liveBytes;
}

/** Picks operations by weight until one has something to act on. */
function nextStep(rng: Prng, model: Model, cumulative: number[], total: number): Step {
  for (;;) {
    const target = rng.below(total);
    let index = 0;
    while (cumulative[index] <= target) index++;
    const step = OPS[index].make(rng, model);
    if (step !== null) return step;
  }
}

/** Frees everything the model holds, checking each block's pattern first. */
function teardown(model: Model): void {
  while (model.blocks.length > 0) {
    const block = model.blocks[model.blocks.length - 1];
    model.check(block);
    if (block.buffer !== undefined) block.buffer.free();
    else heap.freeRaw(block.address);
    model.remove(block);
  }
  for (const store of model.stores.splice(0)) store.store.free();
  for (const cache of model.caches.splice(0)) cache.cache.free();
}

/** Runs `options.ops` operations from `options.seed`; throws a {@linkcode FuzzFailure} at the first failure. */
export function runFuzz(options: FuzzOptions): FuzzSummary {
  const { seed, ops } = options;
  const checkEvery = options.checkEvery ?? 2000;
  const log = options.log ?? console.log;
  const trace = options.trace ?? Infinity;
  const rng = new Prng(seed);
  const model = new Model();
  const outcomes = new Map<string, { ok: number; thrown: number }>();
  const cumulative: number[] = [];
  let total = 0;
  for (const op of OPS) cumulative.push(total += op.weight);
  const baseBytes = heapLiveBytes();
  const started = performance.now();
  for (let index = 0; index < ops; index++) {
    const step = nextStep(rng, model, cumulative, total);
    if (index >= trace) log(`${index}: ${step.name}(${step.args.map(show).join(", ")}) -> expect ${step.expect.join(" | ")}`);
    let result: unknown;
    let error: unknown;
    try {
      result = step.call();
    } catch (thrown) {
      error = thrown;
    }
    const mismatch = judge(step.expect, error);
    if (mismatch !== null) throw new FuzzFailure(seed, index, ops, step, mismatch);
    try {
      step.after?.(result, error);
      if ((index + 1) % checkEvery === 0) {
        model.checkAll();
        if (model.allKnown()) {
          const grown = heapLiveBytes() - baseBytes;
          if (grown !== model.liveBytes()) throw new Error(`heap live bytes grew by ${grown}, the model holds ${model.liveBytes()}`);
        }
      }
    } catch (failure) {
      throw new FuzzFailure(seed, index, ops, step, `${outcomeOf(error)}, then ${(failure as Error).message}`);
    }
    const counts = outcomes.get(step.name) ?? { ok: 0, thrown: 0 };
    if (error === undefined) counts.ok++;
    else counts.thrown++;
    outcomes.set(step.name, counts);
  }
  try {
    teardown(model);
  } catch (failure) {
    throw new FuzzFailure(seed, ops, ops, "teardown", (failure as Error).message);
  }
  const leftBytes = heapLiveBytes() - baseBytes;
  if (leftBytes !== 0) throw new FuzzFailure(seed, ops, ops, "teardown", `heap live bytes ${leftBytes} above the start after freeing everything`);
  const seconds = (performance.now() - started) / 1000;
  return { seed, ops, seconds, opsPerSecond: ops / seconds, outcomes, patternChecks: model.checks };
}

/** A summary as a few lines: the rate, then each operation's successes and expected errors. */
export function formatSummary(summary: FuzzSummary, runtime: string): string {
  const lines = [
    `fuzz (${runtime}): seed ${summary.seed}, ${summary.ops} operations in ${summary.seconds.toFixed(1)} s ` +
    `(${Math.round(summary.opsPerSecond)} ops/s), ${summary.patternChecks} pattern checks, heap balanced`,
  ];
  const names = [...summary.outcomes.keys()].sort();
  const cells = names.map((name) => {
    const { ok, thrown } = summary.outcomes.get(name)!;
    return `${name} ${ok}/${thrown}`;
  });
  for (let i = 0; i < cells.length; i += 4) lines.push(`  ${cells.slice(i, i + 4).join("; ")}`);
  lines.push("  (per call: succeeded / threw as the model expected)");
  return lines.join("\n");
}

/** Reads `--name value` from argv. */
function flag(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : undefined;
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const seed = Number(flag(argv, "seed") ?? Math.floor(Math.random() * 2 ** 31));
  const ops = Number(flag(argv, "ops") ?? 1_000_000);
  const trace = flag(argv, "trace");
  const runtime = RUNTIME;
  if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(ops) || ops < 0) {
    console.error("usage: fuzzer.ts [--seed S] [--ops N] [--trace K]");
    process.exit(2);
  }
  console.log(`fuzz (${runtime}): seed ${seed}, ${ops} operations`);
  try {
    console.log(formatSummary(runFuzz({ seed, ops, trace: trace === undefined ? undefined : Number(trace) }), runtime));
  } catch (error) {
    console.error(error instanceof FuzzFailure ? error.message : error);
    process.exit(1);
  }
}
