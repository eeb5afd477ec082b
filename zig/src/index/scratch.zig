//! Per-search working memory, reused: the visited set (an epoch-tagged u16 per node, as hnswlib's
//! VisitedList: starting a search bumps the epoch instead of clearing the array, and only a wrap
//! clears it), the two queues' items, the encoded query and the node bitset of an id-list filter.
//! A pool of them per index hands one to each concurrent search (Workers' threads included) without
//! thread-local storage, which a dlopen'ed library should keep small (DESIGN.md §3).
const std = @import("std");
const assert = std.debug.assert;
const memory = @import("memory.zig");
const queue = @import("queue.zig");
const SpinLock = @import("../support/spin_lock.zig").SpinLock;
const Error = @import("../support/status.zig").Error;
const Candidate = queue.Candidate;

/// The largest ef a search may ask for (and so the largest k).
pub const ef_max: u32 = 4096;

pub const Scratch = struct {
    visited: []u16 = &.{},
    epoch: u16 = 0,
    /// The candidate queue's items; grows (a search may visit every node).
    candidates: []Candidate = &.{},
    /// The result queue's items: ef_max + 1.
    results: []Candidate = &.{},
    /// Neighbour selection: ef_max + 1 candidates, and m0 + 1 chosen links.
    selection: []Candidate = &.{},
    chosen: []u32 = &.{},
    query: []u8 = &.{},
    query_exact: []f32 = &.{},
    /// Bit per node: the nodes an id-list filter allows.
    allowed: []u64 = &.{},
    placement: memory.Placement = .{},

    pub const Sizes = struct { nodes: u32, row_bytes: u32, dim: u32, m0: u32 };

    /// Sizes every buffer for a graph of `sizes.nodes` capacity.
    pub fn prepare(scratch: *Scratch, sizes: Sizes) Error!void {
        const p = scratch.placement;
        if (scratch.results.len == 0) {
            scratch.results = try memory.alloc(Candidate, ef_max + 1, p);
            scratch.selection = try memory.alloc(Candidate, ef_max + 1, p);
            scratch.candidates = try memory.alloc(Candidate, 1024, p);
        }
        if (scratch.chosen.len < sizes.m0 + 1) scratch.chosen = try memory.grow(u32, scratch.chosen, 0, sizes.m0 + 1, p);
        if (scratch.query.len < sizes.row_bytes) scratch.query = try memory.grow(u8, scratch.query, 0, sizes.row_bytes, p);
        if (scratch.query_exact.len < sizes.dim) scratch.query_exact = try memory.grow(f32, scratch.query_exact, 0, sizes.dim, p);
        if (scratch.visited.len < sizes.nodes) {
            scratch.visited = try memory.grow(u16, scratch.visited, 0, sizes.nodes, p);
            scratch.epoch = 0;
        }
    }

    /// Starts a new visited set.
    pub fn nextEpoch(scratch: *Scratch) void {
        scratch.epoch +%= 1;
        if (scratch.epoch == 0) {
            @memset(scratch.visited, 0);
            scratch.epoch = 1;
        }
    }

    /// Marks `node` visited; true when it was not yet.
    pub inline fn visit(scratch: *Scratch, node: u32) bool {
        if (scratch.visited[node] == scratch.epoch) return false;
        scratch.visited[node] = scratch.epoch;
        return true;
    }

    /// Room for one more candidate after `len`.
    pub fn candidateRoom(scratch: *Scratch, len: usize) Error!void {
        if (len < scratch.candidates.len) return;
        scratch.candidates = try memory.grow(Candidate, scratch.candidates, len, scratch.candidates.len * 2, scratch.placement);
    }

    /// A zeroed bitset of `nodes` bits.
    pub fn allowedBits(scratch: *Scratch, nodes: u32) Error![]u64 {
        const words = (@as(usize, nodes) + 63) / 64;
        if (scratch.allowed.len < words) scratch.allowed = try memory.grow(u64, scratch.allowed, 0, words, scratch.placement);
        @memset(scratch.allowed[0..words], 0);
        return scratch.allowed[0..words];
    }

    pub fn deinit(scratch: *Scratch) void {
        memory.free(u16, scratch.visited);
        memory.free(Candidate, scratch.candidates);
        memory.free(Candidate, scratch.results);
        memory.free(Candidate, scratch.selection);
        memory.free(u32, scratch.chosen);
        memory.free(u8, scratch.query);
        memory.free(f32, scratch.query_exact);
        memory.free(u64, scratch.allowed);
    }
};

/// Scratch spaces for concurrent searches: taken and returned under a spin lock (a few ns next to a
/// search of tens of µs), created on first need, kept until the index is freed.
pub const Pool = struct {
    const slot_count = 256;
    lock: SpinLock = .{},
    slots: [slot_count]?*Scratch = @splat(null),
    busy: [slot_count]bool = @splat(false),
    placement: memory.Placement = .{},

    pub fn acquire(pool: *Pool, sizes: Scratch.Sizes) Error!*Scratch {
        const scratch = try pool.take();
        scratch.prepare(sizes) catch |err| {
            pool.release(scratch);
            return err;
        };
        return scratch;
    }

    fn take(pool: *Pool) Error!*Scratch {
        pool.lock.lock();
        defer pool.lock.unlock();
        var free_slot: ?usize = null;
        for (&pool.slots, &pool.busy, 0..) |slot, *busy, index| {
            if (busy.*) continue;
            if (slot) |scratch| {
                busy.* = true;
                return scratch;
            }
            if (free_slot == null) free_slot = index;
        }
        const index = free_slot orelse return error.OutOfMemory; // over 256 searches at once on one index
        const created = try memory.alloc(Scratch, 1, pool.placement);
        created[0] = .{ .placement = pool.placement };
        pool.slots[index] = &created[0];
        pool.busy[index] = true;
        return &created[0];
    }

    pub fn release(pool: *Pool, scratch: *Scratch) void {
        pool.lock.lock();
        defer pool.lock.unlock();
        for (pool.slots, &pool.busy) |slot, *busy| {
            if (slot == scratch) {
                assert(busy.*);
                busy.* = false;
                return;
            }
        }
        unreachable; // only scratch this pool handed out comes back
    }

    pub fn deinit(pool: *Pool) void {
        for (pool.slots, pool.busy) |slot, busy| {
            assert(!busy);
            if (slot) |scratch| {
                scratch.deinit();
                memory.free(Scratch, @as([*]Scratch, @ptrCast(scratch))[0..1]);
            }
        }
    }

    pub fn memoryBytes(pool: *Pool) u64 {
        pool.lock.lock();
        defer pool.lock.unlock();
        var total: u64 = 0;
        for (pool.slots) |slot| {
            const s = slot orelse continue;
            total += s.visited.len * 2 + (s.candidates.len + s.results.len + s.selection.len) * @sizeOf(Candidate) +
                s.chosen.len * 4 + s.query.len + s.query_exact.len * 4 + s.allowed.len * 8;
        }
        return total;
    }
};

test "the visited set forgets everything at the next epoch, across the wrap" {
    var pool: Pool = .{};
    defer pool.deinit();
    const scratch = try pool.acquire(.{ .nodes = 10, .row_bytes = 8, .dim = 2, .m0 = 4 });
    defer pool.release(scratch);
    for (0..70000) |_| {
        scratch.nextEpoch();
        try std.testing.expect(scratch.visit(3));
        try std.testing.expect(!scratch.visit(3));
    }
    const other = try pool.acquire(.{ .nodes = 10, .row_bytes = 8, .dim = 2, .m0 = 4 });
    try std.testing.expect(other != scratch);
    pool.release(other);
}
