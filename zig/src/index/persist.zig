//! Saving an index to a file and opening it again, either loaded (copied into memory the index
//! owns, so it can change) or viewed (the file mapped read-only through the OS layer and searched in
//! place: no copy, pages shared with every other process that maps it).
//!
//! Format (little-endian), every section starting on a 64-byte boundary:
//!
//!   header (128 bytes)  magic "OFFHNSW\0", format version, the options, counts, entry point, the
//!                       i8 scale, the file's length, an XxHash64 of everything after the header,
//!                       and an XxHash64 of the header itself (last field)
//!   ids u64[count] · levels u8[count] · flags u8[count] · labels u32[count] · upper_offset u32[count]
//!   level0 u32[count·(1+m0)] · upper u32[upper_used] · vectors u8[count·row_bytes]
//!   rows f32[count·dim] (when kept) · id map keys u64[slots] · id map nodes u32[slots]
//!
//! Opening checks, before any of it is used: the magic (a foreign file), the version, the header's
//! hash, that the length is exactly what the header describes (a truncated file), the body's hash
//! (a corrupt one), and then the graph's structure: every link names an existing node, every count
//! fits its block, every upper block lies inside the upper array. A file that passes cannot make a
//! search read out of bounds, whatever wrote it.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const index_zig = @import("index.zig");
const graph_zig = @import("graph.zig");
const ids_zig = @import("ids.zig");
const memory = @import("memory.zig");
const space_zig = @import("space.zig");
const Error = @import("../support/status.zig").Error;
const Index = index_zig.Index;
const Graph = graph_zig.Graph;

pub const Mode = enum { load, view };

pub const format_version: u32 = 1;
const magic = "OFFHNSW\x00".*;
const section_alignment: u64 = 64;
const hash_seed: u64 = 0x0ff4ea9;

const Header = extern struct {
    magic: [8]u8,
    version: u32,
    header_bytes: u32,
    dim: u32,
    metric: u32,
    storage: u32,
    m: u32,
    ef_construction: u32,
    ef_search: u32,
    count: u32,
    removed: u32,
    entry: u32,
    top_level: u32,
    keep_rows: u32,
    scale: f32,
    map_slots: u64,
    upper_used: u64,
    file_bytes: u64,
    body_hash: u64,
    reserved: [24]u8,
    header_hash: u64,
};
comptime {
    assert(@sizeOf(Header) == 128);
    assert(@sizeOf(Header) % section_alignment == 0);
}

/// Where each section starts, derived from the header alone.
const Layout = struct {
    ids: u64,
    levels: u64,
    flags: u64,
    labels: u64,
    upper_offset: u64,
    level0: u64,
    upper: u64,
    vectors: u64,
    rows: u64,
    map_keys: u64,
    map_nodes: u64,
    end: u64,

    fn of(header: *const Header, row_bytes: u32) Error!Layout {
        const count: u64 = header.count;
        var at: u64 = @sizeOf(Header);
        var layout: Layout = undefined;
        const sizes = [_]u64{
            count * 8,
            count,
            count,
            count * 4,
            count * 4,
            try mul(count * 4, 1 + 2 * @as(u64, header.m)),
            try mul(header.upper_used, 4),
            try mul(count, row_bytes),
            if (header.keep_rows != 0) try mul(count * 4, header.dim) else 0,
            try mul(header.map_slots, 8),
            try mul(header.map_slots, 4),
        };
        const starts = [_]*u64{ &layout.ids, &layout.levels, &layout.flags, &layout.labels, &layout.upper_offset, &layout.level0, &layout.upper, &layout.vectors, &layout.rows, &layout.map_keys, &layout.map_nodes };
        for (sizes, starts) |section_bytes, start| {
            start.* = at;
            at = std.mem.alignForward(u64, try add(at, section_bytes), section_alignment);
        }
        layout.end = at;
        return layout;
    }

    fn mul(a: u64, b: u64) Error!u64 {
        return std.math.mul(u64, a, b) catch error.InvalidFile;
    }

    fn add(a: u64, b: u64) Error!u64 {
        return std.math.add(u64, a, b) catch error.InvalidFile;
    }
};

fn headerHash(header: *const Header) u64 {
    const bytes = std.mem.asBytes(header);
    return std.hash.XxHash64.hash(hash_seed, bytes[0 .. @sizeOf(Header) - 8]);
}

