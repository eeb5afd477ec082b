//! Allocation tags: short names interned to small integers, each with live bytes, live blocks, peak
//! bytes and totals counted natively, so `profile.byTag()` sees every Worker's allocations. The
//! table is process-wide and fixed (`tags_max` entries): a tag id stays valid for the life of the
//! process and means the same name in every thread.
//!
//! Counting is a few relaxed atomic adds on the tag's own cache line, paid only by tagged
//! allocations (id 0 is "untagged" and counts nothing). The peak is a max taken after each add, so
//! it is exact: it is the most live bytes the tag ever had at once.
const std = @import("std");
const assert = std.debug.assert;
const SpinLock = @import("../support/spin_lock.zig").SpinLock;
/// A name one byte longer than any tag may be (tests).
const long_name: [65]u8 = @splat('x');
const Error = @import("../support/status.zig").Error;

/// Tag ids run from 1 to `tags_max - 1`; 0 means untagged.
pub const tags_max: u32 = 256;
/// The longest tag name in bytes (UTF-8).
pub const name_bytes_max: u32 = 64;

/// The counters of one tag, on a cache line of their own so that two tags never contend.
pub const Counters = struct {
    live_bytes: u64 align(64) = 0,
    live_blocks: u64 = 0,
    peak_bytes: u64 = 0,
    allocs: u64 = 0,
    frees: u64 = 0,
    bytes_allocated: u64 = 0,
};

const Name = struct {
    len: u8 = 0,
    bytes: [name_bytes_max]u8 = undefined,
};

var names: [tags_max]Name = @splat(.{});
var counters: [tags_max]Counters = @splat(.{});
/// Ids handed out so far, plus one (id 0 is reserved): read without the lock by `count`.
var next_id: std.atomic.Value(u32) = .init(1);
var intern_lock: SpinLock = .{};

/// The id of `name`, interning it on first use. Error.InvalidArgument for an empty or too long
/// name, Error.OutOfMemory when the table is full.
pub fn intern(name: []const u8) Error!u32 {
    if (name.len == 0 or name.len > name_bytes_max) return error.InvalidArgument;
    intern_lock.lock();
    defer intern_lock.unlock();
    const used = next_id.load(.monotonic);
    assert(used >= 1 and used <= tags_max);
    for (names[1..used], 1..) |*entry, id| {
        if (std.mem.eql(u8, entry.bytes[0..entry.len], name)) return @intCast(id);
    }
    if (used == tags_max) return error.OutOfMemory;
    names[used].len = @intCast(name.len);
    @memcpy(names[used].bytes[0..name.len], name);
    next_id.store(used + 1, .release);
    return used;
}

/// Ids in use plus one: valid ids are 1 to `count() - 1`.
pub fn count() u32 {
    return next_id.load(.acquire);
}

/// Whether `id` names an interned tag.
pub fn valid(id: u32) bool {
    return id >= 1 and id < count();
}

/// The name of an interned tag.
pub fn nameOf(id: u32) []const u8 {
    assert(valid(id));
    const entry = &names[id];
    assert(entry.len >= 1);
    return entry.bytes[0..entry.len];
}

/// Counts `bytes` (as `blocks` blocks) allocated under `id`; id 0 counts nothing.
pub fn add(id: u32, bytes: u64, blocks: u64) void {
    if (id == 0) return;
    assert(id < tags_max);
    const tag = &counters[id];
    const live = @atomicRmw(u64, &tag.live_bytes, .Add, bytes, .monotonic) + bytes;
    _ = @atomicRmw(u64, &tag.live_blocks, .Add, blocks, .monotonic);
    _ = @atomicRmw(u64, &tag.allocs, .Add, blocks, .monotonic);
    _ = @atomicRmw(u64, &tag.bytes_allocated, .Add, bytes, .monotonic);
    if (live > @atomicLoad(u64, &tag.peak_bytes, .monotonic)) {
        _ = @atomicRmw(u64, &tag.peak_bytes, .Max, live, .monotonic);
    }
}

