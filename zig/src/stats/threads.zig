//! The one declared field list of `threadHeapStats()`: the census of thread heaps and their owners,
//! the ownership events, and the region-pin owners. The enum names each field once, as the
//! TypeScript side reports it; `read` says where its value comes from; the flat f64 layout of
//! `offheap_threads_stats` and the names of `offheap_layout(.threads)` follow from the enum.
const std = @import("std");
const assert = std.debug.assert;
const thread_heap = @import("../alloc/thread_heap.zig");
const pin_owner = @import("../alloc/pin_owner.zig");

pub const Field = enum {
    heaps,
    activeHeaps,
    abandonedHeaps,
    adoptions,
    reclaimedDead,
    abandonedByHint,
    purgedBytes,
    pinOwners,
    pinsDropped,
};

pub const field_count = std.enums.values(Field).len;

/// One consistent-enough reading: the census walks every heap once, the events are counters.
const Reading = struct {
    census: thread_heap.Census,
    pins: pin_owner.Census,
};

fn read(field: Field, reading: *const Reading) u64 {
    const events = thread_heap.events;
    return switch (field) {
        .heaps => reading.census.heaps,
        .activeHeaps => reading.census.active,
        .abandonedHeaps => reading.census.abandoned,
        .adoptions => events.adopted.load(.monotonic),
        .reclaimedDead => events.reclaimed_dead.load(.monotonic),
        .abandonedByHint => events.abandoned_hint.load(.monotonic),
        .purgedBytes => events.purged_bytes.load(.monotonic),
        .pinOwners => reading.pins.owners,
        .pinsDropped => reading.pins.pins_dropped,
    };
}

pub fn snapshot(out: *[field_count]f64) void {
    const reading: Reading = .{ .census = thread_heap.census(), .pins = pin_owner.census() };
    assert(reading.census.active + reading.census.abandoned <= reading.census.heaps);
    for (std.enums.values(Field), out) |field, *value| value.* = @floatFromInt(read(field, &reading));
}

/// The names of the layout, in order, as a JSON array of strings.
pub const names_json: []const u8 = blk: {
    var text: []const u8 = "[";
    for (std.enums.values(Field)) |field| text = text ++ "\"" ++ @tagName(field) ++ "\",";
    break :blk text[0 .. text.len - 1] ++ "]";
};

test "the census sees the calling thread's heap as active" {
    var out: [field_count]f64 = undefined;
    _ = try thread_heap.get();
    snapshot(&out);
    try std.testing.expect(out[@intFromEnum(Field.heaps)] >= 1);
    try std.testing.expect(out[@intFromEnum(Field.activeHeaps)] >= 1);
    try std.testing.expect(std.mem.startsWith(u8, names_json, "[\"heaps\",\"activeHeaps\""));
}
