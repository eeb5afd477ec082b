/**
 * Errors of the facade. Invalid arguments throw the built-in `TypeError` (wrong type) or
 * `RangeError` (value out of range) with a message naming the argument and its value; failures
 * reported by the native library throw {@linkcode OffheapError} with a stable `code`.
 *
 * @module
 */

/** The native status codes (zig/src/support/status.zig), by their negative value. */
const STATUS_NAMES: Record<number, OffheapErrorCode> = {
  [-1]: "OUT_OF_MEMORY",
  [-2]: "INVALID_SIZE",
  [-3]: "INVALID_ALIGNMENT",
  [-4]: "NOT_OWNED",
  [-5]: "INTERIOR_POINTER",
  [-6]: "DOUBLE_FREE",
  [-7]: "INVALID_ARGUMENT",
  [-8]: "INVALID_NODE",
  [-9]: "UNSUPPORTED",
  [-11]: "OUT_OF_BOUNDS",
  [-12]: "USE_AFTER_FREE",
  [-10]: "NOT_FOUND",
  [-13]: "ALREADY_EXISTS",
  [-14]: "INVALID_FILE",
  [-15]: "READ_ONLY",
  [-16]: "IO_FAILED",
};

/** The codes an {@linkcode OffheapError} can carry. */
export type OffheapErrorCode =
  | "OUT_OF_MEMORY"
  | "INVALID_SIZE"
  | "INVALID_ALIGNMENT"
  | "NOT_OWNED"
  | "INTERIOR_POINTER"
  | "DOUBLE_FREE"
  | "INVALID_ARGUMENT"
  | "INVALID_NODE"
  | "UNSUPPORTED"
  | "OUT_OF_BOUNDS"
  | "USE_AFTER_FREE"
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "INVALID_FILE"
  | "READ_ONLY"
  | "IO_FAILED";

/**
 * A failure reported by liboffheap: out of memory, a pointer it does not own, a double free.
 *
 * @example Catch a double free
 * ```ts
 * import { heap, OffheapError } from "@offheap/offheap";
 * import assert from "node:assert/strict";
 * const address = heap.allocRaw(64);
 * heap.freeRaw(address);
 * assert.throws(() => heap.freeRaw(address), (e) => e instanceof OffheapError && e.code === "DOUBLE_FREE");
 * ```
 */
export class OffheapError extends Error {
  /** A stable name for the failure, such as `"DOUBLE_FREE"`. */
  readonly code: OffheapErrorCode;
  /** The native status code (negative), or 0 for failures detected in JavaScript. */
  readonly status: number;

  /**
   * Creates the error; the facade does this for every native failure, so user code rarely needs to.
   *
   * @param code The failure's name.
   * @param message What was being done and why it failed.
   * @param status The native status code, if the failure came from the library.
   */
  constructor(code: OffheapErrorCode, message: string, status = 0) {
    super(message);
    this.name = "OffheapError";
    this.code = code;
    this.status = status;
  }
}

/** The code name of a native status, or `"INVALID_ARGUMENT"` for an unknown one. */
export function statusName(status: number): OffheapErrorCode {
  return STATUS_NAMES[status] ?? "INVALID_ARGUMENT";
}

/** Formats a value for an error message: strings quoted, everything else as `String()`. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  return String(value);
}

/** Throws a TypeError unless `value` is a number. */
export function expectNumber(action: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== "number") {
    throw new TypeError(`Cannot ${action}: ${name} must be a number, got ${typeof value} ${describe(value)}`);
  }
}

/** Throws unless `value` is a positive safe integer (TypeError for a non-number, RangeError otherwise). */
export function expectPositiveInteger(action: string, name: string, value: unknown): asserts value is number {
  expectNumber(action, name, value);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`Cannot ${action}: ${name} must be a positive integer, got ${describe(value)}`);
  }
}

/**
 * The index of `value` among `allowed` (TypeError for a non-string, RangeError for another string).
 */
export function choiceCode(action: string, name: string, value: unknown, allowed: readonly string[]): number {
  if (typeof value !== "string") {
    throw new TypeError(`Cannot ${action}: ${name} must be a string, got ${typeof value} ${describe(value)}`);
  }
  const code = allowed.indexOf(value);
  if (code < 0) {
    throw new RangeError(`Cannot ${action}: ${name} must be one of ${allowed.join(", ")}, got ${describe(value)}`);
  }
  return code;
}

/** Throws unless `value` is a NUMA node number from 0 to 1023 (whether it exists is the library's check). */
export function expectNode(action: string, value: unknown): number {
  expectNumber(action, "node", value);
  if (!Number.isInteger(value) || value < 0 || value > 1023) {
    throw new RangeError(`Cannot ${action}: node must be a NUMA node number (0 to 1023), got ${describe(value)}`);
  }
  return value;
}

/** The error for a negative native status, phrased for `action` on `subject` (see {@linkcode unwrap}). */
export function nativeFailure(action: string, status: number, subject: string): Error {
  const code = statusName(status);
  const reasons: Record<OffheapErrorCode, string> = {
    OUT_OF_MEMORY: "the system is out of memory",
    INVALID_SIZE: "the size is not a positive integer the allocator can serve",
    INVALID_ALIGNMENT: "the alignment is not a power of two up to 4096 (2 MiB for the huge tier)",
    NOT_OWNED: "the address was not allocated by offheap (or was already freed and unmapped)",
    INTERIOR_POINTER: "the address points inside a block, not at its start",
    DOUBLE_FREE: "the block was already freed",
    INVALID_ARGUMENT: "an argument is invalid",
    INVALID_NODE: "the NUMA node does not exist",
    UNSUPPORTED: "this system does not support the request",
    OUT_OF_BOUNDS: "the range starts inside an offheap block but runs past its end",
    USE_AFTER_FREE: "the memory was already freed",
    NOT_FOUND: "it does not exist",
    ALREADY_EXISTS: "it already exists",
    INVALID_FILE: "the file is not an offheap index of this version (foreign, truncated or corrupt)",
    READ_ONLY: "the object is a read-only view",
    IO_FAILED: "the operating system refused the file operation",
  };
  const message = `Cannot ${action}: ${reasons[code]} (${subject})`;
  if (code === "INVALID_SIZE" || code === "INVALID_ALIGNMENT" || code === "INVALID_NODE") {
    return new RangeError(message);
  }
  return new OffheapError(code, message, status);
}

/**
 * The result of a native call, checked: a negative status becomes the error {@linkcode nativeFailure}
 * builds for it (an `OffheapError` with the status's code, or a `RangeError` for a bad size,
 * alignment or node); any other value is returned unchanged. Every query that calls the library and
 * may get a status back goes through here, so a status is turned into an error in one place.
 *
 * @param status What the native function returned: a value (>= 0) or a negative status.
 * @param action What was being done, as in "Cannot <action>: …".
 * @param subject What it was done to, for the message (such as `address 1234`).
 * @returns `status`, when it is not negative.
 */
export function unwrap(status: number, action: string, subject: string): number {
  if (status < 0) throw nativeFailure(action, status, subject);
  return status;
}
