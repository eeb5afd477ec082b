/**
 * The Worker of the index suite's operation cases (bench/suites/index.ts): it opens the
 * `VectorIndex` the main thread shares and runs the VexFS-style mix (insert, batch insert, search,
 * get, has, remove) on ids of its own, timing each operation, counting every error
 * (a throw, a `has` that misses an id it added, a search with fewer than k answers, a `remove` that
 * finds nothing), and writing the statistics into the shared block it is given.
 *
 * @module
 */
import * as offheap from "../../mod.ts";
import { random } from "../../test/vector_reference.ts";
import { vectorIndexClass, type VectorIndexLike } from "./contract.ts";
import { type Dataset, loadDataset } from "./datasets.ts";
import { K } from "./truth.ts";
import {
  BATCH_ROWS,
  type IndexRequest,
  METADATA_GROUP,
  type MixCounts,
  type Operation,
  OPERATIONS,
  STAT,
  STAT_FIELDS,
} from "./worker_protocol.ts";
import { serveMessages } from "../workers/serve.ts";

let index: VectorIndexLike | undefined;
let data: Dataset | undefined;

/** Latency samples and errors of one operation. */
class Tally {
  readonly samplesNs: number[] = [];
  errors = 0;
  wallMs = 0;
  count = 0;

  constructor(readonly operation: Operation) {}

  /**
   * Times `run` (which does `items` operations and returns its errors) as one sample per operation.
   * A throw counts all `items` as errors; the first one's message goes to stderr, for the diagnosis.
   */
  time(items: number, run: () => number): void {
    const started = performance.now();
    let errors: number;
    try {
      errors = run();
    } catch (error) {
      if (this.errors === 0) console.error(`index worker: ${this.operation}: ${error}`);
      errors = items;
    }
    const elapsed = performance.now() - started;
    this.wallMs += elapsed;
    this.count += items;
    this.errors += errors;
    this.samplesNs.push((elapsed * 1e6) / items);
  }

  write(stats: Float64Array, at: number, itemsPerOp: number): void {
    const sorted = [...this.samplesNs].sort((a, b) => a - b);
    const percentile = (p: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
    stats.set(
      [this.count, this.errors, this.wallMs, percentile(0.5), percentile(0.95), percentile(0.99), itemsPerOp],
      at,
    );
  }
}

/** A held-out query vector plus seeded noise: a new vector near the data, distinct for every id. */
function freshVector(dataset: Dataset, id: number, next: () => number): Float32Array {
  const q = id % dataset.queryCount;
  const vector = dataset.queries.slice(q * dataset.dim, (q + 1) * dataset.dim);
  for (let i = 0; i < vector.length; i++) vector[i] += 0.05 * (next() - 0.5);
  return vector;
}

function runMix(target: VectorIndexLike, dataset: Dataset, worker: number, counts: MixCounts, stats: Float64Array) {
  const tallies = new Map<Operation, Tally>(OPERATIONS.map((operation) => [operation, new Tally(operation)]));
  const next = random(1000 + worker);
  const firstId = 1e9 + worker * 1e7;
  const singles = Array.from({ length: counts.insert }, (_, i) => firstId + i);
  for (const id of singles) {
    const vector = freshVector(dataset, id, next);
    tallies.get("insert")!.time(1, () => (target.add(id, vector), 0));
  }
  for (let batch = 0; batch < counts.batches; batch++) {
    const ids = Float64Array.from({ length: BATCH_ROWS }, (_, i) => firstId + 5e6 + batch * BATCH_ROWS + i);
    const rows = new Float32Array(BATCH_ROWS * dataset.dim);
    ids.forEach((id, i) => rows.set(freshVector(dataset, id, next), i * dataset.dim));
    tallies.get("batch insert")!.time(1, () => (target.addBatch(ids, rows), 0));
  }
  for (let i = 0; i < counts.search; i++) {
    const q = (worker * 7919 + i) % dataset.queryCount;
    const query = dataset.queries.subarray(q * dataset.dim, (q + 1) * dataset.dim);
    tallies.get("search")!.time(1, () => target.search(query, { k: K }).ids.length === K ? 0 : 1);
  }
  for (let group = 0; group < counts.metadata / METADATA_GROUP; group++) {
    const ids = singles.length > 0 ? singles : [0];
    const from = (group * METADATA_GROUP) % ids.length;
    if (target.get) {
      tallies.get("get")!.time(METADATA_GROUP, () => {
        let missing = 0;
        for (let i = 0; i < METADATA_GROUP; i++) if (target.get!(ids[(from + i) % ids.length]) === undefined) missing++;
        return missing;
      });
    }
    tallies.get("has")!.time(METADATA_GROUP, () => {
      let missing = 0;
      for (let i = 0; i < METADATA_GROUP; i++) if (!target.has(ids[(from + i) % ids.length])) missing++;
      return missing;
    });
  }
  for (const id of singles) tallies.get("remove")!.time(1, () => target.remove(id) === false ? 1 : 0);
  OPERATIONS.forEach((operation, i) => {
    const itemsPerOp = operation === "batch insert" ? BATCH_ROWS : 1;
    tallies.get(operation)!.write(stats, i * STAT_FIELDS, itemsPerOp);
  });
  return OPERATIONS.reduce((sum, _, i) => sum + stats[i * STAT_FIELDS + STAT.errors], 0);
}

function run(request: IndexRequest): number {
  switch (request.op) {
    case "init": {
      offheap.loadLibrary({ path: request.path });
      const VectorIndex = vectorIndexClass(offheap);
      if (typeof VectorIndex === "string") throw new Error(VectorIndex);
      if (!VectorIndex.open) throw new Error("VectorIndex has no open(descriptor)");
      index = VectorIndex.open(request.descriptor);
      data = loadDataset(request.spec);
      return index.size;
    }
    case "mix": {
      if (!index || !data) throw new Error("index worker: init first");
      return runMix(index, data, request.worker, request.counts, new Float64Array(request.stats));
    }
    case "close":
      index?.free();
      index = undefined;
      data = undefined;
      return 0;
  }
}

serveMessages(run);
