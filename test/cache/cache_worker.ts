/**
 * The Worker of test/cache_workers.test.ts: opens a shared cache from its descriptor and runs a
 * seeded mix of get, getManyInto (batches of 4), set and delete on a small key space. Every value
 * carries its own length and an FNV-1a checksum of its payload, so a value read while another
 * Worker overwrites the key must be either the old or the new one whole: a torn value fails its
 * check. Replies with its counts.
 *
 * @module
 */
import { Cache, type CacheDescriptor } from "../../mod.ts";
import { random } from "../vector_reference.ts";

/** The command the test posts. */
export interface CacheWorkerCommand {
  descriptor: CacheDescriptor;
  seed: number;
  ops: number;
  keys: number;
}

/** What the Worker reports. */
export interface CacheWorkerReport {
  /** Keys looked up, one by one or in batches. */
  gets: number;
  /** The operations that were a batch of gets (`getManyInto`), and the gets they made. */
  batches: number;
  batchGets: number;
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  torn: number;
  error?: string;
}

/** FNV-1a over `bytes[start, end)`. */
export function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let index = start; index < end; index++) hash = Math.imul(hash ^ bytes[index], 16777619) >>> 0;
  return hash;
}

/** A value of `payload` random bytes: u32 length, the payload, u32 checksum (little-endian). */
export function checkedValue(next: () => number, payload: number): Uint8Array {
  const value = new Uint8Array(payload + 8);
  const view = new DataView(value.buffer);
  view.setUint32(0, payload, true);
  for (let index = 4; index < payload + 4; index++) value[index] = (next() * 256) | 0;
  view.setUint32(payload + 4, fnv1a(value, 4, payload + 4), true);
  return value;
}

/** Whether `value` is whole: its length field and checksum agree with its bytes. */
export function intactValue(value: Uint8Array): boolean {
  if (value.length < 8) return false;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const payload = view.getUint32(0, true);
  return payload + 8 === value.length && view.getUint32(payload + 4, true) === fnv1a(value, 4, payload + 4);
}

/** Keys per `getManyInto` batch, and where its values go (room for the longest values). */
const BATCH = 4;
const batch: number[] = new Array(BATCH).fill(0);
const batchOut = new Uint8Array(BATCH * 4096);
const batchLengths = new Float64Array(BATCH);

function emptyReport(): CacheWorkerReport {
  return { gets: 0, batches: 0, batchGets: 0, hits: 0, misses: 0, sets: 0, deletes: 0, torn: 0 };
}

function run(command: CacheWorkerCommand): CacheWorkerReport {
  const report = emptyReport();
  const next = random(command.seed);
  using cache = Cache.open(command.descriptor);
  for (let op = 0; op < command.ops; op++) {
    const key = Math.floor(next() * command.keys);
    const choice = next();
    if (choice < 0.3) {
      report.gets++;
      const value = cache.get(key);
      if (value === undefined) report.misses++;
      else {
        report.hits++;
        if (!intactValue(value)) report.torn++;
      }
    } else if (choice < 0.6) {
      // A batch of gets in one call: each key counts as a get, each value must be whole.
      report.batches++;
      batch[0] = key;
      for (let index = 1; index < BATCH; index++) batch[index] = Math.floor(next() * command.keys);
      const total = cache.getManyInto(batch, batchOut, batchLengths);
      if (total > batchOut.length) throw new Error(`a batch of ${BATCH} values took ${total} bytes`);
      let at = 0;
      for (const length of batchLengths) {
        report.gets++;
        report.batchGets++;
        if (length < 0) {
          report.misses++;
          continue;
        }
        report.hits++;
        if (!intactValue(batchOut.subarray(at, at + length))) report.torn++;
        at += length;
      }
    } else if (choice < 0.95) {
      report.sets++;
      cache.set(key, checkedValue(next, 1 + Math.floor(next() * next() * 4000)));
    } else {
      report.deletes++;
      cache.delete(key);
    }
  }
  return report;
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<CacheWorkerCommand>) => void) | null;
  postMessage(message: CacheWorkerReport): void;
};
scope.onmessage = (event) => {
  try {
    scope.postMessage(run(event.data));
  } catch (error) {
    scope.postMessage({ ...emptyReport(), error: String(error) });
  }
};