/// Writes `index` to `path` (replacing it whole); returns the bytes written.
pub fn save(index: *Index, path: []const u8) Error!usize {
    index.lock.lockShared();
    defer index.lock.unlockShared();
    const graph = &index.graph;
    const count: usize = graph.count;
    var header: Header = .{
        .magic = magic,
        .version = format_version,
        .header_bytes = @sizeOf(Header),
        .dim = index.space.dim,
        .metric = @backingInt(index.space.metric),
        .storage = @backingInt(index.space.storage),
        .m = graph.m,
        .ef_construction = index.build.ef_construction,
        .ef_search = index.ef_search,
        .count = graph.count,
        .removed = graph.removed,
        .entry = graph.entry,
        .top_level = graph.top_level,
        .keep_rows = @intFromBool(index.space.keep_rows),
        .scale = index.space.scale,
        .map_slots = index.ids.keys.len,
        .upper_used = graph.upper_used,
        .file_bytes = 0,
        .body_hash = 0,
        .reserved = @splat(0),
        .header_hash = 0,
    };
    const layout = try Layout.of(&header, index.space.row_bytes);
    const sections = [_][]const u8{
        std.mem.sliceAsBytes(graph.ids[0..count]),
        graph.levels[0..count],
        graph.flags[0..count],
        std.mem.sliceAsBytes(graph.labels[0..count]),
        std.mem.sliceAsBytes(graph.upper_offset[0..count]),
        std.mem.sliceAsBytes(graph.level0[0 .. count * graph.level0Stride()]),
        std.mem.sliceAsBytes(graph.upper[0..graph.upper_used]),
        graph.vectors[0 .. count * graph.row_bytes],
        std.mem.sliceAsBytes(graph.rows[0 .. if (graph.keep_rows) count * graph.dim else 0]),
        std.mem.sliceAsBytes(index.ids.keys),
        std.mem.sliceAsBytes(index.ids.nodes),
    };
    const padding: [section_alignment]u8 = @splat(0);
    var parts: [1 + 2 * sections.len][]const u8 = undefined;
    var hasher = std.hash.XxHash64.init(hash_seed);
    var at: u64 = @sizeOf(Header);
    for (sections, 0..) |section, position| {
        const pad = std.mem.alignForward(u64, at + section.len, section_alignment) - (at + section.len);
        parts[1 + 2 * position] = section;
        parts[2 + 2 * position] = padding[0..@intCast(pad)];
        hasher.update(section);
        hasher.update(padding[0..@intCast(pad)]);
        at += section.len + pad;
    }
    assert(at == layout.end);
    header.file_bytes = layout.end;
    header.body_hash = hasher.final();
    header.header_hash = headerHash(&header);
    parts[0] = std.mem.asBytes(&header);
    os.writeFile(path, &parts) catch return error.IoFailed;
    return @intCast(layout.end);
}

/// Opens the index file at `path`; see the file comment for what is checked.
pub fn open(path: []const u8, mode: Mode) Error!*Index {
    const bytes = os.mapFile(path) catch |err| return switch (err) {
        error.NotFound => error.NotFound,
        error.IoFailed => error.IoFailed,
    };
    errdefer os.unmapFile(bytes);
    const parsed = try parse(bytes);
    switch (mode) {
        .view => {
            const index = try Index.adopt(parsed.options, parsed.graph, parsed.ids);
            index.mapping = bytes;
            index.unmap = unmapMapping;
            return index;
        },
        .load => {
            const index = try loadCopy(parsed);
            os.unmapFile(bytes);
            return index;
        },
    }
}

fn unmapMapping(bytes: []const u8) void {
    os.unmapFile(@alignCast(bytes));
}

const Parsed = struct { options: index_zig.Options, graph: Graph, ids: ids_zig.IdMap };

fn sectionOf(comptime T: type, bytes: []const u8, start: u64, count: u64) []T {
    assert(start % @alignOf(T) == 0);
    assert(start + count * @sizeOf(T) <= bytes.len);
    const first: [*]T = @ptrCast(@alignCast(@constCast(bytes.ptr + start)));
    return first[0..@intCast(count)];
}

