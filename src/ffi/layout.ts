/**
 * Reads the library's self-description (`offheap_layout`): the names of the flat f64 arrays that
 * `offheap_stats`, `offheap_threads_stats` and `offheap_config` write, and the fields of the
 * `offheap_alloc_ex` flags word. The facade decodes those arrays by these names, so the positional
 * layout lives only in the library's one field list (zig/src/stats/fields.zig, zig/src/config.zig).
 *
 * @module
 */
import { library } from "./load.ts";

/** The layouts the library describes, numbered as `offheap_layout` numbers them. */
export const LAYOUT = {
  stats: 0,
  threads: 1,
  config: 2,
  allocFlags: 3,
  cacheStats: 4,
  poolStats: 5,
  tagStats: 6,
} as const;

/** An option of `offheap_config`: a number, a boolean (0 or 1), or a choice (an index into `values`). */
export interface OptionLayout {
  readonly name: string;
  readonly environment: string;
  readonly type: "number" | "boolean" | "choice";
  readonly values?: readonly string[];
}

/** A field of the alloc flags word: `bits` bits at `shift`; a choice is 0 (default) or 1 + index. */
export interface FlagLayout {
  readonly name: string;
  readonly shift: number;
  readonly bits: number;
  readonly values?: readonly string[];
}

interface Layouts {
  stats: readonly string[];
  threads: readonly string[];
  config: readonly OptionLayout[];
  allocFlags: readonly FlagLayout[];
  cacheStats: readonly string[];
  poolStats: readonly string[];
  tagStats: readonly string[];
}

const cache: Partial<Layouts> = {};
const decoder = new TextDecoder();

/** The layout `which`, read from the library once per JS thread. */
export function layout<K extends keyof Layouts>(which: K): Layouts[K] {
  const cached = cache[which];
  if (cached) return cached as Layouts[K];
  const { native } = library();
  const length = native.offheap_layout(LAYOUT[which], null, 0);
  if (length <= 0) throw new Error(`liboffheap described no layout ${which} (status ${length})`);
  const text = new Uint8Array(length);
  native.offheap_layout(LAYOUT[which], text, length);
  const parsed = JSON.parse(decoder.decode(text)) as Layouts[K];
  cache[which] = parsed;
  return parsed;
}

/**
 * Builds an object from `values` named by dotted `names` ("tiers.small.allocs" becomes
 * `result.tiers.small.allocs`); a numeric last part ("bytesByNode.3") makes an array.
 */
export function decodeFields(names: readonly string[], values: Float64Array): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  names.forEach((name, index) => {
    const parts = name.split(".");
    let target = result as Record<string, unknown>;
    for (let depth = 0; depth < parts.length - 1; depth++) {
      const isArray = /^\d+$/.test(parts[depth + 1]);
      target = (target[parts[depth]] ??= isArray ? [] : {}) as Record<string, unknown>;
    }
    target[parts[parts.length - 1]] = values[index];
  });
  return result;
}
