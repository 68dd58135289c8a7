/* Checkpoints (src/engine/checkpoint.c, issue 18) through the C API: a run
 * resumed from a checkpoint records exactly the spikes and traces of the
 * uninterrupted run, on another thread count; the stop flag with on_stop
 * writes a checkpoint after the next slice and stops; refusals (another
 * model, a network that already ran, no path, an unwritable folder,
 * truncated files); checkpoints forged with valid checksums never crash the
 * reader, the restore or the resumed run; plastic synapses, their archives
 * and the weight recorder resume exactly; the model hash is FNV-1a 64 (checked against the
 * published test vectors of an independent implementation here). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_util.h"

#include "spikefield/checkpoint.h"

#include <stdio.h>
#include <unistd.h>

/* Izhikevich and exponential-current LIF neurons with Poisson drive,
 * drawn weights and delays, spike recorder and voltmeter. */
static const char *k_model =
    "simulation: {resolution: 0.1, duration: 150.0, seed: 11, threads: 1}\n"
    "populations:\n"
    "  E: {model: iaf_psc_exp, n: 300, initial: {V_m: {distribution: uniform, low: -70, high: "
    "-55}}}\n"
    "  Z: {model: izhikevich, n: 60}\n"
    "projections:\n"
    "  EE: {source: E, target: E, rule: fixed_indegree, indegree: 30, weight: {distribution: "
    "normal, mean: 20.0, std: 5.0, min: 0}, delay: {distribution: uniform, low: 1.0, high: 3.0}}\n"
    "  EZ: {source: E, target: Z, rule: fixed_indegree, indegree: 20, weight: 2.0, delay: 1.0}\n"
    "  ZE: {source: Z, target: E, rule: fixed_indegree, indegree: 10, weight: -30.0, delay: 1.0}\n"
    "inputs:\n"
    "  bg: {kind: poisson_generator, targets: [E], rate: 12000.0, weight: 25.0}\n"
    "  bz: {kind: poisson_generator, targets: [Z], rate: 3000.0, weight: 3.0}\n"
    "recorders:\n"
    "  spikes: {kind: spike_recorder}\n"
    "  vm: {kind: voltmeter, populations: [E, Z], n: 4, interval: 0.2}\n";

/* Plastic synapses with their archives (STDP's spike archive, Clopath's
 * compressed voltage archive) and a weight recorder. */
static const char *k_plastic =
    "simulation: {resolution: 0.1, duration: 100.0, seed: 12, threads: 1}\n"
    "populations:\n"
    "  E: {model: iaf_psc_delta, n: 200, params: {E_L: 0.0, V_th: 20.0, V_reset: 10.0, "
    "tau_m: 20.0, t_ref: 2.0}, initial: {V_m: {distribution: uniform, low: 0.0, high: 20.0}}}\n"
    "  C: {model: aeif_psc_delta_clopath, n: 4, params: {A_LTP: 8.0e-4, A_LTD: 14.0e-4}}\n"
    "projections:\n"
    "  EE: {source: E, target: E, rule: fixed_indegree, indegree: 20, weight: 0.3, delay: "
    "{distribution: uniform, low: 1.0, high: 2.0}, synapse: {model: stdp_synapse, lambda: 0.05, "
    "Wmax: 0.6}}\n"
    "  EC: {source: E, target: C, rule: all_to_all, weight: 1.0, delay: 1.0, synapse: {model: "
    "clopath_synapse, Wmax: 3.0, archiving: 1}}\n"
    "inputs:\n"
    "  bg: {kind: poisson_generator, targets: [E], rate: 20000.0, weight: 0.1}\n"
    "recorders:\n"
    "  spikes: {kind: spike_recorder}\n"
    "  wr: {kind: weight_recorder, projections: [EE, EC]}\n";

static char g_dir[64];

static int setup(void **state)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/sf_ckpt_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", g_dir, name);
}

/* The traces of recorder 1 of a and b are the same floats. */
static void same_traces(const sim *a, const sim *b)
{
    for (int k = 0; k < 2; k++) {
        const float *da, *db;
        size_t na, nb;
        uint32_t ma, mb;
        double t0a, t0b, dta, dtb;
        assert_true(sf_recording_trace(a->rec, 1, k, &da, &na, &ma, &t0a, &dta));
        assert_true(sf_recording_trace(b->rec, 1, k, &db, &nb, &mb, &t0b, &dtb));
        assert_true(na == nb && ma == mb && na > 0);
        assert_memory_equal(da, db, sizeof(float) * na * ma);
    }
}

