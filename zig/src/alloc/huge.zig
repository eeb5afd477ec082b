//! Mappings for the huge tier, down mimalloc's fallback ladder: 1 GiB hugetlb pages (requests of
//! 1 GiB or more), 2 MiB hugetlb pages, then a 2 MiB-aligned ordinary mapping advised with
//! MADV_HUGEPAGE (transparent hugepages), optionally collapsed at once with MADV_COLLAPSE.
//!
//! Every mapping starts as an ordinary placeholder at the alignment the region needs (the 4 MiB
//! chunk, or 1 GiB), and hugetlb pages, mapped wherever the kernel likes, are moved over it with
//! mremap (never MAP_FIXED: see `tryHugetlb`). That keeps the segment map's chunk alignment without
//! over-reserving hugetlb pages, and when hugetlb fails the untouched placeholder simply becomes the
//! THP mapping. A failed hugetlb size is remembered: it is not tried again until
//! `retry_ms` (OFFHEAP_HUGETLB_RETRY_MS) have passed or `trim()` forgets the failures.
const std = @import("std");
const builtin = @import("builtin");
/// Only the race test uses the kernel directly: it stands for another library's mmap, which does not
/// go through offheap's OS layer.
const linux = std.os.linux;
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const config = @import("../config.zig");
const segment_map = @import("segment_map.zig");
const Error = @import("../support/status.zig").Error;

pub const page_2m_bytes: usize = 2 << 20;
pub const page_1g_bytes: usize = 1 << 30;

/// What backs a region's pages. The numbering is ABI (offheap_backing_of).
pub const Backing = enum(u8) {
    small_pages = 0,
    thp = 1,
    hugetlb_2m = 2,
    hugetlb_1g = 3,

    /// Pages from the reserved hugetlb pool: MADV_FREE does not apply to them, and other mappings
    /// may be waiting for them.
    pub fn isHugetlb(backing: Backing) bool {
        return backing == .hugetlb_2m or backing == .hugetlb_1g;
    }
};

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
    return os.coarseNs() -% at < config.get().hugetlb_retry_ms * os.ns_per_ms;
}

/// Forgets remembered hugetlb failures, so the next huge allocation tries hugetlb again.
pub fn forgetFailures() void {
    failed_2m_at_ns.store(0, .monotonic);
    failed_1g_at_ns.store(0, .monotonic);
}

/// Tests only: runs between a hugetlb attempt and whatever follows it, where another thread's mmap
/// could run; the race test maps there to prove the placeholder's range is never free.
var race_hook: if (builtin.is_test) ?*const fn (base: usize, len_bytes: usize) void else void = if (builtin.is_test) null else {};

fn raceWindow(base: usize, len_bytes: usize) void {
    if (builtin.is_test) if (race_hook) |hook| hook(base, len_bytes);
}

/// What a hugetlb attempt did to the placeholder.
const Attempt = enum {
    /// Hugetlb pages now back the placeholder's range.
    moved,
    /// Not tried, or the kernel had no pages: the placeholder is untouched.
    declined,
    /// The move failed late: the kernel may have unmapped the placeholder, so its range may belong
    /// to another thread's mapping by now and must not be touched (a rare leak of address space).
    placeholder_lost,
};

/// Tries to put hugetlb pages of one size in place of the placeholder [base, base + len_bytes).
/// The pages are mapped wherever the kernel likes, never with MAP_FIXED over the placeholder: a
/// MAP_FIXED mmap that fails (no hugetlb pages free) has already unmapped the placeholder, and until
/// it is mapped again another thread's mmap can be placed in the hole (a region, a segment, a JS
/// heap); mapping the placeholder back would replace that memory, and freeing this region would
/// unmap it. Here a failed mmap leaves the placeholder alone, and a successful one is moved over it
/// with one mremap, which replaces the placeholder atomically. Failures are remembered.
fn tryHugetlb(base: usize, len_bytes: usize, pages_kind: os.PageKind, failed_at_ns: *std.atomic.Value(u64)) Attempt {
    if (!os.hugetlb_supported or recentlyFailed(failed_at_ns)) return .declined;
    const pages = os.map(len_bytes, .{ .pages = pages_kind }) catch {
        failed_at_ns.store(@max(os.coarseNs(), 1), .monotonic);
        raceWindow(base, len_bytes);
        return .declined;
    };
    raceWindow(base, len_bytes);
    os.remapOnto(pages, len_bytes, base) catch {
        os.unmap(pages, len_bytes);
        failed_at_ns.store(@max(os.coarseNs(), 1), .monotonic);
        return .placeholder_lost;
    };
    return .moved;
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
    if (os.hugetlb_supported and size_bytes >= page_1g_bytes and !recentlyFailed(&failed_1g_at_ns)) {
        const len_bytes = std.mem.alignForward(usize, size_bytes, page_1g_bytes);
        const memory = try os.mapAligned(len_bytes, page_1g_bytes, .{ .no_reserve = true });
        switch (tryHugetlb(@intFromPtr(memory), len_bytes, .hugetlb_1g, &failed_1g_at_ns)) {
            .moved => {
                _ = pages_1g_in_use.fetchAdd(len_bytes / page_1g_bytes, .monotonic);
                return .{ .base = @intFromPtr(memory), .mapped_bytes = len_bytes, .backing = .hugetlb_1g };
            },
            .declined => os.unmap(memory, len_bytes),
            .placeholder_lost => {},
        }
    }
    const len_bytes = std.mem.alignForward(usize, size_bytes, page_2m_bytes);
    var memory = try os.mapAligned(len_bytes, segment_map.chunk_bytes, .{});
    switch (tryHugetlb(@intFromPtr(memory), len_bytes, .hugetlb_2m, &failed_2m_at_ns)) {
        .moved => {
            _ = pages_2m_in_use.fetchAdd(len_bytes / page_2m_bytes, .monotonic);
            return .{ .base = @intFromPtr(memory), .mapped_bytes = len_bytes, .backing = .hugetlb_2m };
        },
        .declined => {},
        .placeholder_lost => memory = try os.mapAligned(len_bytes, segment_map.chunk_bytes, .{}),
    }
    const base = @intFromPtr(memory);
    // Where the advice is refused (macOS and Windows have none) the buffer says so: "4k", not "thp".
    os.advise(memory, len_bytes, .huge_page) catch
        return .{ .base = base, .mapped_bytes = len_bytes, .backing = .small_pages };
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
    // Without hugetlb and THP advice (macOS, Windows) the buffer says "4k", as it must.
    if (builtin.os.tag == .linux) try std.testing.expect(mapping.backing != .small_pages) else try std.testing.expectEqual(Backing.small_pages, mapping.backing);
}

