/**
 * `profile.leaks()`: buffers the GC collected without `free()` (from the leak registry of
 * heap/buffer.ts) and, with stack tracking on, the tracked buffers still live, each with its
 * allocation site, size, tag and age.
 *
 * @module
 */
import { leakReport } from "../heap/buffer.ts";
import { liveTracked } from "./live.ts";

/** A suspected leak. */
export interface LeakEntry {
  /** `"collected"`: the GC collected the buffer unfreed (its memory is lost until the process ends); `"live"`: still allocated. */
  state: "collected" | "live";
  /** The block's address. */
  address: number;
  /** Requested size in bytes. */
  byteLength: number;
  /** The `tag` given at allocation. */
  tag?: string;
  /** The caller's `file:line:column` that allocated it (with stack tracking on). */
  site?: string;
  /** The caller's frames, innermost first (with stack tracking on). */
  stack?: string;
  /** Seconds since it was allocated (or since its leak watch began, without stack tracking). */
  ageSeconds: number;
}

/** Collected leaks first, then live tracked buffers, each oldest first. */
export function listLeaks(): LeakEntry[] {
  const now = Date.now();
  const entry =
    (state: LeakEntry["state"]) => (record: ReturnType<typeof leakReport>["records"][number]): LeakEntry => ({
      state,
      address: record.address,
      byteLength: record.byteLength,
      ...(record.tag === undefined ? {} : { tag: record.tag }),
      ...(record.site === undefined ? {} : { site: record.site, stack: record.stack }),
      ageSeconds: (now - record.allocatedAt) / 1000,
    });
  const byAge = (a: LeakEntry, b: LeakEntry) => b.ageSeconds - a.ageSeconds;
  const collected = leakReport().records.map(entry("collected")).sort(byAge);
  const live = [...liveTracked.values()].map(entry("live")).sort(byAge);
  return [...collected, ...live];
}
