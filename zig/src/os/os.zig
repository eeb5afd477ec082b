//! The OS contract: every system call offheap makes goes through this file, in the manner of
//! mimalloc's `prim.h`. It declares what a platform must provide (memory mappings and advice, page
//! residency, randomness, NUMA placement, thread identity and liveness, monotonic clocks, the
//! environment) and adds what every platform shares: argument assertions, the 2^47 address limit,
//! aligned mappings by over-map-and-trim, and the map/unmap counters. Nothing outside `os/` calls
//! the kernel or libc for these.
//!
//! Linux (`linux/`) is the one implementation today. A macOS or Windows port adds a folder with
//! the same functions and one line in `platform` below; nothing above this file changes.
const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;

const platform = switch (builtin.os.tag) {
    .linux => struct {
        const memory = @import("linux/memory.zig");
        const numa = @import("linux/numa.zig");
        const thread = @import("linux/thread.zig");
        const clock = @import("linux/clock.zig");
        const environment = @import("linux/environment.zig");
        const file = @import("linux/file.zig");
    },
    else => @compileError("offheap has no OS layer for " ++ @tagName(builtin.os.tag) ++ " yet: implement this contract in zig/src/os/"),
};

// ---- Memory ------------------------------------------------------------------------------------

pub const page_size_bytes: usize = 4096;

/// Every address offheap hands out must fit in 47 bits, so that it survives a round trip through an
/// f64 in JavaScript and indexes the segment map. The kernel maps below 2^47 unless asked otherwise.
pub const address_limit: usize = 1 << 47;

pub const MapError = error{OutOfMemory};

/// Every successful map and unmap the allocator makes, so tests and benchmarks can prove that a
/// cache hit maps nothing. Slow-path only, so atomic.
pub var map_calls: std.atomic.Value(u64) = .init(0);
pub var unmap_calls: std.atomic.Value(u64) = .init(0);
/// Bytes mapped through this layer and not yet unmapped (a mapping moved by `remapOnto` counts
/// once, at its destination): what the fault-injection sweeps compare before and after a scenario
/// to prove that nothing leaked. Slow-path only, like the call counters.
pub var mapped_bytes: std.atomic.Value(u64) = .init(0);

/// The pages behind a mapping: ordinary pages (which THP may still back), or hugetlb pages of one size.
pub const PageKind = enum { normal, hugetlb_2m, hugetlb_1g };

/// Reads and writes, private and anonymous: the only kind of mapping the allocator uses.
pub const MapOptions = struct {
    /// Ask the kernel not to reserve swap; used for large sparse tables such as the segment map.
    no_reserve: bool = false,
    pages: PageKind = .normal,
};

pub fn map(len_bytes: usize, options: MapOptions) MapError![*]align(page_size_bytes) u8 {
    assert(len_bytes > 0);
    assert(len_bytes % page_size_bytes == 0);
    if (faults.inject(.map)) return error.OutOfMemory;
    const address = try platform.memory.map(len_bytes, options);
    assert(address % page_size_bytes == 0);
    _ = map_calls.fetchAdd(1, .monotonic);
    _ = mapped_bytes.fetchAdd(len_bytes, .monotonic);
    if (address + len_bytes > address_limit) {
        unmap(@ptrFromInt(address), len_bytes);
        return error.OutOfMemory;
    }
    return @ptrFromInt(address);
}

/// Maps `len_bytes` at an address that is a multiple of `alignment_bytes` by over-mapping and
/// trimming both ends, so the kernel's own placement is kept and nothing is left mapped around it.
pub fn mapAligned(len_bytes: usize, alignment_bytes: usize, options: MapOptions) MapError![*]align(page_size_bytes) u8 {
    assert(std.math.isPowerOfTwo(alignment_bytes));
    assert(alignment_bytes >= page_size_bytes);
    assert(len_bytes % page_size_bytes == 0);
    const padded_bytes = std.math.add(usize, len_bytes, alignment_bytes) catch return error.OutOfMemory;
    const raw = try map(padded_bytes, options);
    const start = @intFromPtr(raw);
    const aligned = std.mem.alignForward(usize, start, alignment_bytes);
    const head_bytes = aligned - start;
    const tail_bytes = padded_bytes - head_bytes - len_bytes;
    if (head_bytes > 0) unmap(raw, head_bytes);
    if (tail_bytes > 0) unmap(@ptrFromInt(aligned + len_bytes), tail_bytes);
    assert(aligned % alignment_bytes == 0);
    return @ptrFromInt(aligned);
}

