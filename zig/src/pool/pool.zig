//! A pool of fixed-size blocks, written the way TigerBeetle writes `NodePool`: the layout is fixed
//! at creation and asserted, and every transition of a block checks its state before changing it.
//!
//! The hot path is JavaScript's (src/pool/): each JS handle (one per Worker) keeps a small stack of
//! free block indices, pops and pushes it, and flips the block's state byte itself. This file is the
//! shared part behind the slow path, under one lock:
//!   - `refill` hands a batch of free indices to a handle (free -> held), growing the pool first if
//!     none is free;
//!   - `drain` takes a batch back (held -> free).
//!
//! Memory: one reserved range of `blocks_max` slots (an allocator region mapped without touching
//! it), so a block's index is (address - base) / slot_bytes, and one metadata allocation holding
//! this struct, the handles' counters, the state bytes and the shared free stack. JS views the state
//! bytes and its counters in place. The range is carved in chunks that double the capacity (chunk 0
//! is the initial capacity; chunk k >= 1 holds capacity * 2^(k-1) blocks); a chunk whose blocks have
//! all been free for `decay_ms` is given back (MADV_DONTNEED, its blocks uncarved) and carved again
//! on a later growth. Chunk 0 is never given back.
//!
//! Block states (one byte each; JS writes live and held, this file writes the others):
//!   uncarved  not part of the pool's capacity now (a free of it is NotOwned)
//!   free      on the shared free stack
//!   held      free, in some handle's JS stack
//!   live      allocated
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const heap = @import("../alloc/heap.zig");
const numa = @import("../alloc/numa.zig");
const slabs = @import("../cache/slabs.zig");
const SpinLock = @import("../support/spin_lock.zig").SpinLock;
const Error = @import("../support/status.zig").Error;

pub const State = enum(u8) { uncarved = 0, free = 1, held = 2, live = 3 };

/// JS handles open at once on one pool (Workers that opened it).
pub const handles_max = 64;
/// Chunk 0 plus one per doubling of a u32 block count.
pub const chunks_max = 33;
pub const alignment_bytes_max: u32 = os.page_size_bytes;
pub const blocks_max_limit: u32 = 1 << 30;
/// The block range is address space, not memory, until carved; this bounds it anyway.
pub const range_bytes_max: u64 = 1 << 40;
/// The block range is always an allocator region (never a small block of a segment), so its chunks
/// can be advised page by page.
const range_bytes_min: usize = heap.medium_bytes_max + os.page_size_bytes;
/// Chunks of at least this many bytes ask for transparent hugepages under `huge = .auto`.
const auto_huge_chunk_bytes_min: usize = 4 << 20;

pub const Options = struct {
    block_bytes: u32,
    alignment_bytes: u32 = 16,
    capacity_blocks: u32,
    blocks_max: u32,
    grow: bool = true,
    huge: slabs.Huge = .auto,
    placement: numa.Placement = .{},
    decay_ms: u32 = 1000,
};

const Chunk = struct {
    first: u32,
    count: u32,
    /// Blocks held by a handle or live.
    in_use: u32 = 0,
    carved: bool = false,
    /// When `in_use` last became 0 (or the chunk was carved).
    idle_since_ns: u64 = 0,
};

/// Where the parts of the metadata allocation start, from its base.
const Layout = struct {
    counters_offset: usize,
    states_offset: usize,
    stack_offset: usize,
    total_bytes: usize,

    fn of(blocks_max: u32) Layout {
        const counters_offset = std.mem.alignForward(usize, @sizeOf(Pool), 64);
        const states_offset = counters_offset + handles_max * 2 * @sizeOf(f64);
        const stack_offset = std.mem.alignForward(usize, states_offset + blocks_max, 64);
        const total_bytes = stack_offset + @as(usize, blocks_max) * @sizeOf(u32);
        assert(states_offset % 64 == 0);
        assert(stack_offset >= states_offset + blocks_max);
        return .{ .counters_offset = counters_offset, .states_offset = states_offset, .stack_offset = stack_offset, .total_bytes = total_bytes };
    }
};