static void run_with(sim *s, const sf_checkpoint_options *co, volatile int *stop)
{
    if (co && sf_network_set_checkpoints(s->ctx, s->net, co) != SF_OK)
        fail_msg("set: %s", sf_context_errmsg(s->ctx));
    sf_run_options o = {.stop = stop};
    if (sf_engine_run(s->ctx, s->net, &o, &s->rec) != SF_OK)
        fail_msg("run: %s", sf_context_errmsg(s->ctx));
}

/* Resumes the checkpoint file on `threads` threads into s. */
static void resume(sim *s, const char *file, int threads)
{
    sim_load(s, k_model, "ckpt", threads);
    sf_checkpoint *ck;
    if (sf_checkpoint_read(s->ctx, file, &ck) != SF_OK)
        fail_msg("read: %s", sf_context_errmsg(s->ctx));
    if (sf_network_restore(s->ctx, s->net, ck) != SF_OK)
        fail_msg("restore: %s", sf_context_errmsg(s->ctx));
    sf_checkpoint_destroy(ck); /* the network no longer needs it */
    sim_engine(s);
}

static void test_resume_identical(void **state)
{
    sim a, b;
    sim_load(&a, k_model, "ckpt", 1);
    sim_engine(&a);
    for (int p = 0; p < 2; p++) { /* both populations spike: the comparison means something */
        const uint32_t *ids;
        const int64_t *st;
        size_t ns;
        assert_true(sf_recording_spikes(a.rec, p, &ids, &st, &ns));
        if (ns < 50)
            fail_msg("population %d: only %zu spikes", p, ns);
    }
    char file[128];
    path_of(file, sizeof file, "run.sfck");
    sim_load(&b, k_model, "ckpt", 2);
    static const char meta[] = "any\0bytes";
    sf_checkpoint_options co = {.path = file, .every_ms = 40, .keep = true, .meta = meta,
                                .meta_len = sizeof meta};
    run_with(&b, &co, NULL);
    sim_same_spikes(&a, &b, 2, 2); /* checkpointing changes nothing */
    /* slices of 10 steps: checkpoints at steps 400, 800, 1200 */
    assert_true(sf_recording_checkpoint_time(b.rec) == 120.0);
    const int steps[] = {400, 800, 1200};
    for (int i = 0; i < 3; i++)
        for (int th = 1; th <= 3; th += 2) {
            char kept[160];
            snprintf(kept, sizeof kept, "%s/run-%012d.sfck", g_dir, steps[i]);
            sim c;
            sf_context *ctx = sf_context_create();
            sf_checkpoint *ck;
            assert_int_equal(sf_checkpoint_read(ctx, kept, &ck), SF_OK);
            assert_true(sf_checkpoint_step(ck) == steps[i]);
            assert_true(fabs(sf_checkpoint_time(ck) - steps[i] * 0.1) < 1e-9);
            size_t len;
            const void *mb = sf_checkpoint_meta(ck, &len);
            assert_int_equal(len, sizeof meta);
            assert_memory_equal(mb, meta, sizeof meta);
            sf_checkpoint_destroy(ck);
            sf_context_destroy(ctx);
            resume(&c, kept, th);
            assert_false(sf_recording_interrupted(c.rec));
            sim_same_spikes(&a, &c, 2, th);
            same_traces(&a, &c);
            sim_free(&c);
        }
    sim_free(&a);
    sim_free(&b);
}

static void test_stop_writes_checkpoint(void **state)
{
    sim a, b, c;
    sim_load(&a, k_model, "ckpt", 1);
    sim_engine(&a);
    char file[128];
    path_of(file, sizeof file, "stop.sfck");
    sim_load(&b, k_model, "ckpt", 2);
    volatile int stop = 1; /* set before the run: seen after the first slice */
    sf_checkpoint_options co = {.path = file, .on_stop = true};
    run_with(&b, &co, &stop);
    assert_true(sf_recording_interrupted(b.rec));
    /* seen at the end of slice 0; slice 1 completes, its end is checkpointed */
    assert_true(fabs(sf_recording_t_end(b.rec) - 2.0) < 1e-9);
    assert_true(fabs(sf_recording_checkpoint_time(b.rec) - 2.0) < 1e-9);
    resume(&c, file, 1);
    sim_same_spikes(&a, &c, 2, 1);
    same_traces(&a, &c);
    sim_free(&a);
    sim_free(&b);
    sim_free(&c);
}

