//! A shard's hash index: open addressing with linear probing over a power-of-two table of 8-byte
//! slots, kept at most 3/4 full, with backward-shift deletion (no tombstones, so probes stay short
//! however many deletes happen). A slot holds the entry's address (below 2^47) and, in its top 16
//! bits, a tag from the key's hash, so a probe loads an entry only when the tags match.
const std = @import("std");
const assert = std.debug.assert;
const heap = @import("../alloc/heap.zig");
const os = @import("../os/os.zig");
const Error = @import("../support/status.zig").Error;
const Entry = @import("entry.zig").Entry;
const MemoryOptions = @import("slabs.zig").Options;

const tag_shift = 48;
const address_mask: u64 = (1 << tag_shift) - 1;
pub const capacity_min: usize = 16;

pub const Index = struct {
    slots: []u64 = &.{},
    count: usize = 0,

    fn slotOf(entry: *const Entry) u64 {
        const address: u64 = @intFromPtr(entry);
        assert(address < os.address_limit);
        return address | (@as(u64, entry.index_hash >> 16) << tag_shift);
    }

    fn entryOf(slot: u64) *Entry {
        assert(slot != 0);
        return @ptrFromInt(slot & address_mask);
    }

    fn home(index: *const Index, hash: u32) usize {
        // The low bits pick the shard; the slot comes from a remix, so shards use their whole table.
        return @as(usize, @import("hash.zig").fmix32(hash ^ 0x5bd1e995)) & (index.slots.len - 1);
    }

    /// The entry whose key is `key`, or null.
    pub fn find(index: *const Index, key: []const u8, hash: u32) ?*Entry {
        if (index.slots.len == 0) return null;
        const tag: u64 = hash >> 16;
        var position = index.home(hash);
        for (0..index.slots.len) |_| {
            const slot = index.slots[position];
            if (slot == 0) return null;
            if (slot >> tag_shift == tag) {
                const entry = entryOf(slot);
                if (entry.index_hash == hash and std.mem.eql(u8, entry.key(), key)) return entry;
            }
            position = (position + 1) & (index.slots.len - 1);
        }
        unreachable; // the table is never full
    }

    /// Adds an entry whose key is not in the index yet.
    pub fn insert(index: *Index, entry: *Entry, memory: MemoryOptions) Error!void {
        if ((index.count + 1) * 4 > index.slots.len * 3) try index.grow(memory);
        index.place(entry);
        index.count += 1;
        assert(index.count * 4 <= index.slots.len * 3);
    }

    fn place(index: *Index, entry: *Entry) void {
        var position = index.home(entry.index_hash);
        while (index.slots[position] != 0) position = (position + 1) & (index.slots.len - 1);
        index.slots[position] = slotOf(entry);
    }

    /// Points the slot of `old` at `new` (same key).
    pub fn replace(index: *Index, old: *Entry, new: *Entry) void {
        assert(old.index_hash == new.index_hash);
        const position = index.positionOf(old);
        index.slots[position] = slotOf(new);
    }

    fn positionOf(index: *const Index, entry: *const Entry) usize {
        var position = index.home(entry.index_hash);
        for (0..index.slots.len) |_| {
            if (index.slots[position] & address_mask == @intFromPtr(entry)) return position;
            assert(index.slots[position] != 0);
            position = (position + 1) & (index.slots.len - 1);
        }
        unreachable; // callers only remove entries they found
    }

    /// Removes `entry`, shifting later members of its probe run back so no tombstone is left.
    pub fn remove(index: *Index, entry: *const Entry) void {
        assert(index.count > 0);
        const mask = index.slots.len - 1;
        var hole = index.positionOf(entry);
        var position = (hole + 1) & mask;
        while (index.slots[position] != 0) : (position = (position + 1) & mask) {
            const wanted = index.home(entryOf(index.slots[position]).index_hash);
            // Move the slot into the hole when the hole lies on its probe path (from `wanted` to `position`).
            const distance_to_hole = (hole -% wanted) & mask;
            const distance_to_slot = (position -% wanted) & mask;
            if (distance_to_hole <= distance_to_slot) {
                index.slots[hole] = index.slots[position];
                hole = position;
            }
        }
        index.slots[hole] = 0;
        index.count -= 1;
    }

    fn grow(index: *Index, memory: MemoryOptions) Error!void {
        const capacity = @max(capacity_min, index.slots.len * 2);
        const address = try heap.alloc(memory.tableRequest(capacity * @sizeOf(u64)));
        const old = index.slots;
        index.slots = @as([*]u64, @ptrFromInt(address))[0..capacity];
        for (old) |slot| if (slot != 0) index.place(entryOf(slot));
        if (old.len > 0) _ = heap.free(@intFromPtr(old.ptr)) catch unreachable;
    }

    /// The entry in slot `position` (for the TTL sweep), or null for an empty slot.
    pub fn at(index: *const Index, position: usize) ?*Entry {
        if (position >= index.slots.len or index.slots[position] == 0) return null;
        return entryOf(index.slots[position]);
    }

    pub fn deinit(index: *Index) void {
        if (index.slots.len > 0) _ = heap.free(@intFromPtr(index.slots.ptr)) catch unreachable;
        index.* = .{};
    }
};

test "insert, find, replace and remove thousands of keys with collisions in the tags" {
    const entry_zig = @import("entry.zig");
    const hash_zig = @import("hash.zig");
    var slabs = entry_zig.testSlabs();
    defer slabs.deinit();
    var index: Index = .{};
    defer index.deinit();
    var entries: [3000]*Entry = undefined;
    var key_buffer: [16]u8 = undefined;
    for (&entries, 0..) |*slot, i| {
        const key = std.fmt.bufPrint(&key_buffer, "\x01k{d}", .{i}) catch unreachable;
        // Every fourth key gets a hash shared with its neighbour, to exercise tag and hash collisions.
        const hash = hash_zig.hash32(key, hash_zig.index_seed) & if (i % 4 == 0) @as(u32, 0xffff0000) else 0xffffffff;
        slot.* = try entry_zig.create(&slabs, key, "v", hash, 0);
        try index.insert(slot.*, slabs.options);
    }
    for (entries) |entry| try std.testing.expectEqual(entry, index.find(entry.key(), entry.index_hash).?);
    for (entries, 0..) |entry, i| if (i % 3 == 0) index.remove(entry);
    for (entries, 0..) |entry, i| {
        const found = index.find(entry.key(), entry.index_hash);
        if (i % 3 == 0) try std.testing.expectEqual(@as(?*Entry, null), found) else try std.testing.expectEqual(entry, found.?);
    }
    for (entries, 0..) |entry, i| if (i % 3 != 0) index.remove(entry);
    try std.testing.expectEqual(@as(usize, 0), index.count);
    for (index.slots) |slot| try std.testing.expectEqual(@as(u64, 0), slot);
    for (entries) |entry| entry_zig.destroy(&slabs, entry);
}
