//! Counts the bytes of offheap's own mappings that are resident in memory: the segments of the small
//! and medium tiers and the regions of the mapped and huge tiers, whether live, cached or pinned. It
//! exists because the process's RSS mixes offheap's memory with the runtime's (JS heaps, the malloc
//! arenas of Worker threads), and a check such as "within the cache budget after trim()" must
//! measure offheap's share alone. Metadata (the segment map itself, region descriptors, thread heap
//! records) is not counted: a few KiB.
//!
//! The walk: the segment map is a flat table of 2^25 words mapped NORESERVE, so mincore on the table
//! itself tells which of its pages were ever written, and only those pages' entries (512 each) are
//! read. A non-zero entry names a segment (4 MiB at the entry's chunk) or a region (its descriptor
//! holds base and length; a region covers several chunks and is counted at its first one). mincore on
//! each mapping then counts its resident pages, 4 KiB each: a transparent hugepage counts as 512 of
//! them, as RSS does. Pages of hugetlb mappings are counted too, although the kernel's RSS leaves
//! them out (smaps reports them as Private_Hugetlb).
//!
//! Concurrency: the result is a statistic, approximate while other threads map and free. The walk
//! never dereferences memory that may be unmapped: it reads the table (never unmapped) and region
//! descriptors (their slabs are never unmapped, see region.zig), and mincore only reads page tables,
//! so a mapping unmapped under the walk fails with ENOMEM and counts 0. A region freed, or mapped,
//! during the walk may be missed or counted at its old address; a table page the kernel swapped out
//! hides its entries (a lower count under memory pressure).
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const segment_map = @import("../alloc/segment_map.zig");
const Region = @import("../alloc/region.zig").Region;
const Error = @import("../support/status.zig").Error;

/// Pages per mincore call. The result vector (one byte a page) lives on the stack: 1 KiB, which
/// covers 4 MiB of memory, a whole segment, per call.
const batch_pages: usize = 1024;
const batch_bytes: usize = batch_pages * os.page_size_bytes;
const entries_per_table_page: usize = os.page_size_bytes / @sizeOf(usize);

const Range = struct { base: usize, len_bytes: usize };

/// Resident bytes of every segment and region offheap has mapped (a multiple of 4096). Fails only
/// when the system refuses mincore (error.Unsupported).
pub fn residentBytes() Error!u64 {
    const table = segment_map.tableEntries() orelse return 0;
    const table_pages = table.len / entries_per_table_page;
    assert(table_pages * entries_per_table_page == table.len);
    var pages: [batch_pages]u8 = undefined;
    var total_bytes: u64 = 0;
    var first_page: usize = 0;
    while (first_page < table_pages) : (first_page += batch_pages) {
        const count = @min(batch_pages, table_pages - first_page);
        const start = @intFromPtr(table.ptr) + first_page * os.page_size_bytes;
        // The table is never unmapped, so any failure here is the system refusing mincore.
        os.residentPages(start, count * os.page_size_bytes, pages[0..count]) catch return error.Unsupported;
        for (pages[0..count], first_page..) |page, table_page| {
            if (page & 1 == 0) continue; // never written: every entry on it is zero
            total_bytes += try residentOfTablePage(table, table_page);
        }
    }
    assert(total_bytes % os.page_size_bytes == 0);
    return total_bytes;
}

/// Resident bytes of the mappings named by the entries on one page of the table.
fn residentOfTablePage(table: []const std.atomic.Value(usize), table_page: usize) Error!u64 {
    const first = table_page * entries_per_table_page;
    assert(first + entries_per_table_page <= table.len);
    var total_bytes: u64 = 0;
    for (table[first..][0..entries_per_table_page], first..) |*word, index| {
        const range = mappingAt(index, word.load(.acquire)) orelse continue;
        total_bytes += try residentOf(range);
    }
    return total_bytes;
}