static void test_refusals(void **state)
{
    char file[128];
    path_of(file, sizeof file, "ref.sfck");
    sim a;
    sim_load(&a, k_model, "ckpt", 1);
    sf_checkpoint_options none = {.path = NULL};
    assert_int_equal(sf_network_set_checkpoints(a.ctx, a.net, &none), SF_ERR_ARG);
    sf_checkpoint_options co = {.path = file, .every_ms = 50};
    run_with(&a, &co, NULL);
    sf_checkpoint *ck;
    assert_int_equal(sf_checkpoint_read(a.ctx, file, &ck), SF_OK);
    /* a network that already ran */
    assert_int_equal(sf_network_restore(a.ctx, a.net, ck), SF_ERR_ARG);
    assert_non_null(strstr(sf_context_errmsg(a.ctx), "already been simulated"));
    /* another model: another seed */
    sf_model *m2;
    const char *set = "simulation.seed=12";
    assert_int_equal(sf_model_load_string(a.ctx, k_model, "ckpt", &set, 1, &m2), SF_OK);
    assert_true(sf_model_hash(m2) != sf_model_hash(a.m));
    sf_network *n2;
    assert_int_equal(sf_network_build(a.ctx, m2, 1, &n2), SF_OK);
    assert_int_equal(sf_network_restore(a.ctx, n2, ck), SF_ERR_ARG);
    assert_non_null(strstr(sf_context_errmsg(a.ctx), "another model"));
    sf_network_destroy(n2);
    sf_model_destroy(m2);
    sf_checkpoint_destroy(ck);
    /* an unwritable folder: the run fails with SF_ERR_IO */
    sim b;
    sim_load(&b, k_model, "ckpt", 1);
    sf_checkpoint_options bad = {.path = "/nonexistent-folder/x.sfck", .every_ms = 50};
    assert_int_equal(sf_network_set_checkpoints(b.ctx, b.net, &bad), SF_OK);
    sf_recording *rec = NULL;
    assert_int_equal(sf_engine_run(b.ctx, b.net, NULL, &rec), SF_ERR_IO);
    assert_null(rec);
    assert_non_null(strstr(sf_context_errmsg(b.ctx), "cannot create checkpoint"));
    sim_free(&b);
    /* truncations at every length of the first 200 bytes and a few more */
    FILE *f = fopen(file, "rb");
    assert_non_null(f);
    static unsigned char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(n > 1000 && n < sizeof buf);
    char cut[160];
    path_of(cut, sizeof cut, "cut.sfck");
    for (size_t len = 0; len < n; len += len < 200 ? 1 : 997) {
        FILE *g = fopen(cut, "wb");
        assert_int_equal(fwrite(buf, 1, len, g), len);
        fclose(g);
        sf_checkpoint *x = NULL;
        assert_int_equal(sf_checkpoint_read(a.ctx, cut, &x), SF_ERR_IO);
        assert_null(x);
    }
    assert_int_equal(sf_checkpoint_read(a.ctx, "/nonexistent-folder/x.sfck", &ck), SF_ERR_IO);
    sim_free(&a);
}

/* FNV-1a 64, written from the definition (Fowler, Noll, Vo). */
static uint64_t fnv_ref(const unsigned char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ull;
    return h;
}

static void test_hash(void **state)
{
    /* the published test vectors of FNV-1a 64 */
    assert_true(fnv_ref((const unsigned char *)"", 0) == 0xcbf29ce484222325ull);
    assert_true(fnv_ref((const unsigned char *)"a", 1) == 0xaf63dc4c8601ec8cull);
    assert_true(fnv_ref((const unsigned char *)"foobar", 6) == 0x85944171f73967e8ull);
    sim a;
    sim_load(&a, k_model, "ckpt", 1);
    const char *j = sf_model_resolved_json(a.m);
    assert_true(sf_model_hash(a.m) == fnv_ref((const unsigned char *)j, strlen(j)));
    sim_free(&a);
}

/* Random changes with the checksum made valid again: the reader, the
 * restore and the run that loads the recording refuse or accept, never
 * crash (run under ASan by make test); for a static and a plastic model. */