/// Moves the mapping [source, source + len_bytes) onto [destination, destination + len_bytes), which
/// the caller already owns as a mapping, replacing the destination's pages in the same call, so no
/// other thread ever sees that range unmapped. Used to put hugetlb pages where a placeholder holds
/// the alignment the region needs. On failure the source is still mapped, but the destination may
/// already be unmapped.
pub fn remapOnto(source: [*]align(page_size_bytes) u8, len_bytes: usize, destination: usize) MapError!void {
    assert(destination % page_size_bytes == 0);
    assert(len_bytes % page_size_bytes == 0);
    try platform.memory.remapOnto(@intFromPtr(source), len_bytes, destination);
    // The destination's pages were replaced, so only one of the two mappings remains.
    _ = mapped_bytes.fetchSub(len_bytes, .monotonic);
}

/// Gives [ptr, ptr + len_bytes), part of a mapping the caller owns, fresh zero pages in place: the
/// old pages go back to the OS, and their advice and NUMA policy with them. Normal pages only.
pub fn renew(ptr: [*]align(page_size_bytes) u8, len_bytes: usize, options: MapOptions) MapError!void {
    assert(len_bytes > 0);
    assert(len_bytes % page_size_bytes == 0);
    assert(options.pages == .normal);
    try platform.memory.renew(@intFromPtr(ptr), len_bytes, options);
}

pub fn unmap(ptr: [*]align(page_size_bytes) u8, len_bytes: usize) void {
    assert(len_bytes > 0);
    assert(len_bytes % page_size_bytes == 0);
    platform.memory.unmap(@intFromPtr(ptr), len_bytes);
    _ = unmap_calls.fetchAdd(1, .monotonic);
    _ = mapped_bytes.fetchSub(len_bytes, .monotonic);
}

// ---- Files (the VectorIndex's save and open) ---------------------------------------------------

pub const FileError = error{ NotFound, IoFailed };

/// Writes `parts` one after another as the file at `path`, replacing it whole or not at all.
pub fn writeFile(path: []const u8, parts: []const []const u8) FileError!void {
    return platform.file.writeFile(path, parts);
}

/// The file at `path`, mapped read-only; release it with `unmapFile`.
pub fn mapFile(path: []const u8) FileError![]align(page_size_bytes) const u8 {
    return platform.file.mapFile(path);
}

pub fn unmapFile(bytes: []align(page_size_bytes) const u8) void {
    platform.file.unmapFile(bytes);
}

/// What a range of pages may be advised (madvise on Linux).
pub const Advice = enum {
    normal,
    random,
    sequential,
    will_need,
    dont_need,
    free,
    huge_page,
    no_huge_page,
    populate_read,
    populate_write,
    collapse,
};

pub const AdviseError = error{Unsupported};

pub fn advise(ptr: [*]align(page_size_bytes) u8, len_bytes: usize, advice: Advice) AdviseError!void {
    assert(len_bytes > 0);
    if (faults.inject(.advise)) return error.Unsupported;
    try platform.memory.advise(@intFromPtr(ptr), len_bytes, advice);
}

pub const ResidencyError = error{
    /// Part of the range is not mapped, for example because another thread unmapped it.
    NotMapped,
    /// Any other failure (or a query refused by a sandbox).
    Unsupported,
};

/// Which pages of [address, address + len_bytes) are resident: bit 0 of `pages[i]` is set when page
/// i is in memory. `pages` holds exactly one byte per page. Any range is safe to ask about.
pub fn residentPages(address: usize, len_bytes: usize, pages: []u8) ResidencyError!void {
    assert(address % page_size_bytes == 0);
    assert(len_bytes > 0);
    assert(pages.len * page_size_bytes == std.mem.alignForward(usize, len_bytes, page_size_bytes));
    try platform.memory.residentPages(address, len_bytes, pages);
}

