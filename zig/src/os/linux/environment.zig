//! Linux process environment behind the OS contract (../os.zig): environment variables (libc's
//! getenv, which sees what the runtime's process was started with) and a raw write to stderr for
//! warnings that must never fail or allocate.
const std = @import("std");
const linux = std.os.linux;

pub fn environmentValue(name: [*:0]const u8) ?[]const u8 {
    const value = std.c.getenv(name) orelse return null;
    return std.mem.span(value);
}

pub fn writeStderr(text: []const u8) void {
    _ = linux.write(2, text.ptr, text.len);
}
