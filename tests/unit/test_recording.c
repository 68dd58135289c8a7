/* Recordings that stay bounded in memory (spool.h, sf_run_options.spool_dir)
 * and runs that stop for want of room keep what was simulated.
 *
 * - spools in memory and in a file hold the same elements through growth
 *   and release;
 * - a run recording ~10^7 spikes (120 MB) grows the process's resident
 *   memory by at least that much in memory, and by less than 16 MiB with a
 *   spool folder; the spikes are identical;
 * - a run whose spike spool cannot grow (RLIMIT_FSIZE) stops early, says
 *   why, and keeps exactly the spikes of the full run up to where it
 *   stopped;
 * - a run resumed from a checkpoint spools like a fresh one: its resident
 *   memory grows by less than 16 MiB while it records ~5e6 spikes (54 MB),
 *   and it gives the uninterrupted run's spikes.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine/spool.h"
#include "spikefield/checkpoint.h"
#include "test_util.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/sf-spool-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(dir); /* the spools were unlinked files: the folder is empty */
}

static void test_spool_same(void **state)
{
    (void)state;
    sf_spool a, b;
    assert_int_equal(sf_spool_open(&a, sizeof(int64_t), 3, NULL), 0);
    assert_int_equal(sf_spool_open(&b, sizeof(int64_t), 3, dir), 0);
    const size_t n = 3000000; /* 24 MB: several doublings and releases */
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sf_spool_reserve(&a, i + 1), 0);
        assert_int_equal(sf_spool_reserve(&b, i + 1), 0);
        int64_t v = (int64_t)(i * 2654435761u);
        ((int64_t *)a.base)[i] = v;
        ((int64_t *)b.base)[i] = v;
        if (i % 100000 == 0) {
            sf_spool_release(&a, i);
            sf_spool_release(&b, i);
        }
    }
    assert_true(b.released >= ((size_t)20 << 20)); /* most of it left memory */
    assert_int_equal(a.released, 0);               /* heap spools keep theirs */
    assert_memory_equal(a.base, b.base, n * sizeof(int64_t));
    sf_spool_close(&a);
    sf_spool_close(&b);
    sf_spool_close(&b); /* closing twice is harmless */
    assert_int_equal(sf_spool_open(&b, 8, 1, "/nonexistent/folder"), ENOENT);
    sf_spool_close(&b);
}

/* 1000 neurons firing at about 450 Hz (I_e far above rheobase, t_ref 2 ms)
 * for 20 s: about 9e6 spikes, 108 MB as ids and steps. */
static const char *busy =
    "simulation: {resolution: 0.1, duration: 20000.0, seed: 1}\n"
    "populations:\n"
    "  E: {model: iaf_psc_delta, n: 1000, params: {I_e: 20000.0, t_ref: 2.0}}\n"
    "recorders:\n"
    "  spikes: {kind: spike_recorder}\n";

/* Resident memory (kB) of this process. */
static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

typedef struct {
    long first, max;
} rss_track;

static void track(void *user, double t, double t_end, double wall)
{
    (void)t;
    (void)t_end;
    (void)wall;
    rss_track *r = user;
    long now = rss_kb();
    if (!r->first)
        r->first = now;
    if (now > r->max)
        r->max = now;
}

static void run_busy(sim *s, const char *spool, rss_track *rt)
{
    sim_load(s, busy, "busy.yaml", 1);
    sf_run_options o = {.progress = track, .progress_user = rt, .progress_interval = 1e-9,
                        .spool_dir = spool};
    if (sf_engine_run(s->ctx, s->net, &o, &s->rec) != SF_OK)
        fail_msg("run: %s", sf_context_errmsg(s->ctx));
}

static void test_bounded(void **state)
{
    (void)state;
    sim a, b;
    rss_track ra = {0, 0}, rb = {0, 0};
    run_busy(&a, NULL, &ra);
    const uint32_t *ids;
    const int64_t *steps;
    size_t n;
    assert_true(sf_recording_spikes(a.rec, 0, &ids, &steps, &n));
    double mb = n * 12.0 / 1048576.0;
    print_message("%zu spikes (%.0f MiB); resident growth in memory %.1f MiB\n", n, mb,
                  (ra.max - ra.first) / 1024.0);
    assert_true(mb > 80);
    /* in memory the lists are resident: growth about mb (minus the first
     * progress call's share), at least 3/4 of it */
    assert_true((ra.max - ra.first) / 1024.0 > 0.75 * mb);
    sf_recording_destroy(a.rec);
    a.rec = NULL;
    run_busy(&b, dir, &rb);
    print_message("spooled: resident growth %.1f MiB\n", (rb.max - rb.first) / 1024.0);
    /* two spools, each holding at most 1 MiB plus a page before release */
    assert_true((rb.max - rb.first) / 1024.0 < 16.0);
    /* the same spikes: a is rerun (a network runs once) */
    sim_free(&a);
    rss_track rc = {0, 0};
    run_busy(&a, NULL, &rc);
    sim_same_spikes(&a, &b, 1, 1);
    sim_free(&a);
    sim_free(&b);
}

