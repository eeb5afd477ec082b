//! The shipped Windows library, exercised for real under Wine: `npm run test:windows` builds this
//! program for x86_64-windows-gnu and runs it beside npm/win32-x64/offheap.dll, the stripped
//! ReleaseFast file the platform package ships. It loads the DLL the way a runtime does
//! (LoadLibrary, GetProcAddress), checks the ABI version, allocates in every tier and frees, checks
//! that misuse is a status code (a double free, a foreign address), runs a SIMD kernel, and has
//! Worker-like threads allocate and exit (their thread-exit hooks run in the DLL). Exit code 0 and
//! one line per check on success.
const std = @import("std");

extern "kernel32" fn LoadLibraryA(name: [*:0]const u8) callconv(.winapi) ?*anyopaque;
extern "kernel32" fn GetProcAddress(module: *anyopaque, name: [*:0]const u8) callconv(.winapi) ?*anyopaque;
extern "kernel32" fn FreeLibrary(module: *anyopaque) callconv(.winapi) c_int;

const Abi = struct {
    abi_version: *const fn () callconv(.c) u32,
    alloc: *const fn (f64, u32) callconv(.c) f64,
    free: *const fn (f64) callconv(.c) i32,
    tier_of: *const fn (f64) callconv(.c) i32,
    backing_of: *const fn (f64) callconv(.c) i32,
    simd_level: *const fn () callconv(.c) i32,
    dot_f32: *const fn (?[*]const f32, ?[*]const f32, u32) callconv(.c) f32,
};

fn load(module: *anyopaque) !Abi {
    var abi: Abi = undefined;
    inline for (@typeInfo(Abi).@"struct".field_names) |name| {
        const address = GetProcAddress(module, "offheap_" ++ name) orelse {
            std.debug.print("dll_smoke: offheap_{s} is not exported\n", .{name});
            return error.MissingExport;
        };
        @field(abi, name) = @ptrCast(address);
    }
    return abi;
}

fn check(ok: bool, what: []const u8) !void {
    std.debug.print("dll_smoke: {s}: {s}\n", .{ if (ok) "ok" else "FAILED", what });
    if (!ok) return error.CheckFailed;
}

const double_free_status: i32 = -6;

fn churn(abi: *const Abi, failures: *std.atomic.Value(u32)) void {
    var round: u32 = 0;
    while (round < 2000) : (round += 1) {
        const size: f64 = @floatFromInt(16 + (round % 64) * 40);
        const address = abi.alloc(size, 16);
        if (!(address > 0)) {
            _ = failures.fetchAdd(1, .monotonic);
            return;
        }
        const bytes: [*]u8 = @ptrFromInt(@as(usize, @intFromFloat(address)));
        bytes[0] = @truncate(round);
        if (abi.free(address) < 0) _ = failures.fetchAdd(1, .monotonic);
    }
}

pub fn main() !void {
    const module = LoadLibraryA("offheap.dll") orelse return error.LoadLibraryFailed;
    const abi = try load(module);
    // The script compares this line with src/ffi/symbols.ts's ABI_VERSION.
    std.debug.print("dll_smoke: ABI version {d}\n", .{abi.abi_version()});
    // One size per tier: small, medium, mapped, huge (tier codes 0-3).
    const sizes = [_]f64{ 64, 8 << 10, 256 << 10, 8 << 20 };
    for (sizes, 0..) |size, tier| {
        std.debug.print("dll_smoke: tier {d}, {d} bytes\n", .{ tier, @as(u64, @intFromFloat(size)) });
        const address = abi.alloc(size, 64);
        try check(address > 0 and @mod(address, 64) == 0, "alloc returns an aligned address");
        const bytes: [*]u8 = @ptrFromInt(@as(usize, @intFromFloat(address)));
        @memset(bytes[0..@intFromFloat(size)], 0xA5);
        try check(abi.tier_of(address) == @as(i32, @intCast(tier)), "the block is in its tier");
        if (tier == 3) try check(abi.backing_of(address) == 0, "a huge block on Windows says 4k pages (no hugetlb, no THP)");
        try check(abi.free(address) == @as(i32, @intCast(tier)), "free returns the tier");
    }
    const small = abi.alloc(48, 16);
    try check(abi.free(small) == 0, "free of a small block");
    try check(abi.free(small) == double_free_status, "a second free is DOUBLE_FREE, not a crash");
    try check(abi.free(4096) < 0, "a foreign address is an error status, not a crash");
    var a: [768]f32 = undefined;
    var b: [768]f32 = undefined;
    for (&a, &b, 0..) |*x, *y, i| {
        x.* = @floatFromInt(i % 7);
        y.* = 0.5;
    }
    var expected: f32 = 0;
    for (a, b) |x, y| expected += x * y;
    const dot = abi.dot_f32(&a, &b, a.len);
    try check(@abs(dot - expected) <= 1e-3 * expected, "dot_f32 over 768 elements");
    std.debug.print("dll_smoke: SIMD level code {d}\n", .{abi.simd_level()});
    var failures: std.atomic.Value(u32) = .init(0);
    for (0..3) |_| {
        var threads: [4]std.Thread = undefined;
        for (&threads) |*thread| thread.* = try std.Thread.spawn(.{}, churn, .{ &abi, &failures });
        for (threads) |thread| thread.join();
    }
    try check(failures.load(.monotonic) == 0, "12 threads allocated, freed and exited (thread-exit hooks in the DLL)");
    // Pinned at its first thread-exit hook: FreeLibrary must leave the code in place.
    _ = FreeLibrary(module);
    const version = abi.abi_version();
    try check(version > 0, "still loaded after FreeLibrary (pinned, as -z nodelete on Linux)");
}
