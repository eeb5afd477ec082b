//! Per-thread heaps for the small and medium tiers. Each thread allocates from its own pages with no
//! lock and no atomic read-modify-write; a block freed by another thread goes back through the
//! page's lock-free remote stack (see segment.zig), and the owner collects it when it runs short.
//!
//! The thread-local state is one pointer (`current`), so the dynamic TLS model a dlopen'ed library
//! needs stays cheap. Heaps are mapped from the OS, registered in a global list that `stats()` walks,
//! and never unmapped.
//!
//! Abandoned heaps (see abandon.zig for the ownership word): a heap whose thread has ended keeps its
//! pages, and other threads keep freeing into them through the lock-free remote lists. A thread that
//! needs a heap first tries to adopt an abandoned one (one CAS on the ownership word), collects
//! every remote free and delayed page of it, and only maps a new heap when none is free. The heap
//! object itself changes hands, so `Segment.owner` never has to be rewritten, and a remote free
//! racing an adoption lands on the same atomic page lists whoever owns the heap.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");
const size_class = @import("size_class.zig");
const segment_zig = @import("segment.zig");
const stats = @import("../stats/counters.zig");
const config = @import("../config.zig");
const abandon = @import("abandon.zig");
const region_stash = @import("region_stash.zig");
const Segment = segment_zig.Segment;
const Page = segment_zig.Page;

const PageQueue = struct {
    head: ?*Page = null,
    tail: ?*Page = null,

    fn pushBack(queue: *PageQueue, page: *Page) void {
        assert(page.next == null and page.prev == null);
        page.prev = queue.tail;
        if (queue.tail) |tail| tail.next = page else queue.head = page;
        queue.tail = page;
    }

    fn remove(queue: *PageQueue, page: *Page) void {
        if (page.prev) |prev| prev.next = page.next else queue.head = page.next;
        if (page.next) |next| next.prev = page.prev else queue.tail = page.prev;
        page.next = null;
        page.prev = null;
    }
};

