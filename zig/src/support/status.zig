//! The status codes every export returns across the C ABI, and the Zig error set they come from.
//! Zero is success; failures are negative so that an export returning an address (always > 0) or a
//! size (always >= 0) can return a failure in the same f64. The TypeScript side maps each code to an
//! `OffheapError` with the code's name, so these numbers are part of the ABI: never renumber them.
const std = @import("std");

pub const Status = enum(i32) {
    ok = 0,
    /// The OS refused memory (mmap failed) or a size overflowed.
    out_of_memory = -1,
    /// Size is zero, negative, not an integer, or larger than the allocator can ever serve.
    invalid_size = -2,
    /// Alignment is not a power of two, or is larger than the tier can guarantee.
    invalid_alignment = -3,
    /// The address was never handed out by offheap (a foreign or wild pointer).
    not_owned = -4,
    /// The address lies inside an offheap block but is not its start.
    interior_pointer = -5,
    /// The block was already freed.
    double_free = -6,
    /// Another argument (flags, a NaN address, an unknown option) is invalid.
    invalid_argument = -7,
    /// The NUMA node does not exist on this machine.
    invalid_node = -8,
    /// The request is valid but this system cannot honour it (for example, a missing syscall).
    unsupported = -9,
    /// A cache has no entry for the key. Not a failure: the facade reports a miss.
    not_found = -10,
    /// A range given by address starts inside a live offheap block or region but runs past its end.
    out_of_bounds = -11,
    /// A range given by address lies inside a block or region that was freed (and is still mapped:
    /// memory already given back to the OS answers `not_owned`).
    use_after_free = -12,
    /// An index already holds the id (add refuses it; update replaces a vector).
    already_exists = -13,
    /// A file is not an index file of this version: foreign, truncated or corrupt.
    invalid_file = -14,
    /// The object is a read-only view (an index opened with mode "view") and cannot change.
    read_only = -15,
    /// The OS refused a file operation (open, create, write, map).
    io_failed = -16,
};

pub const Error = error{
    OutOfMemory,
    InvalidSize,
    InvalidAlignment,
    NotOwned,
    InteriorPointer,
    DoubleFree,
    InvalidArgument,
    InvalidNode,
    Unsupported,
    NotFound,
    OutOfBounds,
    UseAfterFree,
    AlreadyExists,
    InvalidFile,
    ReadOnly,
    IoFailed,
};

pub fn fromError(err: Error) Status {
    return switch (err) {
        error.OutOfMemory => .out_of_memory,
        error.InvalidSize => .invalid_size,
        error.InvalidAlignment => .invalid_alignment,
        error.NotOwned => .not_owned,
        error.InteriorPointer => .interior_pointer,
        error.DoubleFree => .double_free,
        error.InvalidArgument => .invalid_argument,
        error.InvalidNode => .invalid_node,
        error.Unsupported => .unsupported,
        error.NotFound => .not_found,
        error.OutOfBounds => .out_of_bounds,
        error.UseAfterFree => .use_after_free,
        error.AlreadyExists => .already_exists,
        error.InvalidFile => .invalid_file,
        error.ReadOnly => .read_only,
        error.IoFailed => .io_failed,
    };
}

pub fn code(err: Error) i32 {
    return @backingInt(fromError(err));
}

test "every error maps to a distinct negative code" {
    const errors = [_]Error{ error.OutOfMemory, error.InvalidSize, error.InvalidAlignment, error.NotOwned, error.InteriorPointer, error.DoubleFree, error.InvalidArgument, error.InvalidNode, error.Unsupported, error.NotFound, error.OutOfBounds, error.UseAfterFree, error.AlreadyExists, error.InvalidFile, error.ReadOnly, error.IoFailed };
    for (errors, 0..) |err, i| {
        try std.testing.expect(code(err) < 0);
        for (errors[0..i]) |earlier| try std.testing.expect(code(earlier) != code(err));
    }
}
