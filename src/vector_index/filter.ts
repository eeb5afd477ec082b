/**
 * The filter of a `VectorIndex` search, encoded once for the native search (which applies it to
 * every candidate itself: no JavaScript callback per candidate). A filter is the set of ids a
 * search may return:
 *
 * - an array of ids, a `Set` of ids or a `Float64Array` of ids (duplicates and ids the index does
 *   not hold are ignored);
 * - a `Uint8Array` bitset over ids: id `i` is allowed when bit `i % 8` of byte `⌊i / 8⌋` is set
 *   (ids beyond its end are not).
 *
 * When the filter allows few of the index's vectors (under an eighth, or no more than one beam's
 * worth), the native search scores exactly those instead of walking the graph, so the result is
 * the exact top-k among them.
 *
 * @module
 */
import { kindOf } from "../vectors/checks.ts";
import { ID_MAX } from "./options.ts";

/** A search filter: the ids a search may return. */
export type IndexFilter = readonly number[] | ReadonlySet<number> | Float64Array | Uint8Array;

/** A filter as the native search takes it: kind 0 none, 1 an id list, 2 an id bitset. */
export interface EncodedFilter {
  kind: number;
  data: Float64Array | Uint8Array | null;
  length: number;
}

const NO_FILTER: EncodedFilter = { kind: 0, data: null, length: 0 };

function expectId(action: string, name: string, value: unknown): void {
  if (typeof value !== "number") {
    throw new TypeError(`Cannot ${action}: ${name} must be a number, got ${kindOf(value)}`);
  }
  if (!Number.isInteger(value) || value < 0 || value > ID_MAX) {
    throw new RangeError(`Cannot ${action}: ${name} must be an integer from 0 to 2^53, got ${value}`);
  }
}

/** Checks and encodes `filter` (undefined: none). */
export function encodeFilter(action: string, filter: unknown): EncodedFilter {
  if (filter === undefined) return NO_FILTER;
  if (filter instanceof Uint8Array) return { kind: 2, data: filter, length: filter.length };
  let ids: Float64Array;
  if (filter instanceof Float64Array) ids = filter;
  else if (Array.isArray(filter)) ids = Float64Array.from(filter as number[]);
  else if (filter instanceof Set) ids = Float64Array.from(filter as Set<number>);
  else {
    throw new TypeError(
      `Cannot ${action}: filter must be an array, Set or Float64Array of ids, or a Uint8Array bitset over ids, got ${
        kindOf(filter)
      }`,
    );
  }
  const source = filter as ArrayLike<unknown> | Set<unknown>;
  if (source instanceof Set) {
    let index = 0;
    for (const id of source) expectId(action, `filter id #${index++}`, id);
  } else {
    for (let index = 0; index < source.length; index++) expectId(action, `filter[${index}]`, source[index]);
  }
  return { kind: 1, data: ids, length: ids.length };
}
