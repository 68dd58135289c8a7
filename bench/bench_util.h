/* What the benchmarks (bench/bench_*.c) share: the load average each one
 * states beside its numbers (the machine is shared; a time means little
 * without the load it was taken under). Time itself comes from the
 * library, so benchmarks and library measure it one way: sf_cpu_time (CPU
 * seconds of the process, all threads) and sf_wall_time (a monotonic
 * clock), spikefield/core.h.
 * Header only (static inline): the Makefile builds each benchmark from its
 * one .c file.
 */
#ifndef SF_BENCH_UTIL_H
#define SF_BENCH_UTIL_H

#include "spikefield/core.h"

#include <stdio.h>

/* The 1-minute load average (/proc/loadavg); -1 when it cannot be read. */
static inline double bench_load_average(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

#endif
