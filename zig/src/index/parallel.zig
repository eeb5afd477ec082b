//! The parallel build: the nodes of one `add` batch, already appended, are linked by several
//! native threads at once, each taking the next node from a shared counter. As in hnswlib, a lock
//! guards each node's link lists (a reader copies them under it, a writer rewrites them under it,
//! and no thread ever holds two; link_locks.zig stripes them), and the entry point has one, held
//! through the whole
//! insertion of a node that raises the top level. The threads live only inside the call (spawned,
//! then joined before it returns), so the runtimes never see them, and the index's writer lock keeps
//! searches out meanwhile.
const std = @import("std");
const assert = std.debug.assert;
const memory = @import("memory.zig");
const Index = @import("index.zig").Index;
const YieldingLock = @import("link_locks.zig").YieldingLock;
const LinkLocks = @import("link_locks.zig").LinkLocks;
const Error = @import("../support/status.zig").Error;

const Shared = struct {
    index: *Index,
    locks: *const LinkLocks,
    entry_lock: YieldingLock = .{},
    next: std.atomic.Value(u32),
    end: u32,
    failed: std.atomic.Value(bool) = .init(false),

    fn work(shared: *Shared) void {
        const index = shared.index;
        const scratch = index.scratch.acquire(index.scratchSizes()) catch {
            shared.failed.store(true, .release);
            return;
        };
        defer index.scratch.release(scratch);
        // Each iteration takes a distinct node, so the loop ends after at most `end` iterations.
        while (!shared.failed.load(.acquire)) {
            const node = shared.next.fetchAdd(1, .monotonic);
            if (node >= shared.end) break;
            index.linkNode(scratch, node, shared.locks, &shared.entry_lock) catch {
                shared.failed.store(true, .release);
                return;
            };
        }
    }
};

/// Links nodes first..graph.count with `builders` threads (this one included).
pub fn link(index: *Index, first: u32, builders: u32) Error!void {
    assert(builders > 1);
    var locks = try LinkLocks.init(index.graph.count, index.placement);
    defer locks.deinit();
    var shared: Shared = .{ .index = index, .locks = &locks, .next = .init(first), .end = index.graph.count };
    var threads: [16]std.Thread = undefined;
    var started: usize = 0;
    for (threads[0 .. builders - 1]) |*thread| {
        thread.* = std.Thread.spawn(.{}, Shared.work, .{&shared}) catch break; // fewer builders then
        started += 1;
    }
    shared.work();
    for (threads[0..started]) |thread| thread.join();
    if (shared.failed.load(.acquire)) return error.OutOfMemory;
}
