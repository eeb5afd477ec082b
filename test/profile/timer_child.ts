/**
 * Child process of test/profile.test.ts: starts the timeline sampler and returns. The process must
 * end at once (the sampler's timer is unref'd), printing how many samples it had taken and what
 * the profiler does (OFFHEAP_PROFILE may have turned stack tracking on).
 *
 * @module
 */
import { profile } from "../../mod.ts";

profile.sample({ intervalMs: 10_000 });
console.log(JSON.stringify({ samples: profile.timeline().length, stacks: profile.status().stacks }));
