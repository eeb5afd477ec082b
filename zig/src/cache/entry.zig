//! One cache entry: a 24-byte header, the encoded key and the value, in one slot of its shard's
//! slabs. Entries are immutable once published: an update writes a new entry and frees the old one,
//! so a reader that copies a value under its shard's lock sees the old value or the new, never a mix.
//!
//! The header carries the policy's list links as 32-bit references (arena.zig), so no per-entry
//! memory exists outside the slot except the index slot (5⅓ bytes). An entry too large for a slot
//! is a stub: the header and a pointer to a block of offheap's allocator holding its key and value.
//! `overhead_bytes` is what the byte limit charges per entry for the header and its index share,
//! so `bytes` in the stats is exact and predictable.
const std = @import("std");
const assert = std.debug.assert;
const slabs_zig = @import("slabs.zig");
const Slabs = slabs_zig.Slabs;
const arena = @import("arena.zig");
const hash = @import("hash.zig");
const Error = @import("../support/status.zig").Error;

pub const key_bytes_max: usize = 65536;
pub const value_bytes_max: usize = 1 << 31;
/// Expiry times are 40-bit milliseconds on the cache's clock (the monotonic clock counts from boot):
/// 34 years. The facade caps a TTL and a manual clock at 2^39 ms each, so their sum always fits.
pub const expires_at_ms_max: u64 = (1 << 40) - 1;

