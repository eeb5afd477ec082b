//! The time one cache call sees. Reading the clock costs a vDSO call, and most calls never need it:
//! a cache without TTLs compares no expiry at all. So a call carries a `Clock` that reads the time
//! at most once, and only when an entry with an expiry (or a set with a TTL) asks for it.
const std = @import("std");
const assert = std.debug.assert;
const os = @import("../os/os.zig");

/// The largest manual time and the largest TTL (2^39 ms, about 17 years): their sum fits the
/// entries' 40-bit expiry.
pub const ms_max: u64 = 1 << 39;

pub const Clock = struct {
    /// A manual time (tests, `offheap_cache_set_clock`), or 0 for the monotonic clock.
    manual_ms: u64,
    read_ms: ?u64 = null,

    pub fn now(clock: *Clock) u64 {
        if (clock.read_ms) |value| return value;
        const value = if (clock.manual_ms != 0) clock.manual_ms else os.coarseNs() / os.ns_per_ms;
        assert(value <= ms_max);
        clock.read_ms = value;
        return value;
    }

    /// Whether an entry that expires at `expires_at_ms` (0 = never) has expired.
    pub fn passed(clock: *Clock, expires_at_ms: u64) bool {
        return expires_at_ms != 0 and expires_at_ms <= clock.now();
    }
};

test "the clock is read once, and only when asked" {
    var manual: Clock = .{ .manual_ms = 500 };
    try std.testing.expect(!manual.passed(0));
    try std.testing.expectEqual(@as(?u64, null), manual.read_ms);
    try std.testing.expect(manual.passed(500));
    try std.testing.expect(!manual.passed(501));
    var monotonic: Clock = .{ .manual_ms = 0 };
    const first = monotonic.now();
    try std.testing.expectEqual(first, monotonic.now());
}
