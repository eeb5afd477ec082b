//! The allocator's front door: routes a request to its tier by size and options, and routes a
//! free by asking the segment map who owns the address. The tiers themselves live beside it:
//! thread_heap.zig (small and medium blocks), region_tier.zig (mapped and huge regions), and
//! lookup.zig answers questions about an address.
//!
//! Tiers by size:   small  <= 1 KiB   size classes in thread-local pages
//!                  medium <= 16 KiB  the same machinery, larger classes
//!                  mapped <= 2 MiB   a mapping of its own, recycled through the region cache
//!                  huge    > 2 MiB   hugetlb or THP mappings (huge.zig); also any size with
//!                                    huge: "always". The 2 MiB is OFFHEAP_HUGE_THRESHOLD.
const std = @import("std");
const assert = std.debug.assert;
const config = @import("../config.zig");
const os = @import("../os/os.zig");
const numa = @import("numa.zig");
const huge = @import("huge.zig");
const size_class = @import("size_class.zig");
const segment_map = @import("segment_map.zig");
const segment_zig = @import("segment.zig");
const thread_heap = @import("thread_heap.zig");
const region_zig = @import("region.zig");
const region_tier = @import("region_tier.zig");
const region_cache = @import("region_cache.zig");
const pin_owner = @import("pin_owner.zig");
const lookup = @import("lookup.zig");
const stats = @import("../stats/counters.zig");
const Error = @import("../support/status.zig").Error;
const Segment = segment_zig.Segment;

pub const Tier = stats.Tier;

/// Sizes must fit an f64 exactly and leave room for rounding; nothing larger can be mapped anyway.
pub const size_bytes_max: usize = 1 << 46;
/// The largest alignment every tier guarantees.
pub const alignment_bytes_max: usize = os.page_size_bytes;
/// The largest alignment of the huge tier (its mappings start on 4 MiB chunks).
pub const alignment_huge_bytes_max: usize = huge.page_2m_bytes;
pub const alignment_default_bytes: usize = 16;
pub const medium_bytes_max: usize = size_class.medium_bytes_max;

/// madvise hints a caller may ask for on a mapped or huge allocation.
pub const Advice = enum(u2) { none = 0, sequential = 1, random = 2, will_need = 3 };

/// Everything an allocation can ask for; the defaults are a plain allocation.
pub const Request = struct {
    size_bytes: usize,
    alignment_bytes: usize = alignment_default_bytes,
    zero: bool = false,
    /// null: the configured default (OFFHEAP_HUGE).
    huge_mode: ?huge.Mode = null,
    /// .default: the configured policy (OFFHEAP_NUMA), which keeps the region cacheable.
    placement: numa.Placement = .{},
    advice: Advice = .none,
    collapse: bool = false,
    /// Whether a configured OFFHEAP_HUGE=always sends this request to the huge tier at any size.
    /// The options calls (`offheap_alloc_ex` behind `heap.alloc`, and zeroed allocation) say yes;
    /// the plain calls (`allocRaw`, batches, realloc) route by size alone.
    huge_mode_routes: bool = false,

    pub fn hugeMode(request: Request) huge.Mode {
        return request.huge_mode orelse config.get().huge_mode;
    }
};

const tierOfClass = lookup.tierOfClass;

/// The tier a valid request goes to.
pub fn tierFor(request: Request) Tier {
    if (request.size_bytes > config.get().huge_threshold_bytes) return .huge;
    const routing_mode = request.huge_mode orelse if (request.huge_mode_routes) config.get().huge_mode else .auto;
    if (routing_mode == .always) return .huge;
    if (request.size_bytes > medium_bytes_max) return .mapped;
    return if (request.size_bytes > size_class.small_bytes_max) .medium else .small;
}

/// Validates every field of a request against the tier it routes to and the machine's topology;
/// returns that tier.
pub fn checkRequest(request: Request) Error!Tier {
    if (request.size_bytes == 0 or request.size_bytes > size_bytes_max) return error.InvalidSize;
    if (!std.math.isPowerOfTwo(request.alignment_bytes)) return error.InvalidAlignment;
    const tier = tierFor(request);
    const limit = if (tier == .huge) alignment_huge_bytes_max else alignment_bytes_max;
    if (request.alignment_bytes > limit) return error.InvalidAlignment;
    try numa.validate(request.placement);
    return tier;
}

