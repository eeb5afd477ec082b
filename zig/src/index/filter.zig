//! Filtered search, inside the native search: which nodes a search may return. A filter is a set of
//! allowed ids, given as a list of ids or as a bitset over ids (bit `id % 8` of byte `id / 8`), or
//! a set of allowed labels (each node's u32 label; a sorted list, searched by bisection); removed
//! nodes are never allowed. When few nodes are allowed a graph walk would visit most of the
//! graph to find them, so below a selectivity threshold the search scores exactly the allowed
//! nodes instead, which also makes its top-k exact among them.
const std = @import("std");
const assert = std.debug.assert;
const Graph = @import("graph.zig").Graph;
const IdMap = @import("ids.zig").IdMap;
const id_max = @import("ids.zig").id_max;

pub const Filter = struct {
    kind: Kind = .none,
    /// `.nodes`: a bit per node (built from an id list); `.ids`: the caller's bitset over ids.
    node_bits: []const u64 = &.{},
    id_bits: []const u8 = &.{},
    /// `.labels`: the allowed labels, strictly ascending.
    labels: []const u32 = &.{},

    pub const Kind = enum { none, nodes, ids, labels };

    pub inline fn allows(filter: Filter, graph: *const Graph, node: u32) bool {
        if (graph.isRemoved(node)) return false;
        return switch (filter.kind) {
            .none => true,
            .nodes => filter.node_bits[node / 64] & (@as(u64, 1) << @intCast(node % 64)) != 0,
            .ids => idBitSet(filter.id_bits, graph.ids[node]),
            .labels => labelIn(filter.labels, graph.labels[node]),
        };
    }
};

/// Whether `label` is in `labels` (strictly ascending).
pub fn labelIn(labels: []const u32, label: u32) bool {
    var low: usize = 0;
    var high: usize = labels.len;
    // Each step halves [low, high), so at most 33 steps.
    while (low < high) {
        const middle = low + (high - low) / 2;
        if (labels[middle] == label) return true;
        if (labels[middle] < label) low = middle + 1 else high = middle;
    }
    return false;
}

pub fn idBitSet(bits: []const u8, id: u64) bool {
    if (id / 8 >= bits.len) return false;
    return bits[@intCast(id / 8)] & (@as(u8, 1) << @intCast(id % 8)) != 0;
}

/// The decoded id of an f64 from an id list, or null for anything but an integer 0..2^53.
pub fn idOf(value: f64) ?u64 {
    if (!(value >= 0 and value <= @as(f64, @floatFromInt(id_max)))) return null;
    const integer: u64 = @intFromFloat(value);
    if (@as(f64, @floatFromInt(integer)) != value) return null;
    return integer;
}

/// Whether to score the `allowed` nodes exactly instead of walking a graph of `live` nodes with a
/// beam of `ef` (m0 links per node): when they are under an eighth of the graph, or no more than
/// one beam's worth of scoring (ef · m0) would cost anyway. A walk that must pass 1/s nodes for each
/// allowed one costs about ef · m0 / s distances, more than the `allowed` of an exact scan there.
pub fn exactIsCheaper(allowed: u64, live: u64, ef: u32, m0: u32) bool {
    return allowed * 8 <= live or allowed <= @as(u64, ef) * m0;
}

/// The number of set bits of an id bitset that name live nodes is found during the scan; this is
/// the quick upper bound: all set bits.
pub fn bitCount(bits: []const u8) u64 {
    var total: u64 = 0;
    var index: usize = 0;
    while (index + 8 <= bits.len) : (index += 8) total += @popCount(std.mem.readInt(u64, bits[index..][0..8], .little));
    for (bits[index..]) |byte| total += @popCount(byte);
    return total;
}

test "an id bitset allows exactly its set bits, and never a removed node" {
    var graph: Graph = .{ .m = 2, .m0 = 4, .dim = 1, .row_bytes = 4, .keep_rows = false };
    defer graph.deinit();
    try graph.reserve(3);
    _ = try graph.append(0, 0, 0);
    _ = try graph.append(9, 5, 0);
    _ = try graph.append(1000, 0, 0);
    const bits = [_]u8{ 1, 2 }; // ids 0 and 9
    const filter: Filter = .{ .kind = .ids, .id_bits = &bits };
    try std.testing.expect(filter.allows(&graph, 0));
    try std.testing.expect(filter.allows(&graph, 1));
    try std.testing.expect(!filter.allows(&graph, 2));
    graph.flags[1] = @import("graph.zig").flag_removed;
    try std.testing.expect(!filter.allows(&graph, 1));
    try std.testing.expectEqual(@as(u64, 2), bitCount(&bits));
    const by_label: Filter = .{ .kind = .labels, .labels = &.{ 2, 5, 9 } };
    try std.testing.expect(!by_label.allows(&graph, 0));
    try std.testing.expect(!by_label.allows(&graph, 1)); // label 5, but removed
    try std.testing.expect(labelIn(&.{ 2, 5, 9 }, 9));
    try std.testing.expect(!labelIn(&.{ 2, 5, 9 }, 6));
    try std.testing.expect(!labelIn(&.{}, 0));
    try std.testing.expectEqual(@as(?u64, 7), idOf(7));
    try std.testing.expectEqual(@as(?u64, null), idOf(-1));
    try std.testing.expectEqual(@as(?u64, null), idOf(1.5));
    try std.testing.expectEqual(@as(?u64, null), idOf(std.math.nan(f64)));
}
