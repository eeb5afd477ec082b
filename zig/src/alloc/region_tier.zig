//! The mapped and huge tiers: every allocation is a region of its own, taken from the allocating
//! thread's stash, then the shared region cache, and mapped fresh only on a miss; a free puts it
//! back (or unmaps it) unless views still pin it, in which case it stays a zombie until the last
//! unpin. This file holds the policy of which regions may be cached (`cacheBin`); the region's
//! state machine is region.zig, the cache region_cache.zig, the stash region_stash.zig.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const config = @import("../config.zig");
const numa = @import("numa.zig");
const huge = @import("huge.zig");
const thread_heap = @import("thread_heap.zig");
const region_zig = @import("region.zig");
const region_cache = @import("region_cache.zig");
const segment_map = @import("segment_map.zig");
const lookup = @import("lookup.zig");
const heap_zig = @import("heap.zig");
const Error = @import("../support/status.zig").Error;
const Region = region_zig.Region;
const Request = heap_zig.Request;
const Tier = heap_zig.Tier;
const Advice = heap_zig.Advice;
const medium_bytes_max = heap_zig.medium_bytes_max;

/// The default placement: the configured policy, applied to every region alike (so cached regions
/// can be reused by any default request).
fn defaultPlacement() numa.Placement {
    return switch (config.get().numa_policy) {
        .local => .{},
        .interleave => .{ .mode = .interleave },
        .preferred => .{ .mode = .preferred },
    };
}

fn homeNode(placement: numa.Placement) i32 {
    return switch (placement.mode) {
        .interleave => -1,
        .bind, .preferred => @intCast(placement.node orelse numa.currentNode()),
        .default, .local => @intCast(numa.currentNode()),
    };
}

/// The cache bin a region request may be served from (and its region returned to), or null for one
/// mapped exactly and unmapped at free: requests with an explicit NUMA placement, and huge requests
/// for another hugepage mode than the configured one.
fn cacheBin(request: Request, tier: Tier) ?region_cache.Bin {
    if (request.placement.mode != .default) return null;
    return switch (tier) {
        .mapped => region_cache.binOf(request.size_bytes),
        .huge => hugeCacheBin(request),
        .small, .medium => unreachable,
    };
}

/// Huge regions of the configured hugepage mode (OFFHEAP_HUGE, "auto" by default; asked for
/// explicitly or not) are cached, so every region of a bin suits every request that may take it;
/// other modes and `collapse` are mapped for their request alone. Bins hold whole 2 MiB pages, so a
/// region of the bin is exactly what `huge.map` makes for it, and sit above every bin of the mapped
/// tier, so that a bin never mixes tiers (a huge request just above the threshold, or any with
/// OFFHEAP_HUGE=always below it, is simply not cached).
fn hugeCacheBin(request: Request) ?region_cache.Bin {
    if (request.hugeMode() != config.get().huge_mode or request.collapse) return null;
    const pages_bytes = std.mem.alignForward(usize, request.size_bytes, huge.page_2m_bytes);
    const bin = region_cache.binOf(pages_bytes) orelse return null;
    assert(bin.bytes % huge.page_2m_bytes == 0);
    const threshold_bytes: usize = @intCast(config.get().huge_threshold_bytes);
    const mapped_top = region_cache.binOf(@max(threshold_bytes, medium_bytes_max + 1)) orelse return null;
    return if (bin.index > mapped_top.index) bin else null;
}

pub fn alloc(heap: *thread_heap.ThreadHeap, request: Request, tier: Tier) Error!usize {
    assert(tier == .mapped or tier == .huge);
    const bin = cacheBin(request, tier);
    var region: *Region = undefined;
    var fresh = true;
    if (bin) |wanted| {
        // The thread's own stash first (no lock), then the global cache.
        if (heap.stash.take(wanted, &heap.counters) orelse region_cache.take(wanted)) |cached| {
            region = cached;
            fresh = false;
        }
        heap.counters.countCache(tier, !fresh);
    }
    if (fresh) region = try mapRegion(request, tier, bin);
    region.owner_heap = @intFromPtr(heap);
    // Never counted as allocated, so it must not be counted as freed either.
    errdefer giveBack(heap, region);
    if (request.zero and !fresh) @memset(@as([*]u8, @ptrFromInt(region.base))[0..request.size_bytes], 0);
    if (request.advice != .none) try adviseRegion(region, request.advice);
    heap.counters.countAlloc(tier, region.mapped_bytes);
    assert(region.base % request.alignment_bytes == 0);
    return region.base;
}

