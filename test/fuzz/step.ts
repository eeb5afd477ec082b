/**
 * One fuzzer operation: a `Step` is a call with its arguments, the outcomes the model accepts, and
 * what to check and record afterwards; an `Op` makes steps (or none, when it has nothing to act on).
 *
 * @module
 */
import type { Expected } from "./expect.ts";
import type { Model } from "./model.ts";
import type { Prng } from "./prng.ts";

/** One call, as the model predicts it. */
export interface Step {
  /** What is called, as in `heap.freeRaw` or `cache.set`. */
  name: string;
  /** Its arguments (shown only when the step fails). */
  args: readonly unknown[];
  /** The outcomes the model accepts. */
  expect: Expected;
  /** Makes the call. */
  call: () => unknown;
  /**
   * Runs after an accepted outcome (the result, or the error thrown): checks the result and updates
   * the model. Throws to report a wrong result or corrupted memory.
   */
  after?: (result: unknown, error: unknown) => void;
}

/** An operation of the table: its name, its share of the operations, and how it makes a step. */
export interface Op {
  name: string;
  weight: number;
  make: (rng: Prng, model: Model) => Step | null;
}
