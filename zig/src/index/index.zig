//! The VectorIndex object: an HNSW graph (graph.zig) over rows stored in a space (space.zig), the
//! external-id map (ids.zig), a pool of search scratch (scratch.zig), and a reader-writer lock so
//! that any number of searches (from any Worker's thread) run at once while adds, removes and
//! updates take turns. Every method here takes checked arguments (abi/index.zig decodes them).
//!
//! Removal leaves a tombstone: the node stays in the graph, walked through but never returned.
//! When tombstones reach half of the nodes, the graph is rebuilt from the live rows (their stored
//! bytes, not re-encoded), so a long churn of removes and updates never degrades recall or wastes
//! more than half the memory.
const std = @import("std");
const assert = std.debug.assert;
const memory = @import("memory.zig");
const space_zig = @import("space.zig");
const graph_zig = @import("graph.zig");
const ids_zig = @import("ids.zig");
const scratch_zig = @import("scratch.zig");
const search_zig = @import("search.zig");
const insert_zig = @import("insert.zig");
const filter_zig = @import("filter.zig");
const queue = @import("queue.zig");
const RwLock = @import("rw_lock.zig").RwLock;
const YieldingLock = @import("link_locks.zig").YieldingLock;
const parallel = @import("parallel.zig");
const LinkLocks = @import("link_locks.zig").LinkLocks;
const Error = @import("../support/status.zig").Error;
const Space = space_zig.Space;
const Graph = graph_zig.Graph;
const IdMap = ids_zig.IdMap;
const Scratch = scratch_zig.Scratch;
const Candidate = queue.Candidate;
const Filter = filter_zig.Filter;

pub const m_min: u32 = 2;
pub const m_max: u32 = 256;
pub const k_max: u32 = 1024;
pub const ef_max = scratch_zig.ef_max;
/// Tombstones are cleared by a rebuild once they are this share of the nodes (and at least 64).
const rebuild_removed_min: u32 = 64;

pub const Options = struct {
    space: Space.Options,
    m: u32 = 16,
    ef_construction: u32 = 200,
    ef_search: u32 = 64,
    capacity: u32 = 16,
    placement: memory.Placement = .{},
    seed: u64 = 100,
};

/// A search's filter as the ABI decoded it.
pub const FilterSpec = union(enum) {
    none,
    /// Allowed ids as a list of f64 (duplicates and unknown ids are ignored).
    id_list: []const f64,
    /// Allowed ids as a bitset (bit id % 8 of byte id / 8).
    id_bits: []const u8,
    /// Allowed labels, strictly ascending.
    labels: []const u32,
};

/// The stats fields, in the order `stats` writes them (the facade reads them by name from this list).
pub const Stat = enum(u32) { size, nodes, removed, levels, edges, memory_bytes, capacity, dim, m, ef_construction, ef_search, metric, storage, scale, keep_rows, read_only };
pub const stat_count = std.enums.values(Stat).len;