/// Fills `buffer` from the OS's CSPRNG; used for the free-block cookie secret.
pub fn randomBytes(buffer: []u8) void {
    const filled = platform.memory.randomBytes(buffer);
    assert(filled <= buffer.len);
    // Without a CSPRNG, fall back to the address of the stack: weak, but the cookie only has to
    // make an accidental match with user data unlikely, not resist an attacker.
    if (filled < buffer.len) {
        var seed: usize = @intFromPtr(&buffer) ^ 0x9E3779B97F4A7C15;
        for (buffer[filled..]) |*byte| {
            seed = seed *% 6364136223846793005 +% 1442695040888963407;
            byte.* = @truncate(seed >> 56);
        }
    }
}

// ---- NUMA --------------------------------------------------------------------------------------

/// Node masks are passed oversized (far above any real machine) because Linux's `maxnode` argument
/// has an off-by-one that user-space libraries disagree about: with a large zero-padded mask both
/// readings name the same nodes.
pub const node_mask_bits: usize = 1024;
pub const NodeMask = [node_mask_bits / 64]u64;

/// Memory policies, numbered as Linux numbers them (include/uapi/linux/mempolicy.h).
pub const MemoryPolicy = enum(u32) { default = 0, preferred = 1, bind = 2, interleave = 3, local = 4 };

pub const PolicyError = error{ InvalidNode, Unsupported, OutOfMemory };

/// The online nodes in the kernel's list syntax ("0", "0-3", "0,2-5"), or null when unknown.
pub fn onlineNodesText(buffer: []u8) ?[]const u8 {
    const text = platform.numa.onlineNodesText(buffer) orelse return null;
    assert(text.len <= buffer.len);
    return text;
}

/// The node of the CPU the calling thread runs on now (it may move the next instant); 0 if unknown.
pub fn currentNode() u32 {
    return platform.numa.currentNode();
}

/// Applies `policy` to [address, address + len_bytes) before it is touched; `mask` is null for
/// `local` and names the nodes otherwise.
pub fn bindMemory(address: usize, len_bytes: usize, policy: MemoryPolicy, mask: ?*const NodeMask) PolicyError!void {
    assert(address % page_size_bytes == 0);
    assert(len_bytes > 0);
    assert(policy != .default);
    assert((mask == null) == (policy == .local));
    if (faults.inject(.bind)) return error.OutOfMemory;
    try platform.numa.bind(address, len_bytes, policy, mask);
}

/// The node holding the (touched) page at `address`.
pub fn nodeOfPage(address: usize) PolicyError!u32 {
    return platform.numa.nodeOfPage(address);
}

/// The policy of the mapping holding `address`.
pub fn policyOfPage(address: usize) PolicyError!MemoryPolicy {
    return platform.numa.policyOfPage(address);
}

// ---- Fault injection (tests only) ---------------------------------------------------------------

/// The calls a test can make fail, each with the error the kernel's most likely failure gives:
/// `map` (every `map`, so every `mapAligned` and hugetlb attempt) fails with OutOfMemory, `advise`
/// with Unsupported, `bind` (mbind) with OutOfMemory.
pub const Fault = enum(u2) { map = 0, advise = 1, bind = 2 };

/// Which calls of one kind fail, counted from 1 since `faults.arm`.
pub const FaultPlan = struct {
    /// The first call that fails; 0 fails none (the calls are only counted).
    nth: u32,
    /// 0: call `nth` alone fails. K >= 1: calls nth + K, nth + 2K, ... fail too (1: every call
    /// from `nth` on).
    every: u32 = 0,
};

