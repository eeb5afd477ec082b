/**
 * The file side of a VectorIndex: paths as the UTF-8 bytes the native save and open take, and the
 * open modes. The format itself (a versioned, hashed header, then flat sections checked
 * structurally on open) is described in zig/src/index/persist.zig.
 *
 * @module
 */
import { describe } from "../errors.ts";

/** Options of {@linkcode VectorIndex.open} for a file. */
export interface IndexOpenOptions {
  /**
   * `"load"` (default): a copy in memory, which can change. `"view"`: the file mapped read-only and
   * searched in place (no copy; adds, removes and updates throw `READ_ONLY`).
   */
  mode?: "load" | "view";
}

const encoder = new TextEncoder();

/** The path as UTF-8 bytes (TypeError unless a non-empty string without NUL, at most 4096 bytes). */
export function pathBytes(action: string, path: unknown): Uint8Array {
  if (typeof path !== "string") throw new TypeError(`Cannot ${action}: path must be a string, got ${describe(path)}`);
  const bytes = encoder.encode(path);
  if (bytes.length === 0 || bytes.length > 4096 || bytes.includes(0)) {
    throw new RangeError(`Cannot ${action}: path must be 1 to 4096 bytes without NUL, got ${describe(path)}`);
  }
  return bytes;
}

/** The native mode code of `options.mode`. */
export function modeCode(action: string, options: IndexOpenOptions | undefined): number {
  const mode = options?.mode ?? "load";
  if (mode === "load") return 0;
  if (mode === "view") return 1;
  throw new RangeError(`Cannot ${action}: mode must be "load" or "view", got ${describe(mode)}`);
}
