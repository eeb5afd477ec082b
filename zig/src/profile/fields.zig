//! The one declared field list of `profile.byTag()`, like pool/fields.zig: the enum names each
//! counter of a tag as the facade reports it; the flat f64 layout of `offheap_tag_stats` (one row of
//! `field_count` values per tag) and the names of `offheap_layout(6)` follow from it.
const std = @import("std");
const assert = std.debug.assert;
const tags = @import("tags.zig");

pub const Field = enum {
    liveBytes,
    liveBlocks,
    peakBytes,
    allocs,
    frees,
    bytesAllocated,
};

pub const field_count = std.enums.values(Field).len;

fn read(field: Field, counters: tags.Counters) f64 {
    const value = switch (field) {
        .liveBytes => counters.live_bytes,
        .liveBlocks => counters.live_blocks,
        .peakBytes => counters.peak_bytes,
        .allocs => counters.allocs,
        .frees => counters.frees,
        .bytesAllocated => counters.bytes_allocated,
    };
    return @floatFromInt(value);
}

/// Writes the row of tag `id`.
pub fn snapshot(id: u32, out: *[field_count]f64) void {
    assert(tags.valid(id));
    const counters = tags.read(id);
    for (std.enums.values(Field), out) |field, *value| value.* = read(field, counters);
}

/// The names of the layout, in order, as a JSON array of strings.
pub const names_json: []const u8 = blk: {
    var text: []const u8 = "[";
    for (std.enums.values(Field)) |field| text = text ++ "\"" ++ @tagName(field) ++ "\",";
    break :blk text[0 .. text.len - 1] ++ "]";
};

test "a row holds every field in layout order" {
    const id = try tags.intern("test.fields.row");
    tags.add(id, 4096, 1);
    defer tags.remove(id, 4096, 1);
    var row: [field_count]f64 = undefined;
    snapshot(id, &row);
    try std.testing.expect(row[@backingInt(Field.liveBytes)] >= 4096);
    try std.testing.expect(row[@backingInt(Field.peakBytes)] >= row[@backingInt(Field.liveBytes)]);
    try std.testing.expect(std.mem.startsWith(u8, names_json, "[\"liveBytes\",\"liveBlocks\""));
}
