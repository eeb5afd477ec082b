//! The registry of thread heaps: every heap ever created, on one lock-free list that is never
//! unlinked (so `stats()` and `trim()` may walk it at any time). A thread that needs a heap adopts
//! an abandoned one (or one whose thread has ended) before it maps a new one; a thread gives its
//! heap up through the thread-exit hint or `abandonCurrent`; `collectUnowned` collects and purges
//! every heap no live thread owns. The ownership word these changes go through is abandon.zig's.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const config = @import("../config.zig");
const stats = @import("../stats/counters.zig");
const abandon = @import("abandon.zig");
const segment_zig = @import("segment.zig");
const thread_heap = @import("thread_heap.zig");
const ThreadHeap = thread_heap.ThreadHeap;

var registry: std.atomic.Value(?*ThreadHeap) = .init(null);

/// Events of heap ownership, for `offheap_threads_stats` and the tests.
pub const Events = struct {
    /// Heaps handed to a new thread instead of mapping a new one.
    adopted: std.atomic.Value(u64) = .init(0),
    /// Adoptions of heaps whose owner ended without the exit hint (found dead by tgkill).
    reclaimed_dead: std.atomic.Value(u64) = .init(0),
    /// Heaps released by the thread-exit hint.
    abandoned_hint: std.atomic.Value(u64) = .init(0),
    /// Bytes of empty pages returned to the OS.
    purged_bytes: std.atomic.Value(u64) = .init(0),
};
pub var events: Events = .{};

/// Maps a heap for the calling thread, or adopts an abandoned one.
pub fn create() os.MapError!*ThreadHeap {
    thread_heap.poison_freed = config.get().poison;
    segment_zig.initCookieSecret();
    exit_hint.init();
    const tid = abandon.currentTid();
    if (adoptAny(tid)) |heap| {
        install(heap);
        return heap;
    }
    const bytes = std.mem.alignForward(usize, @sizeOf(ThreadHeap), os.page_size_bytes);
    const heap: *ThreadHeap = @ptrCast(try os.map(bytes, .{}));
    heap.* = .{ .ownership = .initActive(tid) };
    var head = registry.load(.monotonic);
    while (true) {
        heap.registry_next = head;
        head = registry.cmpxchgWeak(head, heap, .release, .monotonic) orelse break;
    }
    _ = stats.global.thread_heaps.fetchAdd(1, .monotonic);
    install(heap);
    return heap;
}

fn install(heap: *ThreadHeap) void {
    assert(thread_heap.current == null);
    assert(heap.ownership.load().state == .active);
    thread_heap.current = heap;
    exit_hint.arm(heap);
}

/// Walks the registry once and adopts the first heap that is abandoned or whose owner has ended.
/// The adopter collects the heap whole, so remote frees made while it had no owner come back.
fn adoptAny(tid: u32) ?*ThreadHeap {
    var next = registry.load(.acquire);
    var count: usize = 0;
    while (next) |heap| : (count += 1) {
        assert(count < 1 << 32);
        next = heap.registry_next;
        const seen = heap.ownership.load();
        const owner_gone = seen.state == .active and abandon.ownerGone(seen, tid);
        if (seen.state != .abandoned and !owner_gone) continue;
        if (!heap.ownership.exchange(seen, abandon.taken(seen, tid, .active))) continue;
        _ = events.adopted.fetchAdd(1, .monotonic);
        if (owner_gone) _ = events.reclaimed_dead.fetchAdd(1, .monotonic);
        heap.collectAll();
        return heap;
    }
    return null;
}

