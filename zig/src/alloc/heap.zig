//! The allocator's front door: routes a request to its tier by size and options, and routes a
//! free by asking the segment map who owns the address. Everything the C ABI offers about memory
//! (alloc, zeroed alloc, free, realloc, usable size, tier, region, placement) is implemented here.
//!
//! Tiers by size:   small  <= 1 KiB   size classes in thread-local pages
//!                  medium <= 16 KiB  the same machinery, larger classes
//!                  mapped <= 2 MiB   a mapping of its own, recycled through the region cache
//!                  huge    > 2 MiB   hugetlb or THP mappings (huge.zig); also any size with
//!                                    huge: "always". The 2 MiB is OFFHEAP_HUGE_THRESHOLD.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const config = @import("../config.zig");
const numa = @import("numa.zig");
const huge = @import("huge.zig");
const size_class = @import("size_class.zig");
const segment_map = @import("segment_map.zig");
const segment_zig = @import("segment.zig");
const thread_heap = @import("thread_heap.zig");
const region_zig = @import("region.zig");
const region_cache = @import("region_cache.zig");
const pin_owner = @import("pin_owner.zig");
const stats = @import("../stats/counters.zig");
const Error = @import("../support/status.zig").Error;
const Segment = segment_zig.Segment;
const Region = region_zig.Region;

pub const Tier = stats.Tier;

/// Sizes must fit an f64 exactly and leave room for rounding; nothing larger can be mapped anyway.
pub const size_max_bytes: usize = 1 << 46;
/// The largest alignment every tier guarantees.
pub const alignment_max_bytes: usize = os.page_size_bytes;
/// The largest alignment of the huge tier (its mappings start on 4 MiB chunks).
pub const alignment_huge_max_bytes: usize = huge.page_2m_bytes;
pub const alignment_default_bytes: usize = 16;
pub const medium_max_bytes: usize = size_class.medium_max_bytes;

/// madvise hints a caller may ask for on a mapped or huge allocation.
pub const Advice = enum(u2) { none = 0, sequential = 1, random = 2, will_need = 3 };

/// Everything an allocation can ask for (offheap_alloc_ex). `alloc` is this with the defaults.
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
};

pub fn checkRequest(size_bytes: usize, alignment_bytes: usize) Error!void {
    if (size_bytes == 0 or size_bytes > size_max_bytes) return error.InvalidSize;
    if (!std.math.isPowerOfTwo(alignment_bytes)) return error.InvalidAlignment;
    if (alignment_bytes > alignment_max_bytes) return error.InvalidAlignment;
}

fn tierOfClass(class: u8) Tier {
    return if (class < size_class.first_medium) .small else .medium;
}

