//! Windows process environment behind the OS contract (../os.zig): environment variables through
//! the C runtime's getenv (the environment the process was started with) and a WriteFile to the
//! standard error handle for warnings that must never fail or allocate.
const std = @import("std");
const k = @import("kernel32.zig");

const std_error_handle: u32 = @bitCast(@as(i32, -12));

pub fn environmentValue(name: [*:0]const u8) ?[]const u8 {
    const value = std.c.getenv(name) orelse return null;
    return std.mem.span(value);
}

pub fn writeStderr(text: []const u8) void {
    const handle = k.GetStdHandle(std_error_handle) orelse return;
    if (@intFromPtr(handle) == std.math.maxInt(usize)) return;
    _ = k.WriteFile(handle, text.ptr, @intCast(@min(text.len, std.math.maxInt(u32))), null, null);
}
