/**
 * The touch suite (issue 6, "hugepage first touch"): allocate a large block, write one byte in
 * every 4 KiB page, free it, in a loop, as code that fills fresh buffers does. On fresh memory the
 * cost is the kernel's page faults (about 1.6 µs per 4 KiB page here, five times less with
 * transparent hugepages); memory reused from a cache of populated mappings skips them.
 *
 * offheap is measured with its default hugepage policy (`huge: "auto"`), with 4 KiB pages only
 * (`huge: "never"`) and with the huge tier at any size (`huge: "always"`), against
 * `new ArrayBuffer`, which the runtime zero-fills or maps fresh. The backing each offheap policy
 * got (4k, thp, hugetlb-2m) is recorded as a fact of the case for the report.
 *
 * @module
 */
import { formatBytes } from "../lib/format.ts";
import { loadOffheap, type Offheap } from "../lib/offheap.ts";
import { type Case, OFFHEAP, type Subject, type Suite } from "../lib/suite.ts";

const MiB = 1024 * 1024;
const sizesBytes = [2 * MiB, 16 * MiB, 64 * MiB];
const pageBytes = 4096;
type HugeMode = "auto" | "never" | "always";
const policies: [string, HugeMode][] = [[OFFHEAP, "auto"], [`${OFFHEAP} 4k`, "never"], [`${OFFHEAP} huge`, "always"]];

/** Writes one byte per 4 KiB page and returns a byte read back, so the writes cannot be dropped. */
function touchPages(bytes: Uint8Array): number {
  for (let offset = 0; offset < bytes.length; offset += pageBytes) bytes[offset] = offset >>> 12;
  return bytes[bytes.length - pageBytes];
}

let sink = 0;

/** One offheap policy: alloc, touch every page, free. */
function offheapTouch(offheap: Offheap, sizeBytes: number, huge: HugeMode): () => void {
  const { heap } = offheap;
  return () => {
    const block = heap.alloc(sizeBytes, { huge });
    sink ^= touchPages(block.bytes());
    block.free();
  };
}

/** What backing a policy gets for a block of this size: "4k", "thp", "hugetlb-2m"… */
function backingOf(offheap: Offheap, sizeBytes: number, huge: HugeMode): string {
  try {
    const block = offheap.heap.alloc(sizeBytes, { huge });
    const backing = block.backing;
    block.free();
    return backing;
  } catch (error) {
    return `failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

const suite: Suite = {
  name: "touch",
  measures: "allocate a large block, write every 4 KiB page, free it, by size; offheap with each hugepage " +
    "policy against new ArrayBuffer",
  charts: { touch: { title: "allocate, write every 4 KiB page, free", categoryAxis: "block size" } },
  async cases() {
    const offheap = await loadOffheap();
    if (typeof offheap === "string") return offheap;
    return sizesBytes.map((sizeBytes): Case => {
      const facts: Record<string, string | number> = { sizeBytes };
      const subjects: Subject[] = policies.map(([name, huge]) => {
        facts[`backing ${name}`] = backingOf(offheap, sizeBytes, huge);
        return { name, fn: offheapTouch(offheap, sizeBytes, huge) };
      });
      subjects.push({
        name: "ArrayBuffer",
        fn: () => (sink ^= touchPages(new Uint8Array(new ArrayBuffer(sizeBytes)))),
      });
      const label = formatBytes(sizeBytes);
      return { name: label, chart: "touch", label, quick: false, subjects, facts };
    });
  },
};

export default suite;