/// Checks everything and describes the file's arrays as a borrowed graph and id map.
fn parse(bytes: []align(os.page_size_bytes) const u8) Error!Parsed {
    if (bytes.len < @sizeOf(Header)) return error.InvalidFile;
    const header: *const Header = @ptrCast(bytes.ptr);
    if (!std.mem.eql(u8, &header.magic, &magic)) return error.InvalidFile;
    if (header.version != format_version or header.header_bytes != @sizeOf(Header)) return error.InvalidFile;
    if (header.header_hash != headerHash(header)) return error.InvalidFile;
    const metric = std.enums.fromInt(space_zig.Metric, header.metric) orelse return error.InvalidFile;
    const storage = std.enums.fromInt(space_zig.ElementType, header.storage) orelse return error.InvalidFile;
    const options: index_zig.Options = .{
        .space = .{ .dim = header.dim, .metric = metric, .storage = storage, .keep_rows = header.keep_rows != 0, .scale = header.scale },
        .m = header.m,
        .ef_construction = header.ef_construction,
        .ef_search = header.ef_search,
        .capacity = header.count,
    };
    const space = Index.checkOptions(options) catch return error.InvalidFile;
    if (header.keep_rows > 1 or space.keep_rows != (header.keep_rows != 0)) return error.InvalidFile;
    const layout = try Layout.of(header, space.row_bytes);
    if (header.file_bytes != layout.end or bytes.len != layout.end) return error.InvalidFile;
    if (std.hash.XxHash64.hash(hash_seed, bytes[@sizeOf(Header)..]) != header.body_hash) return error.InvalidFile;
    const count = header.count;
    var graph: Graph = .{
        .m = header.m,
        .m0 = 2 * header.m,
        .dim = space.dim,
        .row_bytes = space.row_bytes,
        .keep_rows = space.keep_rows,
        .capacity = count,
        .count = count,
        .removed = header.removed,
        .entry = header.entry,
        .top_level = std.math.cast(u8, header.top_level) orelse return error.InvalidFile,
        .owned = false,
    };
    graph.ids = sectionOf(u64, bytes, layout.ids, count);
    graph.levels = sectionOf(u8, bytes, layout.levels, count);
    graph.flags = sectionOf(u8, bytes, layout.flags, count);
    graph.labels = sectionOf(u32, bytes, layout.labels, count);
    graph.upper_offset = sectionOf(u32, bytes, layout.upper_offset, count);
    graph.level0 = sectionOf(u32, bytes, layout.level0, @as(u64, count) * graph.level0Stride());
    graph.upper = sectionOf(u32, bytes, layout.upper, header.upper_used);
    graph.upper_used = @intCast(header.upper_used);
    graph.vectors = sectionOf(u8, bytes, layout.vectors, @as(u64, count) * space.row_bytes);
    graph.rows = sectionOf(f32, bytes, layout.rows, if (space.keep_rows) @as(u64, count) * space.dim else 0);
    const ids: ids_zig.IdMap = .{
        .keys = sectionOf(u64, bytes, layout.map_keys, header.map_slots),
        .nodes = sectionOf(u32, bytes, layout.map_nodes, header.map_slots),
        .count = count - @min(count, header.removed),
        .owned = false,
    };
    try checkStructure(&graph, &ids);
    return .{ .options = options, .graph = graph, .ids = ids };
}