static void test_no_room(void **state)
{
    (void)state;
    sim full, part;
    rss_track r0 = {0, 0}, r1 = {0, 0};
    run_busy(&full, NULL, &r0);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 8u << 20; /* the int64 steps spool stops at 8 MiB */
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    run_busy(&part, dir, &r1);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_true(sf_recording_interrupted(part.rec));
    const char *why = sf_recording_stop_reason(part.rec);
    print_message("stopped at %.1f ms: %s\n", sf_recording_t_end(part.rec), why);
    assert_non_null(strstr(why, "no room for more spikes while recording the spikes of E"));
    assert_non_null(strstr(why, strerror(EFBIG)));
    double t_end = sf_recording_t_end(part.rec);
    assert_true(t_end > 0 && t_end < 20000.0);
    /* exactly the full run's spikes with t <= t_end */
    const uint32_t *ia, *ib;
    const int64_t *sa, *sb;
    size_t na, nb, keep = 0;
    assert_true(sf_recording_spikes(full.rec, 0, &ia, &sa, &na));
    assert_true(sf_recording_spikes(part.rec, 0, &ib, &sb, &nb));
    int64_t last = (int64_t)llround(t_end / 0.1);
    while (keep < na && sa[keep] <= last)
        keep++;
    assert_int_equal(nb, keep);
    assert_true(nb > 100000);
    assert_memory_equal(ia, ib, nb * sizeof *ia);
    assert_memory_equal(sa, sb, nb * sizeof *sa);
    assert_string_equal(sf_recording_stop_reason(full.rec), "");
    sim_free(&full);
    sim_free(&part);
}

static void test_resumed_spools(void **state)
{
    (void)state;
    sim a, b;
    char ck[128];
    snprintf(ck, sizeof ck, "%s/busy.sfck", dir);
    sim_load(&a, busy, "busy.yaml", 1);
    sf_checkpoint_options co = {.path = ck, .every_ms = 10000};
    assert_int_equal(sf_network_set_checkpoints(a.ctx, a.net, &co), SF_OK);
    if (sf_engine_run(a.ctx, a.net, NULL, &a.rec) != SF_OK) /* in memory */
        fail_msg("run: %s", sf_context_errmsg(a.ctx));
    assert_true(sf_recording_checkpoint_time(a.rec) == 10000.0);
    sim_load(&b, busy, "busy.yaml", 1);
    sf_checkpoint *c;
    if (sf_checkpoint_read(b.ctx, ck, &c) != SF_OK || sf_network_restore(b.ctx, b.net, c) != SF_OK)
        fail_msg("restore: %s", sf_context_errmsg(b.ctx));
    sf_checkpoint_destroy(c);
    assert_int_equal(unlink(ck), 0); /* the folder must end empty */
    rss_track rb = {0, 0};
    sf_run_options o = {.progress = track, .progress_user = &rb, .progress_interval = 1e-9,
                        .spool_dir = dir};
    if (sf_engine_run(b.ctx, b.net, &o, &b.rec) != SF_OK)
        fail_msg("resumed run: %s", sf_context_errmsg(b.ctx));
    const uint32_t *ids;
    const int64_t *steps;
    size_t n, n0 = 0;
    assert_true(sf_recording_spikes(b.rec, 0, &ids, &steps, &n));
    while (n0 < n && steps[n0] <= 100000)
        n0++;
    double mb = (n - n0) * 12.0 / 1048576.0;
    print_message("resumed at 10 s, spooled: %.0f MiB recorded after it, resident growth "
                  "%.1f MiB\n", mb, (rb.max - rb.first) / 1024.0);
    assert_true(mb > 40); /* in memory it would be resident */
    assert_true((rb.max - rb.first) / 1024.0 < 16.0);
    sim_same_spikes(&a, &b, 1, 1);
    sim_free(&a);
    sim_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spool_same),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_no_room),
        cmocka_unit_test(test_resumed_spools),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
