//! Process environment behind the OS contract (../os.zig) for the POSIX platforms (Linux, macOS):
//! environment variables (libc's getenv, which sees what the runtime's process was started with) and
//! a plain write to stderr for warnings that must never fail or allocate.
const std = @import("std");

pub fn environmentValue(name: [*:0]const u8) ?[]const u8 {
    const value = std.c.getenv(name) orelse return null;
    return std.mem.span(value);
}

pub fn writeStderr(text: []const u8) void {
    _ = std.c.write(2, text.ptr, text.len);
}