/// A test-only hook, in the manner of `std.testing.FailingAllocator` but for the OS calls: arm it
/// to make the Nth map, advise or bind call fail, and every rollback path above this layer can be
/// exercised (see alloc/fault_sweep.zig). It exists only in the Zig tests and in the test library
/// built with `-Dfault-hooks=true` (whose one extra export, abi/faults.zig, lets the TypeScript tests
/// arm it in both runtimes). In every other library `enabled` is comptime false, the state is
/// `void`, and `inject` folds to `false`: the shipped code has no load, no branch and no symbol of it.
pub const faults = struct {
    pub const enabled = builtin.is_test or @import("build_flags").fault_hooks;

    const Slot = struct {
        calls: std.atomic.Value(u32) = .init(0),
        injected: std.atomic.Value(u32) = .init(0),
        plan: FaultPlan = .{ .nth = 0 },
    };
    var slots: if (enabled) [3]Slot else void = if (enabled) @splat(.{}) else {};

    /// Counts calls of `fault` from now on, and fails those `plan` names.
    pub fn arm(fault: Fault, plan: FaultPlan) void {
        comptime assert(enabled);
        slots[@backingInt(fault)] = .{ .plan = plan };
    }

    /// Stops failing calls of `fault` (they are still counted).
    pub fn disarm(fault: Fault) void {
        comptime assert(enabled);
        slots[@backingInt(fault)].plan = .{ .nth = 0 };
    }

    /// Calls of `fault` since it was last armed, failed or not.
    pub fn calls(fault: Fault) u32 {
        comptime assert(enabled);
        return slots[@backingInt(fault)].calls.load(.monotonic);
    }

    /// Calls of `fault` failed on purpose since it was last armed.
    pub fn injected(fault: Fault) u32 {
        comptime assert(enabled);
        return slots[@backingInt(fault)].injected.load(.monotonic);
    }

    /// Counts one call of `fault`; true when the plan says it fails.
    inline fn inject(fault: Fault) bool {
        if (!enabled) return false;
        const slot = &slots[@backingInt(fault)];
        const call = slot.calls.fetchAdd(1, .monotonic) + 1;
        const plan = slot.plan;
        if (plan.nth == 0 or call < plan.nth) return false;
        const fails = call == plan.nth or (plan.every > 0 and (call - plan.nth) % plan.every == 0);
        if (fails) _ = slot.injected.fetchAdd(1, .monotonic);
        return fails;
    }
};

// ---- Threads -----------------------------------------------------------------------------------

/// The calling thread's kernel thread id (never 0). A syscall: call it on slow paths only.
pub fn currentTid() u32 {
    const tid = platform.thread.currentTid();
    assert(tid != 0);
    return tid;
}

/// True when no thread `tid` exists in this process. Any other answer (alive, or a refusal under a
/// sandbox) counts as alive: a wrong "alive" only delays reclaim, a wrong "gone" would hand a live
/// thread's heap to another.
pub fn threadGone(tid: u32) bool {
    return platform.thread.threadGone(tid);
}

/// Sleeps about a millisecond; for bounded waits.
/// Lets another runnable thread have this CPU: a spinning waiter calls it so that a lock holder
/// preempted on a busy machine can run and release.
pub fn yieldCpu() void {
    platform.thread.yieldCpu();
}

pub fn pauseBriefly() void {
    platform.thread.sleepMs(1);
}

/// A per-thread slot whose destructor runs when the thread exits: the thread-exit hint.
pub const ExitKey = platform.thread.ExitKey;
pub const exitKeyCreate = platform.thread.exitKeyCreate;
pub const exitKeySet = platform.thread.exitKeySet;
pub const atForkChild = platform.thread.atForkChild;

// ---- Time and environment ----------------------------------------------------------------------

pub const ns_per_ms: u64 = 1_000_000;

/// Nanoseconds since boot, precise to the nanosecond.
pub fn monotonicNs() u64 {
    return platform.clock.monotonicNs();
}

/// Nanoseconds since boot at the resolution of the timer tick (1-4 ms): cheap enough to stamp every
/// region that enters the cache.
pub fn coarseNs() u64 {
    return platform.clock.coarseNs();
}

/// The value of environment variable `name`, or null.
pub fn environmentValue(name: [*:0]const u8) ?[]const u8 {
    return platform.environment.environmentValue(name);
}

/// Writes a warning to stderr; never fails, never allocates.
pub fn writeStderr(text: []const u8) void {
    platform.environment.writeStderr(text);
}

