/* Operating-system helpers: a sleeping barrier, clocks, memory figures. */
#include "spikefield/core.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct sf_barrier {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned n, waiting;
    unsigned long generation;
};

sf_barrier *sf_barrier_create(unsigned nthreads)
{
    sf_barrier *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    b->n = nthreads ? nthreads : 1;
    return b;
}

void sf_barrier_destroy(sf_barrier *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free(b);
}

void sf_barrier_wait(sf_barrier *b)
{
    if (b->n == 1)
        return;
    pthread_mutex_lock(&b->mu);
    unsigned long gen = b->generation;
    if (++b->waiting == b->n) {
        b->waiting = 0;
        b->generation++;
        pthread_cond_broadcast(&b->cv);
    } else {
        while (gen == b->generation)
            pthread_cond_wait(&b->cv, &b->mu);
    }
    pthread_mutex_unlock(&b->mu);
}

double sf_wall_time(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double sf_epoch_time(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double sf_cpu_time(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t read_cgroup_limit(void)
{
    FILE *f = fopen("/sys/fs/cgroup/memory.max", "r");
    if (!f)
        f = fopen("/sys/fs/cgroup/memory/memory.limit_in_bytes", "r");
    if (!f)
        return 0;
    char buf[64] = {0};
    uint64_t v = 0;
    if (fgets(buf, sizeof buf, f) && strncmp(buf, "max", 3) != 0)
        v = strtoull(buf, NULL, 10);
    fclose(f);
    return v;
}

uint64_t sf_mem_available(void)
{
    uint64_t avail = 0;
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) {
            unsigned long long kb;
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
                avail = (uint64_t)kb * 1024u;
                break;
            }
        }
        fclose(f);
    }
    uint64_t cg = read_cgroup_limit();
    if (cg && (avail == 0 || cg < avail))
        avail = cg;
    /* an address-space limit (ulimit -v): what is left of it */
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        uint64_t used = 0;
        f = fopen("/proc/self/statm", "r");
        if (f) {
            unsigned long long pages;
            if (fscanf(f, "%llu", &pages) == 1)
                used = (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
            fclose(f);
        }
        uint64_t left = (uint64_t)rl.rlim_cur > used ? (uint64_t)rl.rlim_cur - used : 1;
        if (avail == 0 || left < avail)
            avail = left;
    }
    return avail;
}

uint64_t sf_mem_peak_rss(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (uint64_t)ru.ru_maxrss * 1024u;
}