pub const Pool = struct {
    owners: std.atomic.Value(u32) = .init(1),
    lock: SpinLock = .{},
    options: Options,
    slot_bytes: u32,
    blocks_base: usize,
    range_bytes: usize,
    meta_base: usize,
    layout: Layout,
    states: [*]u8,
    stack: [*]u32,
    /// Per handle slot: allocations and frees, written by that handle's JS.
    counters: *[handles_max][2]f64,
    handle_used: [handles_max]bool = @splat(false),
    free_count: u32 = 0,
    capacity_blocks: u32 = 0,
    chunk_count: u32,
    chunks: [chunks_max]Chunk,
    grows: u64 = 0,
    chunks_released: u64 = 0,
    /// Counters of handles that have closed, and the live blocks `reset` dropped (as frees).
    retired_allocs: f64 = 0,
    retired_frees: f64 = 0,

    pub fn stateOf(pool: *const Pool, index: u32) State {
        assert(index < pool.options.blocks_max);
        return @fromBackingInt(@atomicLoad(u8, &pool.states[index], .monotonic));
    }

    fn setState(pool: *Pool, index: u32, state: State) void {
        assert(index < pool.options.blocks_max);
        @atomicStore(u8, &pool.states[index], @backingInt(state), .monotonic);
    }

    pub fn addressOf(pool: *const Pool, index: u32) usize {
        assert(index < pool.options.blocks_max);
        return pool.blocks_base + @as(usize, index) * pool.slot_bytes;
    }

    /// The chunk holding block `index`: 0 below the initial capacity, then one per doubling.
    fn chunkOf(pool: *const Pool, index: u32) u32 {
        assert(index < pool.options.blocks_max);
        const first_count = pool.chunks[0].count;
        if (index < first_count) return 0;
        const chunk: u32 = 1 + std.math.log2_int(u32, index / first_count);
        assert(chunk < pool.chunk_count);
        assert(index >= pool.chunks[chunk].first and index - pool.chunks[chunk].first < pool.chunks[chunk].count);
        return chunk;
    }

    fn push(pool: *Pool, index: u32) void {
        assert(pool.stateOf(index) == .free);
        assert(pool.free_count < pool.options.blocks_max);
        pool.stack[pool.free_count] = index;
        pool.free_count += 1;
    }

    /// Hands up to out.len free blocks to a handle (free -> held); grows first when none is free.
    /// Returns how many; OutOfMemory when the pool is at its maximum (or may not grow).
    pub fn refill(pool: *Pool, out: []u32) Error!u32 {
        assert(out.len > 0);
        pool.lock.lock();
        defer pool.lock.unlock();
        if (pool.free_count == 0) try pool.grow();
        assert(pool.free_count > 0);
        const count: u32 = @intCast(@min(out.len, pool.free_count));
        for (out[0..count]) |*slot| {
            pool.free_count -= 1;
            const index = pool.stack[pool.free_count];
            assert(pool.stateOf(index) == .free);
            pool.setState(index, .held);
            pool.chunks[pool.chunkOf(index)].in_use += 1;
            slot.* = index;
        }
        return count;
    }

    /// Takes back blocks a handle held (held -> free). Every index is checked before any changes;
    /// an index that is not held is InvalidArgument and nothing is taken back.
    pub fn drain(pool: *Pool, indices: []const u32, now_ns: u64) Error!void {
        pool.lock.lock();
        defer pool.lock.unlock();
        for (indices) |index| {
            if (index >= pool.options.blocks_max) return error.InvalidArgument;
            if (pool.stateOf(index) != .held) return error.InvalidArgument;
        }
        for (indices) |index| {
            if (pool.stateOf(index) != .held) continue; // listed twice
            pool.setState(index, .free);
            pool.push(index);
            const chunk = &pool.chunks[pool.chunkOf(index)];
            assert(chunk.in_use > 0);
            chunk.in_use -= 1;
            if (chunk.in_use == 0) chunk.idle_since_ns = now_ns;
        }
        _ = pool.decay(now_ns, false);
    }

    /// Carves the lowest chunk not carved (a grow, unless it is chunk 0 at creation).
    fn grow(pool: *Pool) Error!void {
        if (!pool.options.grow and pool.capacity_blocks > 0) return error.OutOfMemory;
        for (pool.chunks[0..pool.chunk_count], 0..) |*chunk, index| {
            if (chunk.carved) continue;
            pool.carve(@intCast(index), os.coarseNs());
            if (index > 0) pool.grows += 1;
            return;
        }
        return error.OutOfMemory; // every block up to blocks_max is carved and in use
    }

    fn carve(pool: *Pool, chunk_index: u32, now_ns: u64) void {
        const chunk = &pool.chunks[chunk_index];
        assert(!chunk.carved);
        assert(chunk.in_use == 0);
        for (chunk.first..chunk.first + chunk.count) |index| pool.setState(@intCast(index), .free);
        // Pushed in reverse so that the lowest index is handed out first.
        var index = chunk.first + chunk.count;
        while (index > chunk.first) {
            index -= 1;
            pool.push(index);
        }
        chunk.carved = true;
        chunk.idle_since_ns = now_ns;
        pool.capacity_blocks += chunk.count;
        assert(pool.capacity_blocks <= pool.options.blocks_max);
        if (pool.advisesHugepages(chunk.*)) {
            if (pool.pagesOf(chunk.*)) |pages| os.advise(pages.ptr, pages.len, .huge_page) catch {};
        }
    }

    fn advisesHugepages(pool: *const Pool, chunk: Chunk) bool {
        return switch (pool.options.huge) {
            .never => false,
            .always => true,
            .auto => @as(usize, chunk.count) * pool.slot_bytes >= auto_huge_chunk_bytes_min,
        };
    }

    /// The whole pages inside a chunk's bytes, or null when it covers none.
    fn pagesOf(pool: *const Pool, chunk: Chunk) ?[]align(os.page_size_bytes) u8 {
        const start = std.mem.alignForward(usize, pool.addressOf(chunk.first), os.page_size_bytes);
        const end = std.mem.alignBackward(usize, pool.addressOf(chunk.first) + @as(usize, chunk.count) * pool.slot_bytes, os.page_size_bytes);
        if (end <= start) return null;
        assert(end <= pool.blocks_base + pool.range_bytes);
        const ptr: [*]align(os.page_size_bytes) u8 = @ptrFromInt(start);
        return ptr[0 .. end - start];
    }

    /// Gives back every chunk (but chunk 0) idle for `decay_ms`, or idle at all when `force`.
    /// Returns the bytes given back.
    fn decay(pool: *Pool, now_ns: u64, force: bool) u64 {
        const decay_ns = @as(u64, pool.options.decay_ms) * os.ns_per_ms;
        var released_bytes: u64 = 0;
        for (pool.chunks[1..pool.chunk_count], 1..) |chunk, index| {
            if (!chunk.carved or chunk.in_use != 0) continue;
            if (!force and now_ns -| chunk.idle_since_ns < decay_ns) continue;
            released_bytes += pool.releaseChunk(@intCast(index));
        }
        return released_bytes;
    }

    fn releaseChunk(pool: *Pool, chunk_index: u32) u64 {
        assert(chunk_index > 0);
        const chunk = &pool.chunks[chunk_index];
        assert(chunk.carved);
        assert(chunk.in_use == 0);
        // Every block of an idle chunk is on the free stack: keep the others, in order.
        var kept: u32 = 0;
        for (pool.stack[0..pool.free_count]) |index| {
            if (index -% chunk.first < chunk.count) continue;
            pool.stack[kept] = index;
            kept += 1;
        }
        assert(pool.free_count - kept == chunk.count);
        pool.free_count = kept;
        for (chunk.first..chunk.first + chunk.count) |index| {
            assert(pool.stateOf(@intCast(index)) == .free);
            pool.setState(@intCast(index), .uncarved);
        }
        chunk.carved = false;
        pool.capacity_blocks -= chunk.count;
        pool.chunks_released += 1;
        const pages = pool.pagesOf(chunk.*) orelse return 0;
        os.advise(pages.ptr, pages.len, .dont_need) catch return 0;
        return pages.len;
    }

    /// Gives back every idle chunk now; returns the bytes.
    pub fn trim(pool: *Pool) u64 {
        pool.lock.lock();
        defer pool.lock.unlock();
        return pool.decay(os.coarseNs(), true);
    }

    /// Every carved block becomes free, live and held alike (the handle that asks drops its own
    /// stack; other handles' stacks are stale, which their JS detects at their next alloc).
    pub fn reset(pool: *Pool) void {
        pool.lock.lock();
        defer pool.lock.unlock();
        const live = pool.liveBlocksLocked();
        pool.retired_frees += live;
        pool.free_count = 0;
        var index = pool.chunk_count;
        while (index > 0) {
            index -= 1;
            const chunk = &pool.chunks[index];
            if (!chunk.carved) continue;
            chunk.carved = false;
            chunk.in_use = 0;
            pool.capacity_blocks -= chunk.count;
            for (chunk.first..chunk.first + chunk.count) |block| pool.setState(@intCast(block), .uncarved);
            pool.carve(index, os.coarseNs());
        }
    }

    /// Takes a handle slot for a new JS handle; OutOfMemory when `handles_max` are open.
    pub fn openHandle(pool: *Pool) Error!u32 {
        pool.lock.lock();
        defer pool.lock.unlock();
        for (&pool.handle_used, 0..) |*used, slot| {
            if (used.*) continue;
            used.* = true;
            pool.counters[slot] = .{ 0, 0 };
            return @intCast(slot);
        }
        return error.OutOfMemory;
    }

    /// Closes a handle slot; its counters join the retired totals.
    pub fn closeHandle(pool: *Pool, slot: u32) Error!void {
        pool.lock.lock();
        defer pool.lock.unlock();
        if (slot >= handles_max or !pool.handle_used[slot]) return error.InvalidArgument;
        pool.retired_allocs += pool.counters[slot][0];
        pool.retired_frees += pool.counters[slot][1];
        pool.counters[slot] = .{ 0, 0 };
        pool.handle_used[slot] = false;
    }

    pub const Totals = struct { allocs: f64, frees: f64 };

    pub fn totals(pool: *Pool) Totals {
        var sums: Totals = .{ .allocs = pool.retired_allocs, .frees = pool.retired_frees };
        for (pool.counters, pool.handle_used) |counter, used| {
            if (!used) continue;
            sums.allocs += counter[0];
            sums.frees += counter[1];
        }
        return sums;
    }

    fn liveBlocksLocked(pool: *Pool) f64 {
        const sums = pool.totals();
        return @max(sums.allocs - sums.frees, 0);
    }
};

