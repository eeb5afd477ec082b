//! A shard's hash index: open addressing with linear probing, kept at most 3/4 full, with
//! backward-shift deletion (no tombstones, so probes stay short however many deletes happen).
//!
//! Slots are packed twelve to a 64-byte line: twelve 1-byte tags, then twelve 4-byte entry
//! references (arena.zig). A probe reads one line for twelve slots, and loads an entry only when
//! its tag (7 bits of the key's hash, never 0, which marks an empty slot) matches. That is 5⅓
//! bytes a slot, against 8 for a pointer and a tag, and it keeps a lookup to one line of the index
//! and the entry. The line count is a power of two; positions run over lines × 12.
const std = @import("std");
const assert = std.debug.assert;
const heap = @import("../alloc/heap.zig");
const Error = @import("../support/status.zig").Error;
const entry_zig = @import("entry.zig");
const Entry = entry_zig.Entry;
const arena = @import("arena.zig");
const MemoryOptions = @import("slabs.zig").Options;
const Slabs = @import("slabs.zig").Slabs;
const fmix32 = @import("hash.zig").fmix32;

const slots_per_line = 12;
const empty_tag: u8 = 0;

const Line = extern struct {
    tags: [slots_per_line]u8,
    _spare: u32,
    refs: [slots_per_line]arena.Ref,
};

comptime {
    assert(@sizeOf(Line) == 64);
}

pub const lines_min: usize = 2;

fn tagOf(hash: u32) u8 {
    return @as(u8, @truncate(hash >> 25)) | 0x80;
}

