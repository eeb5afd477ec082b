//! The beam search of HNSW (hnswlib's searchBaseLayerST): from entry points, expand the closest
//! unexpanded candidate, score its unvisited neighbours, keep the `ef` best that the filter allows,
//! and stop when the closest candidate left is farther than the worst kept result. Nodes the filter
//! refuses (or removed nodes) are still walked through, so a filter narrows the results, not the
//! graph. Also the greedy descent through the upper levels (a beam of one).
const std = @import("std");
const assert = std.debug.assert;
const Graph = @import("graph.zig").Graph;
const Space = @import("space.zig").Space;
const dispatch = @import("../simd/dispatch.zig");
const queue = @import("queue.zig");
const Scratch = @import("scratch.zig").Scratch;
const Filter = @import("filter.zig").Filter;
const Error = @import("../support/status.zig").Error;
const LinkLocks = @import("link_locks.zig").LinkLocks;
const Candidate = queue.Candidate;

/// Room for any node's links at any level: m0 = 2·m, m at most 256.
pub const links_buffer_len = 2 * 256;

/// Distances from one encoded query (or one stored node) to stored nodes.
pub const Context = struct {
    graph: *const Graph,
    space: *const Space,
    /// The walk's kernel (Space.walkKernel), and the stored kernel that scores results exactly.
    kernel: dispatch.PairFn,
    exact_kernel: dispatch.PairFn,
    /// The walk's kernel over a list of rows, where the walk has one (f32 rows); else null.
    gather: ?dispatch.GatherFn,
    query: [*]const u8,
    /// Per-node link locks during a parallel build (insert.zig); null when one writer runs alone.
    locks: ?*const LinkLocks = null,

    pub fn init(graph: *const Graph, space: *const Space, query: []const u8) Context {
        assert(query.len == space.row_bytes);
        return .{
            .graph = graph,
            .space = space,
            .kernel = space.walkKernel(),
            .exact_kernel = space.storedKernel(),
            .gather = space.walkGather(),
            .query = query.ptr,
        };
    }

    /// The distance to a stored node as the stored kernel scores it (what results are ranked by
    /// when no f32 rows are kept).
    pub fn exactDistanceTo(ctx: *const Context, node: u32) f32 {
        return ctx.space.storedDistance(ctx.exact_kernel(ctx.query, ctx.graph.vector(node).ptr, ctx.space.row_dim));
    }

    pub inline fn distanceTo(ctx: *const Context, node: u32) f32 {
        return ctx.space.storedDistance(ctx.kernel(ctx.query, ctx.graph.vector(node).ptr, ctx.space.row_dim));
    }

    /// The walk's distances to `nodes`, into `out` (as many).
    pub inline fn distancesTo(ctx: *const Context, nodes: []const u32, out: []f32) void {
        assert(out.len == nodes.len);
        if (ctx.gather) |gather| {
            gather(ctx.query, ctx.graph.vectors.ptr, ctx.space.row_bytes, nodes.ptr, @intCast(nodes.len), ctx.space.row_dim, out.ptr);
            for (out) |*distance| distance.* = ctx.space.storedDistance(distance.*);
        } else {
            for (nodes, out) |node, *distance| distance.* = ctx.distanceTo(node);
        }
    }

    /// The distance between two stored nodes.
    pub fn between(ctx: *const Context, a: u32, b: u32) f32 {
        return ctx.space.storedDistance(ctx.kernel(ctx.graph.vector(a).ptr, ctx.graph.vector(b).ptr, ctx.space.row_dim));
    }

    /// A node's links at `level`: the live array, or under a parallel build a copy taken under the
    /// node's lock (another builder may be rewriting them).
    pub inline fn readLinks(ctx: *const Context, node: u32, level: u8, buffer: *[links_buffer_len]u32) []const u32 {
        const locks = ctx.locks orelse return ctx.graph.links(node, level);
        locks.lock(node);
        defer locks.unlock(node);
        const links = ctx.graph.links(node, level);
        @memcpy(buffer[0..links.len], links);
        return buffer[0..links.len];
    }

    /// Asks for a node's level-0 block (its count and links): the first cache line, for a node
    /// that may be expanded later, or every line, for the node expanded next.
    inline fn prefetchLevel0Links(ctx: *const Context, node: u32, comptime lines: enum { first_line, whole }) void {
        const stride_bytes = ctx.graph.level0Stride() * @sizeOf(u32);
        const start: [*]const u8 = @ptrCast(ctx.graph.level0.ptr + @as(usize, node) * ctx.graph.level0Stride());
        @prefetch(start, .{});
        if (lines == .first_line) return;
        var offset: usize = 64;
        while (offset < stride_bytes) : (offset += 64) @prefetch(start + offset, .{});
        @prefetch(start + stride_bytes - 1, .{});
    }

    /// Asks for a node's row ahead of its distance: every cache line of it, up to 8 (512 bytes;
    /// the hardware prefetcher follows longer rows on its own).
    inline fn prefetch(ctx: *const Context, node: u32) void {
        const row = ctx.graph.vectors.ptr + @as(usize, node) * ctx.space.row_bytes;
        const lines = @min((ctx.space.row_bytes + 63) / 64, 8);
        for (0..lines) |line| @prefetch(row + line * 64, .{});
    }
};