/// 24 bytes: the list links, the index hash, the lengths, the policy's list and a 40-bit expiry.
/// The sketch hash is derived from the index hash (`sketchHash`) rather than stored.
pub const Entry = extern struct {
    prev: arena.Ref = arena.none,
    next: arena.Ref = arena.none,
    index_hash: u32,
    value_len: u32,
    /// The encoded key's length minus one (an encoded key has 1 to 65536 bytes).
    key_len_minus_one: u16,
    /// The policy list that holds the entry (an LFU frequency, an adaptive segment, or 0).
    list: u8 = 0,
    /// Milliseconds on the cache's clock, high 8 bits and low 32 bits; 0 = never expires.
    expires_at_ms_high: u8 = 0,
    expires_at_ms_low: u32 = 0,

    pub fn prevEntry(entry: *const Entry) ?*Entry {
        return entryAt(entry.prev);
    }

    pub fn nextEntry(entry: *const Entry) ?*Entry {
        return entryAt(entry.next);
    }

    pub fn setPrev(entry: *Entry, prev: ?*const Entry) void {
        entry.prev = refOf(prev);
    }

    pub fn setNext(entry: *Entry, next: ?*const Entry) void {
        entry.next = refOf(next);
    }

    pub fn linked(entry: *const Entry) bool {
        return entry.prev != arena.none or entry.next != arena.none;
    }

    pub fn keyLength(entry: *const Entry) usize {
        return @as(usize, entry.key_len_minus_one) + 1;
    }

    /// Whether the key and value live in a block of their own (the entry is a stub).
    pub fn external(entry: *const Entry) bool {
        return blockBytes(entry.keyLength(), entry.value_len) > slabs_zig.slot_bytes_max;
    }

    /// Where the key starts; the value follows it.
    fn data(entry: *const Entry) [*]const u8 {
        const base: [*]const u8 = @ptrCast(entry);
        if (!entry.external()) return base + @sizeOf(Entry);
        return @as(*const [*]const u8, @ptrCast(@alignCast(base + @sizeOf(Entry)))).*;
    }

    pub fn key(entry: *const Entry) []const u8 {
        return entry.data()[0..entry.keyLength()];
    }

    pub fn value(entry: *const Entry) []const u8 {
        return entry.data()[entry.keyLength()..][0..entry.value_len];
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
    assert(@sizeOf(Entry) == 24);
    assert(@alignOf(Entry) == 4);
    assert(@sizeOf(Entry) % arena.reference_unit_bytes == 0); // a stub's pointer is 8-byte aligned
}

fn entryAt(ref: arena.Ref) ?*Entry {
    if (ref == arena.none) return null;
    return @ptrFromInt(arena.addressOf(ref));
}

fn refOf(entry: ?*const Entry) arena.Ref {
    const present = entry orelse return arena.none;
    return arena.refOf(@intFromPtr(present));
}

/// The reference of a linked entry, for the index.
pub fn referenceOf(entry: *const Entry) arena.Ref {
    return refOf(entry);
}

/// The entry a reference names.
pub fn entryOf(ref: arena.Ref) *Entry {
    return entryAt(ref).?;
}

/// Bytes charged per entry beyond its key and value: the 24-byte header and its share of the index
/// (12 slots of 4-byte references and 1-byte tags per 64-byte line, kept at most 3/4 full), with
/// room to spare for a slot's rounding.
pub const overhead_bytes: u64 = 48;

comptime {
    assert(overhead_bytes >= @sizeOf(Entry) + 2 * 64 / 12);
}

pub fn chargedBytesOf(key_len: usize, value_len: usize) u64 {
    return @as(u64, key_len) + value_len + overhead_bytes;
}

fn blockBytes(key_len: usize, value_len: usize) usize {
    return @sizeOf(Entry) + key_len + value_len;
}

const stub_bytes = @sizeOf(Entry) + @sizeOf(usize);

/// Allocates, from the shard's slabs, an entry holding copies of `key` and `value` (a stub and a
/// block of its own when they do not fit a slot).
pub fn create(slabs: *Slabs, key: []const u8, value: []const u8, index_hash: u32, expires_at_ms: u64) Error!*Entry {
    assert(key.len >= 1 and key.len <= key_bytes_max);
    assert(value.len <= value_bytes_max);
    const inline_bytes = blockBytes(key.len, value.len);
    const is_external = inline_bytes > slabs_zig.slot_bytes_max;
    const memory = try slabs.alloc(if (is_external) stub_bytes else inline_bytes);
    const entry: *Entry = @ptrCast(@alignCast(memory));
    var data: [*]u8 = memory + @sizeOf(Entry);
    if (is_external) {
        data = slabs.alloc(key.len + value.len) catch |err| {
            slabs.free(memory, stub_bytes);
            return err;
        };
        @as(*[*]u8, @ptrCast(@alignCast(memory + @sizeOf(Entry)))).* = data;
    }
    entry.* = .{
        .index_hash = index_hash,
        .key_len_minus_one = @intCast(key.len - 1),
        .value_len = @intCast(value.len),
    };
    entry.setExpiresAtMs(expires_at_ms);
    @memcpy(data[0..key.len], key);
    @memcpy(data[key.len..][0..value.len], value);
    assert(entry.external() == is_external);
    assert(std.mem.eql(u8, entry.key(), key));
    return entry;
}

pub fn destroy(slabs: *Slabs, entry: *Entry) void {
    assert(!entry.linked());
    const key_len = entry.keyLength();
    if (entry.external()) {
        slabs.free(@constCast(entry.data()), key_len + entry.value_len);
        slabs.free(@ptrCast(entry), stub_bytes);
    } else {
        slabs.free(@ptrCast(entry), blockBytes(key_len, entry.value_len));
    }
}

/// Slabs for the tests of the entry, its list and its index.
pub fn testSlabs() Slabs {
    arena.reserve() catch unreachable;
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
    try std.testing.expect(!entry.external());
    try std.testing.expectEqual(entry, entryOf(referenceOf(entry)));
}

test "an entry too large for a slot is a stub pointing at a block of its own" {
    var slabs = testSlabs();
    defer slabs.deinit();
    var value: [20000]u8 = undefined;
    for (&value, 0..) |*byte, i| byte.* = @truncate(i);
    const entry = try create(&slabs, "\x01big", &value, 9, 0);
    try std.testing.expect(entry.external());
    try std.testing.expectEqualStrings("\x01big", entry.key());
    try std.testing.expectEqualSlices(u8, &value, entry.value());
    try std.testing.expect(slabs.large_bytes >= value.len);
    destroy(&slabs, entry);
    try std.testing.expectEqual(@as(u64, 0), slabs.memoryBytes());
}
