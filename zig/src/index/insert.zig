//! Inserting one node (hnswlib's addPoint): descend greedily from the entry point to the node's
//! level, then at each level from there down run a beam search of efConstruction, choose m links by
//! the heuristic, and link back from each chosen neighbour, pruning its links by the same heuristic
//! when they are full (m at upper levels, m0 = 2·m at level 0).
const std = @import("std");
const assert = std.debug.assert;
const graph_zig = @import("graph.zig");
const Graph = graph_zig.Graph;
const search_zig = @import("search.zig");
const Context = search_zig.Context;
const select = @import("select.zig");
const Scratch = @import("scratch.zig").Scratch;
const queue = @import("queue.zig");
const Filter = @import("filter.zig").Filter;
const Error = @import("../support/status.zig").Error;
const YieldingLock = @import("link_locks.zig").YieldingLock;
const Candidate = queue.Candidate;

pub const Build = struct {
    m: u32,
    ef_construction: u32,
};

/// Links `node` (already appended, its row written) into the graph. With `entry_lock` (a parallel
/// build, ctx.locks set), other builders run at once: the entry point is read under that lock, and
/// held through the whole insertion of a node that raises the top level, as hnswlib does.
pub fn insert(ctx: *const Context, scratch: *Scratch, graph: *Graph, build: Build, node: u32, entry_lock: ?*YieldingLock) Error!void {
    assert(ctx.graph == graph);
    assert(node < graph.count);
    assert((entry_lock == null) == (ctx.locks == null));
    const level = graph.levels[node];
    if (entry_lock) |lock| lock.lock();
    const entry = graph.entry;
    const top_level = graph.top_level;
    const raises = level > top_level or entry == graph_zig.node_none;
    if (entry_lock) |lock| {
        if (!raises) lock.unlock();
    }
    defer if (raises) {
        graph.entry = node;
        graph.top_level = level;
        if (entry_lock) |lock| lock.unlock();
    };
    if (entry == graph_zig.node_none) return;
    var current: Candidate = .{ .distance = ctx.distanceTo(entry), .node = entry };
    var descend = top_level;
    while (descend > level) : (descend -= 1) current = search_zig.greedy(ctx, current, descend);
    var layer: u8 = @min(level, top_level);
    while (true) : (layer -= 1) {
        var results = try search_zig.searchLayer(ctx, scratch, &.{current}, build.ef_construction, layer, .{});
        const found = results.drainSorted();
        // Copy out: linking back reuses the result storage for each neighbour's pruning.
        const sorted = scratch.selection[0..found.len];
        @memcpy(sorted, found);
        const chosen_count = select.selectNeighbours(ctx, sorted, build.m, scratch.chosen);
        // `chosen` is overwritten by linkBack's pruning, so link back from a stable copy.
        var links: [search_zig.links_buffer_len]u32 = undefined;
        @memcpy(links[0..chosen_count], scratch.chosen[0..chosen_count]);
        {
            if (ctx.locks) |locks| locks.lock(node);
            defer if (ctx.locks) |locks| locks.unlock(node);
            graph.setLinks(node, layer, links[0..chosen_count]);
        }
        if (sorted.len > 0) current = sorted[0];
        for (links[0..chosen_count]) |neighbour| {
            if (ctx.locks) |locks| locks.lock(neighbour);
            defer if (ctx.locks) |locks| locks.unlock(neighbour);
            linkBack(ctx, scratch, graph, neighbour, node, layer);
        }
        if (layer == 0) break;
    }
}

/// Adds `node` to `neighbour`'s links at `layer`; when they are full, keeps the heuristic's choice
/// among the old links and `node`.
fn linkBack(ctx: *const Context, scratch: *Scratch, graph: *Graph, neighbour: u32, node: u32, layer: u8) void {
    const block = graph.block(neighbour, layer);
    const links_max = graph.linksMax(layer);
    const count = block[0];
    assert(count <= links_max);
    for (block[1..][0..count]) |existing| {
        if (existing == node) return;
    }
    if (count < links_max) {
        block[1 + count] = node;
        block[0] = count + 1;
        return;
    }
    // Scratch's results hold the next level's search only after this level is done: free to use.
    const pool = scratch.results[0 .. count + 1];
    for (block[1..][0..count], pool[0..count]) |existing, *slot| slot.* = .{ .distance = ctx.between(neighbour, existing), .node = existing };
    pool[count] = .{ .distance = ctx.between(neighbour, node), .node = node };
    std.mem.sortUnstable(Candidate, pool, {}, Candidate.closer);
    const chosen = scratch.chosen;
    const kept = select.selectNeighbours(ctx, pool, links_max, chosen);
    graph.setLinks(neighbour, layer, chosen[0..kept]);
}

/// A random level: floor(−ln(U) · mult), mult = 1 / ln(m), capped at graph.level_max.
pub fn randomLevel(random: std.Random, mult: f64) u8 {
    const uniform = 1.0 - random.float(f64); // (0, 1]
    const level = @floor(-@log(uniform) * mult);
    return @intFromFloat(@min(level, @as(f64, graph_zig.level_max)));
}
