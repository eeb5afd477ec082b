//! The C ABI of self-description: the ABI version, the counters of `heap.stats()` and
//! `threadHeapStats()`, the effective options, and the layout of each of those flat f64 arrays (and
//! of the alloc_ex flags word) as JSON, so the facade decodes them by name from the one field list
//! that writes them, never by a position it copied.
//!
//!   offheap_abi_version() u32
//!   offheap_layout(which: u32, out: [*]u8, capacity: u32) i32
//!       the JSON layout `which` (see `Layout`) written to out as far as capacity allows; returns its
//!       full byte length (call with capacity 0 to size the buffer), or status for an unknown `which`
//!   offheap_stats(out: [*]f64, capacity: u32) i32           fields written, or status
//!   offheap_threads_stats(out: [*]f64, capacity: u32) i32   fields written, or status
//!   offheap_config(out: [*]f64, capacity: u32) i32          the reported options, or status
const std = @import("std");
const args = @import("args.zig");
const memory = @import("memory.zig");
const config = @import("../config.zig");
const stats_fields = @import("../stats/fields.zig");
const thread_fields = @import("../stats/threads.zig");
const status = @import("../support/status.zig");

/// ABI version 6: `offheap_cache_get_many` (a facade that calls it must not load a library without
/// it). 5: `offheap_alloc_owned` may set bit 2 of its result (take a profiling sample), so a caller
/// strips the low 3 bits, not 2. 4: the stats, thread stats and options are decoded by the names
/// of `offheap_layout` (the field-count exports are gone). 3 made region pins name their owner; 2 changed free of a
/// mapped-tier region (it is cached, so a second free is DoubleFree).
pub const abi_version: u32 = 6;

pub export fn offheap_abi_version() u32 {
    return abi_version;
}

/// The layouts `offheap_layout` describes. Numbered: part of the ABI.
pub const Layout = enum(u32) {
    /// `offheap_stats`: a JSON array of dotted field names ("tiers.small.allocs", "bytesByNode.0").
    stats = 0,
    /// `offheap_threads_stats`: a JSON array of field names.
    threads = 1,
    /// `offheap_config`: a JSON array of {name, environment, type, values?}.
    config = 2,
    /// The flags word of `offheap_alloc_ex`: a JSON array of {name, shift, bits, values?}.
    alloc_flags = 3,
    /// `offheap_cache_stats`: a JSON array of field names.
    cache_stats = 4,
    /// `offheap_pool_stats`: a JSON array of field names.
    pool_stats = 5,
    /// `offheap_tag_stats`: a JSON array of the field names of one tag's row.
    tag_stats = 6,
};

fn layoutText(layout: Layout) []const u8 {
    return switch (layout) {
        .stats => stats_fields.names_json,
        .threads => thread_fields.names_json,
        .config => config.layout_json,
        .alloc_flags => memory.flags_layout_json,
        .cache_stats => @import("../cache/fields.zig").names_json,
        .pool_stats => @import("../pool/fields.zig").names_json,
        .tag_stats => @import("../profile/fields.zig").names_json,
    };
}

pub export fn offheap_layout(which: u32, out: ?[*]u8, capacity: u32) i32 {
    const layout = std.enums.fromInt(Layout, which) orelse return status.code(error.InvalidArgument);
    return args.writeText(layoutText(layout), out, capacity);
}

/// Merges every thread heap's counters into `out`, which must hold every field of the layout.
pub export fn offheap_stats(out: ?[*]f64, capacity: u32) i32 {
    const target = args.pointer([*]f64, out) catch |err| return status.code(err);
    if (capacity < stats_fields.field_count) return status.code(error.InvalidArgument);
    const merged = stats_fields.Merged.ofAllHeaps();
    stats_fields.snapshot(&merged, target[0..stats_fields.field_count]);
    return stats_fields.field_count;
}

pub export fn offheap_threads_stats(out: ?[*]f64, capacity: u32) i32 {
    const target = args.pointer([*]f64, out) catch |err| return status.code(err);
    if (capacity < thread_fields.field_count) return status.code(error.InvalidArgument);
    thread_fields.snapshot(target[0..thread_fields.field_count]);
    return thread_fields.field_count;
}

/// The effective options, in the order of their layout.
pub export fn offheap_config(out: ?[*]f64, capacity: u32) i32 {
    const target = args.pointer([*]f64, out) catch |err| return status.code(err);
    const values = config.values(config.get());
    if (capacity < values.len) return status.code(error.InvalidArgument);
    @memcpy(target[0..values.len], &values);
    return values.len;
}

test "every layout is valid JSON with one entry per value written" {
    var buffer: [8192]u8 = undefined;
    var values: [512]f64 = undefined;
    const written = [_]i32{ offheap_stats(&values, values.len), offheap_threads_stats(&values, values.len), offheap_config(&values, values.len) };
    for ([_]Layout{ .stats, .threads, .config, .alloc_flags, .cache_stats, .pool_stats, .tag_stats }, 0..) |layout, index| {
        const length = offheap_layout(@backingInt(layout), &buffer, buffer.len);
        try std.testing.expect(length > 2 and length <= buffer.len);
        try std.testing.expectEqual(length, offheap_layout(@backingInt(layout), null, 0));
        const parsed = try std.json.parseFromSlice(std.json.Value, std.testing.allocator, buffer[0..@intCast(length)], .{});
        defer parsed.deinit();
        if (index < written.len) try std.testing.expectEqual(@as(usize, @intCast(written[index])), parsed.value.array.items.len);
    }
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_layout(7, &buffer, buffer.len));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_stats(null, 100));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_stats(&values, 2));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_threads_stats(&values, 2));
    try std.testing.expectEqual(status.code(error.InvalidArgument), offheap_config(&values, 2));
}