/// An allocation with every option. Small and medium requests ignore the placement options (their
/// pages are shared by many blocks); zeroing applies to every tier (fresh mappings are already
/// zero, so only recycled memory is cleared).
pub fn alloc(request: Request) Error!usize {
    const tier = try checkRequest(request);
    const heap = try thread_heap.get();
    if (tier == .mapped or tier == .huge) return region_tier.alloc(heap, request, tier);
    // Every size up to the medium limit has a class at every alignment up to a page: the largest
    // class (16 KiB) is a multiple of the page size.
    const class = size_class.classFor(request.size_bytes, request.alignment_bytes).?;
    const address = try heap.alloc(class);
    heap.counters.countAlloc(tierOfClass(class), size_class.blockBytes(class));
    assert(address % request.alignment_bytes == 0);
    if (request.zero) @memset(@as([*]u8, @ptrFromInt(address))[0..request.size_bytes], 0);
    return address;
}

/// The hot path of `offheap_alloc`: a small or medium size at the default alignment, from the head
/// page of a heap this thread already has. Null sends the request down the general path, which
/// gives the same result (or the precise error) more slowly.
pub inline fn allocFast(size_bytes: u32) ?usize {
    return allocFastIn(thread_heap.peek() orelse return null, size_bytes);
}

/// The calling thread's heap, if it has one; null otherwise (nothing is created). A loop that takes
/// the hot paths many times (the batch exports) looks it up once and passes it to `allocFastIn` and
/// `freeFastIn`; after any general-path call it must look again (that call may have created one).
pub inline fn currentHeap() ?*thread_heap.ThreadHeap {
    return thread_heap.peek();
}

/// `allocFast` with the calling thread's heap already looked up.
pub inline fn allocFastIn(heap: *thread_heap.ThreadHeap, size_bytes: u32) ?usize {
    assert(size_bytes >= 1 and size_bytes <= size_class.medium_bytes_max);
    const class = size_class.classFor(size_bytes, alignment_default_bytes).?;
    const page = heap.queues[class].head orelse return null;
    const address = page.take() orelse return null;
    heap.counters.countAlloc(tierOfClass(class), size_class.blockBytes(class));
    return address;
}

/// The hot path of `offheap_free`: a valid block of a segment this thread owns. Null (including for
/// every invalid address) sends the free down the general path, which reports the precise error.
pub inline fn freeFast(address: usize) ?Tier {
    return freeFastIn(thread_heap.peek() orelse return null, address);
}

/// `freeFast` with the calling thread's heap already looked up (see `currentHeap`).
pub inline fn freeFastIn(heap: *thread_heap.ThreadHeap, address: usize) ?Tier {
    if (segment_map.lookup(address).kind != .segment) return null;
    const segment = Segment.of(address);
    if (segment.owner.load(.monotonic) != @intFromPtr(heap)) return null;
    const located = segment.locate(address) catch return null;
    const page = located.page;
    const tier = tierOfClass(page.class);
    const block_bytes = page.block_bytes;
    heap.freeLocal(page, address);
    heap.counters.countFree(tier, block_bytes);
    return tier;
}

/// Frees `address` and returns the tier it came from.
pub inline fn free(address: usize) Error!Tier {
    const entry = segment_map.lookup(address);
    switch (entry.kind) {
        .none => return error.NotOwned,
        .segment => {
            // The segment starts at the chunk, so derive it from the address rather than the entry:
            // the page loads below then do not wait for the map load (the kind check is a branch).
            const segment = Segment.of(address);
            assert(@intFromPtr(segment) == entry.pointer);
            const located = try segment.locate(address);
            const page = located.page;
            const tier = tierOfClass(page.class);
            const block_bytes = page.block_bytes;
            const heap = try thread_heap.get();
            if (segment.owner.load(.monotonic) == @intFromPtr(heap)) {
                heap.freeLocal(page, address);
            } else if (page.putRemote(address)) {
                const owner: *thread_heap.ThreadHeap = @ptrFromInt(segment.owner.load(.acquire));
                owner.pushDelayed(page);
            }
            heap.counters.countFree(tier, block_bytes);
            return tier;
        },
        .region => {
            const region = try region_zig.locate(@ptrFromInt(entry.pointer), address);
            return region_tier.free(try thread_heap.get(), region);
        },
    }
}

