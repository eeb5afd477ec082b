/**
 * What the model expects of one call, and how an outcome is judged against it. An outcome is
 * `"ok"`, the class of a built-in error (`"TypeError"`, `"RangeError"`) or an `OffheapError`'s
 * code; an expectation lists every outcome the model accepts (usually one).
 *
 * @module
 */
import { OffheapError, type OffheapErrorCode } from "../../mod.ts";

/** One outcome of a call. */
export type Outcome = "ok" | "TypeError" | "RangeError" | OffheapErrorCode;

/** The outcomes the model accepts for a call. */
export type Expected = readonly Outcome[];

/** The call must succeed. */
export const OK: Expected = ["ok"];
/** The call must throw a TypeError. */
export const TYPE: Expected = ["TypeError"];
/** The call must throw a RangeError. */
export const RANGE: Expected = ["RangeError"];

/** The call must throw an `OffheapError` with one of `codes`. */
export function offheap(...codes: OffheapErrorCode[]): Expected {
  return codes;
}

/** The outcome of a call that threw `error` (undefined: it returned). */
export function outcomeOf(error: unknown): string {
  if (error === undefined) return "ok";
  if (error instanceof OffheapError) return error.code;
  if (error instanceof TypeError) return "TypeError";
  if (error instanceof RangeError) return "RangeError";
  return `${(error as Error)?.name ?? typeof error}: ${(error as Error)?.message ?? String(error)}`;
}

/** Null when `error` is an outcome `expected` accepts, else what went wrong. */
export function judge(expected: Expected, error: unknown): string | null {
  const outcome = outcomeOf(error);
  if ((expected as readonly string[]).includes(outcome)) return null;
  const message = error instanceof Error ? ` (${error.message})` : "";
  return `expected ${expected.join(" or ")}, got ${outcome}${message}`;
}

/** Formats an argument for a failure report (typed arrays by type and length, numbers exactly). */
export function show(value: unknown): string {
  if (typeof value === "string") return value.length > 40 ? `"${value.slice(0, 20)}…" (${value.length} chars)` : JSON.stringify(value);
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "bigint") return `${value}n`;
  if (ArrayBuffer.isView(value)) {
    const array = value as unknown as ArrayLike<number>;
    const head = Array.from({ length: Math.min(array.length, 8) }, (_, i) => array[i]).join(", ");
    return `${value.constructor.name}(${array.length}) [${head}${array.length > 8 ? ", …" : ""}]`;
  }
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([key, field]) => `${key}: ${show(field)}`);
    return `{ ${entries.join(", ")} }`;
  }
  return String(value);
}