pub const Index = struct {
    lines: []Line = &.{},
    count: usize = 0,

    pub fn capacity(index: *const Index) usize {
        return index.lines.len * slots_per_line;
    }

    pub fn memoryBytes(index: *const Index) usize {
        return index.lines.len * @sizeOf(Line);
    }

    fn home(index: *const Index, hash: u32) usize {
        // The low bits pick the shard; the position comes from a remix, so shards use their whole table.
        const mixed: u64 = fmix32(hash ^ 0x5bd1e995);
        return @intCast((mixed * index.capacity()) >> 32);
    }

    fn next(index: *const Index, position: usize) usize {
        const following = position + 1;
        return if (following == index.capacity()) 0 else following;
    }

    fn tagAt(index: *const Index, position: usize) u8 {
        return index.lines[position / slots_per_line].tags[position % slots_per_line];
    }

    fn refAt(index: *const Index, position: usize) arena.Ref {
        return index.lines[position / slots_per_line].refs[position % slots_per_line];
    }

    fn put(index: *Index, position: usize, tag: u8, ref: arena.Ref) void {
        const line = &index.lines[position / slots_per_line];
        line.tags[position % slots_per_line] = tag;
        line.refs[position % slots_per_line] = ref;
        assert((tag == empty_tag) == (ref == arena.none));
    }

    /// The entry whose key is `key`, or null. With `slabs`, each candidate's whole slot is
    /// prefetched before its key is compared (Slabs.prefetchSlot), for a caller that reads the value.
    pub fn find(index: *const Index, key: []const u8, hash: u32, slabs: ?*const Slabs) ?*Entry {
        if (index.lines.len == 0) return null;
        const tag = tagOf(hash);
        var position = index.home(hash);
        for (0..index.capacity()) |_| {
            const found = index.tagAt(position);
            if (found == empty_tag) return null;
            if (found == tag) {
                const entry = entry_zig.entryOf(index.refAt(position));
                if (slabs) |reading| reading.prefetchSlot(@intFromPtr(entry));
                if (entry.index_hash == hash and std.mem.eql(u8, entry.key(), key)) return entry;
            }
            position = index.next(position);
        }
        unreachable; // the table is never full
    }

    /// Asks for the line of `hash`'s home slot: the first step of a batch of lookups, whose lines
    /// then arrive side by side.
    pub fn prefetchHome(index: *const Index, hash: u32) void {
        if (index.lines.len == 0) return;
        @prefetch(&index.lines[index.home(hash) / slots_per_line], .{});
    }

    /// Asks for the whole slot of the first entry on `hash`'s probe path whose tag matches (the one
    /// `find` most likely returns), without comparing keys: a batch's second step, once the home
    /// lines are in.
    pub fn prefetchCandidate(index: *const Index, hash: u32, slabs: *const Slabs) void {
        if (index.lines.len == 0) return;
        const tag = tagOf(hash);
        var position = index.home(hash);
        for (0..index.capacity()) |_| {
            const found = index.tagAt(position);
            if (found == empty_tag) return;
            if (found == tag) {
                const entry = entry_zig.entryOf(index.refAt(position));
                @prefetch(entry, .{});
                slabs.prefetchSlot(@intFromPtr(entry));
                return;
            }
            position = index.next(position);
        }
    }

    /// Adds an entry whose key is not in the index yet.
    pub fn insert(index: *Index, entry: *Entry, memory: MemoryOptions) Error!void {
        if ((index.count + 1) * 4 > index.capacity() * 3) try index.grow(memory);
        index.place(entry);
        index.count += 1;
        assert(index.count * 4 <= index.capacity() * 3);
    }

    fn place(index: *Index, entry: *const Entry) void {
        var position = index.home(entry.index_hash);
        while (index.tagAt(position) != empty_tag) position = index.next(position);
        index.put(position, tagOf(entry.index_hash), entry_zig.referenceOf(entry));
    }

    /// Points the slot of `old` at `new` (same key).
    pub fn replace(index: *Index, old: *const Entry, new: *const Entry) void {
        assert(old.index_hash == new.index_hash);
        const position = index.positionOf(old);
        index.put(position, tagOf(new.index_hash), entry_zig.referenceOf(new));
    }

    fn positionOf(index: *const Index, entry: *const Entry) usize {
        const ref = entry_zig.referenceOf(entry);
        var position = index.home(entry.index_hash);
        for (0..index.capacity()) |_| {
            if (index.refAt(position) == ref) return position;
            assert(index.tagAt(position) != empty_tag);
            position = index.next(position);
        }
        unreachable; // callers only remove entries they found
    }

    /// Removes `entry`, shifting later members of its probe run back so no tombstone is left.
    pub fn remove(index: *Index, entry: *const Entry) void {
        assert(index.count > 0);
        const slots = index.capacity();
        var hole = index.positionOf(entry);
        var position = index.next(hole);
        for (0..slots) |_| {
            if (index.tagAt(position) == empty_tag) break;
            const moved = entry_zig.entryOf(index.refAt(position));
            const wanted = index.home(moved.index_hash);
            // Move the slot into the hole when the hole lies on its probe path (from `wanted` to `position`).
            const distance_to_hole = (hole + slots - wanted) % slots;
            const distance_to_slot = (position + slots - wanted) % slots;
            if (distance_to_hole <= distance_to_slot) {
                index.put(hole, index.tagAt(position), index.refAt(position));
                hole = position;
            }
            position = index.next(position);
        }
        index.put(hole, empty_tag, arena.none);
        index.count -= 1;
    }

    fn grow(index: *Index, memory: MemoryOptions) Error!void {
        const line_count = @max(lines_min, index.lines.len * 2);
        const address = try heap.alloc(memory.tableRequest(line_count * @sizeOf(Line)));
        const old = index.lines;
        index.lines = @as([*]Line, @ptrFromInt(address))[0..line_count];
        for (old) |*line| {
            for (line.tags, line.refs) |tag, ref| if (tag != empty_tag) index.place(entry_zig.entryOf(ref));
        }
        if (old.len > 0) _ = heap.free(@intFromPtr(old.ptr)) catch unreachable;
    }

    /// The entry in slot `position` (for the TTL sweep), or null for an empty slot.
    pub fn at(index: *const Index, position: usize) ?*Entry {
        if (position >= index.capacity() or index.tagAt(position) == empty_tag) return null;
        return entry_zig.entryOf(index.refAt(position));
    }

    pub fn deinit(index: *Index) void {
        if (index.lines.len > 0) _ = heap.free(@intFromPtr(index.lines.ptr)) catch unreachable;
        index.* = .{};
    }
};

test "insert, find, replace and remove thousands of keys with collisions in the tags" {
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
    for (entries) |entry| try std.testing.expectEqual(entry, index.find(entry.key(), entry.index_hash, null).?);
    const replacement = try entry_zig.create(&slabs, entries[5].key(), "w", entries[5].index_hash, 0);
    index.replace(entries[5], replacement);
    try std.testing.expectEqual(replacement, index.find(entries[5].key(), entries[5].index_hash, null).?);
    index.replace(replacement, entries[5]);
    entry_zig.destroy(&slabs, replacement);
    for (entries, 0..) |entry, i| if (i % 3 == 0) index.remove(entry);
    for (entries, 0..) |entry, i| {
        const found = index.find(entry.key(), entry.index_hash, null);
        if (i % 3 == 0) try std.testing.expectEqual(@as(?*Entry, null), found) else try std.testing.expectEqual(entry, found.?);
    }
    for (entries, 0..) |entry, i| if (i % 3 != 0) index.remove(entry);
    try std.testing.expectEqual(@as(usize, 0), index.count);
    for (index.lines) |line| {
        for (line.tags, line.refs) |tag, ref| {
            try std.testing.expectEqual(empty_tag, tag);
            try std.testing.expectEqual(arena.none, ref);
        }
    }
    for (entries) |entry| entry_zig.destroy(&slabs, entry);
}
