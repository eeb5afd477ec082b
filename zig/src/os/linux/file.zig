//! Linux file primitives behind the OS contract (../os.zig): write a file from parts (to a
//! temporary name, then rename, so a reader never sees half a file), and map a whole file read-only.
//! Paths arrive without a terminator; they are copied onto the stack with one.
const std = @import("std");
const linux = std.os.linux;
const contract = @import("../os.zig");

const path_bytes_max = 4096;

fn terminated(path: []const u8, suffix: []const u8, buffer: *[path_bytes_max + 16]u8) contract.FileError![*:0]const u8 {
    if (path.len == 0 or path.len + suffix.len >= buffer.len) return error.IoFailed;
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
    const opened = linux.open(temporary, .{ .ACCMODE = .WRONLY, .CREAT = true, .TRUNC = true, .CLOEXEC = true }, 0o644);
    if (linux.errno(opened) != .SUCCESS) return error.IoFailed;
    const fd: linux.fd_t = @intCast(opened);
    const written = writeAll(fd, parts);
    const synced = linux.errno(linux.fsync(fd)) == .SUCCESS;
    _ = linux.close(fd);
    if (!written or !synced or linux.errno(linux.rename(temporary, final)) != .SUCCESS) {
        _ = linux.unlink(temporary);
        return error.IoFailed;
    }
}

fn writeAll(fd: linux.fd_t, parts: []const []const u8) bool {
    for (parts) |part| {
        var rest = part;
        // Each write moves at least one byte or fails, so the loop ends.
        while (rest.len > 0) {
            const result = linux.write(fd, rest.ptr, @min(rest.len, 1 << 30));
            switch (linux.errno(result)) {
                .SUCCESS => rest = rest[result..],
                .INTR => continue,
                else => return false,
            }
            if (result == 0) return false;
        }
    }
    return true;
}

/// The whole file mapped read-only and private; NotFound when it cannot be opened, IoFailed when it
/// cannot be measured or mapped. An empty file maps to an empty slice.
pub fn mapFile(path: []const u8) contract.FileError![]align(contract.page_size_bytes) const u8 {
    var buffer: [path_bytes_max + 16]u8 = undefined;
    const name = try terminated(path, "", &buffer);
    const opened = linux.open(name, .{ .ACCMODE = .RDONLY, .CLOEXEC = true }, 0);
    if (linux.errno(opened) != .SUCCESS) return error.NotFound;
    const fd: linux.fd_t = @intCast(opened);
    defer _ = linux.close(fd);
    const end = linux.lseek(fd, 0, linux.SEEK.END);
    if (linux.errno(end) != .SUCCESS) return error.IoFailed;
    const length: usize = @intCast(end);
    if (length == 0) return &.{};
    const result = linux.mmap(null, length, .{ .READ = true }, .{ .TYPE = .PRIVATE }, fd, 0);
    if (linux.errno(result) != .SUCCESS) return error.IoFailed;
    const bytes: [*]align(contract.page_size_bytes) const u8 = @ptrFromInt(result);
    return bytes[0..length];
}

pub fn unmapFile(bytes: []align(contract.page_size_bytes) const u8) void {
    if (bytes.len == 0) return;
    const result = linux.munmap(bytes.ptr, bytes.len);
    std.debug.assert(linux.errno(result) == .SUCCESS);
}
