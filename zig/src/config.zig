//! The library's options in one table, in the manner of mimalloc's options.c: each has a default
//! and an `OFFHEAP_<NAME>` environment override, read once at first use. Sizes accept K, M and G
//! suffixes. A value that does not parse is reported on stderr and replaced by the default: a
//! misspelt environment variable must never take a process down.
const std = @import("std");
const os = @import("os/os.zig");

pub const SimdLevel = enum(u8) { baseline = 0, avx2 = 1, avx512 = 2 };
pub const NumaPolicy = enum(u8) { local = 0, interleave = 1, preferred = 2 };
/// huge: "auto" | "always" | "never". The numbering is ABI (offheap_alloc_ex flags).
pub const HugeMode = enum(u2) { auto = 0, always = 1, never = 2 };

pub const Config = struct {
    /// OFFHEAP_SIMD: force a lower kernel level (baseline|avx2|avx512); null picks the best.
    simd: ?SimdLevel = null,
    /// OFFHEAP_CACHE_BUDGET: bytes of freed mapped-tier regions kept mapped for reuse.
    cache_budget_bytes: u64 = 64 << 20,
    /// OFFHEAP_DECAY_MS: how long an idle cached region keeps its pages before MADV_FREE.
    decay_ms: u64 = 1000,
    /// OFFHEAP_HUGE_THRESHOLD: requests above this many bytes go to the huge tier.
    huge_threshold_bytes: u64 = 2 << 20,
    /// OFFHEAP_NUMA: the policy applied when an allocation names none.
    numa_policy: NumaPolicy = .local,
    /// OFFHEAP_POISON: fill freed small and medium blocks with 0xDE so stale reads are visible.
    poison: bool = false,
    /// OFFHEAP_HUGE: the hugepage mode of allocations that name none (auto|always|never).
    huge_mode: HugeMode = .auto,
    /// OFFHEAP_HUGETLB_RETRY_MS: after a hugetlb mapping fails, how long to go straight to THP.
    hugetlb_retry_ms: u64 = 1000,
};

var loaded: std.atomic.Value(bool) = .init(false);
var current: Config = .{};

/// The options, parsed from the environment on first call. Concurrent first calls parse the same
/// environment and store the same values, so no lock is needed.
pub fn get() *const Config {
    if (!loaded.load(.acquire)) {
        current = fromEnvironment(environmentLookup);
        loaded.store(true, .release);
    }
    return &current;
}

const Lookup = *const fn (name: [*:0]const u8) ?[]const u8;

fn environmentLookup(name: [*:0]const u8) ?[]const u8 {
    return os.environmentValue(name);
}

pub fn fromEnvironment(lookup: Lookup) Config {
    var config: Config = .{};
    if (lookup("OFFHEAP_SIMD")) |text| config.simd = parseEnum(SimdLevel, "OFFHEAP_SIMD", text) orelse null;
    if (lookup("OFFHEAP_CACHE_BUDGET")) |text| config.cache_budget_bytes = parseSize("OFFHEAP_CACHE_BUDGET", text) orelse config.cache_budget_bytes;
    if (lookup("OFFHEAP_DECAY_MS")) |text| config.decay_ms = parseSize("OFFHEAP_DECAY_MS", text) orelse config.decay_ms;
    if (lookup("OFFHEAP_HUGE_THRESHOLD")) |text| config.huge_threshold_bytes = parseSize("OFFHEAP_HUGE_THRESHOLD", text) orelse config.huge_threshold_bytes;
    if (lookup("OFFHEAP_NUMA")) |text| config.numa_policy = parseEnum(NumaPolicy, "OFFHEAP_NUMA", text) orelse config.numa_policy;
    if (lookup("OFFHEAP_POISON")) |text| config.poison = (parseSize("OFFHEAP_POISON", text) orelse 0) != 0;
    if (lookup("OFFHEAP_HUGE")) |text| config.huge_mode = parseEnum(HugeMode, "OFFHEAP_HUGE", text) orelse config.huge_mode;
    if (lookup("OFFHEAP_HUGETLB_RETRY_MS")) |text| config.hugetlb_retry_ms = parseSize("OFFHEAP_HUGETLB_RETRY_MS", text) orelse config.hugetlb_retry_ms;
    // A threshold below the medium limit would send medium requests to mappings they cannot be
    // served from; one above 1 GiB would make the region cache's bins meaningless.
    if (config.huge_threshold_bytes < 16 << 10 or config.huge_threshold_bytes > 1 << 30) {
        config.huge_threshold_bytes = warn(u64, "OFFHEAP_HUGE_THRESHOLD", "(out of range 16K..1G)") orelse (Config{}).huge_threshold_bytes;
    }
    return config;
}