pub const ThreadHeap = struct {
    queues: [size_class.count]PageQueue = @splat(.{}),
    /// Pages with no live block, ready for any class; linked through `Page.next`.
    free_pages: ?*Page = null,
    segments: ?*Segment = null,
    /// Pages the owner gave up on as full that remote threads have since freed into (a lock-free
    /// stack through `Page.delayed_next`, pushed by remote threads, emptied whole by the owner).
    delayed: std.atomic.Value(?*Page) = .init(null),
    counters: stats.Counters = .{},
    /// Mapped-tier regions this heap freed, kept for its next allocations (region_stash.zig).
    stash: region_stash.Stash = .{},
    registry_next: ?*ThreadHeap = null,
    /// Who owns this heap; every change of owner is one CAS on it (abandon.zig).
    ownership: abandon.Ownership,

    /// Allocates one block of `class`. The fast path is the head page's free list.
    pub inline fn alloc(heap: *ThreadHeap, class: u8) os.MapError!usize {
        if (heap.queues[class].head) |page| {
            if (page.take()) |address| return address;
        }
        return heap.allocSlow(class);
    }

    fn allocSlow(heap: *ThreadHeap, class: u8) os.MapError!usize {
        heap.adoptDelayed();
        const queue = &heap.queues[class];
        // Each round either returns or retires the head page to `full`, so it is bounded by the
        // number of pages in the queue.
        while (queue.head) |page| {
            if (page.take()) |address| return address;
            if (page.collectRemote() > 0) {
                if (page.take()) |address| return address;
            }
            heap.retireFull(page);
        }
        const page = try heap.freshPage();
        page.assign(class);
        page.queue = .available;
        queue.pushBack(page);
        return page.take().?;
    }

    /// Unlinks an exhausted page. The store-then-check pairs with `Page.putRemote`: either the
    /// owner sees the remote block here, or the remote thread sees `full` and queues the page.
    fn retireFull(heap: *ThreadHeap, page: *Page) void {
        heap.queues[page.class].remove(page);
        page.queue = .full;
        page.remote_state.store(.full, .seq_cst);
        if (page.remote_free.load(.seq_cst) != 0) {
            if (page.remote_state.cmpxchgStrong(.full, .owner_watching, .seq_cst, .monotonic) == null) {
                page.queue = .available;
                heap.queues[page.class].pushBack(page);
            }
        }
    }

    /// Takes back every page remote threads have queued and makes it available again.
    fn adoptDelayed(heap: *ThreadHeap) void {
        var next = heap.delayed.swap(null, .acquire);
        var count: usize = 0;
        while (next) |page| : (count += 1) {
            assert(count < 1 << 32);
            next = page.delayed_next;
            page.delayed_next = null;
            assert(page.queue == .full);
            page.remote_state.store(.owner_watching, .seq_cst);
            page.queue = .available;
            heap.queues[page.class].pushBack(page);
        }
    }

    /// Called by a remote thread whose free found the page given up as full.
    pub fn pushDelayed(heap: *ThreadHeap, page: *Page) void {
        var head = heap.delayed.load(.monotonic);
        while (true) {
            page.delayed_next = head;
            head = heap.delayed.cmpxchgWeak(head, page, .release, .monotonic) orelse return;
        }
    }

    /// Frees a block this heap owns.
    pub inline fn freeLocal(heap: *ThreadHeap, page: *Page, address: usize) void {
        if (poison_freed) poison(page, address);
        page.putLocal(address);
        if (page.queue == .full) {
            // If a remote thread already queued the page, it comes back through `adoptDelayed`.
            if (page.remote_state.cmpxchgStrong(.full, .owner_watching, .seq_cst, .monotonic) == null) {
                page.queue = .available;
                heap.queues[page.class].pushBack(page);
            }
        } else if (page.used_blocks == 0 and heap.queues[page.class].head != page) {
            heap.releasePage(page);
        }
    }

    /// Returns an empty page to the heap's free pages. The head page of each class is kept even
    /// when empty, so a loop of one alloc and one free never re-initialises a page.
    fn releasePage(heap: *ThreadHeap, page: *Page) void {
        assert(page.used_blocks == 0);
        if (page.remote_free.load(.acquire) != 0) return; // blocks still in flight; keep it listed
        heap.queues[page.class].remove(page);
        page.* = .{};
        page.next = heap.free_pages;
        heap.free_pages = page;
    }

    /// Collects every remote free and delayed page and releases every empty page, the head pages
    /// included, and flushes the region stash to the global cache (so a heap whose thread ended
    /// strands no cached region). Only the heap's holder calls it: its owner, an adopter, or a
    /// collector holding the `collecting` state.
    pub fn collectAll(heap: *ThreadHeap) void {
        _ = heap.stash.flush(&heap.counters);
        heap.adoptDelayed();
        var next = heap.segments;
        var count: usize = 0;
        while (next) |segment| : (count += 1) {
            assert(count < 1 << 32);
            next = segment.next;
            for (segment.pages[1..]) |*page| heap.collectPage(page);
        }
    }

    fn collectPage(heap: *ThreadHeap, page: *Page) void {
        if (page.queue == .unused) return;
        if (page.queue == .full) {
            // A page a remote thread already queued comes back through `adoptDelayed` instead.
            if (page.remote_state.cmpxchgStrong(.full, .owner_watching, .seq_cst, .monotonic) != null) return;
            page.queue = .available;
            heap.queues[page.class].pushBack(page);
        }
        assert(page.queue == .available);
        _ = page.collectRemote();
        if (page.used_blocks == 0) heap.releasePage(page);
    }

    /// Returns the memory of every unused page to the OS, a run of neighbouring pages per madvise.
    /// Returns the bytes returned. Holder-only, like `collectAll`.
    pub fn purgeFreePages(heap: *ThreadHeap) usize {
        var purged_bytes: usize = 0;
        var next = heap.segments;
        var count: usize = 0;
        while (next) |segment| : (count += 1) {
            assert(count < 1 << 32);
            next = segment.next;
            var index: usize = 1;
            while (index < segment_zig.pages_per_segment) {
                const run_start = index;
                while (index < segment_zig.pages_per_segment and purgeable(&segment.pages[index])) index += 1;
                if (index > run_start) {
                    const run_bytes = (index - run_start) * segment_zig.page_bytes;
                    const start: [*]align(os.page_size_bytes) u8 = @ptrFromInt(segment.pageStart(run_start));
                    os.advise(start, run_bytes, .dont_need) catch {};
                    for (segment.pages[run_start..index]) |*page| page.decommitted = true;
                    purged_bytes += run_bytes;
                }
                index += 1;
            }
        }
        return purged_bytes;
    }

    fn purgeable(page: *const Page) bool {
        return page.queue == .unused and !page.decommitted;
    }

    fn freshPage(heap: *ThreadHeap) os.MapError!*Page {
        if (heap.free_pages) |page| {
            heap.free_pages = page.next;
            page.next = null;
            return page;
        }
        const segment = try Segment.create(@intFromPtr(heap));
        _ = stats.global.segments_mapped.fetchAdd(1, .monotonic);
        _ = stats.global.segment_bytes_mapped.fetchAdd(segment_zig.segment_bytes, .monotonic);
        segment.next = heap.segments;
        heap.segments = segment;
        // Page 0 holds the header; hand out page 1 now and list pages 2..63 as free, lowest first.
        var index: usize = segment_zig.pages_per_segment - 1;
        while (index >= 2) : (index -= 1) {
            segment.pages[index].next = heap.free_pages;
            heap.free_pages = &segment.pages[index];
        }
        return &segment.pages[1];
    }
};