pub inline fn alloc(size_bytes: usize, alignment_bytes: usize) Error!usize {
    try checkRequest(size_bytes, alignment_bytes);
    const heap = try thread_heap.get();
    if (size_class.classFor(size_bytes, alignment_bytes)) |class| {
        const address = try heap.alloc(class);
        heap.counters.countAlloc(tierOfClass(class), size_class.blockBytes(class));
        assert(address % alignment_bytes == 0);
        return address;
    }
    return allocRegion(heap, .{ .size_bytes = size_bytes, .alignment_bytes = alignment_bytes });
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
    assert(size_bytes >= 1 and size_bytes <= size_class.medium_max_bytes);
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

/// Zeroed memory. Fresh mappings are already zero, so only recycled blocks are cleared.
pub fn allocZeroed(size_bytes: usize, alignment_bytes: usize) Error!usize {
    return allocEx(.{ .size_bytes = size_bytes, .alignment_bytes = alignment_bytes, .zero = true });
}

fn hugeModeOf(request: Request) huge.Mode {
    return request.huge_mode orelse config.get().huge_mode;
}

/// The tier a valid request goes to.
pub fn tierFor(request: Request) Tier {
    if (request.size_bytes > config.get().huge_threshold_bytes) return .huge;
    if (hugeModeOf(request) == .always) return .huge;
    if (request.size_bytes > medium_max_bytes) return .mapped;
    return if (request.size_bytes > size_class.small_max_bytes) .medium else .small;
}

/// Validates every field of a request against the tier it routes to and the machine's topology.
pub fn checkRequestEx(request: Request) Error!void {
    if (request.size_bytes == 0 or request.size_bytes > size_max_bytes) return error.InvalidSize;
    if (!std.math.isPowerOfTwo(request.alignment_bytes)) return error.InvalidAlignment;
    const limit = if (tierFor(request) == .huge) alignment_huge_max_bytes else alignment_max_bytes;
    if (request.alignment_bytes > limit) return error.InvalidAlignment;
    try numa.validate(request.placement);
}

/// An allocation with every option. Small and medium requests ignore the placement options (their
/// pages are shared by many blocks); zeroing applies to every tier.
pub fn allocEx(request: Request) Error!usize {
    try checkRequestEx(request);
    const heap = try thread_heap.get();
    const tier = tierFor(request);
    if (tier == .small or tier == .medium) {
        const class = size_class.classFor(request.size_bytes, request.alignment_bytes).?;
        const address = try heap.alloc(class);
        heap.counters.countAlloc(tierOfClass(class), size_class.blockBytes(class));
        if (request.zero) @memset(@as([*]u8, @ptrFromInt(address))[0..request.size_bytes], 0);
        return address;
    }
    return allocRegion(heap, request);
}

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
    if (hugeModeOf(request) != config.get().huge_mode or request.collapse) return null;
    const pages_bytes = std.mem.alignForward(usize, request.size_bytes, huge.page_2m_bytes);
    const bin = region_cache.binOf(pages_bytes) orelse return null;
    assert(bin.bytes % huge.page_2m_bytes == 0);
    const threshold_bytes: usize = @intCast(config.get().huge_threshold_bytes);
    const mapped_top = region_cache.binOf(@max(threshold_bytes, medium_max_bytes + 1)) orelse return null;
    return if (bin.index > mapped_top.index) bin else null;
}

fn allocRegion(heap: *thread_heap.ThreadHeap, request: Request) Error!usize {
    const tier = tierFor(request);
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
    errdefer _ = freeRegion(heap, region) catch {};
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
        .huge_mode = hugeModeOf(request),
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
fn freeRegion(heap: *thread_heap.ThreadHeap, region: *Region) Error!Tier {
    if (region.pinCount() > 0) return freePinnedRegion(heap, region);
    const tier = region.tier;
    const mapped_bytes = region.mapped_bytes;
    const release_now = try region_zig.markFreed(region);
    heap.counters.countFree(tier, mapped_bytes);
    if (release_now) {
        // Only the heap that handed the region out stashes it: a region freed by another thread
        // goes to the global cache, where its allocating thread can find it again.
        const own = region.owner_heap == @intFromPtr(heap);
        if (!(own and heap.stash.put(region, &heap.counters))) region_zig.release(region);
    }
    return tier;
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
            return freeRegion(try thread_heap.get(), region);
        },
    }
}

/// The live region that starts at `address` (for pins, backing and placement queries).
pub fn regionAt(address: usize) Error!*Region {
    const entry = segment_map.lookup(address);
    return switch (entry.kind) {
        .none => error.NotOwned,
        .segment => error.InvalidArgument,
        .region => region_zig.locate(@ptrFromInt(entry.pointer), address),
    };
}

/// Pins the live region starting at `address` so its memory outlives a free (for pin_owner.zig,
/// which records which JavaScript thread holds the pin).
pub fn pinRegion(address: usize) Error!void {
    const region = try regionAt(address);
    try region_zig.pin(region);
    // The descriptor may have been recycled for another region between the lookup and the pin.
    if (region.base != address) {
        if (region_zig.unpin(region) catch false) region_zig.release(region);
        return error.NotOwned;
    }
}

/// Drops a pin taken by `pinRegion`; releases a freed region on its last unpin.
pub fn unpinRegion(address: usize) Error!void {
    const entry = segment_map.lookup(address);
    if (entry.kind != .region) return error.NotOwned;
    const region: *Region = @ptrFromInt(entry.pointer);
    if (region.base != address) return error.InteriorPointer;
    if (try region_zig.unpin(region)) region_zig.release(region);
}

