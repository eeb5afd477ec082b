//! Mappings for the huge tier, down mimalloc's fallback ladder: 1 GiB hugetlb pages (requests of
//! 1 GiB or more), 2 MiB hugetlb pages, then a 2 MiB-aligned ordinary mapping advised with
//! MADV_HUGEPAGE (transparent hugepages), optionally collapsed at once with MADV_COLLAPSE.
//!
//! Every mapping starts as an ordinary placeholder at the alignment the region needs (the 4 MiB
//! chunk, or 1 GiB), and hugetlb pages replace it with MAP_FIXED. That keeps the segment map's chunk
//! alignment without over-reserving hugetlb pages, and when hugetlb fails the placeholder simply
//! becomes the THP mapping. A failed hugetlb size is remembered: it is not tried again until
//! `retry_ms` (OFFHEAP_HUGETLB_RETRY_MS) have passed or `trim()` forgets the failures.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("os.zig");
const clock = @import("clock.zig");
const config = @import("config.zig");
const segment_map = @import("segment_map.zig");
const Error = @import("status.zig").Error;

pub const page_2m_bytes: usize = 2 << 20;
pub const page_1g_bytes: usize = 1 << 30;

/// What backs a region's pages. The numbering is ABI (offheap_backing_of).
pub const Backing = enum(u8) { small_pages = 0, thp = 1, hugetlb_2m = 2, hugetlb_1g = 3 };

pub const Mode = config.HugeMode;

pub const Mapping = struct { base: usize, mapped_bytes: usize, backing: Backing };

/// Monotonic time of the last failure per hugetlb size (0: none since start or the last trim).
var failed_2m_at_ns: std.atomic.Value(u64) = .init(0);
var failed_1g_at_ns: std.atomic.Value(u64) = .init(0);

pub var pages_2m_in_use: std.atomic.Value(u64) = .init(0);
pub var pages_1g_in_use: std.atomic.Value(u64) = .init(0);
pub var thp_advised_bytes: std.atomic.Value(u64) = .init(0);

fn recentlyFailed(failed_at_ns: *std.atomic.Value(u64)) bool {
    const at = failed_at_ns.load(.monotonic);
    if (at == 0) return false;
    return clock.coarseNs() -% at < config.get().hugetlb_retry_ms * clock.ns_per_ms;
}

/// Forgets remembered hugetlb failures, so the next huge allocation tries hugetlb again.
pub fn forgetFailures() void {
    failed_2m_at_ns.store(0, .monotonic);
    failed_1g_at_ns.store(0, .monotonic);
}

/// Tries to swap the placeholder for hugetlb pages of one size. On failure the placeholder is
/// re-established (MAP_FIXED failures can leave a hole on some kernels) and the failure remembered.
fn tryHugetlb(base: usize, len_bytes: usize, size_flag: u32, failed_at_ns: *std.atomic.Value(u64)) bool {
    if (recentlyFailed(failed_at_ns)) return false;
    os.mapFixed(base, len_bytes, os.map_hugetlb | size_flag) catch {
        failed_at_ns.store(@max(clock.coarseNs(), 1), .monotonic);
        os.mapFixed(base, len_bytes, 0) catch {};
        return false;
    };
    return true;
}

/// Maps at least `size_bytes` for the huge tier. The result is chunk-aligned (4 MiB, so 2 MiB
/// alignment is guaranteed), and 1 GiB-aligned when it is backed by 1 GiB pages.
pub fn map(size_bytes: usize, mode: Mode, collapse: bool) Error!Mapping {
    assert(size_bytes > 0);
    if (mode == .never) {
        const len_bytes = std.mem.alignForward(usize, size_bytes, os.page_size_bytes);
        const memory = try os.mapAligned(len_bytes, segment_map.chunk_bytes, .{});
        // With THP set to "always" the kernel would use hugepages anyway; "never" means never.
        os.advise(memory, len_bytes, .no_huge_page) catch {};
        return .{ .base = @intFromPtr(memory), .mapped_bytes = len_bytes, .backing = .small_pages };
    }
    if (size_bytes >= page_1g_bytes and !recentlyFailed(&failed_1g_at_ns)) {
        const len_bytes = std.mem.alignForward(usize, size_bytes, page_1g_bytes);
        const memory = try os.mapAligned(len_bytes, page_1g_bytes, .{ .no_reserve = true });
        if (tryHugetlb(@intFromPtr(memory), len_bytes, os.map_huge_1gb, &failed_1g_at_ns)) {
            _ = pages_1g_in_use.fetchAdd(len_bytes / page_1g_bytes, .monotonic);
            return .{ .base = @intFromPtr(memory), .mapped_bytes = len_bytes, .backing = .hugetlb_1g };
        }
        os.unmap(memory, len_bytes);
    }
    const len_bytes = std.mem.alignForward(usize, size_bytes, page_2m_bytes);
    const memory = try os.mapAligned(len_bytes, segment_map.chunk_bytes, .{});
    const base = @intFromPtr(memory);
    if (tryHugetlb(base, len_bytes, os.map_huge_2mb, &failed_2m_at_ns)) {
        _ = pages_2m_in_use.fetchAdd(len_bytes / page_2m_bytes, .monotonic);
        return .{ .base = base, .mapped_bytes = len_bytes, .backing = .hugetlb_2m };
    }
    os.advise(memory, len_bytes, .huge_page) catch {};
    if (collapse) os.advise(memory, len_bytes, .collapse) catch {};
    _ = thp_advised_bytes.fetchAdd(len_bytes, .monotonic);
    return .{ .base = base, .mapped_bytes = len_bytes, .backing = .thp };
}

/// Unmaps a mapping made by `map` and takes it out of the counters.
pub fn unmap(mapping: Mapping) void {
    assert(mapping.base % segment_map.chunk_bytes == 0);
    switch (mapping.backing) {
        .hugetlb_1g => _ = pages_1g_in_use.fetchSub(mapping.mapped_bytes / page_1g_bytes, .monotonic),
        .hugetlb_2m => _ = pages_2m_in_use.fetchSub(mapping.mapped_bytes / page_2m_bytes, .monotonic),
        .thp => _ = thp_advised_bytes.fetchSub(mapping.mapped_bytes, .monotonic),
        .small_pages => {},
    }
    os.unmap(@ptrFromInt(mapping.base), mapping.mapped_bytes);
}

test "a huge mapping is chunk-aligned and writable whatever backs it" {
    const mapping = try map(3 << 20, .auto, false);
    defer unmap(mapping);
    try std.testing.expectEqual(@as(usize, 0), mapping.base % segment_map.chunk_bytes);
    try std.testing.expectEqual(@as(usize, 4 << 20), mapping.mapped_bytes);
    const bytes: [*]u8 = @ptrFromInt(mapping.base);
    bytes[0] = 1;
    bytes[mapping.mapped_bytes - 1] = 2;
    try std.testing.expect(mapping.backing != .small_pages);
}

test "never gives small pages; a remembered failure is forgotten on request" {
    const mapping = try map(3 << 20, .never, false);
    try std.testing.expectEqual(Backing.small_pages, mapping.backing);
    unmap(mapping);
    failed_2m_at_ns.store(clock.coarseNs(), .monotonic);
    try std.testing.expect(recentlyFailed(&failed_2m_at_ns));
    forgetFailures();
    try std.testing.expect(!recentlyFailed(&failed_2m_at_ns));
}
