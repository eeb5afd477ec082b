//! Windows monotonic clocks behind the OS contract (../os.zig): QueryPerformanceCounter for the
//! precise clock, GetTickCount64 (milliseconds since boot, a couple of nanoseconds per read) for the
//! coarse one. Both count from boot; nothing compares a reading of one with the other.
const std = @import("std");
const assert = std.debug.assert;
const k = @import("kernel32.zig");

var frequency_hz: std.atomic.Value(u64) = .init(0);

pub fn monotonicNs() u64 {
    var frequency = frequency_hz.load(.monotonic);
    if (frequency == 0) {
        var value: i64 = 0;
        // Never fails on Windows XP or later.
        assert(k.QueryPerformanceFrequency(&value) != 0);
        assert(value > 0);
        frequency = @intCast(value);
        frequency_hz.store(frequency, .monotonic);
    }
    var count: i64 = 0;
    assert(k.QueryPerformanceCounter(&count) != 0);
    const ticks: u64 = @intCast(count);
    // Split so that ticks * 1e9 cannot overflow.
    return (ticks / frequency) * std.time.ns_per_s + (ticks % frequency) * std.time.ns_per_s / frequency;
}

pub fn coarseNs() u64 {
    return k.GetTickCount64() * std.time.ns_per_ms;
}