/// From `start` at `level`, moves to a closer neighbour while there is one; returns the last node.
pub fn greedy(ctx: *const Context, start: Candidate, level: u8) Candidate {
    var current = start;
    var buffer: [links_buffer_len]u32 = undefined;
    // Every move strictly shortens the distance, so no node is visited twice.
    for (0..ctx.graph.count) |_| {
        var moved = false;
        for (ctx.readLinks(current.node, level, &buffer)) |neighbour| {
            const distance = ctx.distanceTo(neighbour);
            if (distance < current.distance) {
                current = .{ .distance = distance, .node = neighbour };
                moved = true;
            }
        }
        if (!moved) break;
    }
    return current;
}

/// Fills `scratch.results` (as a farthest-first heap of up to `ef` items, returned) with the closest
/// nodes at `level` that `filter` allows, searching from `entries`.
pub fn searchLayer(ctx: *const Context, scratch: *Scratch, entries: []const Candidate, ef: u32, level: u8, filter: Filter) Error!queue.Farthest {
    assert(ef >= 1 and ef + 1 <= scratch.results.len);
    const graph = ctx.graph;
    scratch.nextEpoch();
    var results: queue.Farthest = .{ .items = scratch.results[0 .. ef + 1] };
    var candidates: queue.Nearest = .{ .items = scratch.candidates };
    var bound = std.math.inf(f32);
    for (entries) |entry| {
        if (!scratch.visit(entry.node)) continue;
        try scratch.candidateRoom(candidates.len);
        candidates.items = scratch.candidates;
        candidates.push(entry);
        if (filter.allows(graph, entry.node)) {
            results.push(entry);
            if (results.len > ef) _ = results.pop();
            bound = results.top().distance;
        }
    }
    // Without a filter or removals, every walked node may be a result, so the search may stop as
    // soon as the frontier is farther than the worst result; otherwise only once `ef` are found.
    const narrowed = filter.kind != .none or graph.removed > 0;
    var buffer: [links_buffer_len]u32 = undefined;
    for (0..graph.count + 1) |_| {
        const current = candidates.pop() orelse break;
        if (current.distance > bound and (results.len >= ef or !narrowed)) break;
        // Two passes: first the unvisited neighbours, each row asked for as it is found, so that
        // their cache misses overlap; then their distances in one kernel call (Context.distancesTo),
        // by which time the rows are arriving.
        var fresh: [links_buffer_len]u32 = undefined;
        var fresh_count: usize = 0;
        // The visited set in locals: its own stores cannot then make the loop reload them.
        const visited = scratch.visited;
        const epoch = scratch.epoch;
        for (ctx.readLinks(current.node, level, &buffer)) |neighbour| {
            if (visited[neighbour] == epoch) continue;
            visited[neighbour] = epoch;
            ctx.prefetch(neighbour);
            fresh[fresh_count] = neighbour;
            fresh_count += 1;
        }
        var distances: [links_buffer_len]f32 = undefined;
        ctx.distancesTo(fresh[0..fresh_count], distances[0..fresh_count]);
        for (fresh[0..fresh_count], distances[0..fresh_count]) |neighbour, distance| {
            if (results.len < ef or distance < bound) {
                try scratch.candidateRoom(candidates.len);
                candidates.items = scratch.candidates;
                candidates.push(.{ .distance = distance, .node = neighbour });
                if (level == 0) ctx.prefetchLevel0Links(neighbour, .first_line);
                if (filter.allows(graph, neighbour)) {
                    results.push(.{ .distance = distance, .node = neighbour });
                    if (results.len > ef) _ = results.pop();
                }
                if (results.len > 0) bound = results.top().distance;
            }
        }
        // The next node to expand is known now: ask for its links while the heaps settle.
        if (level == 0 and candidates.len > 0) ctx.prefetchLevel0Links(candidates.top().node, .whole);
    }
    return results;
}

/// The full search: greedy through the upper levels, then a beam of `ef` at level 0.
pub fn search(ctx: *const Context, scratch: *Scratch, ef: u32, filter: Filter) Error!queue.Farthest {
    const graph = ctx.graph;
    assert(graph.entry != @import("graph.zig").node_none);
    var current: Candidate = .{ .distance = ctx.distanceTo(graph.entry), .node = graph.entry };
    var level = graph.top_level;
    while (level > 0) : (level -= 1) current = greedy(ctx, current, level);
    return searchLayer(ctx, scratch, &.{current}, ef, 0, filter);
}