test "never gives small pages; a remembered failure is forgotten on request" {
    const mapping = try map(3 << 20, .never, false);
    try std.testing.expectEqual(Backing.small_pages, mapping.backing);
    unmap(mapping);
    failed_2m_at_ns.store(os.coarseNs(), .monotonic);
    try std.testing.expect(recentlyFailed(&failed_2m_at_ns));
    forgetFailures();
    try std.testing.expect(!recentlyFailed(&failed_2m_at_ns));
}

test "a hugetlb attempt never leaves the region's range free for another thread's mmap" {
    if (comptime !os.hugetlb_supported) return error.SkipZigTest;
    const Racer = struct {
        var landed: usize = 0;
        /// What another thread's mmap would do at this moment: the kernel honours a hint whenever
        /// the hinted range is free.
        fn race(base: usize, len_bytes: usize) void {
            const result = linux.mmap(@ptrFromInt(base), len_bytes, .{ .READ = true, .WRITE = true }, .{ .TYPE = .PRIVATE, .ANONYMOUS = true }, -1, 0);
            if (linux.errno(result) != .SUCCESS) return;
            landed = result;
            @as(*u8, @ptrFromInt(result)).* = 0xA5; // the other thread's data
        }
    };
    forgetFailures();
    race_hook = Racer.race;
    defer race_hook = null;
    const mapping = try map(3 << 20, .auto, false);
    const racer_len = mapping.mapped_bytes;
    // Unmapped as it was mapped, behind the OS layer's back, so its counters stay balanced.
    defer if (Racer.landed != 0 and Racer.landed != mapping.base) {
        _ = linux.munmap(@ptrFromInt(Racer.landed), racer_len);
    };
    defer unmap(mapping);
    // Had the range been free, the racing mapping would sit inside the region, and the region's own
    // pages would then replace (zero) the other thread's data.
    try std.testing.expect(Racer.landed != 0);
    try std.testing.expect(Racer.landed + racer_len <= mapping.base or Racer.landed >= mapping.base + mapping.mapped_bytes);
    try std.testing.expectEqual(@as(u8, 0xA5), @as(*u8, @ptrFromInt(Racer.landed)).*);
}

const fault_sweep = @import("fault_sweep.zig");

const MapScenario = struct {
    size_bytes: usize,
    mode: Mode,
    collapse: bool = false,

    fn run(scenario: MapScenario) !void {
        const mapping = try map(scenario.size_bytes, scenario.mode, scenario.collapse);
        unmap(mapping);
    }
};

test "faults: when the hugetlb mapping fails the placeholder becomes THP; when the placeholder fails nothing is left" {
    if (comptime !os.hugetlb_supported) return error.SkipZigTest;
    forgetFailures();
    // Call 1 is the placeholder, call 2 the hugetlb pages.
    os.faults.arm(.map, .{ .nth = 2 });
    const fallback = try map(3 << 20, .auto, false);
    os.faults.disarm(.map);
    try std.testing.expectEqual(Backing.thp, fallback.backing);
    try std.testing.expect(recentlyFailed(&failed_2m_at_ns)); // remembered: not retried at once
    unmap(fallback);
    forgetFailures();
    const mapped_before = os.mapped_bytes.load(.monotonic);
    os.faults.arm(.map, .{ .nth = 1 });
    try std.testing.expectError(error.OutOfMemory, map(3 << 20, .auto, false));
    os.faults.disarm(.map);
    try std.testing.expectEqual(mapped_before, os.mapped_bytes.load(.monotonic));
}

test "faults: every map and advise call down the ladder (1 GiB, 2 MiB, THP, collapse, never) rolls back" {
    const scenarios = [_]MapScenario{
        // 1 GiB of address space, never touched: a 1 GiB hugetlb attempt, then the 2 MiB ladder.
        .{ .size_bytes = page_1g_bytes, .mode = .auto },
        .{ .size_bytes = 5 << 20, .mode = .auto, .collapse = true },
        .{ .size_bytes = 3 << 20, .mode = .never },
    };
    for (scenarios) |scenario| {
        const maps = try fault_sweep.sweep(.map, scenario, MapScenario.run, .{ .must_fail = false });
        try std.testing.expect(maps.failed_runs >= 1);
        _ = try fault_sweep.sweep(.map, scenario, MapScenario.run, .{ .must_fail = false, .every = 1 });
        const advice = try fault_sweep.sweep(.advise, scenario, MapScenario.run, .{ .must_fail = false });
        try std.testing.expect(advice.calls >= 1);
        try std.testing.expectEqual(@as(u32, 0), advice.failed_runs);
    }
}