test "mapAligned returns an aligned, writable, trimmed mapping" {
    const alignment: usize = 4 << 20;
    const ptr = try mapAligned(alignment, alignment, .{});
    try std.testing.expectEqual(@as(usize, 0), @intFromPtr(ptr) % alignment);
    ptr[0] = 1;
    ptr[alignment - 1] = 2;
    try std.testing.expectEqual(@as(u8, 2), ptr[alignment - 1]);
    unmap(ptr, alignment);
}

test "remapOnto moves a mapping over one the caller owns, contents and all" {
    const len_bytes = page_size_bytes * 4;
    const destination = try map(len_bytes, .{});
    defer unmap(destination, len_bytes);
    destination[0] = 1;
    const source = try map(len_bytes, .{});
    source[0] = 7;
    source[len_bytes - 1] = 9;
    try remapOnto(source, len_bytes, @intFromPtr(destination));
    try std.testing.expectEqual(@as(u8, 7), destination[0]);
    try std.testing.expectEqual(@as(u8, 9), destination[len_bytes - 1]);
}

test "advise rejects nothing it documents, and collapse may be unsupported" {
    const ptr = try map(page_size_bytes * 4, .{});
    defer unmap(ptr, page_size_bytes * 4);
    try advise(ptr, page_size_bytes * 4, .sequential);
    try advise(ptr, page_size_bytes * 4, .free);
}

test "an armed fault fails exactly the calls its plan names, and only those" {
    const len_bytes = page_size_bytes * 2;
    const mapped_before = mapped_bytes.load(.monotonic);
    faults.arm(.map, .{ .nth = 2, .every = 3 });
    defer faults.disarm(.map);
    var outcomes: [8]bool = undefined;
    for (&outcomes) |*outcome| {
        if (map(len_bytes, .{})) |memory| {
            outcome.* = true;
            unmap(memory, len_bytes);
        } else |err| {
            try std.testing.expectEqual(error.OutOfMemory, err);
            outcome.* = false;
        }
    }
    try std.testing.expectEqual([8]bool{ true, false, true, true, false, true, true, false }, outcomes);
    try std.testing.expectEqual(@as(u32, 8), faults.calls(.map));
    try std.testing.expectEqual(@as(u32, 3), faults.injected(.map));
    try std.testing.expectEqual(mapped_before, mapped_bytes.load(.monotonic));
    faults.disarm(.map);
    const memory = try map(len_bytes, .{});
    faults.arm(.advise, .{ .nth = 1 });
    defer faults.disarm(.advise);
    try std.testing.expectError(error.Unsupported, advise(memory, len_bytes, .normal));
    try advise(memory, len_bytes, .normal);
    faults.arm(.bind, .{ .nth = 1, .every = 1 });
    defer faults.disarm(.bind);
    try std.testing.expectError(error.OutOfMemory, bindMemory(@intFromPtr(memory), len_bytes, .local, null));
    try std.testing.expectError(error.OutOfMemory, bindMemory(@intFromPtr(memory), len_bytes, .local, null));
    try std.testing.expectEqual(@as(u32, 2), faults.injected(.bind));
    unmap(memory, len_bytes);
    try std.testing.expectEqual(mapped_before, mapped_bytes.load(.monotonic));
}

test "the clocks move forward" {
    const first = monotonicNs();
    const second = monotonicNs();
    try std.testing.expect(second >= first);
    try std.testing.expect(coarseNs() > 0);
}

test "residentPages sees touched pages only, and reports an unmapped range as NotMapped" {
    const len_bytes = page_size_bytes * 4;
    const ptr = try map(len_bytes, .{});
    var pages: [4]u8 = undefined;
    try residentPages(@intFromPtr(ptr), len_bytes, &pages);
    for (pages) |page| try std.testing.expectEqual(@as(u8, 0), page & 1);
    ptr[page_size_bytes] = 1;
    ptr[3 * page_size_bytes + 5] = 1;
    try residentPages(@intFromPtr(ptr), len_bytes, &pages);
    try std.testing.expectEqual([4]u8{ 0, 1, 0, 1 }, .{ pages[0] & 1, pages[1] & 1, pages[2] & 1, pages[3] & 1 });
    unmap(ptr, len_bytes);
    try std.testing.expectError(error.NotMapped, residentPages(@intFromPtr(ptr), len_bytes, &pages));
}
