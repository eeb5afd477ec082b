/**
 * The vectorstore suite (issue 6, "VectorStore scan and search", "worker scaling"): exact top-10
 * search of one 768-d query over 10k and 100k stored vectors. offheap's `VectorStore.search` scans
 * with one native call; its f16 and i8 storage read half and a quarter of the bytes (a 100k×768 f32
 * scan is bound by memory bandwidth, about 26 GB/s here); `ParallelSearch` splits the scan across
 * Workers over the same memory. The baseline is the same exact search as a plain JS loop over one
 * Float32Array (dot per row, then a running top-10).
 *
 * @module
 */
import { do_not_optimize } from "mitata";
import { loadOffheap, type Offheap } from "../lib/offheap.ts";
import { type Case, OFFHEAP, type Subject, type Suite } from "../lib/suite.ts";

const dim = 768;
const k = 10;
const rowCounts = [10_000, 100_000];

/** Exact top-k by dot product in plain JS: what a JS application without native code does. */
function plainSearch(rows: Float32Array, rowCount: number, query: Float32Array, ids: Int32Array, scores: Float64Array) {
  ids.fill(-1);
  scores.fill(-Infinity);
  for (let row = 0; row < rowCount; row++) {
    let score = 0;
    const base = row * dim;
    for (let i = 0; i < dim; i++) score += rows[base + i] * query[i];
    if (score <= scores[k - 1]) continue;
    let slot = k - 1;
    while (slot > 0 && scores[slot - 1] < score) {
      scores[slot] = scores[slot - 1];
      ids[slot] = ids[slot - 1];
      slot--;
    }
    scores[slot] = score;
    ids[slot] = row;
  }
  return ids[0];
}

/** Deterministic pseudo-random vectors in [-1, 1), so every run searches the same data. */
function randomVectors(count: number, seed: number): Float32Array {
  const values = new Float32Array(count * dim);
  let state = seed >>> 0;
  for (let i = 0; i < values.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

type Store = InstanceType<Offheap["VectorStore"]>;
type Pool = InstanceType<Offheap["ParallelSearch"]>;

/** What the suite holds until {@linkcode Suite.dispose}: stores and the Worker pool. */
const owned: { stores: Store[]; pool?: Pool } = { stores: [] };

function storeOf(offheap: Offheap, rows: Float32Array, storage: "f32" | "f16" | "i8"): Store {
  const store = new offheap.VectorStore({ dim, storage, capacity: rows.length / dim });
  store.addBatch(rows);
  owned.stores.push(store);
  return store;
}

function searchCase(offheap: Offheap, rowCount: number, pool: Pool | undefined): Case {
  const rows = randomVectors(rowCount, rowCount);
  const query = randomVectors(1, 7);
  const f32 = storeOf(offheap, rows, "f32");
  const f16 = storeOf(offheap, rows, "f16");
  const i8 = storeOf(offheap, rows, "i8");
  const ids = new Int32Array(k);
  const scores = new Float64Array(k);
  const subjects: Subject[] = [
    { name: OFFHEAP, fn: () => do_not_optimize(f32.search(query, { k })) },
    { name: `${OFFHEAP} f16`, fn: () => do_not_optimize(f16.search(query, { k })) },
    { name: `${OFFHEAP} i8`, fn: () => do_not_optimize(i8.search(query, { k })) },
  ];
  if (pool) subjects.push({ name: `${OFFHEAP} workers`, fn: () => pool.search(f32, query, { k }) });
  subjects.push({ name: "plain JS", fn: () => do_not_optimize(plainSearch(rows, rowCount, query, ids, scores)) });
  const label = `${rowCount / 1000}k×${dim}`;
  return { name: `search ${label}`, chart: "search", label, quick: false, subjects, facts: { rowCount } };
}

const suite: Suite = {
  name: "vectorstore",
  measures: `exact top-${k} search of one ${dim}-d query, VectorStore (f32, f16, i8 storage, and split across ` +
    "Workers with ParallelSearch) against the same search as a plain JS loop",
  charts: {
    search: { title: `exact top-${k} search, one ${dim}-d query, dot product`, categoryAxis: "stored vectors" },
  },
  async cases(context) {
    const offheap = await loadOffheap();
    if (typeof offheap === "string") return offheap;
    if (typeof offheap.VectorStore !== "function") return "offheap has no VectorStore yet";
    if (context.quick) return []; // No quick case: skip building 100k-row stores.
    if (typeof offheap.ParallelSearch === "function") {
      owned.pool = new offheap.ParallelSearch();
    } else context.note("vectorstore: offheap has no ParallelSearch yet, so Worker scaling is not measured");
    return rowCounts.map((rowCount) => searchCase(offheap, rowCount, owned.pool));
  },
  async dispose() {
    for (const store of owned.stores.splice(0)) store.free();
    await owned.pool?.close();
    owned.pool = undefined;
  },
};

export default suite;
