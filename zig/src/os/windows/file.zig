//! Windows file primitives behind the OS contract (../os.zig), as posix/file.zig does them for
//! Linux and macOS: write a file from parts to a temporary name and then replace the target with it
//! (MoveFileExW, so a reader never sees half a file), and map a whole file read-only
//! (CreateFileMappingW + MapViewOfFile; the view keeps the mapping alive once both handles close).
//! Paths arrive as UTF-8 without a terminator and become UTF-16 on the stack.
const std = @import("std");
const assert = std.debug.assert;
const contract = @import("../os.zig");
const k = @import("kernel32.zig");

const path_units_max = 4096;
const WidePath = [path_units_max + 16:0]u16;

fn widened(path: []const u8, suffix: []const u8, buffer: *WidePath) contract.FileError![*:0]const u16 {
    if (path.len == 0 or path.len + suffix.len >= path_units_max) return error.IoFailed;
    if (std.mem.indexOfScalar(u8, path, 0) != null) return error.IoFailed;
    const units = std.unicode.utf8ToUtf16Le(buffer[0..path_units_max], path) catch return error.IoFailed;
    for (suffix, 0..) |byte, offset| buffer[units + offset] = byte; // the suffixes are ASCII
    buffer[units + suffix.len] = 0;
    return @ptrCast(buffer);
}

pub fn writeFile(path: []const u8, parts: []const []const u8) contract.FileError!void {
    var temporary_buffer: WidePath = undefined;
    var final_buffer: WidePath = undefined;
    const temporary = try widened(path, ".partial", &temporary_buffer);
    const final = try widened(path, "", &final_buffer);
    const file = k.CreateFileW(temporary, k.generic_write, 0, null, k.create_always, k.file_attribute_normal, null);
    if (file == k.invalid_handle_value) return error.IoFailed;
    const written = writeAll(file, parts);
    const flushed = k.FlushFileBuffers(file) != 0;
    _ = k.CloseHandle(file);
    if (!written or !flushed or k.MoveFileExW(temporary, final, k.movefile_replace_existing | k.movefile_write_through) == 0) {
        _ = k.DeleteFileW(temporary);
        return error.IoFailed;
    }
}

fn writeAll(file: k.HANDLE, parts: []const []const u8) bool {
    for (parts) |part| {
        var rest = part;
        while (rest.len > 0) {
            var moved: u32 = 0;
            const chunk: u32 = @intCast(@min(rest.len, 1 << 30));
            if (k.WriteFile(file, rest.ptr, chunk, &moved, null) == 0 or moved == 0) return false;
            rest = rest[moved..];
        }
    }
    return true;
}

/// The whole file mapped read-only; NotFound when it cannot be opened, IoFailed when it cannot be
/// measured or mapped. An empty file maps to an empty slice (Windows cannot map zero bytes).
pub fn mapFile(path: []const u8) contract.FileError![]align(contract.page_size_bytes) const u8 {
    var buffer: WidePath = undefined;
    const name = try widened(path, "", &buffer);
    const file = k.CreateFileW(name, k.generic_read, k.file_share_read | k.file_share_delete, null, k.open_existing, k.file_attribute_normal, null);
    if (file == k.invalid_handle_value) return error.NotFound;
    defer _ = k.CloseHandle(file);
    var size: i64 = 0;
    if (k.GetFileSizeEx(file, &size) == 0 or size < 0) return error.IoFailed;
    const length: usize = @intCast(size);
    if (length == 0) return &.{};
    const mapping = k.CreateFileMappingW(file, null, k.page_readonly, 0, 0, null) orelse return error.IoFailed;
    defer _ = k.CloseHandle(mapping);
    const view = k.MapViewOfFile(mapping, k.file_map_read, 0, 0, 0) orelse return error.IoFailed;
    const bytes: [*]align(contract.page_size_bytes) const u8 = @ptrCast(@alignCast(view));
    return bytes[0..length];
}

pub fn unmapFile(bytes: []align(contract.page_size_bytes) const u8) void {
    if (bytes.len == 0) return;
    const unmapped = k.UnmapViewOfFile(bytes.ptr);
    assert(unmapped != 0);
}
