//! The one export of the fault-injection test library (`zig build -Dfault-hooks=true`, built by
//! `.ci/build faults`): it lets the TypeScript tests, in Deno and in Bun, make the Nth map, advise or
//! bind call of the OS layer fail (os.faults) and check what the facade reports and that nothing
//! leaks. In every other library this file exports nothing, so their symbols stay exactly
//! src/ffi/symbols.ts's.
//!
//!   offheap_test_fault(kind: u32 0 map 1 advise 2 bind, nth: u32, every: u32) i32
//!       arms the plan (nth 0 disarms: calls are only counted) and returns how many calls of that
//!       kind the previous plan made fail, or INVALID_ARGUMENT for an unknown kind
const std = @import("std");
const builtin = @import("builtin");
const os = @import("../os/os.zig");
const status = @import("../support/status.zig");

fn testFault(kind: u32, nth: u32, every: u32) callconv(.c) i32 {
    const fault = std.enums.fromInt(os.Fault, kind) orelse return status.code(error.InvalidArgument);
    const injected = os.faults.injected(fault);
    os.faults.arm(fault, .{ .nth = nth, .every = every });
    return @intCast(@min(injected, std.math.maxInt(i32)));
}

comptime {
    if (os.faults.enabled and !builtin.is_test) @export(&testFault, .{ .name = "offheap_test_fault" });
}

test "arming a plan reports what the previous one injected" {
    try std.testing.expectEqual(status.code(error.InvalidArgument), testFault(7, 1, 0));
    _ = testFault(2, 0, 0);
    defer _ = testFault(2, 0, 0);
    try std.testing.expectEqual(@as(i32, 0), testFault(2, 1, 1));
}