/// A validated slot size: the block size rounded up to the alignment.
fn slotBytesOf(options: Options) Error!u32 {
    if (options.block_bytes == 0 or options.block_bytes > 1 << 31) return error.InvalidSize;
    if (!std.math.isPowerOfTwo(options.alignment_bytes) or options.alignment_bytes > alignment_bytes_max) return error.InvalidAlignment;
    if (options.capacity_blocks == 0 or options.blocks_max == 0) return error.InvalidArgument;
    if (options.blocks_max > blocks_max_limit or options.capacity_blocks > options.blocks_max) return error.InvalidArgument;
    const slot = std.mem.alignForward(u64, options.block_bytes, options.alignment_bytes);
    if (slot * options.blocks_max > range_bytes_max) return error.InvalidSize;
    return @intCast(slot);
}

/// The chunks of a pool: the initial capacity, then doublings, the last one cut at blocks_max.
fn chunkPlan(capacity_blocks: u32, blocks_max: u32, chunks: *[chunks_max]Chunk) u32 {
    assert(capacity_blocks >= 1 and capacity_blocks <= blocks_max);
    chunks[0] = .{ .first = 0, .count = capacity_blocks };
    var count: u32 = 1;
    var next: u64 = capacity_blocks;
    while (next < blocks_max) : (count += 1) {
        assert(count < chunks_max);
        const end = @min(next * 2, blocks_max);
        chunks[count] = .{ .first = @intCast(next), .count = @intCast(end - next) };
        next = end;
    }
    assert(chunks[count - 1].first + chunks[count - 1].count == blocks_max);
    return count;
}

