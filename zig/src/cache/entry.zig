//! One cache entry: a header, the encoded key and the value, in one block of offheap's allocator.
//! Entries are immutable once published: an update writes a new entry and frees the old one, so a
//! reader that copies a value under its shard's lock sees the old value or the new, never a mix.
//!
//! The header carries the policy's list links, so no per-entry memory exists outside the block
//! except the index slot (8 bytes). `overhead_bytes` is what the byte limit charges per entry for
//! both (the header rounded up, plus the slot), so `bytes` in the stats is exact and predictable.
const std = @import("std");
const assert = std.debug.assert;
const Slabs = @import("slabs.zig").Slabs;
const hash = @import("hash.zig");
const Error = @import("../support/status.zig").Error;

pub const key_bytes_max: usize = 65536;
pub const value_bytes_max: usize = 1 << 31;
/// Expiry times are 40-bit milliseconds on the cache's clock (the monotonic clock counts from boot):
/// 34 years. The facade caps a TTL and a manual clock at 2^39 ms each, so their sum always fits.
pub const expires_at_ms_max: u64 = (1 << 40) - 1;

/// 32 bytes: the list links, the index hash, the lengths, the policy's list and a 40-bit expiry.
/// The sketch hash is derived from the index hash (`sketchHash`) rather than stored.
pub const Entry = extern struct {
    prev: ?*Entry = null,
    next: ?*Entry = null,
    index_hash: u32,
    value_len: u32,
    /// The encoded key's length minus one (an encoded key has 1 to 65536 bytes).
    key_len_minus_one: u16,
    /// The policy list that holds the entry (an LFU frequency, an adaptive segment, or 0).
    list: u8 = 0,
    /// Milliseconds on the cache's clock, low 32 bits and high 8 bits; 0 = never expires.
    expires_at_ms_high: u8 = 0,
    expires_at_ms_low: u32 = 0,

    pub fn keyLength(entry: *const Entry) usize {
        return @as(usize, entry.key_len_minus_one) + 1;
    }

    pub fn key(entry: *const Entry) []const u8 {
        const base: [*]const u8 = @ptrCast(entry);
        return base[@sizeOf(Entry)..][0..entry.keyLength()];
    }

    pub fn value(entry: *const Entry) []const u8 {
        const base: [*]const u8 = @ptrCast(entry);
        return base[@sizeOf(Entry) + entry.keyLength() ..][0..entry.value_len];
    }

    pub fn expiresAtMs(entry: *const Entry) u64 {
        return @as(u64, entry.expires_at_ms_high) << 32 | entry.expires_at_ms_low;
    }

    fn setExpiresAtMs(entry: *Entry, expires_at_ms: u64) void {
        assert(expires_at_ms <= expires_at_ms_max);
        entry.expires_at_ms_low = @truncate(expires_at_ms);
        entry.expires_at_ms_high = @intCast(expires_at_ms >> 32);
        assert(entry.expiresAtMs() == expires_at_ms);
    }

    pub fn sketchHash(entry: *const Entry) u32 {
        return hash.sketchOf(entry.index_hash);
    }

    /// What the byte limit charges for this entry.
    pub fn chargedBytes(entry: *const Entry) u64 {
        return chargedBytesOf(entry.keyLength(), entry.value_len);
    }
};

comptime {
    assert(@sizeOf(Entry) == 32);
    assert(@alignOf(Entry) == 8);
}

/// Bytes charged per entry beyond its key and value: the 32-byte header and two 8-byte index slots
/// (the index is a power of two kept between 3/8 and 3/4 full, so an entry owns 1.3 to 2.7 slots).
pub const overhead_bytes: u64 = 48;

comptime {
    assert(overhead_bytes >= @sizeOf(Entry) + 2 * @sizeOf(u64));
}

pub fn chargedBytesOf(key_len: usize, value_len: usize) u64 {
    return @as(u64, key_len) + value_len + overhead_bytes;
}

fn blockBytes(key_len: usize, value_len: usize) usize {
    return @sizeOf(Entry) + key_len + value_len;
}

/// Allocates, from the shard's slabs, an entry holding copies of `key` and `value`.
pub fn create(slabs: *Slabs, key: []const u8, value: []const u8, index_hash: u32, expires_at_ms: u64) Error!*Entry {
    assert(key.len >= 1 and key.len <= key_bytes_max);
    assert(value.len <= value_bytes_max);
    const memory = try slabs.alloc(blockBytes(key.len, value.len));
    const address = @intFromPtr(memory);
    const entry: *Entry = @ptrCast(@alignCast(memory));
    entry.* = .{
        .index_hash = index_hash,
        .key_len_minus_one = @intCast(key.len - 1),
        .value_len = @intCast(value.len),
    };
    entry.setExpiresAtMs(expires_at_ms);
    const bytes: [*]u8 = @ptrFromInt(address);
    @memcpy(bytes[@sizeOf(Entry)..][0..key.len], key);
    @memcpy(bytes[@sizeOf(Entry) + key.len ..][0..value.len], value);
    assert(std.mem.eql(u8, entry.key(), key));
    return entry;
}

pub fn destroy(slabs: *Slabs, entry: *Entry) void {
    assert(entry.prev == null and entry.next == null);
    slabs.free(@ptrCast(entry), blockBytes(entry.keyLength(), entry.value_len));
}

/// Slabs for the tests of the entry, its list and its index.
pub fn testSlabs() Slabs {
    return .{ .options = .{ .bytes_max = 1 << 20 } };
}

test "an entry keeps its key and value and is charged a fixed overhead" {
    var slabs = testSlabs();
    defer slabs.deinit();
    const entry = try create(&slabs, "\x01k", "value", 1, (1 << 40) - 1);
    defer destroy(&slabs, entry);
    try std.testing.expectEqualStrings("\x01k", entry.key());
    try std.testing.expectEqualStrings("value", entry.value());
    try std.testing.expectEqual(@as(u64, 2 + 5 + overhead_bytes), entry.chargedBytes());
    try std.testing.expectEqual(expires_at_ms_max, entry.expiresAtMs());
    try std.testing.expectEqual(hash.sketchOf(1), entry.sketchHash());
}