/// The mapping to count for table entry `index` holding `raw`; null for an empty entry, for the
/// later chunks of a region, and for a descriptor recycled since the entry was read.
fn mappingAt(index: usize, raw: usize) ?Range {
    const chunk = index << segment_map.chunk_shift;
    const entry = segment_map.decode(raw);
    switch (entry.kind) {
        .none => return null,
        .segment => {
            // A segment is one chunk, published with its own address (segment.zig).
            assert(entry.pointer == chunk);
            return .{ .base = chunk, .len_bytes = segment_map.chunk_bytes };
        },
        .region => {
            // The descriptor stays readable even if the region is being destroyed; its fields may be
            // a recycled region's, which the checks below either accept (a real mapping) or skip.
            const region: *const Region = @ptrFromInt(entry.pointer);
            const base = @atomicLoad(usize, &region.base, .monotonic);
            const len_bytes = @atomicLoad(usize, &region.mapped_bytes, .monotonic);
            if (base != chunk) return null;
            if (len_bytes == 0 or len_bytes > os.address_limit - base) return null;
            return .{ .base = base, .len_bytes = len_bytes };
        },
    }
}

/// Resident bytes of one mapping, by mincore in batches; a range unmapped meanwhile counts 0.
fn residentOf(range: Range) Error!u64 {
    assert(range.base % os.page_size_bytes == 0);
    assert(range.len_bytes > 0);
    var pages: [batch_pages]u8 = undefined;
    var resident_pages: u64 = 0;
    var offset: usize = 0;
    while (offset < range.len_bytes) : (offset += batch_bytes) {
        const len_bytes = @min(batch_bytes, range.len_bytes - offset);
        const count = std.math.divCeil(usize, len_bytes, os.page_size_bytes) catch unreachable;
        os.residentPages(range.base + offset, len_bytes, pages[0..count]) catch |err| switch (err) {
            error.NotMapped => continue,
            error.Unsupported => return error.Unsupported,
        };
        for (pages[0..count]) |page| resident_pages += page & 1;
    }
    assert(resident_pages * os.page_size_bytes <= std.mem.alignForward(usize, range.len_bytes, os.page_size_bytes));
    return resident_pages * os.page_size_bytes;
}

const heap = @import("../alloc/heap.zig");

/// Test helper: the bytes of the distinct mappings holding `addresses`.
fn mappedBytesOf(addresses: []const usize) !u64 {
    var total_bytes: u64 = 0;
    for (addresses, 0..) |address, i| {
        const mapping = try heap.mappingOf(address);
        const seen = for (addresses[0..i]) |earlier| {
            if ((try heap.mappingOf(earlier)).base == mapping.base) break true;
        } else false;
        if (!seen) total_bytes += mapping.len_bytes;
    }
    return total_bytes;
}

test "resident bytes grow by the touched pages, at most by the mappings, and drop after free and trim" {
    _ = heap.trim();
    const before = try residentBytes();
    const sizes = [_]usize{ 100, 8 << 10, 256 << 10, 6 << 20 };
    var addresses: [sizes.len]usize = undefined;
    for (sizes, &addresses) |size, *address| {
        address.* = try heap.alloc(.{ .size_bytes = size, .alignment_bytes = 16 });
        @memset(@as([*]u8, @ptrFromInt(address.*))[0..size], 0x5A);
    }
    // The mapped and huge blocks are fresh mappings (trim emptied the cache), every page now touched.
    const touched_bytes: u64 = sizes[2] + sizes[3];
    const during = try residentBytes();
    try std.testing.expect(during >= before + touched_bytes);
    try std.testing.expect(during <= before + try mappedBytesOf(&addresses));
    for (addresses) |address| _ = try heap.free(address);
    _ = heap.trim();
    const after = try residentBytes();
    try std.testing.expect(after + touched_bytes <= during);
}

test "a walk racing allocations, frees and unmaps in another thread never faults" {
    const Churn = struct {
        fn run(done: *std.atomic.Value(bool)) void {
            for (0..500) |i| {
                const size: usize = if (i % 2 == 0) 3 << 20 else 100 << 10;
                const address = heap.alloc(.{ .size_bytes = size, .alignment_bytes = 16 }) catch continue;
                @as([*]u8, @ptrFromInt(address))[0] = 1;
                _ = heap.free(address) catch unreachable;
            }
            done.store(true, .release);
        }
    };
    var done: std.atomic.Value(bool) = .init(false);
    const thread = try std.Thread.spawn(.{}, Churn.run, .{&done});
    var walks: u32 = 0;
    while (!done.load(.acquire) and walks < 10_000) : (walks += 1) _ = try residentBytes();
    thread.join();
    _ = heap.trim();
    try std.testing.expect(try residentBytes() % os.page_size_bytes == 0);
}
