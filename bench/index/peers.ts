/**
 * Runs the HNSW peers (hnswlib-node, usearch) on a data set, each in its own Bun process
 * (bench/index/peer_child.ts), and keeps their results for the rest of the bench run: bench/run.sh
 * names the run in OFFHEAP_BENCH_RUN, and the second runtime's suite reads the first one's peer
 * results from bench/.data/peers/ instead of measuring the peers again (they do not depend on the
 * runtime that runs offheap). Without OFFHEAP_BENCH_RUN (the runner started alone), they are
 * measured every time.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import process from "node:process";
import { environmentVariable, repositoryRoot } from "../lib/runtime.ts";
import { datasetKey, type DatasetSpec } from "./datasets.ts";
import type { PeerResult } from "./peer_child.ts";

/** The peers, in the order they run. */
export const PEERS = ["hnswlib-node", "usearch"] as const;

/** Bun: this process when it is Bun, else the project's pinned one (node_modules/.bin), else PATH's. */
function bunExecutable(): string {
  if ("Bun" in globalThis) return process.execPath;
  const pinned = `${repositoryRoot()}/node_modules/.bin/bun`;
  return existsSync(pinned) ? pinned : "bun";
}

function cachePath(run: string, peer: string, spec: DatasetSpec, reps: number): string {
  return `${repositoryRoot()}/bench/.data/peers/${run}-${peer}-${datasetKey(spec)}-reps${reps}.json`;
}

function measure(peer: string, spec: DatasetSpec, reps: number): PeerResult {
  const scratch = mkdtempSync(`${tmpdir()}/offheap-index-peer-`);
  try {
    const script = `${repositoryRoot()}/bench/index/peer_child.ts`;
    const child = spawnSync(bunExecutable(), [script, peer, JSON.stringify(spec), String(reps), scratch], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 1 << 24,
    });
    if (child.status !== 0) throw new Error(`${peer} child: ${child.error?.message ?? `exit code ${child.status}`}`);
    return JSON.parse(child.stdout.trim().split("\n").pop()!) as PeerResult;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Writes `result` to `path`, removing what earlier bench runs left in the folder. */
function keep(run: string, path: string, result: PeerResult): void {
  const folder = path.replace(/\/[^/]*$/, "");
  mkdirSync(folder, { recursive: true });
  for (const name of readdirSync(folder)) if (!name.startsWith(`${run}-`)) rmSync(`${folder}/${name}`, { force: true });
  writeFileSync(path, JSON.stringify(result));
}

/**
 * Every peer's result on `spec`, measured now or read from this bench run's earlier measurement. A
 * peer that fails is left out, with a note saying why.
 */
export function peerResults(spec: DatasetSpec, reps: number, note: (line: string) => void): PeerResult[] {
  const run = environmentVariable("OFFHEAP_BENCH_RUN");
  const results: PeerResult[] = [];
  for (const peer of PEERS) {
    const path = run ? cachePath(run, peer, spec, reps) : undefined;
    if (path && existsSync(path)) {
      results.push(JSON.parse(readFileSync(path, "utf8")));
      console.log(`index: ${peer} on ${datasetKey(spec)} reused from this bench run's first runtime`);
      continue;
    }
    try {
      const result = measure(peer, spec, reps);
      if (path) keep(run!, path, result);
      results.push(result);
    } catch (error) {
      note(`index: ${peer} not measured on ${datasetKey(spec)}: ${error instanceof Error ? error.message : error}`);
    }
  }
  return results;
}
