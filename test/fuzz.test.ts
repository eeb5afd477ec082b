/**
 * The seeded operation fuzzer (test/fuzz/fuzzer.ts) in `npm test`: one million random operations
 * over the public API in each runtime, from a fixed seed so a failure replays exactly
 * (`npm run fuzz -- --seed S --ops N --trace K`). Every call is judged against the model, every
 * live block's pattern is checked, and the heap's live bytes must balance at the end.
 */
import assert from "node:assert/strict";
import { runtime, test } from "./harness.ts";
import { formatSummary, runFuzz } from "./fuzz/fuzzer.ts";

/** The seed of `npm test`'s run: fixed, so CI is reproducible; `npm run fuzz` takes any other. */
const SEED = 20261202;
const OPS = 1_000_000;

test(`fuzz: ${OPS} operations over the public API, seed ${SEED}`, () => {
  const summary = runFuzz({ seed: SEED, ops: OPS });
  console.log(formatSummary(summary, runtime));
  assert.equal(summary.ops, OPS);
}, { timeoutMs: 300_000 });
