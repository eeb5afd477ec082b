//! File primitives behind the OS contract (../os.zig) for Linux and macOS: write a file from parts
//! (to a temporary name, then rename, so a reader never sees half a file), and map a whole file
//! read-only. Paths arrive without a terminator; they are copied onto the stack with one.
//!
//! The logic is one; the calls differ: Linux goes to the kernel directly (std.os.linux, as the rest
//! of the Linux layer does), macOS through libSystem (Apple supports no raw system calls). `Sys`
//! below is the only place the two differ.
const std = @import("std");
const builtin = @import("builtin");
const contract = @import("../os.zig");

const path_bytes_max = 4096;
const Fd = c_int;
const Mapped = [*]align(contract.page_size_bytes) const u8;

/// Each call returns null (or false) on failure; `write` reports an interrupted call as 0 bytes and
/// a write that moved nothing without an error as a failure (else the loop could spin forever).
const Sys = if (builtin.os.tag == .linux) struct {
    const linux = std.os.linux;

    fn openForWrite(path: [*:0]const u8) ?Fd {
        const result = linux.open(path, .{ .ACCMODE = .WRONLY, .CREAT = true, .TRUNC = true, .CLOEXEC = true }, 0o644);
        return if (linux.errno(result) == .SUCCESS) @intCast(result) else null;
    }

    fn openForRead(path: [*:0]const u8) ?Fd {
        const result = linux.open(path, .{ .ACCMODE = .RDONLY, .CLOEXEC = true }, 0);
        return if (linux.errno(result) == .SUCCESS) @intCast(result) else null;
    }

    fn write(fd: Fd, bytes: []const u8) ?usize {
        const result = linux.write(fd, bytes.ptr, bytes.len);
        return switch (linux.errno(result)) {
            .SUCCESS => if (result == 0) null else result,
            .INTR => 0,
            else => null,
        };
    }

    fn sync(fd: Fd) bool {
        return linux.errno(linux.fsync(fd)) == .SUCCESS;
    }

    fn close(fd: Fd) void {
        _ = linux.close(fd);
    }

    fn rename(from: [*:0]const u8, to: [*:0]const u8) bool {
        return linux.errno(linux.rename(from, to)) == .SUCCESS;
    }

    fn unlink(path: [*:0]const u8) void {
        _ = linux.unlink(path);
    }

    fn size(fd: Fd) ?usize {
        const end = linux.lseek(fd, 0, linux.SEEK.END);
        return if (linux.errno(end) == .SUCCESS) @intCast(end) else null;
    }

    fn mapReadOnly(fd: Fd, length: usize) ?Mapped {
        const result = linux.mmap(null, length, .{ .READ = true }, .{ .TYPE = .PRIVATE }, fd, 0);
        return if (linux.errno(result) == .SUCCESS) @ptrFromInt(result) else null;
    }

    fn unmap(bytes: []align(contract.page_size_bytes) const u8) bool {
        return linux.errno(linux.munmap(bytes.ptr, bytes.len)) == .SUCCESS;
    }
} else struct {
    const c = std.c;

    fn openForWrite(path: [*:0]const u8) ?Fd {
        const fd = c.open(path, .{ .ACCMODE = .WRONLY, .CREAT = true, .TRUNC = true, .CLOEXEC = true }, @as(c.mode_t, 0o644));
        return if (fd >= 0) fd else null;
    }

    fn openForRead(path: [*:0]const u8) ?Fd {
        const fd = c.open(path, .{ .ACCMODE = .RDONLY, .CLOEXEC = true });
        return if (fd >= 0) fd else null;
    }

    fn write(fd: Fd, bytes: []const u8) ?usize {
        const result = c.write(fd, bytes.ptr, bytes.len);
        if (result > 0) return @intCast(result);
        if (result == 0) return null;
        return if (c.errno(result) == .INTR) 0 else null;
    }

    fn sync(fd: Fd) bool {
        return c.fsync(fd) == 0;
    }

    fn close(fd: Fd) void {
        _ = c.close(fd);
    }

    fn rename(from: [*:0]const u8, to: [*:0]const u8) bool {
        return c.rename(from, to) == 0;
    }

    fn unlink(path: [*:0]const u8) void {
        _ = c.unlink(path);
    }

    fn size(fd: Fd) ?usize {
        const end = c.lseek(fd, 0, c.SEEK.END);
        return if (end >= 0) @intCast(end) else null;
    }

    fn mapReadOnly(fd: Fd, length: usize) ?Mapped {
        const result = c.mmap(null, length, .{ .READ = true }, .{ .TYPE = .PRIVATE }, fd, 0);
        return if (result == c.MAP_FAILED) null else @ptrCast(@alignCast(result));
    }

    fn unmap(bytes: []align(contract.page_size_bytes) const u8) bool {
        return c.munmap(@ptrCast(@alignCast(bytes.ptr)), bytes.len) == 0; // mmap gave a native-page address
    }
};

fn terminated(path: []const u8, suffix: []const u8, buffer: *[path_bytes_max + 16]u8) contract.FileError![*:0]const u8 {
    if (path.len == 0 or path.len + suffix.len >= buffer.len) return error.IoFailed;
    if (std.mem.indexOfScalar(u8, path, 0) != null) return error.IoFailed; // a NUL would cut the path short
    @memcpy(buffer[0..path.len], path);
    @memcpy(buffer[path.len..][0..suffix.len], suffix);
    buffer[path.len + suffix.len] = 0;
    return @ptrCast(buffer);
}

pub fn writeFile(path: []const u8, parts: []const []const u8) contract.FileError!void {
    var temporary_buffer: [path_bytes_max + 16]u8 = undefined;
    var final_buffer: [path_bytes_max + 16]u8 = undefined;
    const temporary = try terminated(path, ".partial", &temporary_buffer);
    const final = try terminated(path, "", &final_buffer);
    const fd = Sys.openForWrite(temporary) orelse return error.IoFailed;
    const written = writeAll(fd, parts);
    const synced = Sys.sync(fd);
    Sys.close(fd);
    if (!written or !synced or !Sys.rename(temporary, final)) {
        Sys.unlink(temporary);
        return error.IoFailed;
    }
}

fn writeAll(fd: Fd, parts: []const []const u8) bool {
    for (parts) |part| {
        var rest = part;
        while (rest.len > 0) {
            // A write moves some bytes, is interrupted (0: tried again) or fails.
            const moved = Sys.write(fd, rest[0..@min(rest.len, 1 << 30)]) orelse return false;
            rest = rest[moved..];
        }
    }
    return true;
}

/// The whole file mapped read-only and private; NotFound when it cannot be opened, IoFailed when it
/// cannot be measured or mapped. An empty file maps to an empty slice.
pub fn mapFile(path: []const u8) contract.FileError![]align(contract.page_size_bytes) const u8 {
    var buffer: [path_bytes_max + 16]u8 = undefined;
    const name = try terminated(path, "", &buffer);
    const fd = Sys.openForRead(name) orelse return error.NotFound;
    defer Sys.close(fd);
    const length = Sys.size(fd) orelse return error.IoFailed;
    if (length == 0) return &.{};
    const bytes = Sys.mapReadOnly(fd, length) orelse return error.IoFailed;
    return bytes[0..length];
}

pub fn unmapFile(bytes: []align(contract.page_size_bytes) const u8) void {
    if (bytes.len == 0) return;
    const unmapped = Sys.unmap(bytes);
    std.debug.assert(unmapped);
}