static void forge_model(const char *model, double every_ms)
{
    char file[128], forged[128];
    path_of(file, sizeof file, "forge.sfck");
    path_of(forged, sizeof forged, "forged.sfck");
    sim a;
    sim_load(&a, model, "ckpt", 1);
    sf_checkpoint_options co = {.path = file, .every_ms = every_ms};
    run_with(&a, &co, NULL);
    FILE *f = fopen(file, "rb");
    static unsigned char buf[1 << 22], mut[1 << 22];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    uint64_t r = 88172645463325252ull; /* xorshift64 */
    int accepted = 0, ran = 0;
    for (int trial = 0; trial < 300; trial++) {
        memcpy(mut, buf, n);
        for (int k = 0; k < 1 + trial % 3; k++) {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            /* mostly the header and the first sections, where the lengths are */
            size_t at = trial % 2 ? (size_t)(r % 400) : (size_t)(r % (n - 8));
            mut[at] ^= (unsigned char)(1u << (r >> 60) % 8);
        }
        uint64_t h = fnv_ref(mut, n - 8);
        memcpy(mut + n - 8, &h, 8);
        FILE *g = fopen(forged, "wb");
        assert_int_equal(fwrite(mut, 1, n, g), n);
        fclose(g);
        sf_checkpoint *ck = NULL;
        if (sf_checkpoint_read(a.ctx, forged, &ck) != SF_OK)
            continue;
        sf_network *net;
        assert_int_equal(sf_network_build(a.ctx, a.m, 1, &net), SF_OK);
        if (sf_network_restore(a.ctx, net, ck) == SF_OK) {
            accepted++; /* a change of the state itself: a valid checkpoint */
            sf_recording *rec = NULL;
            if (ran < 15) { /* the run loads the recorded part: accepted or refused */
                sf_status st = sf_engine_run(a.ctx, net, NULL, &rec);
                assert_true(st == SF_OK || (st == SF_ERR_IO && !rec));
                ran += st == SF_OK;
            }
            sf_recording_destroy(rec);
        }
        sf_network_destroy(net);
        sf_checkpoint_destroy(ck);
    }
    print_message("forged checkpoints accepted (state bytes changed): %d of 300, %d ran\n",
                  accepted, ran);
    sim_free(&a);
}

static void test_forged(void **state)
{
    forge_model(k_model, 100);
    forge_model(k_plastic, 50);
}

/* Plastic synapses and their archives: a run of k_plastic checkpointed at
 * 30 and 60 ms and resumed on 1 and 3 threads records the same spikes and
 * weight updates and ends with the same weights as the uninterrupted run. */
static void test_plastic(void **state)
{
    sim a, b;
    sim_load(&a, k_plastic, "ckpt", 1);
    sim_engine(&a);
    char file[128];
    path_of(file, sizeof file, "plastic.sfck");
    sim_load(&b, k_plastic, "ckpt", 2);
    sf_checkpoint_options co = {.path = file, .every_ms = 30, .keep = true};
    run_with(&b, &co, NULL);
    size_t nw;
    const int64_t *sa;
    const uint32_t *pa, *ra, *ta;
    const double *wa;
    assert_true(sf_recording_weights(a.rec, 1, &nw, &sa, &pa, &ra, &ta, &wa));
    assert_true(nw > 1000);
    for (int i = 0; i < 2; i++)
        for (int th = 1; th <= 3; th += 2) {
            char kept[160];
            snprintf(kept, sizeof kept, "%s/plastic-%012d.sfck", g_dir, 300 * (i + 1));
            sim c;
            sim_load(&c, k_plastic, "ckpt", th);
            sf_checkpoint *ck;
            if (sf_checkpoint_read(c.ctx, kept, &ck) != SF_OK ||
                sf_network_restore(c.ctx, c.net, ck) != SF_OK)
                fail_msg("restore: %s", sf_context_errmsg(c.ctx));
            sf_checkpoint_destroy(ck);
            sim_engine(&c);
            sim_same_spikes(&a, &c, 2, th);
            size_t nc;
            const int64_t *sc;
            const uint32_t *pc, *rc, *tc;
            const double *wc;
            assert_true(sf_recording_weights(c.rec, 1, &nc, &sc, &pc, &rc, &tc, &wc));
            assert_int_equal(nc, nw);
            assert_memory_equal(sa, sc, nw * sizeof *sa);
            assert_memory_equal(pa, pc, nw * sizeof *pa);
            assert_memory_equal(ra, rc, nw * sizeof *ra);
            assert_memory_equal(ta, tc, nw * sizeof *ta);
            assert_memory_equal(wa, wc, nw * sizeof *wa);
            for (int p = 0; p < 2; p++) { /* the final weights, in canonical order */
                uint64_t n = sf_network_projection_synapses(a.net, p);
                double *w1 = malloc(8 * n), *w2 = malloc(8 * n);
                uint32_t *s1 = malloc(4 * n), *s2 = malloc(4 * n);
                assert_int_equal(sf_network_weights(a.net, p, s1, NULL, w1, NULL, n), n);
                assert_int_equal(sf_network_weights(c.net, p, s2, NULL, w2, NULL, n), n);
                assert_memory_equal(s1, s2, 4 * n);
                assert_memory_equal(w1, w2, 8 * n);
                free(w1);
                free(w2);
                free(s1);
                free(s2);
            }
            sim_free(&c);
        }
    sim_free(&a);
    sim_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resume_identical), cmocka_unit_test(test_stop_writes_checkpoint),
        cmocka_unit_test(test_refusals),         cmocka_unit_test(test_hash),
        cmocka_unit_test(test_forged),           cmocka_unit_test(test_plastic),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