/// Counts `bytes` (as `blocks` blocks) freed under `id`; id 0 counts nothing. Never drops below
/// zero: a caller that removes more than it added (a wrapper freed twice, a count passed wrong) is
/// clamped, so that one bad caller cannot make every later reading wrap around.
pub fn remove(id: u32, bytes: u64, blocks: u64) void {
    if (id == 0) return;
    assert(id < tags_max);
    const tag = &counters[id];
    const live_before = @atomicRmw(u64, &tag.live_bytes, .Sub, bytes, .monotonic);
    const blocks_before = @atomicRmw(u64, &tag.live_blocks, .Sub, blocks, .monotonic);
    _ = @atomicRmw(u64, &tag.frees, .Add, blocks, .monotonic);
    if (live_before < bytes) _ = @atomicRmw(u64, &tag.live_bytes, .Add, bytes - live_before, .monotonic);
    if (blocks_before < blocks) _ = @atomicRmw(u64, &tag.live_blocks, .Add, blocks - blocks_before, .monotonic);
}

/// A consistent-enough copy of a tag's counters (each field read atomically on its own).
pub fn read(id: u32) Counters {
    assert(valid(id));
    const tag = &counters[id];
    return .{
        .live_bytes = @atomicLoad(u64, &tag.live_bytes, .monotonic),
        .live_blocks = @atomicLoad(u64, &tag.live_blocks, .monotonic),
        .peak_bytes = @atomicLoad(u64, &tag.peak_bytes, .monotonic),
        .allocs = @atomicLoad(u64, &tag.allocs, .monotonic),
        .frees = @atomicLoad(u64, &tag.frees, .monotonic),
        .bytes_allocated = @atomicLoad(u64, &tag.bytes_allocated, .monotonic),
    };
}

test "a name interns to one id, and names that cannot be tags are refused" {
    const first = try intern("test.tags.a");
    const second = try intern("test.tags.b");
    try std.testing.expect(first != second);
    try std.testing.expectEqual(first, try intern("test.tags.a"));
    try std.testing.expectEqualStrings("test.tags.b", nameOf(second));
    try std.testing.expectError(error.InvalidArgument, intern(""));
    try std.testing.expectError(error.InvalidArgument, intern(&long_name));
    try std.testing.expect(valid(first));
    try std.testing.expect(!valid(0));
    try std.testing.expect(!valid(count()));
}

test "counters balance and the peak is the most live at once" {
    const id = try intern("test.tags.balance");
    const before = read(id);
    add(id, 100, 1);
    add(id, 50, 1);
    remove(id, 100, 1);
    add(id, 10, 1);
    const middle = read(id);
    try std.testing.expectEqual(before.live_bytes + 60, middle.live_bytes);
    try std.testing.expectEqual(before.live_blocks + 2, middle.live_blocks);
    try std.testing.expectEqual(@max(before.peak_bytes, before.live_bytes + 150), middle.peak_bytes);
    remove(id, 50, 1);
    remove(id, 10, 1);
    const after = read(id);
    try std.testing.expectEqual(before.live_bytes, after.live_bytes);
    try std.testing.expectEqual(before.live_blocks, after.live_blocks);
    try std.testing.expectEqual(before.allocs + 3, after.allocs);
    try std.testing.expectEqual(before.frees + 3, after.frees);
    add(0, 1 << 40, 1); // untagged: nothing counted anywhere
    try std.testing.expectEqual(after.live_bytes, read(id).live_bytes);
}

test "threads counting one tag at once lose no update" {
    const id = try intern("test.tags.threads");
    const before = read(id);
    const rounds = 10_000;
    const Worker = struct {
        fn run(tag: u32) void {
            for (0..rounds) |_| {
                add(tag, 64, 1);
                remove(tag, 64, 1);
            }
            add(tag, 8, 1);
        }
    };
    var threads: [4]std.Thread = undefined;
    for (&threads) |*thread| thread.* = try std.Thread.spawn(.{}, Worker.run, .{id});
    for (threads) |thread| thread.join();
    const after = read(id);
    try std.testing.expectEqual(before.live_bytes + 32, after.live_bytes);
    try std.testing.expectEqual(before.live_blocks + 4, after.live_blocks);
    try std.testing.expectEqual(before.allocs + 4 * (rounds + 1), after.allocs);
    try std.testing.expect(after.peak_bytes >= before.live_bytes + 32);
    try std.testing.expect(after.peak_bytes <= before.live_bytes + 4 * 64 + 32);
}
