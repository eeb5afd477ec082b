//! One cache entry: a header, the encoded key and the value, in one block of offheap's allocator.
//! Entries are immutable once published: an update writes a new entry and frees the old one, so a
//! reader that copies a value under its shard's lock sees the old value or the new, never a mix.
//!
//! The header carries the policy's list links, so no per-entry memory exists outside the block
//! except the index slot (8 bytes). `overhead_bytes` is what the byte limit charges per entry for
//! both (the header rounded up, plus the slot), so `bytes` in the stats is exact and predictable.
const std = @import("std");
const assert = std.debug.assert;
const heap = @import("../alloc/heap.zig");
const Error = @import("../support/status.zig").Error;

pub const key_bytes_max: usize = 65536;
pub const value_bytes_max: usize = 1 << 31;

pub const Entry = extern struct {
    prev: ?*Entry = null,
    next: ?*Entry = null,
    /// Milliseconds on the cache's clock; 0 = never expires.
    expires_at_ms: u64 = 0,
    index_hash: u32,
    sketch_hash: u32,
    key_len: u32,
    value_len: u32,
    /// The policy list that holds the entry (an LFU frequency, an adaptive segment, or 0).
    list: u8 = 0,
    _reserved: [7]u8 = @splat(0),

    pub fn key(entry: *const Entry) []const u8 {
        const base: [*]const u8 = @ptrCast(entry);
        return base[@sizeOf(Entry)..][0..entry.key_len];
    }

    pub fn value(entry: *const Entry) []const u8 {
        const base: [*]const u8 = @ptrCast(entry);
        return base[@sizeOf(Entry) + entry.key_len ..][0..entry.value_len];
    }

    /// What the byte limit charges for this entry.
    pub fn chargedBytes(entry: *const Entry) u64 {
        return chargedBytesOf(entry.key_len, entry.value_len);
    }
};

comptime {
    assert(@sizeOf(Entry) == 48);
}

/// Bytes charged per entry beyond its key and value: the header and one index slot, rounded up.
pub const overhead_bytes: u64 = 64;

comptime {
    assert(overhead_bytes >= @sizeOf(Entry) + @sizeOf(u64));
}

pub fn chargedBytesOf(key_len: usize, value_len: usize) u64 {
    return @as(u64, key_len) + value_len + overhead_bytes;
}

/// Allocates an entry holding copies of `key` and `value`.
pub fn create(key: []const u8, value: []const u8, hashes: struct { index: u32, sketch: u32 }, expires_at_ms: u64) Error!*Entry {
    assert(key.len >= 1 and key.len <= key_bytes_max);
    assert(value.len <= value_bytes_max);
    const address = try heap.alloc(.{ .size_bytes = @sizeOf(Entry) + key.len + value.len });
    const entry: *Entry = @ptrFromInt(address);
    entry.* = .{
        .index_hash = hashes.index,
        .sketch_hash = hashes.sketch,
        .key_len = @intCast(key.len),
        .value_len = @intCast(value.len),
        .expires_at_ms = expires_at_ms,
    };
    const bytes: [*]u8 = @ptrFromInt(address);
    @memcpy(bytes[@sizeOf(Entry)..][0..key.len], key);
    @memcpy(bytes[@sizeOf(Entry) + key.len ..][0..value.len], value);
    assert(std.mem.eql(u8, entry.key(), key));
    return entry;
}

pub fn destroy(entry: *Entry) void {
    assert(entry.prev == null and entry.next == null);
    _ = heap.free(@intFromPtr(entry)) catch unreachable; // the cache owns every entry it frees
}

test "an entry keeps its key and value and is charged a fixed overhead" {
    const entry = try create("\x01k", "value", .{ .index = 1, .sketch = 2 }, 0);
    defer destroy(entry);
    try std.testing.expectEqualStrings("\x01k", entry.key());
    try std.testing.expectEqualStrings("value", entry.value());
    try std.testing.expectEqual(@as(u64, 2 + 5 + overhead_bytes), entry.chargedBytes());
}