/// A decimal integer with an optional K, M or G suffix (powers of 1024).
pub fn parseSize(name: []const u8, text: []const u8) ?u64 {
    const trimmed = std.mem.trim(u8, text, " \t");
    if (trimmed.len == 0) return warn(u64, name, text);
    const last = std.ascii.toUpper(trimmed[trimmed.len - 1]);
    const shift: u6 = switch (last) {
        'K' => 10,
        'M' => 20,
        'G' => 30,
        else => 0,
    };
    const digits = if (shift == 0) trimmed else trimmed[0 .. trimmed.len - 1];
    const number = std.fmt.parseInt(u64, digits, 10) catch return warn(u64, name, text);
    if (number > (@as(u64, std.math.maxInt(u64)) >> shift)) return warn(u64, name, text);
    return number << shift;
}

fn parseEnum(comptime E: type, name: []const u8, text: []const u8) ?E {
    const trimmed = std.mem.trim(u8, text, " \t");
    for (std.enums.values(E)) |value| {
        if (std.ascii.eqlIgnoreCase(trimmed, @tagName(value))) return value;
    }
    return warn(E, name, text);
}

fn warn(comptime T: type, name: []const u8, text: []const u8) ?T {
    if (@import("builtin").is_test) return null;
    var buffer: [256]u8 = undefined;
    const message = std.fmt.bufPrint(&buffer, "offheap: ignoring {s}={s}: not a valid value; using the default\n", .{ name, text }) catch return null;
    os.writeStderr(message);
    return null;
}

test "sizes accept K, M and G suffixes and reject garbage" {
    try std.testing.expectEqual(@as(?u64, 64 << 20), parseSize("X", "64M"));
    try std.testing.expectEqual(@as(?u64, 3 << 10), parseSize("X", "3k"));
    try std.testing.expectEqual(@as(?u64, 1 << 30), parseSize("X", "1G"));
    try std.testing.expectEqual(@as(?u64, 12), parseSize("X", " 12 "));
    try std.testing.expectEqual(@as(?u64, null), parseSize("X", "-5"));
    try std.testing.expectEqual(@as(?u64, null), parseSize("X", "lots"));
    try std.testing.expectEqual(@as(?u64, null), parseSize("X", "99999999999999999999G"));
}

test "an invalid environment value falls back to the default" {
    const Fake = struct {
        fn lookup(name: [*:0]const u8) ?[]const u8 {
            const key = std.mem.span(name);
            if (std.mem.eql(u8, key, "OFFHEAP_CACHE_BUDGET")) return "banana";
            if (std.mem.eql(u8, key, "OFFHEAP_SIMD")) return "AVX2";
            if (std.mem.eql(u8, key, "OFFHEAP_NUMA")) return "sideways";
            if (std.mem.eql(u8, key, "OFFHEAP_HUGE_THRESHOLD")) return "1";
            if (std.mem.eql(u8, key, "OFFHEAP_HUGE")) return "never";
            return null;
        }
    };
    const config = fromEnvironment(Fake.lookup);
    try std.testing.expectEqual(@as(u64, 64 << 20), config.cache_budget_bytes);
    try std.testing.expectEqual(@as(?SimdLevel, .avx2), config.simd);
    try std.testing.expectEqual(NumaPolicy.local, config.numa_policy);
    try std.testing.expectEqual(@as(u64, 2 << 20), config.huge_threshold_bytes);
    try std.testing.expectEqual(HugeMode.never, config.huge_mode);
}