/// Gives memory back to the OS: the regions only ended threads' views still pinned, free pages and
/// stashed regions of this thread's heap and of every heap whose thread has ended, then the whole
/// shared region cache; and lets hugetlb be tried again. Returns bytes released. Live threads'
/// stashes stay: only their holders may touch them.
pub fn trim() u64 {
    huge.forgetFailures();
    _ = pin_owner.sweepEnded();
    // This thread's heap and every heap whose thread has ended give back their free pages and hand
    // their stashed regions to the shared cache first, so that the unmapping below reaches those too.
    const purged_bytes = thread_heap.collectUnowned();
    return purged_bytes + region_cache.trim();
}

/// Grows or shrinks the block at `address`, keeping its contents up to the smaller size. The block
/// stays where it is when its usable size already fits; otherwise it moves, keeping the natural
/// alignment of the old address (up to 64 bytes) so SIMD-aligned data stays SIMD-aligned.
pub fn realloc(address: usize, size_bytes: usize) Error!usize {
    const old_usable = try lookup.usableSize(address);
    if (size_bytes == 0 or size_bytes > size_bytes_max) return error.InvalidSize;
    const shrink_in_place = size_bytes <= old_usable and size_bytes * 2 > old_usable;
    if (shrink_in_place) return address;
    const alignment = @min(@as(usize, 64), @as(usize, 1) << @intCast(@ctz(address)));
    const moved = try alloc(.{ .size_bytes = size_bytes, .alignment_bytes = @max(alignment, alignment_default_bytes) });
    const from: [*]const u8 = @ptrFromInt(address);
    const to: [*]u8 = @ptrFromInt(moved);
    @memcpy(to[0..@min(old_usable, size_bytes)], from[0..@min(old_usable, size_bytes)]);
    _ = free(address) catch unreachable;
    return moved;
}

// The queries and pins other files reach through the front door.
pub const usableSize = lookup.usableSize;
pub const liveExtent = lookup.liveExtent;
pub const tierOf = lookup.tierOf;
pub const mappingOf = lookup.mappingOf;
pub const backingOf = lookup.backingOf;
pub const pinRegion = region_tier.pin;
pub const unpinRegion = region_tier.unpin;

test "only an options request follows a configured huge mode to the huge tier; \"always\" routes any size" {
    try std.testing.expectEqual(Tier.small, tierFor(.{ .size_bytes = 16 }));
    try std.testing.expectEqual(Tier.huge, tierFor(.{ .size_bytes = 16, .huge_mode = .always }));
    const configured: Tier = if (config.get().huge_mode == .always) .huge else .small;
    try std.testing.expectEqual(configured, tierFor(.{ .size_bytes = 16, .huge_mode_routes = true }));
    try std.testing.expectEqual(Tier.mapped, tierFor(.{ .size_bytes = 100 << 10, .huge_mode = .never }));
}

test "every tier boundary routes to the right tier and round-trips" {
    const cases = [_]struct { size: usize, tier: Tier }{
        .{ .size = 1, .tier = .small },             .{ .size = 1024, .tier = .small },
        .{ .size = 1025, .tier = .medium },         .{ .size = 16 * 1024, .tier = .medium },
        .{ .size = 16 * 1024 + 1, .tier = .mapped }, .{ .size = 2 << 20, .tier = .mapped },
        .{ .size = (2 << 20) + 1, .tier = .huge },
    };
    for (cases) |case| {
        const address = try alloc(.{ .size_bytes = case.size, .alignment_bytes = 16 });
        try std.testing.expectEqual(case.tier, try tierOf(address));
        try std.testing.expect(try usableSize(address) >= case.size);
        const bytes: [*]u8 = @ptrFromInt(address);
        @memset(bytes[0..case.size], 0x5A);
        try std.testing.expectEqual(case.tier, try free(address));
    }
}