pub const Index = struct {
    owners: std.atomic.Value(u32) = .init(1),
    lock: RwLock = .{},
    space: Space,
    graph: Graph,
    ids: IdMap,
    build: insert_zig.Build,
    ef_search: u32,
    level_mult: f64,
    prng: std.Random.DefaultPrng,
    scratch: scratch_zig.Pool,
    placement: memory.Placement,
    /// The mapped file a view borrows its arrays from (null for an index that owns them).
    mapping: ?[]const u8 = null,
    unmap: ?*const fn ([]const u8) void = null,

    pub fn checkOptions(options: Options) Error!Space {
        if (options.m < m_min or options.m > m_max) return error.InvalidArgument;
        if (options.ef_construction < 1 or options.ef_construction > ef_max) return error.InvalidArgument;
        if (options.ef_search < 1 or options.ef_search > ef_max) return error.InvalidArgument;
        if (options.capacity > graph_zig.node_count_max) return error.InvalidArgument;
        return Space.init(options.space);
    }

    pub fn create(options: Options) Error!*Index {
        const space = try checkOptions(options);
        const graph: Graph = .{ .m = options.m, .m0 = 2 * options.m, .dim = space.dim, .row_bytes = space.row_bytes, .keep_rows = space.keep_rows, .placement = options.placement };
        const index = try make(options, space, graph, .{ .placement = options.placement });
        errdefer index.destroy();
        try index.graph.reserve(@max(options.capacity, 1));
        try index.ids.reserve(@max(options.capacity, 1));
        return index;
    }

    /// An index over arrays it does not own (a read-only view of a mapped file, persist.zig).
    pub fn adopt(options: Options, graph: Graph, ids: IdMap) Error!*Index {
        const space = try checkOptions(options);
        assert(!graph.owned);
        assert(!ids.owned);
        return make(options, space, graph, ids);
    }

    /// The index object around its graph and id map, with the build and search settings of `options`.
    fn make(options: Options, space: Space, graph: Graph, ids: IdMap) Error!*Index {
        const slot = try memory.alloc(Index, 1, options.placement);
        const index = &slot[0];
        index.* = .{
            .space = space,
            .graph = graph,
            .ids = ids,
            .build = .{ .m = options.m, .ef_construction = options.ef_construction },
            .ef_search = options.ef_search,
            .level_mult = 1.0 / @log(@as(f64, @floatFromInt(options.m))),
            .prng = .init(options.seed),
            .scratch = .{ .placement = options.placement },
            .placement = options.placement,
        };
        return index;
    }

    pub fn destroy(index: *Index) void {
        assert(index.lock.state.load(.monotonic) == 0);
        index.scratch.deinit();
        index.graph.deinit();
        index.ids.deinit();
        if (index.mapping) |mapping| index.unmap.?(mapping);
        memory.free(Index, @as([*]Index, @ptrCast(index))[0..1]);
    }

    pub fn readOnly(index: *const Index) bool {
        return index.mapping != null;
    }

    fn sizes(index: *const Index) Scratch.Sizes {
        return .{ .nodes = index.graph.capacity, .row_bytes = index.space.row_bytes, .dim = index.space.dim, .m0 = index.graph.m0 };
    }

    /// Live vectors (nodes minus tombstones).
    pub fn size(index: *Index) u32 {
        index.lock.lockShared();
        defer index.lock.unlockShared();
        return index.graph.count - index.graph.removed;
    }

    pub fn contains(index: *Index, id: u64) bool {
        index.lock.lockShared();
        defer index.lock.unlockShared();
        return index.ids.get(id) != null;
    }

    /// The vector of `id` into `out` (dim values): the kept f32 row when rows are kept, else the
    /// stored row decoded (Space.decode); false when `id` is not in the index.
    pub fn get(index: *Index, id: u64, out: []f32) bool {
        assert(out.len == index.space.dim);
        index.lock.lockShared();
        defer index.lock.unlockShared();
        const node = index.ids.get(id) orelse return false;
        assert(!index.graph.isRemoved(node));
        if (index.space.keep_rows) @memcpy(out, index.graph.row(node)) else index.space.decode(index.graph.vector(node), out);
        return true;
    }

    /// Adds `ids.len` vectors (`rows`: ids.len × dim f32, all finite). Either all are added or none:
    /// an id already present, or twice in the batch, fails with its position in `failed`. Nodes
    /// are appended in order (levels drawn from the index's seeded generator), then linked by
    /// `threads` builders at once (0: one per CPU; batches under `parallel_batch_min` use one).
    pub fn add(index: *Index, ids: []const u64, labels: ?[]const u32, rows: []const f32, threads: u32, failed: *usize) Error!void {
        assert(rows.len == ids.len * index.space.dim);
        if (labels) |given| assert(given.len == ids.len);
        if (index.readOnly()) return error.ReadOnly;
        index.lock.lock();
        defer index.lock.unlock();
        try index.claimIds(ids, failed);
        index.space.fixScale(rows);
        const first = index.graph.count;
        for (ids, 0..) |id, position| {
            const label = if (labels) |given| given[position] else 0;
            _ = index.appendNode(id, label, rows[position * index.space.dim ..][0..index.space.dim], null) catch |err| {
                index.abandon(first, ids);
                return err;
            };
        }
        const builders = builderCount(threads, ids.len);
        const linked = if (builders > 1) parallel.link(index, first, builders) else index.linkRange(first);
        linked catch |err| {
            index.abandon(first, ids);
            return err;
        };
    }

    /// Batches smaller than this are linked by one builder: threads would cost more than they save.
    pub const parallel_batch_min = 256;
    const builders_max = 16;

    fn builderCount(threads: u32, batch: usize) u32 {
        if (batch < parallel_batch_min) return 1;
        const wanted: usize = if (threads == 0) std.Thread.getCpuCount() catch 1 else threads;
        return @intCast(@max(1, @min(wanted, builders_max, batch / (parallel_batch_min / 4))));
    }

    /// Links nodes first..count with this thread alone.
    fn linkRange(index: *Index, first: u32) Error!void {
        const scratch = try index.scratch.acquire(index.sizes());
        defer index.scratch.release(scratch);
        for (first..index.graph.count) |node| try index.linkNode(scratch, @intCast(node), null, null);
    }

    /// After a failed add: the batch's nodes become tombstones (some may be linked already) and
    /// its ids leave the map, so the index holds exactly what it held before.
    fn abandon(index: *Index, first: u32, ids: []const u64) void {
        for (first..index.graph.count) |node| {
            if (index.graph.isRemoved(@intCast(node))) continue;
            index.graph.flags[node] |= graph_zig.flag_removed;
            index.graph.removed += 1;
        }
        for (ids) |id| _ = index.ids.remove(id);
    }

    /// Puts every id in the map (pointing nowhere yet) after checking none is present or repeated.
    fn claimIds(index: *Index, ids: []const u64, failed: *usize) Error!void {
        for (ids, 0..) |id, position| {
            assert(id <= ids_zig.id_max);
            if (index.ids.get(id) != null) {
                failed.* = position;
                return error.AlreadyExists;
            }
        }
        try index.ids.reserve(@as(usize, index.ids.count) + ids.len);
        try index.graph.reserve(@as(usize, index.graph.count) + ids.len);
        for (ids, 0..) |id, position| {
            if (index.ids.get(id) != null) {
                for (ids[0..position]) |claimed| _ = index.ids.remove(claimed);
                failed.* = position;
                return error.AlreadyExists;
            }
            index.ids.insert(id, graph_zig.node_none);
        }
    }

    /// Appends and links one node for a claimed id.
    fn insertOne(index: *Index, scratch: *Scratch, id: u64, label: u32, input: []const f32, stored: ?[]const u8) Error!void {
        const node = try index.appendNode(id, label, input, stored);
        try index.linkNode(scratch, node, null, null);
    }

    /// Appends a node for a claimed id (room reserved) with its row written, and points the id at
    /// it. `stored`, when given, is an already encoded row (a rebuild copies rows as they are).
    fn appendNode(index: *Index, id: u64, label: u32, input: []const f32, stored: ?[]const u8) Error!u32 {
        const graph = &index.graph;
        const level = insert_zig.randomLevel(index.prng.random(), index.level_mult);
        const node = try graph.append(id, label, level);
        if (stored) |bytes| @memcpy(graph.vectorMut(node), bytes) else index.space.encode(input, graph.vectorMut(node), graph.rowMut(node));
        if (stored != null and graph.keep_rows) @memcpy(graph.rowMut(node), input);
        _ = index.ids.remove(id);
        index.ids.insert(id, node);
        return node;
    }

    /// Links an appended node into the graph; `locks` and `entry_lock` for a parallel build.
    pub fn linkNode(index: *Index, scratch: *Scratch, node: u32, locks: ?*const LinkLocks, entry_lock: ?*YieldingLock) Error!void {
        var ctx = search_zig.Context.init(&index.graph, &index.space, index.graph.vector(node));
        ctx.locks = locks;
        try insert_zig.insert(&ctx, scratch, &index.graph, index.build, node, entry_lock);
    }

    pub fn scratchSizes(index: *const Index) Scratch.Sizes {
        return index.sizes();
    }

    /// Removes `id`: its node becomes a tombstone. NotFound when the index does not hold it.
    pub fn remove(index: *Index, id: u64) Error!void {
        if (index.readOnly()) return error.ReadOnly;
        index.lock.lock();
        defer index.lock.unlock();
        try index.removeLocked(id);
        try index.rebuildIfWorn();
    }

    fn removeLocked(index: *Index, id: u64) Error!void {
        const node = index.ids.remove(id) orelse return error.NotFound;
        assert(!index.graph.isRemoved(node));
        index.graph.flags[node] |= graph_zig.flag_removed;
        index.graph.removed += 1;
    }

    /// Replaces the vector of `id` (which must be present): a tombstone for the old node, a new node
    /// with the old one's label.
    pub fn update(index: *Index, id: u64, row: []const f32) Error!void {
        assert(row.len == index.space.dim);
        if (index.readOnly()) return error.ReadOnly;
        index.lock.lock();
        defer index.lock.unlock();
        const old_node = index.ids.get(id) orelse return error.NotFound;
        const label = index.graph.labels[old_node];
        try index.graph.reserve(@as(usize, index.graph.count) + 1);
        const scratch = try index.scratch.acquire(index.sizes());
        defer index.scratch.release(scratch);
        try index.removeLocked(id);
        index.space.fixScale(row);
        index.ids.insert(id, graph_zig.node_none);
        index.insertOne(scratch, id, label, row, null) catch |err| {
            _ = index.ids.remove(id);
            return err;
        };
        try index.rebuildIfWorn();
    }

    fn rebuildIfWorn(index: *Index) Error!void {
        const graph = &index.graph;
        if (graph.removed < rebuild_removed_min or graph.removed * 2 < graph.count) return;
        try index.rebuild();
    }

    /// A new graph of the live nodes, in node order, from their stored rows (appended, then linked
    /// by as many builders as an add of that size would use); the old one is freed. On failure the
    /// old graph stays, and every id points into it again.
    fn rebuild(index: *Index) Error!void {
        const previous = index.graph;
        var fresh: Graph = .{ .m = previous.m, .m0 = previous.m0, .dim = previous.dim, .row_bytes = previous.row_bytes, .keep_rows = previous.keep_rows, .placement = index.placement };
        const live = previous.count - previous.removed;
        fresh.reserve(@max(live, 1)) catch |err| {
            fresh.deinit();
            return err;
        };
        index.graph = fresh;
        index.relink(&previous) catch |err| {
            index.graph.deinit();
            index.graph = previous;
            index.remapIds();
            return err;
        };
        var old = previous;
        old.deinit();
        assert(index.graph.removed == 0);
        assert(index.graph.count == live);
    }

    fn relink(index: *Index, previous: *const Graph) Error!void {
        for (0..previous.count) |node_index| {
            const node: u32 = @intCast(node_index);
            if (previous.isRemoved(node)) continue;
            const exact: []const f32 = if (previous.keep_rows) previous.row(node) else &.{};
            _ = try index.appendNode(previous.ids[node], previous.labels[node], exact, previous.vector(node));
        }
        const builders = builderCount(0, index.graph.count);
        if (builders > 1) try parallel.link(index, 0, builders) else try index.linkRange(0);
    }

    /// Points every id at its node in the current graph (after a failed rebuild).
    fn remapIds(index: *Index) void {
        for (0..index.graph.count) |node_index| {
            const node: u32 = @intCast(node_index);
            if (index.graph.isRemoved(node)) continue;
            _ = index.ids.remove(index.graph.ids[node]);
            index.ids.insert(index.graph.ids[node], node);
        }
    }

    /// The `k` nearest live vectors to `query` among those the filter allows, closest first: their
    /// ids and scores (metric units). Returns how many were found (fewer than k when fewer exist).
    pub fn search(index: *Index, query: []const f32, k: u32, ef_asked: u32, filter: FilterSpec, out_ids: []f64, out_scores: []f32) Error!u32 {
        assert(query.len == index.space.dim);
        assert(k >= 1 and k <= k_max);
        assert(out_ids.len >= k and out_scores.len >= k);
        index.lock.lockShared();
        defer index.lock.unlockShared();
        const graph = &index.graph;
        if (graph.count == graph.removed) return 0;
        const scratch = try index.scratch.acquire(index.sizes());
        defer index.scratch.release(scratch);
        const exact = scratch.query_exact[0..if (index.space.keep_rows) index.space.dim else 0];
        index.space.encode(query, scratch.query[0..index.space.row_bytes], exact);
        const ctx = search_zig.Context.init(graph, &index.space, scratch.query[0..index.space.row_bytes]);
        const ef = @max(if (ef_asked == 0) index.ef_search else ef_asked, k);
        const found = try index.candidates(&ctx, scratch, ef, k, filter);
        return index.finish(&ctx, scratch, found, k, out_ids, out_scores);
    }

    /// A search's candidates (unsorted), and whether their distances are already the ones results
    /// are ranked by (`finalDistance`): an exact scan's are, a graph walk's are not.
    const Found = struct { candidates: []Candidate, final: bool };

    /// The search's candidates: a graph walk, or an exact scan of a tight filter's nodes.
    fn candidates(index: *Index, ctx: *const search_zig.Context, scratch: *Scratch, ef: u32, k: u32, filter: FilterSpec) Error!Found {
        const graph = &index.graph;
        const live = graph.count - graph.removed;
        switch (filter) {
            .none => return index.walk(ctx, scratch, ef, .{}),
            .id_list => |list| {
                const bits = try scratch.allowedBits(graph.capacity);
                var allowed: u64 = 0;
                for (list) |value| {
                    const id = filter_zig.idOf(value) orelse continue;
                    const node = index.ids.get(id) orelse continue;
                    const word = &bits[node / 64];
                    const bit = @as(u64, 1) << @intCast(node % 64);
                    if (word.* & bit == 0) allowed += 1;
                    word.* |= bit;
                }
                if (filter_zig.exactIsCheaper(allowed, live, ef, graph.m0)) {
                    return index.exactScan(ctx, scratch, k, .{ .nodes = bits });
                }
                return try index.walk(ctx, scratch, ef, .{ .kind = .nodes, .node_bits = bits });
            },
            .id_bits => |bits| {
                if (filter_zig.exactIsCheaper(filter_zig.bitCount(bits), live, ef, graph.m0)) {
                    return index.exactScan(ctx, scratch, k, .{ .ids = bits });
                }
                return try index.walk(ctx, scratch, ef, .{ .kind = .ids, .id_bits = bits });
            },
            .labels => |labels| {
                if (filter_zig.exactIsCheaper(index.labelledEstimate(labels), live, ef, graph.m0)) {
                    return index.exactScan(ctx, scratch, k, .{ .labels = labels });
                }
                const found = try index.walk(ctx, scratch, ef, .{ .kind = .labels, .labels = labels });
                // A walk that finds fewer than k met a filter tighter than the sample said.
                if (found.candidates.len < k) return index.exactScan(ctx, scratch, k, .{ .labels = labels });
                return found;
            },
        }
    }

    /// How many live nodes carry one of `labels`, estimated from at most 1024 nodes spread evenly
    /// (counting every node would cost a pass over all labels per search).
    fn labelledEstimate(index: *const Index, labels: []const u32) u64 {
        const graph = &index.graph;
        const step = @max(1, graph.count / 1024);
        var sampled: u64 = 0;
        var hits: u64 = 0;
        var node: u32 = 0;
        while (node < graph.count) : (node += step) {
            sampled += 1;
            if (!graph.isRemoved(node) and filter_zig.labelIn(labels, graph.labels[node])) hits += 1;
        }
        if (sampled == 0) return 0;
        return hits * graph.count / sampled;
    }

    fn walk(index: *Index, ctx: *const search_zig.Context, scratch: *Scratch, ef: u32, filter: Filter) Error!Found {
        _ = index;
        const results = try search_zig.search(ctx, scratch, ef, filter);
        return .{ .candidates = results.items[0..results.len], .final = false };
    }

    const ExactSet = union(enum) { nodes: []const u64, ids: []const u8, labels: []const u32 };

    /// Scores every allowed live node (exactly, when rows are kept) and keeps the best k.
    fn exactScan(index: *Index, ctx: *const search_zig.Context, scratch: *Scratch, k: u32, set: ExactSet) Found {
        var best: queue.Farthest = .{ .items = scratch.results[0 .. k + 1] };
        switch (set) {
            .nodes => |bits| for (bits, 0..) |word, word_index| {
                var rest = word;
                while (rest != 0) : (rest &= rest - 1) {
                    const node: u32 = @intCast(word_index * 64 + @ctz(rest));
                    index.keepBest(&best, k, .{ .distance = index.finalDistance(ctx, scratch, node), .node = node });
                }
            },
            .ids => |bits| for (bits, 0..) |byte, byte_index| {
                var rest = byte;
                while (rest != 0) : (rest &= rest - 1) {
                    const id = @as(u64, byte_index) * 8 + @ctz(rest);
                    const node = index.ids.get(id) orelse continue;
                    index.keepBest(&best, k, .{ .distance = index.finalDistance(ctx, scratch, node), .node = node });
                }
            },
            .labels => |labels| for (index.graph.labels[0..index.graph.count], 0..) |label, node_index| {
                if (!filter_zig.labelIn(labels, label)) continue;
                const node: u32 = @intCast(node_index);
                index.keepBest(&best, k, .{ .distance = index.finalDistance(ctx, scratch, node), .node = node });
            },
        }
        return .{ .candidates = best.items[0..best.len], .final = true };
    }

    fn keepBest(index: *const Index, best: *queue.Farthest, k: u32, candidate: Candidate) void {
        if (index.graph.isRemoved(candidate.node)) return;
        if (best.len == k and !Candidate.closer({}, candidate, best.top())) return;
        best.push(candidate);
        if (best.len > k) _ = best.pop();
    }

    /// The distance results are ranked and reported by: exact over kept f32 rows, else the stored
    /// kernel's (never the walk's approximate f32 sums).
    fn finalDistance(index: *const Index, ctx: *const search_zig.Context, scratch: *const Scratch, node: u32) f32 {
        if (!index.space.keep_rows) return ctx.exactDistanceTo(node);
        const raw = index.space.exactKernel()(@ptrCast(scratch.query_exact.ptr), @ptrCast(index.graph.row(node).ptr), index.space.dim);
        return index.space.exactDistance(raw);
    }

    /// Re-ranks a walk's candidates (when rows are kept, or the walk's distances were approximate;
    /// an exact scan's already carry their final distances) and writes the best k, closest first.
    fn finish(index: *Index, ctx: *const search_zig.Context, scratch: *const Scratch, found_by: Found, k: u32, out_ids: []f64, out_scores: []f32) u32 {
        const found = found_by.candidates;
        if (!found_by.final and (index.space.keep_rows or index.space.walksApproximately())) {
            for (found) |*candidate| candidate.distance = index.finalDistance(ctx, scratch, candidate.node);
        }
        const best = queue.closestFirst(found, k);
        const count: u32 = @intCast(best.len);
        for (best, out_ids[0..count], out_scores[0..count]) |candidate, *id, *score| {
            assert(!index.graph.isRemoved(candidate.node));
            id.* = @floatFromInt(index.graph.ids[candidate.node]);
            score.* = index.space.scoreOf(candidate.distance);
        }
        return count;
    }

    pub fn stats(index: *Index, out: *[stat_count]f64) void {
        index.lock.lockShared();
        defer index.lock.unlockShared();
        const graph = &index.graph;
        const memory_bytes = graph.memoryBytes() + index.ids.memoryBytes() + index.scratch.memoryBytes() + @sizeOf(Index) +
            if (index.mapping) |mapping| mapping.len else 0;
        const values = [stat_count]f64{
            @floatFromInt(graph.count - graph.removed),
            @floatFromInt(graph.count),
            @floatFromInt(graph.removed),
            @floatFromInt(if (graph.count == 0) 0 else @as(u32, graph.top_level) + 1),
            @floatFromInt(graph.edgeCount()),
            @floatFromInt(memory_bytes),
            @floatFromInt(graph.capacity),
            @floatFromInt(index.space.dim),
            @floatFromInt(graph.m),
            @floatFromInt(index.build.ef_construction),
            @floatFromInt(index.ef_search),
            @floatFromInt(@backingInt(index.space.metric)),
            @floatFromInt(@backingInt(index.space.storage)),
            index.space.scale,
            if (index.space.keep_rows) 1 else 0,
            if (index.readOnly()) 1 else 0,
        };
        out.* = values;
    }
};
