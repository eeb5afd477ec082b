//! The graph's memory layout, after hnswlib's: node numbers are dense u32s (insertion order), and
//! every per-node array is indexed by them.
//!
//!   level0        capacity × (1 + m0) u32: per node, its level-0 link count, then up to m0 links
//!                 (m0 = 2·m), a fixed stride so a node's block is found by one multiply
//!   upper         the links of levels ≥ 1, which only about 1/m of the nodes have: per such node,
//!                 `level` blocks of (1 + m) u32 (count, links) from `upper_offset[node]`, packed
//!                 in one array that grows by doubling
//!   levels        the top level of each node (u8)
//!   flags         bit 0: removed (a tombstone: still walked through, never returned)
//!   labels        an integer label per node (u32, 0 unless given), for label filters
//!   ids           the external id of each node (an integer below 2^53)
//!   vectors       capacity × row_bytes, the stored rows (space.zig)
//!   rows          capacity × dim f32, the exact rows kept for re-ranking (or empty)
//!
//! Every array is flat and holds no pointers, so persist.zig writes them as they are and a mapped
//! file serves them in place. A graph either owns its arrays (allocated through memory.zig) or
//! borrows them from a read-only mapping.
const std = @import("std");
const assert = std.debug.assert;
const memory = @import("memory.zig");
const Error = @import("../support/status.zig").Error;

pub const node_none: u32 = std.math.maxInt(u32);
/// The most nodes a graph holds: node numbers are u32, and `node_none` is reserved.
pub const node_count_max: u32 = std.math.maxInt(u32) - 1;
/// Levels above this are never drawn (the chance of level 32 at m = 2 is 2^-32).
pub const level_max: u8 = 31;
pub const flag_removed: u8 = 1;

