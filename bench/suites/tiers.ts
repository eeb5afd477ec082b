/**
 * The tiers suite (issue 3): the mapped tier's region cache against a bare mmap+munmap of the same
 * size through the same FFI (targets: a warm 64 KiB or 1 MiB alloc+free ≥ 50× faster), and
 * first-touch bandwidth over 64 MiB with hugepages (`huge: "auto"`: hugetlb when reserved, else THP)
 * against `huge: "never"` (target ≥ 3×).
 *
 * @module
 */
import { formatBytes } from "../lib/format.ts";
import { loadOffheap } from "../lib/offheap.ts";
import { type Case, OFFHEAP, type Suite } from "../lib/suite.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const cacheSizesBytes = [64 * KiB, MiB];
const touchBytes = 64 * MiB;

/** The raw mmap/munmap pair liboffheap exports for exactly this baseline. */
interface OsMap {
  offheap_os_map(size: number): number;
  offheap_os_unmap(address: number, size: number): number;
}

const suite: Suite = {
  name: "tiers",
  measures: "mapped-tier alloc+free with a warm region cache against mmap+munmap through FFI, and first touch " +
    "of 64 MiB with hugepages against 4 KiB pages",
  charts: {
    cache: { title: "mapped tier: allocate and free one region (warm cache) vs mmap+munmap", categoryAxis: "size" },
    touch: { title: "first touch of a fresh 64 MiB buffer", categoryAxis: "pages" },
  },
  async cases() {
    const offheap = await loadOffheap();
    if (typeof offheap === "string") return offheap;
    const { heap } = offheap;
    const { library } = await import("../../src/ffi/load.ts");
    const os = library().native as unknown as OsMap;
    const cases: Case[] = [];
    for (const sizeBytes of cacheSizesBytes) {
      heap.freeRaw(heap.allocRaw(sizeBytes)); // warm the bin
      cases.push({
        name: `cache ${formatBytes(sizeBytes)}`,
        chart: "cache",
        label: formatBytes(sizeBytes),
        quick: sizeBytes === 64 * KiB,
        subjects: [
          { name: OFFHEAP, fn: () => heap.freeRaw(heap.allocRaw(sizeBytes)) },
          { name: "mmap+munmap", fn: () => os.offheap_os_unmap(os.offheap_os_map(sizeBytes), sizeBytes) },
        ],
      });
    }
    // trim() after each free: a cached region would come back populated, and this case is about
    // the first touch of fresh memory (both subjects pay the same unmapping).
    const touch = (huge: "auto" | "never") => () => {
      const buf = heap.alloc(touchBytes, { huge });
      buf.bytes().fill(1);
      buf.free();
      heap.trim();
    };
    cases.push({
      name: `first touch ${formatBytes(touchBytes)}`,
      chart: "touch",
      label: formatBytes(touchBytes),
      quick: false,
      subjects: [{ name: OFFHEAP, fn: touch("auto") }, { name: "huge: never", fn: touch("never") }],
      facts: {
        backing: (() => {
          const buf = heap.alloc(touchBytes);
          const backing = buf.backing;
          buf.free();
          return backing;
        })(),
      },
    });
    return cases;
  },
};

export default suite;
