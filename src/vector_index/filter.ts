/**
 * The filter of a `VectorIndex` search, encoded once for the native search (which applies it to
 * every candidate itself: no JavaScript callback per candidate). A filter is the set of ids a
 * search may return:
 *
 * - an array of ids, a `Set` of ids or a `Float64Array` of ids (duplicates and ids the index does
 *   not hold are ignored);
 * - a `Uint8Array` bitset over ids: id `i` is allowed when bit `i % 8` of byte `⌊i / 8⌋` is set
 *   (ids beyond its end are not);
 * - `{ labels }`: the vectors whose label (given at `add`/`addBatch`, 0 otherwise) is one of these
 *   integers (0 to 2^32 − 1).
 *
 * When the filter allows few of the index's vectors (under an eighth, or no more than one beam's
 * worth), the native search scores exactly those instead of walking the graph, so the result is
 * the exact top-k among them.
 *
 * @module
 */
import { kindOf } from "../vectors/checks.ts";
import { expectId } from "./options.ts";

/** A search filter: the ids a search may return, or the labels it may return. */
export type IndexFilter = readonly number[] | ReadonlySet<number> | Float64Array | Uint8Array | LabelFilter;

/** A filter by label: only vectors with one of these labels. */
export interface LabelFilter {
  /** The allowed labels: integers from 0 to 2^32 − 1. */
  readonly labels: readonly number[] | Uint32Array;
}

/** A filter as the native search takes it: kind 0 none, 1 an id list, 2 an id bitset, 3 labels. */
export interface EncodedFilter {
  kind: number;
  data: Float64Array | Uint8Array | Uint32Array | null;
  length: number;
}

/** Checks that `value` is a label (an integer 0..2^32 − 1). */
export function expectLabel(action: string, name: string, value: unknown): number {
  if (typeof value !== "number") {
    throw new TypeError(`Cannot ${action}: ${name} must be a number, got ${kindOf(value)}`);
  }
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`Cannot ${action}: ${name} must be an integer from 0 to 2^32 - 1, got ${value}`);
  }
  return value;
}

function encodeLabels(action: string, labels: unknown): EncodedFilter {
  if (!Array.isArray(labels) && !(labels instanceof Uint32Array)) {
    throw new TypeError(
      `Cannot ${action}: filter.labels must be an array or Uint32Array of labels, got ${kindOf(labels)}`,
    );
  }
  const list = labels as ArrayLike<unknown>;
  for (let index = 0; index < list.length; index++) expectLabel(action, `filter.labels[${index}]`, list[index]);
  // The native search bisects the labels: sorted, without repeats.
  const sorted = Uint32Array.from(new Set(Array.from(list as ArrayLike<number>))).sort();
  return { kind: 3, data: sorted, length: sorted.length };
}

const NO_FILTER: EncodedFilter = { kind: 0, data: null, length: 0 };

/** Checks and encodes `filter` (undefined: none). */
export function encodeFilter(action: string, filter: unknown): EncodedFilter {
  if (filter === undefined) return NO_FILTER;
  if (filter instanceof Uint8Array) return { kind: 2, data: filter, length: filter.length };
  if (filter !== null && typeof filter === "object" && "labels" in filter) {
    return encodeLabels(action, (filter as LabelFilter).labels);
  }
  let ids: Float64Array;
  if (filter instanceof Float64Array) ids = filter;
  else if (Array.isArray(filter)) ids = Float64Array.from(filter as number[]);
  else if (filter instanceof Set) ids = Float64Array.from(filter as Set<number>);
  else {
    throw new TypeError(
      `Cannot ${action}: filter must be an array, Set or Float64Array of ids, a Uint8Array bitset over ids, or { labels }, got ${
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
