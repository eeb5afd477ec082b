//! The C ABI of the vector kernels: argument checks at the boundary, then a call through the kernel
//! set that simd/dispatch.zig chose for this CPU. Like ffi.zig, no export here can panic.
//!
//!   offheap_simd_level() i32                         0 baseline, 1 avx2, 2 avx512
//!   offheap_dot_f32(a: [*]f32, b: [*]f32, len: u32) f32   NaN when a pointer is null
const std = @import("std");
const dispatch = @import("simd/dispatch.zig");

export fn offheap_simd_level() i32 {
    return @backingInt(dispatch.level());
}

export fn offheap_dot_f32(a: ?[*]const f32, b: ?[*]const f32, len: u32) f32 {
    if (len == 0) return 0;
    const left = a orelse return std.math.nan(f32);
    const right = b orelse return std.math.nan(f32);
    return dispatch.kernels().dot_f32(left, right, len);
}

test "dot through the ABI" {
    const a = [_]f32{ 1, 2, 3 };
    const b = [_]f32{ 4, 5, 6 };
    try std.testing.expectEqual(@as(f32, 32), offheap_dot_f32(&a, &b, 3));
    try std.testing.expect(std.math.isNan(offheap_dot_f32(null, &b, 3)));
}
