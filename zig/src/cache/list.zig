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
        assert(entry.prev == null and entry.next == null);
        assert(list.head != entry);
        entry.next = list.head;
        if (list.head) |head| head.prev = entry else list.tail = entry;
        list.head = entry;
        list.count += 1;
        list.bytes += entry.chargedBytes();
    }

    pub fn remove(list: *List, entry: *Entry) void {
        assert(list.count > 0);
        assert(list.bytes >= entry.chargedBytes());
        if (entry.prev) |prev| prev.next = entry.next else list.head = entry.next;
        if (entry.next) |next| next.prev = entry.prev else list.tail = entry.prev;
        entry.prev = null;
        entry.next = null;
        list.count -= 1;
        list.bytes -= entry.chargedBytes();
        assert((list.count == 0) == (list.head == null));
    }

    /// Puts `new` where `old` is (an update that keeps its position); `old` leaves the list.
    pub fn replace(list: *List, old: *Entry, new: *Entry) void {
        assert(new.prev == null and new.next == null);
        new.prev = old.prev;
        new.next = old.next;
        if (old.prev) |prev| prev.next = new else list.head = new;
        if (old.next) |next| next.prev = new else list.tail = new;
        old.prev = null;
        old.next = null;
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