pub fn create(options: Options) Error!*Pool {
    const slot_bytes = try slotBytesOf(options);
    try numa.validate(options.placement);
    const layout = Layout.of(options.blocks_max);
    const meta = try heap.alloc(.{ .size_bytes = layout.total_bytes, .alignment_bytes = 64, .zero = true, .huge_mode = .never });
    errdefer _ = heap.free(meta) catch unreachable;
    const range_bytes = std.mem.alignForward(usize, @max(@as(usize, slot_bytes) * options.blocks_max, range_bytes_min), os.page_size_bytes);
    const blocks_base = try heap.alloc(.{
        .size_bytes = range_bytes,
        .alignment_bytes = @max(options.alignment_bytes, os.page_size_bytes),
        .huge_mode = .never,
        .placement = options.placement,
    });
    assert(blocks_base % options.alignment_bytes == 0);
    assert(blocks_base + range_bytes <= os.address_limit);
    const pool: *Pool = @ptrFromInt(meta);
    pool.* = .{
        .options = options,
        .slot_bytes = slot_bytes,
        .blocks_base = blocks_base,
        .range_bytes = range_bytes,
        .meta_base = meta,
        .layout = layout,
        .states = @ptrFromInt(meta + layout.states_offset),
        .stack = @ptrFromInt(meta + layout.stack_offset),
        .counters = @ptrFromInt(meta + layout.counters_offset),
        .chunk_count = 0,
        .chunks = undefined,
    };
    pool.chunk_count = chunkPlan(options.capacity_blocks, options.blocks_max, &pool.chunks);
    pool.carve(0, os.coarseNs());
    pool.handle_used[0] = true; // the creator's handle
    return pool;
}