/// The graph's invariants that searches rely on for memory safety.
fn checkStructure(graph: *const Graph, ids: *const ids_zig.IdMap) Error!void {
    const count = graph.count;
    if (graph.removed > count) return error.InvalidFile;
    if (count == 0 and graph.entry != graph_zig.node_none) return error.InvalidFile;
    if (count > 0 and (graph.entry >= count or graph.levels[graph.entry] != graph.top_level)) return error.InvalidFile;
    if (graph.top_level > graph_zig.level_max) return error.InvalidFile;
    var removed: u32 = 0;
    for (0..count) |node_index| {
        const node: u32 = @intCast(node_index);
        const level = graph.levels[node];
        if (level > graph.top_level or graph.flags[node] & ~graph_zig.flag_removed != 0) return error.InvalidFile;
        if (graph.ids[node] > ids_zig.id_max) return error.InvalidFile;
        if (graph.isRemoved(node)) removed += 1;
        if (level > 0 and @as(u64, graph.upper_offset[node]) + @as(u64, level) * graph.upperStride() > graph.upper_used) return error.InvalidFile;
        for (0..@as(usize, level) + 1) |l| {
            const block = graph.block(node, @intCast(l));
            if (block[0] > graph.linksMax(@intCast(l))) return error.InvalidFile;
            for (block[1..][0..block[0]]) |link| {
                if (link >= count or graph.levels[link] < l) return error.InvalidFile;
            }
        }
    }
    if (removed != graph.removed) return error.InvalidFile;
    const slots = ids.keys.len;
    if (slots != 0 and !std.math.isPowerOfTwo(slots)) return error.InvalidFile;
    if ((count - removed) * 2 > slots) return error.InvalidFile;
    var members: u32 = 0;
    for (ids.keys, ids.nodes) |key, node| {
        if (key == std.math.maxInt(u64)) continue;
        if (key > ids_zig.id_max or node >= count or graph.ids[node] != key or graph.isRemoved(node)) return error.InvalidFile;
        members += 1;
    }
    if (members != count - removed) return error.InvalidFile;
}

/// An owned, growable copy of a parsed file.
fn loadCopy(parsed: Parsed) Error!*Index {
    const index = try Index.create(parsed.options);
    errdefer index.destroy();
    const source = &parsed.graph;
    const graph = &index.graph;
    const count: usize = source.count;
    try graph.reserve(@max(count, 1));
    @memcpy(graph.ids[0..count], source.ids);
    @memcpy(graph.levels[0..count], source.levels);
    @memcpy(graph.flags[0..count], source.flags);
    @memcpy(graph.labels[0..count], source.labels);
    @memcpy(graph.upper_offset[0..count], source.upper_offset);
    @memcpy(graph.level0[0 .. count * graph.level0Stride()], source.level0);
    graph.upper = try memory.grow(u32, graph.upper, 0, @max(source.upper_used, 1), graph.placement);
    @memcpy(graph.upper[0..source.upper_used], source.upper[0..source.upper_used]);
    graph.upper_used = source.upper_used;
    @memcpy(graph.vectors[0 .. count * graph.row_bytes], source.vectors);
    if (graph.keep_rows) @memcpy(graph.rows[0 .. count * graph.dim], source.rows);
    graph.count = source.count;
    graph.removed = source.removed;
    graph.entry = source.entry;
    graph.top_level = source.top_level;
    try index.ids.reserve(count);
    for (0..count) |node| {
        if (!graph.isRemoved(@intCast(node))) index.ids.insert(graph.ids[node], @intCast(node));
    }
    return index;
}

test "a file whose hashes are right but whose graph is not (a link past the last node) is refused" {
    const index = try Index.create(.{ .space = .{ .dim = 2, .metric = .l2sq } });
    defer index.destroy();
    var ids: [40]u64 = undefined;
    var rows: [80]f32 = undefined;
    for (&ids, 0..) |*id, i| id.* = i;
    for (&rows, 0..) |*value, i| value.* = @floatFromInt(i % 7);
    var failed: usize = 0;
    try index.add(&ids, null, &rows, 1, &failed);
    const path = "/tmp/offheap-index-crafted.hnsw";
    _ = try save(index, path);
    const bytes = try os.mapFile(path);
    const copy = try std.testing.allocator.dupe(u8, bytes);
    defer std.testing.allocator.free(copy);
    os.unmapFile(bytes);
    const header: *Header = @ptrCast(@alignCast(copy.ptr));
    const layout = try Layout.of(header, 8);
    // Node 0's first level-0 link now names a node that does not exist; the hashes are redone.
    std.mem.writeInt(u32, copy[@intCast(layout.level0 + 4)..][0..4], 1_000_000, .little);
    header.body_hash = std.hash.XxHash64.hash(hash_seed, copy[@sizeOf(Header)..]);
    header.header_hash = headerHash(header);
    try os.writeFile(path, &.{copy});
    try std.testing.expectError(error.InvalidFile, open(path, .view));
    try std.testing.expectError(error.InvalidFile, open(path, .load));
    // A version this library does not know is refused too.
    header.version = format_version + 1;
    header.header_hash = headerHash(header);
    try os.writeFile(path, &.{copy});
    try std.testing.expectError(error.InvalidFile, open(path, .load));
}
