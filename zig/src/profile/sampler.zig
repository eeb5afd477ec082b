//! The allocation sampler's countdown, kept where the owned allocation already runs: each thread's
//! `offheap_alloc_owned` calls subtract their size from it, and the call that takes it to zero or
//! below says "sample this one" in its result, so the JavaScript allocation path tests one bit
//! whether profiling is on or off, and pays for a stack capture only when told to.
//!
//! The facade draws every countdown (an exponential with the mean `sampleBytes`, from its seeded
//! generator) and arms the sampler with it; a countdown that runs out disarms the sampler until the
//! facade, having taken the sample, arms it with the next draw. A disarmed sampler never fires.
//!
//! The state is per thread (each Worker samples only if it turned sampling on), in a `threadlocal`
//! of two words next to the thread heap's pointer (the dynamic TLS model, as thread_heap.zig).
const std = @import("std");
const assert = std.debug.assert;

/// The longest countdown. A countdown is reset when it reaches zero or below, and one allocation
/// subtracts at most 2^46 bytes (alloc/heap.zig `size_bytes_max`), so it never wraps.
pub const countdown_bytes_max: i64 = 1 << 62;
const disarmed: i64 = countdown_bytes_max;

const Sampler = struct {
    /// Bytes left before the next sample; `disarmed` when the thread is not sampling.
    countdown_bytes: i64 = disarmed,
    /// Whether the countdown is live (a disarmed one is refilled instead of firing).
    armed: bool = false,
};

threadlocal var state: Sampler = .{};

/// Arms this thread's sampler: the allocation that takes the countdown to zero or below is
/// sampled. `countdown_bytes` 0 disarms it.
pub fn arm(countdown_bytes: i64) void {
    assert(countdown_bytes >= 0);
    assert(countdown_bytes <= countdown_bytes_max);
    state = if (countdown_bytes == 0) .{} else .{ .countdown_bytes = countdown_bytes, .armed = true };
}

/// Whether this thread's sampler is armed (tests and the facade's checks).
pub fn armed() bool {
    return state.armed;
}

/// Counts an allocation of `size_bytes` down; true when it is to be sampled (the sampler is then
/// disarmed until armed again).
pub inline fn due(size_bytes: u64) bool {
    assert(size_bytes >= 1);
    const left = state.countdown_bytes - @as(i64, @intCast(size_bytes));
    state.countdown_bytes = left;
    if (left > 0) return false;
    return @call(.never_inline, ranOut, .{});
}

/// The countdown reached zero: fire if armed; either way start again disarmed.
fn ranOut() bool {
    const fire = state.armed;
    state = .{};
    assert(state.countdown_bytes == disarmed);
    return fire;
}

test "an armed sampler fires on the allocation that takes its countdown to zero, then stays quiet" {
    arm(1000);
    try std.testing.expect(armed());
    try std.testing.expect(!due(600));
    try std.testing.expect(!due(399));
    try std.testing.expect(due(1));
    try std.testing.expect(!armed());
    try std.testing.expect(!due(countdown_bytes_max / 4));
    arm(10);
    try std.testing.expect(due(4096)); // one allocation larger than the countdown is sampled
    try std.testing.expect(!due(4096));
}

test "a disarmed sampler never fires, however much is counted" {
    arm(0);
    try std.testing.expect(!armed());
    var round: u32 = 0;
    while (round < 8) : (round += 1) try std.testing.expect(!due(countdown_bytes_max / 4));
    try std.testing.expect(!armed());
}

test "each thread has its own sampler" {
    arm(100);
    const Other = struct {
        fn run(fired: *bool) void {
            fired.* = due(1 << 20); // this thread never armed its sampler
        }
    };
    var fired = true;
    const thread = try std.Thread.spawn(.{}, Other.run, .{&fired});
    thread.join();
    try std.testing.expect(!fired);
    try std.testing.expect(armed());
    try std.testing.expect(due(100));
}