fn mapRegion(request: Request, tier: Tier, bin: ?region_cache.Bin) Error!*Region {
    const placement = if (request.placement.mode == .default) defaultPlacement() else request.placement;
    const spec: region_zig.Spec = .{
        .tier = tier,
        .bin = bin,
        .huge_mode = request.hugeMode(),
        .collapse = request.collapse,
        .node = homeNode(placement),
    };
    // A miss is a slow path anyway: a good moment to give idle cached pages back.
    region_cache.maybeDecay(os.coarseNs());
    const region = try region_zig.create(request.size_bytes, spec);
    numa.apply(region.base, region.mapped_bytes, placement) catch |err| {
        region_zig.kill(blk: {
            _ = region_zig.markFreed(region) catch unreachable;
            break :blk region;
        });
        region_zig.destroy(region);
        return err;
    };
    return region;
}

fn adviseRegion(region: *Region, advice: Advice) Error!void {
    const value: os.Advice = switch (advice) {
        .none => unreachable,
        .sequential => .sequential,
        .random => .random,
        .will_need => .will_need,
    };
    os.advise(@ptrFromInt(region.base), region.mapped_bytes, value) catch return error.Unsupported;
    region.advised = value != .will_need;
}

/// Marks a region freed and releases it now, or leaves that to the last unpin.
pub fn free(heap: *thread_heap.ThreadHeap, region: *Region) Error!Tier {
    if (region.pinCount() > 0) return freePinnedRegion(heap, region);
    const tier = region.tier;
    const mapped_bytes = region.mapped_bytes;
    const release_now = try region_zig.markFreed(region);
    heap.counters.countFree(tier, mapped_bytes);
    if (release_now) stashOrRelease(heap, region);
    return tier;
}

/// Only the heap that handed the region out stashes it: a region freed by another thread goes to
/// the global cache, where its allocating thread can find it again.
fn stashOrRelease(heap: *thread_heap.ThreadHeap, region: *Region) void {
    const own = region.owner_heap == @intFromPtr(heap);
    if (!(own and heap.stash.put(region, &heap.counters))) region_zig.release(region);
}

/// Undoes an allocation that failed after its region was taken or mapped (the advice was refused):
/// the region was never handed out, so nothing else can pin or free it, and it was never counted.
fn giveBack(heap: *thread_heap.ThreadHeap, region: *Region) void {
    assert(region.pinCount() == 0);
    const release_now = region_zig.markFreed(region) catch unreachable;
    assert(release_now);
    stashOrRelease(heap, region);
}

/// Frees a region that views (possibly in other Workers) still pin: it becomes a zombie that stays
/// mapped, so those views never fault. Its pages go back to the OS now, so a view that is never
/// dropped (its Worker ended before its FinalizationRegistry ran) costs address space, not memory;
/// such a view reads zeros from then on. This thread holds a pin of its own while it drops the pages,
/// so no other thread can recycle the region (and lose new data) in between.
fn freePinnedRegion(heap: *thread_heap.ThreadHeap, region: *Region) Error!Tier {
    const tier = region.tier;
    const mapped_bytes = region.mapped_bytes;
    try region_zig.pin(region);
    const release_now = region_zig.markFreed(region) catch |err| {
        // A racing free won; give back our pin (it may have been the last one).
        if (region_zig.unpin(region) catch false) region_zig.release(region);
        return err;
    };
    assert(!release_now); // our pin keeps it a zombie
    heap.counters.countFree(tier, mapped_bytes);
    os.advise(@ptrFromInt(region.base), mapped_bytes, .dont_need) catch {};
    if (region_zig.unpin(region) catch unreachable) region_zig.release(region);
    return tier;
}

/// Pins the live region starting at `address` so its memory outlives a free (for pin_owner.zig,
/// which records which JavaScript thread holds the pin).
pub fn pin(address: usize) Error!void {
    const region = try lookup.regionAt(address);
    try region_zig.pin(region);
    // The descriptor may have been recycled for another region between the lookup and the pin.
    if (region.base != address) {
        if (region_zig.unpin(region) catch false) region_zig.release(region);
        return error.NotOwned;
    }
}

/// Drops a pin taken by `pin`; releases a freed region on its last unpin.
pub fn unpin(address: usize) Error!void {
    const entry = segment_map.lookup(address);
    if (entry.kind != .region) return error.NotOwned;
    const region: *Region = @ptrFromInt(entry.pointer);
    if (region.base != address) return error.InteriorPointer;
    if (try region_zig.unpin(region)) region_zig.release(region);
}

test "huge cache bins sit above every bin of the mapped tier" {
    const top = region_cache.binOf(@intCast(config.get().huge_threshold_bytes)).?;
    for ([_]usize{ (2 << 20) + 1, 3 << 20, 5 << 20, 100 << 20, 1 << 30 }) |size| {
        const bin = hugeCacheBin(.{ .size_bytes = size }).?;
        try std.testing.expect(bin.index > top.index);
        try std.testing.expect(bin.bytes >= size and bin.bytes % huge.page_2m_bytes == 0);
    }
    try std.testing.expectEqual(@as(?region_cache.Bin, null), hugeCacheBin(.{ .size_bytes = 100 << 10 }));
    try std.testing.expectEqual(@as(?region_cache.Bin, null), hugeCacheBin(.{ .size_bytes = 2 << 30 }));
    try std.testing.expectEqual(@as(?region_cache.Bin, null), hugeCacheBin(.{ .size_bytes = 8 << 20, .collapse = true }));
}