test "bad requests and bad frees give precise errors" {
    try std.testing.expectError(error.InvalidSize, alloc(.{ .size_bytes = 0, .alignment_bytes = 16 }));
    try std.testing.expectError(error.InvalidAlignment, alloc(.{ .size_bytes = 8, .alignment_bytes = 24 }));
    try std.testing.expectError(error.InvalidAlignment, alloc(.{ .size_bytes = 8, .alignment_bytes = 8192 }));
    var on_stack: u64 = 0;
    try std.testing.expectError(error.NotOwned, free(@intFromPtr(&on_stack)));
    const address = try alloc(.{ .size_bytes = 100, .alignment_bytes = 16 });
    try std.testing.expectError(error.InteriorPointer, free(address + 16));
    _ = try free(address);
    try std.testing.expectError(error.DoubleFree, free(address));
    const big = try alloc(.{ .size_bytes = 100 * 1024, .alignment_bytes = 16 });
    try std.testing.expectError(error.InteriorPointer, free(big + 4096));
    _ = try free(big);
    try std.testing.expectError(error.DoubleFree, free(big));
    const huge_block = try alloc(.{ .size_bytes = 3 << 20, .alignment_bytes = 16 });
    _ = try free(huge_block);
    try std.testing.expectError(error.DoubleFree, free(huge_block)); // cached, like a mapped block
    _ = trim();
    try std.testing.expectError(error.NotOwned, free(huge_block));
}

test "huge regions of the default mode are cached and reused; other modes and placements are not" {
    _ = trim();
    const first = try alloc(.{ .size_bytes = 3 << 20, .alignment_bytes = 16 });
    const first_bytes = try usableSize(first);
    try std.testing.expectEqual(@as(usize, 4 << 20), first_bytes); // a bin of whole 2 MiB pages
    _ = try free(first);
    // Any request of the same bin gets the same region back, without a new mapping.
    const again = try alloc(.{ .size_bytes = (3 << 20) + 12345, .alignment_bytes = 64 });
    try std.testing.expectEqual(first, again);
    _ = try free(again);
    // Asking for the configured mode by name is the same request.
    const named = try alloc(.{ .size_bytes = 3 << 20, .huge_mode = config.get().huge_mode });
    try std.testing.expectEqual(first, named);
    _ = try free(named);
    const never = try alloc(.{ .size_bytes = 3 << 20, .huge_mode = .never });
    try std.testing.expect(never != first);
    _ = try free(never);
    try std.testing.expectError(error.NotOwned, free(never)); // unmapped at once
    // A placed region is not cached either, where the OS has NUMA policies (qemu-user has no mbind).
    const numa_supported = if (alloc(.{ .size_bytes = 3 << 20, .placement = .{ .mode = .bind, .node = 0 } })) |bound| placed: {
        try std.testing.expect(bound != first);
        _ = try free(bound);
        try std.testing.expectError(error.NotOwned, free(bound));
        break :placed true;
    } else |err| if (err == error.Unsupported) false else return err;
    _ = trim();
    try std.testing.expectError(error.NotOwned, free(first));
    if (!numa_supported) return error.SkipZigTest;
}

test "realloc keeps contents across classes and tiers" {
    var address = try alloc(.{ .size_bytes = 24, .alignment_bytes = 16 });
    const first: [*]u8 = @ptrFromInt(address);
    for (0..24) |i| first[i] = @intCast(i);
    for ([_]usize{ 200, 3000, 40_000, 500, 24 }) |size| {
        address = try realloc(address, size);
        const bytes: [*]u8 = @ptrFromInt(address);
        for (0..24) |i| try std.testing.expectEqual(@as(u8, @intCast(i)), bytes[i]);
        try std.testing.expect(try usableSize(address) >= size);
    }
    _ = try free(address);
}

