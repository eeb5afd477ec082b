/**
 * Describes the machine and the tool versions a run was measured with, from /proc, /sys and the
 * project's own files, for the results JSON and the report's findings.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { environmentVariable, repositoryRoot } from "./runtime.ts";

/** The facts about the machine that explain allocator and kernel figures. */
export interface Machine {
  cpuModel: string;
  cpuCount: number;
  /** Every flag of /proc/cpuinfo's first CPU. */
  cpuFlags: string[];
  /** The SIMD flags among them that the kernels care about (sse4_2, avx2, avx512f, …). */
  simdFlags: string[];
  kernel: string;
  memoryTotalBytes: number;
  /** Transparent hugepages: the selected modes of /sys/kernel/mm/transparent_hugepage. */
  thp: { enabled: string; defrag: string };
  /** hugetlb pages: /proc/sys/vm/nr_hugepages and the default hugepage size. */
  hugepages: { reserved: number; sizeBytes: number };
  /** The NUMA node numbers in /sys/devices/system/node. */
  numaNodes: number[];
  /** The 1-minute load average when the description was taken: other work disturbs the figures. */
  loadAverage1m: number;
}

/** The versions of everything that produced the figures. */
export interface Versions {
  deno: string;
  bun: string;
  zig: string;
  offheap: string;
  mitata: string;
  /** The git commit measured, when bench/run.sh passed it. */
  commit: string;
}

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** The mode in brackets of a /sys "always [madvise] never" file. */
function selected(path: string): string {
  return /\[([^\]]+)\]/.exec(read(path))?.[1] ?? "unknown";
}

function meminfoBytes(field: string): number {
  const kib = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(read("/proc/meminfo"))?.[1];
  return kib ? Number(kib) * 1024 : 0;
}

const simdFlagNames = ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_fp16"];

/** Reads the machine description from /proc and /sys (Linux). */
export function describeMachine(): Machine {
  const cpuinfo = read("/proc/cpuinfo");
  const flags = (/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "").split(/\s+/).filter(Boolean);
  let numaNodes: number[] = [];
  try {
    numaNodes = readdirSync("/sys/devices/system/node")
      .map((entry) => /^node(\d+)$/.exec(entry)?.[1])
      .filter((id): id is string => id !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    numaNodes = [];
  }
  return {
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    cpuCount: (cpuinfo.match(/^processor\s*:/gm) ?? []).length,
    cpuFlags: flags,
    simdFlags: simdFlagNames.filter((name) => flags.includes(name)),
    kernel: read("/proc/sys/kernel/osrelease").trim() || "unknown",
    memoryTotalBytes: meminfoBytes("MemTotal"),
    thp: {
      enabled: selected("/sys/kernel/mm/transparent_hugepage/enabled"),
      defrag: selected("/sys/kernel/mm/transparent_hugepage/defrag"),
    },
    hugepages: {
      reserved: Number(read("/proc/sys/vm/nr_hugepages").trim() || 0),
      sizeBytes: meminfoBytes("Hugepagesize"),
    },
    numaNodes,
    loadAverage1m: Number(read("/proc/loadavg").split(" ")[0] || 0),
  };
}

function packageVersion(path: string): string {
  try {
    return JSON.parse(read(path)).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Reads the pinned versions from the project: node_modules, .ci/versions, deno.json. */
export function describeVersions(): Versions {
  const root = repositoryRoot();
  const deno = packageVersion(`${root}/deno.json`);
  return {
    deno: packageVersion(`${root}/node_modules/deno/package.json`),
    bun: packageVersion(`${root}/node_modules/bun/package.json`),
    zig: /^ZIG_VERSION=(\S+)/m.exec(read(`${root}/.ci/versions`))?.[1] ?? "unknown",
    offheap: deno !== "unknown" ? deno : packageVersion(`${root}/package.json`),
    mitata: packageVersion(`${root}/node_modules/mitata/package.json`),
    commit: environmentVariable("OFFHEAP_BENCH_COMMIT") ?? "unknown",
  };
}
