/**
 * The huge tier against the kernel's own accounting in /proc/self/smaps, in both runtimes:
 * hugetlb pages when reserved, transparent hugepages when not, 4 KiB pages with `huge: "never"`.
 *
 * The tests reserve hugetlb pages through /proc/sys/vm/nr_hugepages (root only; skipped otherwise)
 * and always restore the old value. They must not run concurrently with each other: Deno and Bun
 * both run the tests of a file one after another, and the files one after another, by default.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { heap } from "../mod.ts";
import { readSmaps, test } from "./harness.ts";

const MiB = 1024 * 1024;
const NR_HUGEPAGES = "/proc/sys/vm/nr_hugepages";

function canReserve(): boolean {
  try {
    writeFileSync(NR_HUGEPAGES, readFileSync(NR_HUGEPAGES, "utf8").trim());
    return true;
  } catch {
    return false;
  }
}

const reservable = canReserve();
const thpMode = (() => {
  try {
    return /\[(\w+)\]/.exec(readFileSync("/sys/kernel/mm/transparent_hugepage/enabled", "utf8"))?.[1] ?? "never";
  } catch {
    return "never";
  }
})();

/**
 * Runs `body` with `pages` free 2 MiB hugetlb pages reserved for it, then restores the old count.
 * Pages other processes hold when it starts (the pool is the whole machine's) stay theirs: the
 * reservation adds `pages` to them, and `body` gets the free count it starts from, which the tests
 * compare against instead of an absolute number.
 */
async function withReservedPages(pages: number, body: (freeAtStart: number) => void | Promise<void>): Promise<void> {
  const old = readFileSync(NR_HUGEPAGES, "utf8").trim();
  try {
    writeFileSync(NR_HUGEPAGES, String(pages + hugePagesInUse()));
    heap.trim(); // forget hugetlb failures remembered from before the reservation changed
    await body(freeHugePages());
  } finally {
    heap.trim(); // unmap cached hugetlb regions, so that the pool can shrink back
    writeFileSync(NR_HUGEPAGES, old);
  }
}

/** The smaps fields of the mapping that starts at `address`. */
function smapsOf(address: number): Record<string, number> {
  const mapping = readSmaps().find((entry) => entry.start === address);
  assert.ok(mapping, `no mapping starts at ${address.toString(16)}`);
  return mapping.fields;
}

test("with hugetlb pages reserved, an 8 MiB buffer is backed by 2 MiB pages", () =>
  withReservedPages(8, () => {
    const residentBefore = heap.residentBytes();
    using buf = heap.alloc(8 * MiB);
    assert.equal(buf.tier, "huge");
    assert.equal(buf.backing, "hugetlb-2m");
    buf.bytes().fill(1);
    const fields = smapsOf(buf.address);
    assert.equal(fields.KernelPageSize, 2048);
    // The kernel's Rss leaves hugetlb pages out (smaps: Private_Hugetlb); residentBytes() counts them.
    assert.equal(fields.Private_Hugetlb, 8 * 1024);
    assert.ok(heap.residentBytes() - residentBefore >= 8 * MiB);
    assert.ok(heap.stats().hugetlbPages2m >= 4);
    assert.equal(buf.address % (2 * MiB), 0);
  }), { ignore: !reservable });

test("an idle cached hugetlb region is unmapped by the decay, without trim()", async () => {
  const { decayMs } = heap.options();
  await withReservedPages(8, async (freeAtStart) => {
    const buf = heap.alloc(8 * MiB);
    assert.equal(buf.backing, "hugetlb-2m");
    buf.bytes().fill(1); // hugetlb pages leave HugePages_Free when touched, not when mapped
    buf.free();
    assert.ok(freeHugePages() <= freeAtStart - 4, "cached with its pages");
    await new Promise((resolve) => setTimeout(resolve, decayMs * 1.5));
    // A cache miss is one of the moments the decay runs: a size no bin holds yet.
    heap.freeRaw(heap.allocRaw(1_900_000 + Math.floor(Math.random() * 50_000)));
    assert.equal(freeHugePages(), freeAtStart, "the idle hugetlb region gave its pages back to the pool");
  });
}, { ignore: !reservable, timeoutMs: 30_000 });

/** A HugePages_ field of /proc/meminfo. */
function hugePagesField(name: "Free" | "Total"): number {
  return Number(new RegExp(`HugePages_${name}:\\s+(\\d+)`).exec(readFileSync("/proc/meminfo", "utf8"))?.[1]);
}

/** HugePages_Free from /proc/meminfo. */
function freeHugePages(): number {
  return hugePagesField("Free");
}

/** Hugetlb pages some process holds (the pool's total less its free pages). */
function hugePagesInUse(): number {
  return hugePagesField("Total") - hugePagesField("Free");
}

test(
  "a freed hugetlb buffer is cached with its pages, reused, and given back by trim()",
  () =>
    withReservedPages(8, (freeAtStart) => {
      const first = heap.alloc(8 * MiB);
      assert.equal(first.backing, "hugetlb-2m");
      first.bytes().fill(3);
      const address = first.address;
      first.free();
      const freeWhileCached = freeHugePages();
      assert.ok(freeWhileCached <= freeAtStart - 4, `the cached region keeps its 4 pages (free: ${freeWhileCached})`);
      using again = heap.alloc(7 * MiB + 5, { zero: true });
      assert.equal(again.address, address);
      assert.equal(again.backing, "hugetlb-2m");
      assert.equal(again.bytes()[12345], 0, "a reused region is zeroed on request");
      assert.equal(freeHugePages(), freeWhileCached, "reuse took no new hugetlb pages");
      again.free();
      heap.trim();
      assert.equal(freeHugePages(), freeAtStart, "trim() gave the pages back to the pool");
    }),
  { ignore: !reservable },
);

test("with no hugetlb pages, the THP fallback gets AnonHugePages after touch", () =>
  withReservedPages(0, () => {
    using buf = heap.alloc(8 * MiB);
    assert.equal(buf.backing, "thp");
    buf.bytes().fill(1);
    assert.ok(smapsOf(buf.address).AnonHugePages > 0, "no transparent hugepages");
    assert.ok(heap.stats().tiers.huge.thpAdvisedBytes >= 8 * MiB);
    // The failure is remembered: the next one goes straight to THP, no hugetlb attempt.
    using again = heap.alloc(4 * MiB, { collapse: true });
    assert.equal(again.backing, "thp");
  }), { ignore: !reservable || thpMode === "never" });

test('huge: "never" gives 4 KiB pages, huge: "always" hugepages for a small size', () => {
  using never = heap.alloc(8 * MiB, { huge: "never" });
  assert.equal(never.backing, "4k");
  never.bytes().fill(1);
  const fields = smapsOf(never.address);
  assert.equal(fields.KernelPageSize, 4);
  assert.equal(fields.AnonHugePages, 0);
  using always = heap.alloc(64 * 1024, { huge: "always" });
  assert.equal(always.tier, "huge");
  assert.notEqual(always.backing, "4k");
  assert.ok(heap.usableSize(always.address) >= 2 * MiB);
});