/// The pages backing the block at `address`: segments are always small pages.
pub fn backingOf(address: usize) Error!huge.Backing {
    const entry = segment_map.lookup(address);
    return switch (entry.kind) {
        .none => error.NotOwned,
        .segment => .small_pages,
        .region => blk: {
            const region: *Region = @ptrFromInt(entry.pointer);
            if (address - region.base >= region.mapped_bytes) return error.NotOwned;
            break :blk region.backing;
        },
    };
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

/// Usable bytes of the live block at `address` (at least what was asked for).
pub fn usableSize(address: usize) Error!usize {
    const entry = segment_map.lookup(address);
    return switch (entry.kind) {
        .none => error.NotOwned,
        .segment => (try @as(*Segment, @ptrFromInt(entry.pointer)).locate(address)).page.block_bytes,
        .region => (try region_zig.locate(@ptrFromInt(entry.pointer), address)).mapped_bytes,
    };
}

pub fn tierOf(address: usize) Error!Tier {
    const entry = segment_map.lookup(address);
    return switch (entry.kind) {
        .none => error.NotOwned,
        .segment => tierOfClass((try @as(*Segment, @ptrFromInt(entry.pointer)).locate(address)).page.class),
        .region => (try region_zig.locate(@ptrFromInt(entry.pointer), address)).tier,
    };
}

/// The mapping that holds `address`: a whole segment for small and medium blocks, the region for
/// the others. JavaScript caches one view per mapping and hands out sub-views at an offset.
pub const Mapping = struct { base: usize, len_bytes: usize };

pub fn mappingOf(address: usize) Error!Mapping {
    const entry = segment_map.lookup(address);
    return switch (entry.kind) {
        .none => error.NotOwned,
        .segment => .{ .base = entry.pointer, .len_bytes = segment_zig.segment_bytes },
        .region => blk: {
            const region: *Region = @ptrFromInt(entry.pointer);
            if (address - region.base >= region.mapped_bytes) return error.NotOwned;
            break :blk .{ .base = region.base, .len_bytes = region.mapped_bytes };
        },
    };
}

/// Grows or shrinks the block at `address`, keeping its contents up to the smaller size. The block
/// stays where it is when its usable size already fits; otherwise it moves, keeping the natural
/// alignment of the old address (up to 64 bytes) so SIMD-aligned data stays SIMD-aligned.
pub fn realloc(address: usize, size_bytes: usize) Error!usize {
    const old_usable = try usableSize(address);
    try checkRequest(size_bytes, alignment_default_bytes);
    const shrink_in_place = size_bytes <= old_usable and size_bytes * 2 > old_usable;
    if (shrink_in_place) return address;
    const alignment = @min(@as(usize, 64), @as(usize, 1) << @intCast(@ctz(address)));
    const moved = try alloc(size_bytes, @max(alignment, alignment_default_bytes));
    const from: [*]const u8 = @ptrFromInt(address);
    const to: [*]u8 = @ptrFromInt(moved);
    @memcpy(to[0..@min(old_usable, size_bytes)], from[0..@min(old_usable, size_bytes)]);
    _ = free(address) catch unreachable;
    return moved;
}

test "every tier boundary routes to the right tier and round-trips" {
    const cases = [_]struct { size: usize, tier: Tier }{
        .{ .size = 1, .tier = .small },             .{ .size = 1024, .tier = .small },
        .{ .size = 1025, .tier = .medium },         .{ .size = 16 * 1024, .tier = .medium },
        .{ .size = 16 * 1024 + 1, .tier = .mapped }, .{ .size = 2 << 20, .tier = .mapped },
        .{ .size = (2 << 20) + 1, .tier = .huge },
    };
    for (cases) |case| {
        const address = try alloc(case.size, 16);
        try std.testing.expectEqual(case.tier, try tierOf(address));
        try std.testing.expect(try usableSize(address) >= case.size);
        const bytes: [*]u8 = @ptrFromInt(address);
        @memset(bytes[0..case.size], 0x5A);
        try std.testing.expectEqual(case.tier, try free(address));
    }
}

test "bad requests and bad frees give precise errors" {
    try std.testing.expectError(error.InvalidSize, alloc(0, 16));
    try std.testing.expectError(error.InvalidAlignment, alloc(8, 24));
    try std.testing.expectError(error.InvalidAlignment, alloc(8, 8192));
    var on_stack: u64 = 0;
    try std.testing.expectError(error.NotOwned, free(@intFromPtr(&on_stack)));
    const address = try alloc(100, 16);
    try std.testing.expectError(error.InteriorPointer, free(address + 16));
    _ = try free(address);
    try std.testing.expectError(error.DoubleFree, free(address));
    const big = try alloc(100 * 1024, 16);
    try std.testing.expectError(error.InteriorPointer, free(big + 4096));
    _ = try free(big);
    try std.testing.expectError(error.DoubleFree, free(big));
    const huge_block = try alloc(3 << 20, 16);
    _ = try free(huge_block);
    try std.testing.expectError(error.DoubleFree, free(huge_block)); // cached, like a mapped block
    _ = trim();
    try std.testing.expectError(error.NotOwned, free(huge_block));
}

test "huge regions of the default mode are cached and reused; other modes and placements are not" {
    _ = trim();
    const first = try alloc(3 << 20, 16);
    const first_bytes = try usableSize(first);
    try std.testing.expectEqual(@as(usize, 4 << 20), first_bytes); // a bin of whole 2 MiB pages
    _ = try free(first);
    // Any request of the same bin gets the same region back, without a new mapping.
    const again = try alloc((3 << 20) + 12345, 64);
    try std.testing.expectEqual(first, again);
    _ = try free(again);
    // Asking for the configured mode by name is the same request.
    const named = try allocEx(.{ .size_bytes = 3 << 20, .huge_mode = config.get().huge_mode });
    try std.testing.expectEqual(first, named);
    _ = try free(named);
    const never = try allocEx(.{ .size_bytes = 3 << 20, .huge_mode = .never });
    try std.testing.expect(never != first);
    _ = try free(never);
    try std.testing.expectError(error.NotOwned, free(never)); // unmapped at once
    const bound = try allocEx(.{ .size_bytes = 3 << 20, .placement = .{ .mode = .bind, .node = 0 } });
    try std.testing.expect(bound != first);
    _ = try free(bound);
    try std.testing.expectError(error.NotOwned, free(bound));
    _ = trim();
    try std.testing.expectError(error.NotOwned, free(first));
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

test "realloc keeps contents across classes and tiers" {
    var address = try alloc(24, 16);
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
    for (&addresses) |*address| address.* = try alloc(48, 16);
    const Freer = struct {
        fn run(list: []const usize) void {
            for (list) |address| _ = free(address) catch unreachable;
        }
    };
    const thread = try std.Thread.spawn(.{}, Freer.run, .{addresses[0..]});
    thread.join();
    // The owner reuses the remotely freed blocks before mapping anything new.
    const mapped_before = stats.global.segments_mapped.load(.monotonic);
    for (&addresses) |*address| address.* = try alloc(48, 16);
    try std.testing.expectEqual(mapped_before, stats.global.segments_mapped.load(.monotonic));
    for (addresses) |address| _ = try free(address);
}

test "a mapped region freed by its own thread is stashed: reused with no cache lock, double free and pins refused, trim flushes" {
    _ = trim();
    const heap = try thread_heap.get();
    const address = try alloc(32 << 10, 16);
    _ = try free(address);
    try std.testing.expectEqual(@as(u32, 1), heap.stash.regions);
    try std.testing.expectError(error.DoubleFree, free(address));
    try std.testing.expectError(error.DoubleFree, pinRegion(address));
    const locks_before = region_cache.lock_acquisitions.load(.monotonic);
    const hits_before = heap.counters.stash_hits.read();
    for (0..100) |_| {
        const again = try allocZeroed(32 << 10, 16);
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
            out.* = alloc(size_bytes, 16) catch unreachable;
            _ = free(out.*) catch unreachable;
            stashed.* = thread_heap.peek().?.stash.regions;
            thread_heap.abandonCurrent();
        }
    };
    var stashed: u32 = 99;
    const mine = try alloc(size_bytes, 16);
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
    const again = try alloc(size_bytes, 16);
    try std.testing.expectEqual(theirs, again);
    try std.testing.expectEqual(maps_before, os.map_calls.load(.monotonic));
    _ = try free(again);
    _ = trim();
}
