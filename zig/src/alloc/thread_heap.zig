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
const heap_registry = @import("heap_registry.zig");
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
/// The calling thread's heap (set by heap_registry.zig); the only other thread-local is the
/// allocation sampler's countdown (profile/sampler.zig).
pub threadlocal var current: ?*ThreadHeap = null;

pub inline fn get() os.MapError!*ThreadHeap {
    return current orelse heap_registry.create();
}

/// The calling thread's heap if it has one; never creates.
pub inline fn peek() ?*ThreadHeap {
    return current;
}

/// Copied from the options when the first heap is created, so the free path reads one global.
pub var poison_freed: bool = false;

// The heap registry (heap_registry.zig) creates, adopts and abandons heaps; these names keep the
// callers' one entry point.
pub const events = &heap_registry.events;
pub const Census = heap_registry.Census;
pub const census = heap_registry.census;
pub const first = heap_registry.first;
pub const collectUnowned = heap_registry.collectUnowned;
pub const abandonCurrent = heap_registry.abandonCurrent;
pub const setExitHint = heap_registry.setExitHint;

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

const fault_sweep = @import("fault_sweep.zig");
const segment_map = @import("segment_map.zig");

/// A heap of the test's own (not registered, so no other thread adopts it) that fills three
/// segments with 16 KiB blocks, frees them, and unmaps its segments (which a real heap never does).
/// A failed segment mapping must leave the heap able to free what it handed out.
fn fillSegments(class: u8) !void {
    var heap: ThreadHeap = .{ .ownership = .initActive(os.currentTid()) };
    defer {
        while (heap.segments) |segment| {
            heap.segments = segment.next;
            segment_map.retract(@intFromPtr(segment), segment_zig.segment_bytes);
            os.unmap(@ptrCast(@alignCast(segment)), segment_zig.segment_bytes);
            _ = stats.global.segments_mapped.fetchSub(1, .monotonic);
            _ = stats.global.segment_bytes_mapped.fetchSub(segment_zig.segment_bytes, .monotonic);
        }
    }
    const per_segment = (segment_zig.pages_per_segment - 1) * (segment_zig.page_bytes / size_class.blockBytes(class));
    var blocks: [3 * 252]usize = undefined;
    comptime assert(blocks.len == 3 * (segment_zig.pages_per_segment - 1) * 4);
    assert(per_segment * 3 == blocks.len);
    var allocated: usize = 0;
    defer for (blocks[0..allocated]) |block| heap.freeLocal((Segment.of(block).locate(block) catch unreachable).page, block);
    while (allocated < blocks.len) : (allocated += 1) blocks[allocated] = try heap.alloc(class);
    var segments: usize = 0;
    var next = heap.segments;
    while (next) |segment| : (next = segment.next) segments += 1;
    try std.testing.expectEqual(@as(usize, 3), segments);
}

test "faults: a segment that cannot be mapped fails the block, and the heap frees what it handed out" {
    const class = size_class.classFor(16 << 10, 16).?;
    const report = try fault_sweep.sweep(.map, class, fillSegments, .{});
    try std.testing.expectEqual(@as(u32, 3), report.calls);
    try std.testing.expectEqual(@as(u32, 3), report.failed_runs);
    _ = try fault_sweep.sweep(.map, class, fillSegments, .{ .every = 1 });
}