test "blocks freed by another thread return to their owner" {
    const count = 5000;
    var addresses: [count]usize = undefined;
    for (&addresses) |*address| address.* = try alloc(.{ .size_bytes = 48, .alignment_bytes = 16 });
    const Freer = struct {
        fn run(list: []const usize) void {
            for (list) |address| _ = free(address) catch unreachable;
        }
    };
    const thread = try std.Thread.spawn(.{}, Freer.run, .{addresses[0..]});
    thread.join();
    // The owner reuses the remotely freed blocks before mapping anything new.
    const mapped_before = stats.global.segments_mapped.load(.monotonic);
    for (&addresses) |*address| address.* = try alloc(.{ .size_bytes = 48, .alignment_bytes = 16 });
    try std.testing.expectEqual(mapped_before, stats.global.segments_mapped.load(.monotonic));
    for (addresses) |address| _ = try free(address);
}

test "a mapped region freed by its own thread is stashed: reused with no cache lock, double free and pins refused, trim flushes" {
    _ = trim();
    const heap = try thread_heap.get();
    const address = try alloc(.{ .size_bytes = 32 << 10, .alignment_bytes = 16 });
    _ = try free(address);
    try std.testing.expectEqual(@as(u32, 1), heap.stash.regions);
    try std.testing.expectError(error.DoubleFree, free(address));
    try std.testing.expectError(error.DoubleFree, pinRegion(address));
    const locks_before = region_cache.lock_acquisitions.load(.monotonic);
    const hits_before = heap.counters.stash_hits.read();
    for (0..100) |_| {
        const again = try alloc(.{ .size_bytes = 32 << 10, .alignment_bytes = 16, .zero = true });
        try std.testing.expectEqual(address, again);
        const bytes: [*]u8 = @ptrFromInt(again);
        try std.testing.expectEqual(@as(u8, 0), bytes[(32 << 10) - 1]);
        bytes[(32 << 10) - 1] = 0xAB; // dirty it: the next zeroed alloc must clear it
        _ = try free(again);
    }
    try std.testing.expectEqual(locks_before, region_cache.lock_acquisitions.load(.monotonic));
    try std.testing.expectEqual(hits_before + 100, heap.counters.stash_hits.read());
    const unmaps_before = os.unmap_calls.load(.monotonic);
    try std.testing.expect(trim() >= 32 << 10);
    try std.testing.expectEqual(@as(u32, 0), heap.stash.regions);
    try std.testing.expectEqual(@as(u64, 0), heap.counters.stashed_bytes.read());
    try std.testing.expect(os.unmap_calls.load(.monotonic) > unmaps_before);
    try std.testing.expectError(error.NotOwned, free(address));
}

test "a region freed by another thread skips that thread's stash; an abandoned heap's stash goes to the global cache" {
    _ = trim();
    const size_bytes = 200 << 10;
    const Worker = struct {
        fn freeForeign(address: usize, stashed: *u32) void {
            _ = free(address) catch unreachable;
            stashed.* = (thread_heap.peek() orelse unreachable).stash.regions;
        }
        fn allocFreeAbandon(out: *usize, stashed: *u32) void {
            out.* = alloc(.{ .size_bytes = size_bytes, .alignment_bytes = 16 }) catch unreachable;
            _ = free(out.*) catch unreachable;
            stashed.* = thread_heap.peek().?.stash.regions;
            thread_heap.abandonCurrent();
        }
    };
    var stashed: u32 = 99;
    const mine = try alloc(.{ .size_bytes = size_bytes, .alignment_bytes = 16 });
    const regions_before = region_cache.cached_regions.load(.monotonic);
    (try std.Thread.spawn(.{}, Worker.freeForeign, .{ mine, &stashed })).join();
    try std.testing.expectEqual(@as(u32, 0), stashed);
    try std.testing.expectEqual(regions_before + 1, region_cache.cached_regions.load(.monotonic));
    _ = trim();
    var theirs: usize = 0;
    (try std.Thread.spawn(.{}, Worker.allocFreeAbandon, .{ &theirs, &stashed })).join();
    try std.testing.expectEqual(@as(u32, 1), stashed);
    try std.testing.expectEqual(@as(u64, 1), region_cache.cached_regions.load(.monotonic));
    const maps_before = os.map_calls.load(.monotonic);
    const again = try alloc(.{ .size_bytes = size_bytes, .alignment_bytes = 16 });
    try std.testing.expectEqual(theirs, again);
    try std.testing.expectEqual(maps_before, os.map_calls.load(.monotonic));
    _ = try free(again);
    _ = trim();
}