const fault_sweep = @import("fault_sweep.zig");

/// One allocation with `request`, touched and freed: the unit the fault sweeps below repeat.
fn allocTouchFree(request: Request) !void {
    const address = try heap_zig.alloc(request);
    @as(*u8, @ptrFromInt(address)).* = 1;
    _ = try heap_zig.free(address);
}

test "faults: every map and mbind call of a placed region rolls back, in both tiers and every policy" {
    const node = numa.currentNode();
    const placements = [_]numa.Placement{
        .{ .mode = .bind, .node = node }, .{ .mode = .interleave }, .{ .mode = .preferred }, .{ .mode = .local },
    };
    for ([_]usize{ 100 << 10, 3 << 20 }) |size_bytes| {
        for (placements) |placement| {
            const request: Request = .{ .size_bytes = size_bytes, .placement = placement };
            // A placed region is mapped exactly: the placeholder, then (huge) a hugetlb attempt,
            // whose failure falls back to THP rather than failing the allocation.
            const maps = try fault_sweep.sweep(.map, request, allocTouchFree, .{ .must_fail = false });
            // (No hugetlb attempt where the OS has none.)
            try std.testing.expectEqual(@as(u32, if (size_bytes > 2 << 20 and os.hugetlb_supported) 2 else 1), maps.calls);
            try std.testing.expectEqual(@as(u32, 1), maps.failed_runs);
            const binds = try fault_sweep.sweep(.bind, request, allocTouchFree, .{});
            try std.testing.expectEqual(@as(u32, 1), binds.calls);
            try std.testing.expectEqual(@as(u32, 1), binds.failed_runs);
        }
    }
}

test "faults: refused advice gives the region back uncounted, fresh or from the stash" {
    const Scenario = struct {
        /// A fresh region with advice, freed (its advice is reset), then the same region again
        /// from the thread's stash with advice.
        fn run(advice: Advice) !void {
            try allocTouchFree(.{ .size_bytes = 100 << 10, .advice = advice });
            try allocTouchFree(.{ .size_bytes = 100 << 10, .advice = advice });
        }
    };
    const report = try fault_sweep.sweep(.advise, Advice.sequential, Scenario.run, .{ .must_fail = false });
    // Advice and reset, twice; a refused reset is ignored (the region is only slower).
    try std.testing.expectEqual(@as(u32, 4), report.calls);
    try std.testing.expectEqual(@as(u32, 2), report.failed_runs);
    const every = try fault_sweep.sweep(.advise, Advice.random, Scenario.run, .{ .must_fail = false, .every = 1 });
    try std.testing.expectEqual(@as(u32, 4), every.calls);
}

test "faults: a cached huge region, a never-huge one and a collapsed one roll back every map and advise" {
    const requests = [_]Request{
        .{ .size_bytes = 3 << 20 },
        .{ .size_bytes = 5 << 20, .huge_mode = .never },
        .{ .size_bytes = 3 << 20, .collapse = true },
        .{ .size_bytes = 200 << 10, .huge_mode = .always },
    };
    for (requests) |request| {
        const maps = try fault_sweep.sweep(.map, request, allocTouchFree, .{ .must_fail = false });
        try std.testing.expect(maps.calls >= 1);
        // The placeholder's failure fails the allocation; a hugetlb attempt's falls back.
        try std.testing.expectEqual(@as(u32, 1), maps.failed_runs);
        // Hugepage advice is best effort: refused, the region is only slower.
        const advice = try fault_sweep.sweep(.advise, request, allocTouchFree, .{ .must_fail = false });
        try std.testing.expectEqual(@as(u32, 0), advice.failed_runs);
        _ = try fault_sweep.sweep(.map, request, allocTouchFree, .{ .must_fail = false, .every = 1 });
    }
}

test "faults: a miss that cannot map leaves the region cache and the stash as they were" {
    const Scenario = struct {
        fn run(size_bytes: usize) !void {
            const first = try heap_zig.alloc(.{ .size_bytes = size_bytes });
            _ = try heap_zig.free(first); // stashed
            const again = try heap_zig.alloc(.{ .size_bytes = size_bytes }); // a stash hit: no map
            try std.testing.expectEqual(first, again);
            defer _ = heap_zig.free(again) catch unreachable;
            const second = try heap_zig.alloc(.{ .size_bytes = size_bytes }); // a miss: mapped
            _ = try heap_zig.free(second);
        }
    };
    const report = try fault_sweep.sweep(.map, @as(usize, 64 << 10), Scenario.run, .{});
    try std.testing.expectEqual(@as(u32, 2), report.calls);
    try std.testing.expectEqual(@as(u32, 2), report.failed_runs);
}
