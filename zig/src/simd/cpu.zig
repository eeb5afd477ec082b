//! CPU feature detection for kernel dispatch: cpuid for what the CPU has, xgetbv for what the OS
//! saves on context switch (AVX state, AVX-512 state). A level counts only when both agree.
const std = @import("std");
const builtin = @import("builtin");
const config = @import("../config.zig");

/// Ordered: a higher level implies every lower one.
pub const Level = config.SimdLevel;

const CpuidResult = struct { eax: u32, ebx: u32, ecx: u32, edx: u32 };

fn cpuid(leaf: u32, subleaf: u32) CpuidResult {
    var eax: u32 = undefined;
    var ebx: u32 = undefined;
    var ecx: u32 = undefined;
    var edx: u32 = undefined;
    asm volatile ("cpuid"
        : [_] "={eax}" (eax),
          [_] "={ebx}" (ebx),
          [_] "={ecx}" (ecx),
          [_] "={edx}" (edx),
        : [_] "{eax}" (leaf),
          [_] "{ecx}" (subleaf),
    );
    return .{ .eax = eax, .ebx = ebx, .ecx = ecx, .edx = edx };
}

fn xgetbv0() u32 {
    var eax: u32 = undefined;
    var edx: u32 = undefined;
    asm volatile ("xgetbv"
        : [_] "={eax}" (eax),
          [_] "={edx}" (edx),
        : [_] "{ecx}" (@as(u32, 0)),
    );
    return eax;
}

fn bit(value: u32, index: u5) bool {
    return (value >> index) & 1 == 1;
}

/// The best level this CPU and OS support, ignoring any override. Each level requires every
/// feature its kernel object is compiled with (see `SimdLevel` in build.zig): x86-64-v3 for avx2,
/// and x86-64-v4 plus VNNI and VPOPCNTDQ for avx512 (AVX-512 CPUs without them, such as Skylake-X,
/// run the avx2 kernels).
pub fn detectLevel() Level {
    if (builtin.cpu.arch != .x86_64) return .baseline;
    const leaf1 = cpuid(1, 0);
    const has_osxsave = bit(leaf1.ecx, 27);
    if (!has_osxsave) return .baseline;
    const xcr0 = xgetbv0();
    const os_saves_avx = (xcr0 & 0b110) == 0b110;
    if (!os_saves_avx) return .baseline;
    if (!hasV3(leaf1)) return .baseline;
    const leaf7 = cpuid(7, 0);
    const os_saves_avx512 = (xcr0 & 0b1110_0000) == 0b1110_0000;
    // x86-64-v4: AVX-512 F, BW, CD, DQ, VL; then VNNI (ecx 11) and VPOPCNTDQ (ecx 14).
    const has_v4 = bit(leaf7.ebx, 16) and bit(leaf7.ebx, 30) and bit(leaf7.ebx, 28) and bit(leaf7.ebx, 17) and bit(leaf7.ebx, 31);
    const has_extras = bit(leaf7.ecx, 11) and bit(leaf7.ecx, 14);
    if (os_saves_avx512 and has_v4 and has_extras) return .avx512;
    return .avx2;
}

/// x86-64-v3: AVX, AVX2, BMI1, BMI2, F16C, FMA, LZCNT, MOVBE, POPCNT.
fn hasV3(leaf1: CpuidResult) bool {
    const leaf7 = cpuid(7, 0);
    const has_avx = bit(leaf1.ecx, 28) and bit(leaf1.ecx, 12) and bit(leaf1.ecx, 29);
    const has_bits = bit(leaf1.ecx, 22) and bit(leaf1.ecx, 23) and bit(leaf7.ebx, 3) and bit(leaf7.ebx, 8);
    const has_lzcnt = cpuid(0x8000_0000, 0).eax >= 0x8000_0001 and bit(cpuid(0x8000_0001, 0).ecx, 5);
    return has_avx and bit(leaf7.ebx, 5) and has_bits and has_lzcnt;
}

/// The level to run: the detected one, lowered (never raised) by the `simd` option (OFFHEAP_SIMD).
pub fn selectLevel() Level {
    const best = detectLevel();
    const forced = config.get().simd orelse return best;
    return if (@backingInt(forced) < @backingInt(best)) forced else best;
}

test "detected level is stable" {
    try std.testing.expectEqual(detectLevel(), detectLevel());
}
