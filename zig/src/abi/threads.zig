//! The C ABI of thread-heap ownership: a collection of unowned heaps for `trim()`, and an explicit
//! release of the calling thread's heap. Their counters are `offheap_threads_stats` (layout.zig).
//!
//!   offheap_threads_collect() f64                           bytes returned to the OS
//!   offheap_thread_release() i32                            0; the caller's heap is abandoned
const std = @import("std");
const thread_heap = @import("../alloc/thread_heap.zig");

/// Collects every heap no live thread owns and the caller's own heap, and returns the memory of
/// their empty pages to the OS.
pub export fn offheap_threads_collect() f64 {
    return @floatFromInt(thread_heap.collectUnowned());
}

/// Abandons the calling thread's heap now, as its thread-exit hint would. For a Worker that has
/// finished allocating: the next thread to need a heap adopts this one. Safe to call at any time;
/// a later allocation on this thread adopts or creates a heap again.
pub export fn offheap_thread_release() i32 {
    thread_heap.abandonCurrent();
    return 0;
}