fn poison(page: *const Page, address: usize) void {
    const bytes: [*]u8 = @ptrFromInt(address);
    @memset(bytes[@sizeOf(segment_zig.FreeBlock)..page.block_bytes], 0xDE);
}

/// The calling thread's heap. `threadlocal` in a shared library uses the dynamic TLS model.
threadlocal var current: ?*ThreadHeap = null;

var registry: std.atomic.Value(?*ThreadHeap) = .init(null);

pub inline fn get() os.MapError!*ThreadHeap {
    return current orelse create();
}

/// The calling thread's heap if it has one; never creates.
pub inline fn peek() ?*ThreadHeap {
    return current;
}

/// Copied from the options when the first heap is created, so the free path reads one global.
var poison_freed: bool = false;

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
fn create() os.MapError!*ThreadHeap {
    poison_freed = config.get().poison;
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
    assert(current == null);
    assert(heap.ownership.load().state == .active);
    current = heap;
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
    if (current) |mine| {
        mine.collectAll();
        purged_bytes += mine.purgeFreePages();
    }
    const tid = abandon.currentTid();
    var next = registry.load(.acquire);
    var count: usize = 0;
    while (next) |heap| : (count += 1) {
        assert(count < 1 << 32);
        next = heap.registry_next;
        if (heap == current) continue;
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
    const heap = current orelse return;
    current = null;
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
        if (current != @as(?*ThreadHeap, @ptrCast(@alignCast(value)))) return;
        abandonCurrent();
    }

    fn onForkChild() callconv(.c) void {
        const heap = current orelse return;
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

test "a heap hands out distinct, class-aligned blocks and reuses freed ones" {
    const heap = try get();
    const class = size_class.classFor(64, 64).?;
    var blocks: [3000]usize = undefined;
    for (&blocks) |*block| {
        block.* = try heap.alloc(class);
        try std.testing.expect(block.* % 64 == 0);
        @memset(@as([*]u8, @ptrFromInt(block.*))[0..64], 0xAB);
    }
    for (blocks[1..], 1..) |block, i| try std.testing.expect(block != blocks[i - 1]);
    for (blocks) |block| {
        const located = try Segment.of(block).locate(block);
        heap.freeLocal(located.page, block);
    }
    const again = try heap.alloc(class);
    try std.testing.expect(Segment.of(again).locate(again) catch null != null);
    const located = try Segment.of(again).locate(again);
    heap.freeLocal(located.page, again);
    try std.testing.expectError(error.DoubleFree, Segment.of(again).locate(again));
}