/// Frees the pool's memory; its last owner has released it.
pub fn destroy(pool: *Pool) void {
    assert(pool.owners.load(.monotonic) == 0);
    const blocks_base = pool.blocks_base;
    const meta = pool.meta_base;
    assert(meta == @intFromPtr(pool));
    _ = heap.free(blocks_base) catch unreachable;
    _ = heap.free(meta) catch unreachable;
}

fn testPool(options: Options) !*Pool {
    return create(options);
}

fn destroyForTest(pool: *Pool) void {
    pool.owners.store(0, .monotonic);
    destroy(pool);
}

test "the chunk plan doubles the capacity up to blocks_max" {
    var chunks: [chunks_max]Chunk = undefined;
    try std.testing.expectEqual(@as(u32, 4), chunkPlan(3, 20, &chunks));
    try std.testing.expectEqual(@as(u32, 3), chunks[1].count);
    try std.testing.expectEqual(@as(u32, 6), chunks[2].count);
    try std.testing.expectEqual(@as(u32, 8), chunks[3].count); // cut at 20
    try std.testing.expectEqual(@as(u32, 1), chunkPlan(5, 5, &chunks));
    try std.testing.expectEqual(@as(u32, 31), chunkPlan(1, 1 << 30, &chunks));
}

test "refill hands out distinct aligned blocks, grows by doubling, and drain takes them back" {
    const pool = try testPool(.{ .block_bytes = 100, .alignment_bytes = 64, .capacity_blocks = 4, .blocks_max = 64 });
    defer destroyForTest(pool);
    try std.testing.expectEqual(@as(u32, 128), pool.slot_bytes);
    var held: [64]u32 = undefined;
    var taken: u32 = 0;
    while (taken < 64) taken += try pool.refill(held[taken..]);
    try std.testing.expectError(error.OutOfMemory, pool.refill(held[0..1]));
    try std.testing.expectEqual(@as(u32, 64), pool.capacity_blocks);
    try std.testing.expectEqual(@as(u64, 4), pool.grows); // 4 -> 8 -> 16 -> 32 -> 64
    var seen: [64]bool = @splat(false);
    for (held) |index| {
        try std.testing.expect(!seen[index]);
        seen[index] = true;
        try std.testing.expectEqual(@as(usize, 0), pool.addressOf(index) % 64);
        try std.testing.expectEqual(State.held, pool.stateOf(index));
    }
    try std.testing.expectError(error.InvalidArgument, pool.drain(&.{ held[0], 64 }, 0));
    try std.testing.expectEqual(State.held, pool.stateOf(held[0])); // nothing changed
    try pool.drain(&held, 0);
    try std.testing.expectError(error.InvalidArgument, pool.drain(held[0..1], 0)); // already free
    try std.testing.expectEqual(@as(u32, 64), pool.free_count);
}

