#pragma once
// Internal to core (and its benchmarks): hot loops are cloned for several instruction sets (AVX-512,
// AVX2, baseline x86-64) and the dynamic loader picks the best one for the CPU, so the portable build
// still runs vectorised on a modern CPU.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
// ThreadSanitizer: the clones' ifunc resolvers would run, instrumented, before its runtime starts (crash).
// AddressSanitizer: one variant of the same source is checked; three would triple the slowest compile.
#define ATTNSPHERE_CLONES
#else
#define ATTNSPHERE_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
// Helpers must be inlined into each clone to be compiled for its instruction set.
#define ATTNSPHERE_INLINE __attribute__((always_inline)) inline