/// Collects and purges every heap no live thread owns, holding each in the `collecting` state for
/// the duration (adopters skip it meanwhile). Also collects the caller's own heap. Returns the
/// bytes returned to the OS. Slow: for `trim()`, never for a hot path.
pub fn collectUnowned() usize {
    var purged_bytes: usize = 0;
    if (thread_heap.current) |mine| {
        mine.collectAll();
        purged_bytes += mine.purgeFreePages();
    }
    const tid = abandon.currentTid();
    var next = registry.load(.acquire);
    var count: usize = 0;
    while (next) |heap| : (count += 1) {
        assert(count < 1 << 32);
        next = heap.registry_next;
        if (heap == thread_heap.current) continue;
        const seen = heap.ownership.load();
        if (seen.state == .collecting) continue;
        if (seen.state == .active and (seen.tid == tid or !abandon.threadGone(seen.tid))) continue;
        const held = abandon.taken(seen, tid, .collecting);
        if (!heap.ownership.exchange(seen, held)) continue;
        heap.collectAll();
        purged_bytes += heap.purgeFreePages();
        const released = heap.ownership.release(held);
        assert(released);
    }
    _ = events.purged_bytes.fetchAdd(purged_bytes, .monotonic);
    return purged_bytes;
}

/// Gives up the calling thread's heap: collects and purges it, forgets it, and marks it abandoned
/// for the next thread. Called by the thread-exit hint; also usable by a thread that is done
/// allocating. A later allocation on this thread adopts or creates a heap again.
pub fn abandonCurrent() void {
    const heap = thread_heap.current orelse return;
    thread_heap.current = null;
    heap.collectAll();
    _ = events.purged_bytes.fetchAdd(heap.purgeFreePages(), .monotonic);
    const seen = heap.ownership.load();
    assert(seen.state == .active);
    const released = heap.ownership.release(seen);
    assert(released);
    _ = events.abandoned_hint.fetchAdd(1, .monotonic);
}

/// The thread-exit hint: a pthread key whose destructor abandons the heap. Only a hint: a thread
/// that ends without running it leaves an `active` heap that `adoptAny` reclaims by tid liveness.
/// After a fork only the forking thread survives, with a new tid: the child handler rewrites its
/// heap's word so no thread of the child mistakes the heap for a dead thread's.
const exit_hint = struct {
    const Setup = enum(u8) { none, running, ready, failed };
    var setup: std.atomic.Value(Setup) = .init(.none);
    var key: os.ExitKey = undefined;
    /// Tests turn the hint off to prove reclaim does not need it.
    var enabled: std.atomic.Value(bool) = .init(true);

    fn init() void {
        if (setup.load(.acquire) != .none) return;
        if (setup.cmpxchgStrong(.none, .running, .acquire, .monotonic) != null) return;
        const created = os.exitKeyCreate(&key, onThreadExit);
        os.atForkChild(onForkChild);
        setup.store(if (created) .ready else .failed, .release);
    }

    fn arm(heap: *ThreadHeap) void {
        if (setup.load(.acquire) != .ready) return; // another thread is still creating the key
        if (!enabled.load(.monotonic)) return;
        os.exitKeySet(key, heap);
    }

    fn onThreadExit(value: *anyopaque) callconv(.c) void {
        if (thread_heap.current != @as(?*ThreadHeap, @ptrCast(@alignCast(value)))) return;
        abandonCurrent();
    }

    fn onForkChild() callconv(.c) void {
        const heap = thread_heap.current orelse return;
        const seen = heap.ownership.load();
        const tid = abandon.currentTid();
        if (seen.tid == tid) return;
        _ = heap.ownership.exchange(seen, abandon.taken(seen, tid, .active));
    }
};

/// Turns the thread-exit hint on or off for threads that get a heap afterwards (tests only).
pub fn setExitHint(on: bool) void {
    exit_hint.enabled.store(on, .monotonic);
}

/// Every heap ever created, newest first. Heaps are never unlinked, so the walk is safe at any time.
pub fn first() ?*ThreadHeap {
    return registry.load(.acquire);
}

/// Heaps by ownership state, counted by one walk of the registry (a momentary picture).
pub const Census = struct { heaps: u64 = 0, active: u64 = 0, abandoned: u64 = 0 };

pub fn census() Census {
    var result: Census = .{};
    var next = registry.load(.acquire);
    while (next) |heap| : (next = heap.registry_next) {
        assert(result.heaps < 1 << 32);
        result.heaps += 1;
        switch (heap.ownership.load().state) {
            .active => result.active += 1,
            .abandoned, .collecting => result.abandoned += 1,
        }
    }
    return result;
}