test "idle chunks are given back after the decay, never chunk 0, and carved again on growth" {
    const pool = try testPool(.{ .block_bytes = 4096, .capacity_blocks = 4, .blocks_max = 16, .decay_ms = 10 });
    defer destroyForTest(pool);
    var held: [16]u32 = undefined;
    var taken: u32 = 0;
    while (taken < 16) taken += try pool.refill(held[taken..]);
    for (held) |index| @as([*]u8, @ptrFromInt(pool.addressOf(index)))[0] = 1;
    const now = os.coarseNs();
    try pool.drain(&held, now);
    try std.testing.expectEqual(@as(u32, 16), pool.capacity_blocks); // not idle for 10 ms yet
    try pool.drain(&.{}, now + 11 * os.ns_per_ms);
    try std.testing.expectEqual(@as(u32, 4), pool.capacity_blocks);
    try std.testing.expectEqual(@as(u64, 2), pool.chunks_released);
    try std.testing.expectEqual(State.uncarved, pool.stateOf(15));
    try std.testing.expectEqual(@as(u32, 4), pool.free_count);
    taken = 0;
    while (taken < 5) taken += try pool.refill(held[taken..5]);
    try std.testing.expectEqual(@as(u32, 8), pool.capacity_blocks);
    try pool.drain(held[0..5], now);
    try std.testing.expectEqual(@as(u64, 4 * 4096), pool.trim());
    try std.testing.expectEqual(@as(u32, 4), pool.capacity_blocks);
}

test "reset frees every block; bad options are refused" {
    const pool = try testPool(.{ .block_bytes = 64, .capacity_blocks = 2, .blocks_max = 8, .grow = false });
    defer destroyForTest(pool);
    var held: [2]u32 = undefined;
    try std.testing.expectEqual(@as(u32, 2), try pool.refill(&held));
    try std.testing.expectError(error.OutOfMemory, pool.refill(held[0..1]));
    pool.reset();
    try std.testing.expectEqual(@as(u32, 2), pool.free_count);
    try std.testing.expectEqual(State.free, pool.stateOf(held[0]));
    try std.testing.expectError(error.InvalidSize, create(.{ .block_bytes = 0, .capacity_blocks = 1, .blocks_max = 1 }));
    try std.testing.expectError(error.InvalidAlignment, create(.{ .block_bytes = 8, .alignment_bytes = 3, .capacity_blocks = 1, .blocks_max = 1 }));
    try std.testing.expectError(error.InvalidArgument, create(.{ .block_bytes = 8, .capacity_blocks = 4, .blocks_max = 2 }));
    const slot = try pool.openHandle();
    try std.testing.expectEqual(@as(u32, 1), slot);
    pool.counters[slot] = .{ 5, 2 };
    try pool.closeHandle(slot);
    try std.testing.expectEqual(@as(f64, 5), pool.totals().allocs);
    try std.testing.expectError(error.InvalidArgument, pool.closeHandle(slot));
}
