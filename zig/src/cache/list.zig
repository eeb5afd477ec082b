//! An intrusive doubly linked list of entries, newest at the head, with its byte and entry counts.
//! Every policy is built from these: one list (LRU, FIFO), sixteen (LFU by frequency), or three
//! (the adaptive policy's window, probation and protected segments).
const std = @import("std");
const assert = std.debug.assert;
const Entry = @import("entry.zig").Entry;

pub const List = struct {
    head: ?*Entry = null,
    tail: ?*Entry = null,
    count: u64 = 0,
    bytes: u64 = 0,

    pub fn pushHead(list: *List, entry: *Entry) void {
        assert(!entry.linked());
        assert(list.head != entry);
        entry.setNext(list.head);
        if (list.head) |head| head.setPrev(entry) else list.tail = entry;
        list.head = entry;
        list.count += 1;
        list.bytes += entry.chargedBytes();
    }

    pub fn remove(list: *List, entry: *Entry) void {
        assert(list.count > 0);
        assert(list.bytes >= entry.chargedBytes());
        const prev = entry.prevEntry();
        const next = entry.nextEntry();
        if (prev) |before| before.setNext(next) else list.head = next;
        if (next) |after| after.setPrev(prev) else list.tail = prev;
        entry.setPrev(null);
        entry.setNext(null);
        list.count -= 1;
        list.bytes -= entry.chargedBytes();
        assert((list.count == 0) == (list.head == null));
    }

    /// Puts `new` where `old` is (an update that keeps its position); `old` leaves the list.
    pub fn replace(list: *List, old: *Entry, new: *Entry) void {
        assert(!new.linked());
        const prev = old.prevEntry();
        const next = old.nextEntry();
        new.setPrev(prev);
        new.setNext(next);
        if (prev) |before| before.setNext(new) else list.head = new;
        if (next) |after| after.setPrev(new) else list.tail = new;
        old.setPrev(null);
        old.setNext(null);
        list.bytes = list.bytes - old.chargedBytes() + new.chargedBytes();
    }

    pub fn moveToHead(list: *List, entry: *Entry) void {
        if (list.head == entry) return;
        list.remove(entry);
        list.pushHead(entry);
    }
};

test "push, move and remove keep the order and the counts" {
    const entry_zig = @import("entry.zig");
    var slabs = entry_zig.testSlabs();
    defer slabs.deinit();
    var list: List = .{};
    const a = try entry_zig.create(&slabs, "\x01a", "1", 0, 0);
    const b = try entry_zig.create(&slabs, "\x01b", "22", 0, 0);
    list.pushHead(a);
    list.pushHead(b);
    try std.testing.expectEqual(b, list.head.?);
    list.moveToHead(a);
    try std.testing.expectEqual(a, list.head.?);
    try std.testing.expectEqual(b, list.tail.?);
    try std.testing.expectEqual(a.chargedBytes() + b.chargedBytes(), list.bytes);
    list.remove(a);
    list.remove(b);
    try std.testing.expectEqual(@as(u64, 0), list.bytes);
    entry_zig.destroy(&slabs, a);
    entry_zig.destroy(&slabs, b);
}