pub const Graph = struct {
    m: u32,
    m0: u32,
    dim: u32,
    row_bytes: u32,
    keep_rows: bool,
    capacity: u32 = 0,
    count: u32 = 0,
    removed: u32 = 0,
    entry: u32 = node_none,
    top_level: u8 = 0,
    level0: []u32 = &.{},
    upper_offset: []u32 = &.{},
    upper: []u32 = &.{},
    upper_used: usize = 0,
    levels: []u8 = &.{},
    flags: []u8 = &.{},
    labels: []u32 = &.{},
    ids: []u64 = &.{},
    vectors: []u8 = &.{},
    rows: []f32 = &.{},
    /// False when the arrays are borrowed from a read-only mapping.
    owned: bool = true,
    placement: memory.Placement = .{},

    pub fn level0Stride(graph: *const Graph) usize {
        return 1 + graph.m0;
    }

    pub fn upperStride(graph: *const Graph) usize {
        return 1 + graph.m;
    }

    /// The largest link count of a level.
    pub fn linksMax(graph: *const Graph, level: u8) u32 {
        return if (level == 0) graph.m0 else graph.m;
    }

    /// A node's block at `level`: element 0 is the count, then the links.
    pub fn block(graph: *const Graph, node: u32, level: u8) []u32 {
        assert(node < graph.count);
        assert(level <= graph.levels[node]);
        if (level == 0) return graph.level0[@as(usize, node) * graph.level0Stride() ..][0..graph.level0Stride()];
        const start = graph.upper_offset[node] + (@as(usize, level) - 1) * graph.upperStride();
        return graph.upper[start..][0..graph.upperStride()];
    }

    /// A node's links at `level`.
    pub fn links(graph: *const Graph, node: u32, level: u8) []const u32 {
        const b = graph.block(node, level);
        assert(b[0] <= graph.linksMax(level));
        return b[1..][0..b[0]];
    }

    pub fn setLinks(graph: *Graph, node: u32, level: u8, neighbours: []const u32) void {
        assert(graph.owned);
        assert(neighbours.len <= graph.linksMax(level));
        const b = graph.block(node, level);
        for (neighbours) |neighbour| assert(neighbour < graph.count and neighbour != node);
        @memcpy(b[1..][0..neighbours.len], neighbours);
        b[0] = @intCast(neighbours.len);
    }

    pub fn vector(graph: *const Graph, node: u32) []const u8 {
        assert(node < graph.count);
        return graph.vectors[@as(usize, node) * graph.row_bytes ..][0..graph.row_bytes];
    }

    pub fn row(graph: *const Graph, node: u32) []const f32 {
        assert(graph.keep_rows);
        assert(node < graph.count);
        return graph.rows[@as(usize, node) * graph.dim ..][0..graph.dim];
    }

    pub fn isRemoved(graph: *const Graph, node: u32) bool {
        return graph.flags[node] & flag_removed != 0;
    }

    /// Room for `wanted` nodes: every per-node array doubles (at least) to hold them.
    pub fn reserve(graph: *Graph, wanted: usize) Error!void {
        assert(graph.owned);
        if (wanted <= graph.capacity) return;
        if (wanted > node_count_max) return error.OutOfMemory;
        const capacity: u32 = @intCast(@min(node_count_max, @max(wanted, @as(usize, graph.capacity) * 2, 16)));
        const used: usize = graph.count;
        const p = graph.placement;
        // Each step replaces one array, so a failure half-way leaves a consistent, larger-in-part graph.
        graph.level0 = try memory.grow(u32, graph.level0, used * graph.level0Stride(), capacity * graph.level0Stride(), p);
        graph.upper_offset = try memory.grow(u32, graph.upper_offset, used, capacity, p);
        graph.levels = try memory.grow(u8, graph.levels, used, capacity, p);
        graph.flags = try memory.grow(u8, graph.flags, used, capacity, p);
        graph.labels = try memory.grow(u32, graph.labels, used, capacity, p);
        graph.ids = try memory.grow(u64, graph.ids, used, capacity, p);
        graph.vectors = try memory.grow(u8, graph.vectors, used * graph.row_bytes, @as(usize, capacity) * graph.row_bytes, p);
        if (graph.keep_rows) graph.rows = try memory.grow(f32, graph.rows, used * graph.dim, @as(usize, capacity) * graph.dim, p);
        graph.capacity = capacity;
    }

    /// Appends a node at `level` (room reserved): its links empty, its row written by the caller.
    pub fn append(graph: *Graph, id: u64, label: u32, level: u8) Error!u32 {
        assert(graph.owned);
        assert(graph.count < graph.capacity);
        assert(level <= level_max);
        const node = graph.count;
        if (level > 0) {
            const needed = graph.upper_used + @as(usize, level) * graph.upperStride();
            if (needed > graph.upper.len) {
                graph.upper = try memory.grow(u32, graph.upper, graph.upper_used, @max(needed, graph.upper.len * 2, 1024), graph.placement);
            }
            if (graph.upper_used > std.math.maxInt(u32) - @as(usize, level) * graph.upperStride()) return error.OutOfMemory;
            graph.upper_offset[node] = @intCast(graph.upper_used);
            @memset(graph.upper[graph.upper_used..needed], 0);
            graph.upper_used = needed;
        } else graph.upper_offset[node] = 0;
        @memset(graph.level0[@as(usize, node) * graph.level0Stride() ..][0..graph.level0Stride()], 0);
        graph.levels[node] = level;
        graph.flags[node] = 0;
        graph.labels[node] = label;
        graph.ids[node] = id;
        graph.count += 1;
        return node;
    }

    pub fn vectorMut(graph: *Graph, node: u32) []u8 {
        assert(graph.owned);
        return graph.vectors[@as(usize, node) * graph.row_bytes ..][0..graph.row_bytes];
    }

    pub fn rowMut(graph: *Graph, node: u32) []f32 {
        assert(graph.owned);
        if (!graph.keep_rows) return &.{};
        return graph.rows[@as(usize, node) * graph.dim ..][0..graph.dim];
    }

    /// Links across all levels (for stats).
    pub fn edgeCount(graph: *const Graph) u64 {
        var total: u64 = 0;
        for (0..graph.count) |node| {
            const n: u32 = @intCast(node);
            for (0..@as(usize, graph.levels[n]) + 1) |level| total += graph.block(n, @intCast(level))[0];
        }
        return total;
    }

    /// Bytes of the arrays (capacity, not just the used part).
    pub fn memoryBytes(graph: *const Graph) u64 {
        return graph.level0.len * 4 + graph.upper_offset.len * 4 + graph.upper.len * 4 + graph.levels.len +
            graph.flags.len + graph.labels.len * 4 + graph.ids.len * 8 + graph.vectors.len + graph.rows.len * 4;
    }

    /// Frees owned arrays; a borrowed graph's mapping is its owner's to release.
    pub fn deinit(graph: *Graph) void {
        if (graph.owned) {
            memory.free(u32, graph.level0);
            memory.free(u32, graph.upper_offset);
            memory.free(u32, graph.upper);
            memory.free(u8, graph.levels);
            memory.free(u8, graph.flags);
            memory.free(u32, graph.labels);
            memory.free(u64, graph.ids);
            memory.free(u8, graph.vectors);
            memory.free(f32, graph.rows);
        }
        graph.* = undefined;
    }
};

test "nodes get blocks at every level up to their own, and links round-trip" {
    var graph: Graph = .{ .m = 4, .m0 = 8, .dim = 2, .row_bytes = 8, .keep_rows = false };
    defer graph.deinit();
    try graph.reserve(3);
    const a = try graph.append(10, 0, 0);
    const b = try graph.append(11, 0, 2);
    const c = try graph.append(12, 0, 1);
    graph.setLinks(b, 2, &.{});
    graph.setLinks(b, 1, &.{c});
    graph.setLinks(c, 1, &.{b});
    graph.setLinks(a, 0, &.{ b, c });
    try std.testing.expectEqualSlices(u32, &.{ b, c }, graph.links(a, 0));
    try std.testing.expectEqualSlices(u32, &.{c}, graph.links(b, 1));
    try std.testing.expectEqualSlices(u32, &.{b}, graph.links(c, 1));
    try std.testing.expectEqual(@as(u64, 4), graph.edgeCount());
    try graph.reserve(100);
    try std.testing.expectEqualSlices(u32, &.{ b, c }, graph.links(a, 0));
    try std.testing.expectEqual(@as(u64, 12), graph.ids[c]);
}
