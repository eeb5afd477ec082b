//! The neighbour-selection heuristic of HNSW (Malkov & Yashunin, algorithm 4; hnswlib's
//! getNeighborsByHeuristic2): walk the candidates from the closest, and keep one only if it is
//! closer to the base than to every neighbour kept so far. Links then point in diverse directions
//! instead of into one cluster, which keeps the graph navigable between clusters.
const std = @import("std");
const assert = std.debug.assert;
const queue = @import("queue.zig");
const Context = @import("search.zig").Context;
const Candidate = queue.Candidate;

/// Writes up to `m` chosen nodes of `sorted` (closest first, distances to the base) into `chosen`;
/// returns how many. `ctx` scores node pairs.
pub fn selectNeighbours(ctx: *const Context, sorted: []const Candidate, m: u32, chosen: []u32) usize {
    assert(chosen.len >= m);
    var count: usize = 0;
    for (sorted, 0..) |candidate, index| {
        if (index > 0) assert(sorted[index - 1].distance <= candidate.distance);
        if (count == m) break;
        var diverse = true;
        for (chosen[0..count]) |kept| {
            if (ctx.between(candidate.node, kept) < candidate.distance) {
                diverse = false;
                break;
            }
        }
        if (diverse) {
            chosen[count] = candidate.node;
            count += 1;
        }
    }
    assert(count <= m);
    assert(count > 0 or sorted.len == 0);
    return count;
}
