/* Unit tests of the models of the correlation papers (issue 4): binary
 * (src/neurons/binary.c), hawkes (src/neurons/hawkes.c), lin_rate and
 * tanh_rate (src/neurons/rate.c), run through the whole pipeline
 * (sf_model_load_string + sf_network_build + sf_engine_run).
 *
 * Statistical checks compare with closed forms; every tolerance is 4
 * standard errors of the estimate, derived in the comment above the check
 * (seeds are fixed, so the tests are deterministic; 4 SE means a correct
 * implementation fails for a new seed with probability ~6e-5 per check).
 * Exact checks (field jumps, deterministic relaxation, reproducibility)
 * compare float32 voltmeter traces to 1e-6 relative or bit for bit.
 *
 * Conventions used (src/engine/run.c): update k advances [k h, (k+1) h); an
 * event of update k is stamped (k+1) h and recorded as step k+1; it is the
 * input of update k + D (delay D steps); voltmeter sample j holds the state
 * after update (j+1) every - 1, i.e. at time (j+1) * interval. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/model_impl.h"
#include "spikefield/network.h"
#include "test_util.h"

/* |a - b| <= tol = 4 SE, with a message naming the quantity; prints the
 * deviation in units of SE */
#define check_close(what, a, b, tol)                                                       \
    do {                                                                                   \
        double a_ = (a), b_ = (b), t_ = (tol);                                             \
        printf("    %-22s %.6g, expected %.6g (%+.2f SE)\n", what, a_, b_,                 \
               (a_ - b_) / (t_ / 4));                                                      \
        if (!(fabs(a_ - b_) <= t_))                                                        \
            fail_msg("%s:%d: %s = %.10g, expected %.10g within %.4g (off by %.4g)",        \
                     __FILE__, __LINE__, what, a_, b_, t_, fabs(a_ - b_));                 \
    } while (0)

/* ------------------------------------------------------------------------
 * Pipeline helpers. */

static void sim_run(sim *s, const char *text, int threads)
{
    sim_load(s, text, "models-corr-test", threads);
    sim_engine(s);
}

static int pop_of(const sim *s, const char *name)
{
    int p = sf_model_find_pop(s->m, name);
    assert_true(p >= 0);
    return p;
}

static int recorder_of(const sim *s, const char *name)
{
    for (int r = 0; r < s->m->n_recorders; r++)
        if (!strcmp(s->m->recorders[r].name, name))
            return r;
    fail_msg("no recorder %s", name);
    return -1;
}

static void spikes_of(const sim *s, const char *pop, const uint32_t **ids, const int64_t **steps,
                      size_t *n)
{
    assert_true(sf_recording_spikes(s->rec, pop_of(s, pop), ids, steps, n));
}

/* Trace of recorder `name`, its population k. */
static const float *trace_of(const sim *s, const char *name, int k, size_t *n_times,
                             uint32_t *n_nodes)
{
    const float *d;
    double t0, dt;
    assert_true(sf_recording_trace(s->rec, recorder_of(s, name), k, &d, n_times, n_nodes, &t0, &dt));
    return d;
}

/* ------------------------------------------------------------------------
 * binary */

/* Uncoupled erfc neurons in a constant field x = dc = 0.1: at an update
 * n <- 1 with probability m = 0.5 erfc(-(x - theta)/(sqrt 2 sigma)) =
 * Phi(-0.5) = 0.308538 (theta = 0.5, sigma = 0.8); p_init = m makes the
 * start stationary. On the grid (binary.c) a step holds an update with
 * probability q = 1 - e^{-h/tau}, independently, and the outcome is a fresh
 * Bernoulli(m). Over K steps and N neurons:
 *  - updates: Binomial(N K, q): SE = sqrt(N K q (1 - q));
 *  - activity (time fraction with n = 1): the state is a Markov chain with
 *    correlation rho^|k|, rho = 1 - q, so the average over K steps has
 *    variance m (1 - m) (1 + rho)/((1 - rho) K), over N neurons / N;
 *  - transitions after step 0: M updates (E M = N (K - 1) q), each a
 *    transition with probability p = 2 m (1 - m); consecutive indicators are
 *    1-dependent, Var = 2 E[M] p (1 - p) to leading order (derivation:
 *    Var(S|M) = M p(1-p) + 2 M (m(1-m) - p^2), plus p^2 Var M, Var M ~ E M).
 * Also: the events of each neuron alternate up/down starting with up, so
 * replaying them gives the final state, which must equal the recorded n. */
static void test_binary_erfc_activity(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 2000.0, seed: 2385}\n"
        "populations:\n"
        "  B: {model: binary, n: 200, params: {tau_m: 10.0, theta: 0.5, sigma: 0.8,\n"
        "      p_init: 0.3085375387259869}}\n"
        "inputs:\n"
        "  field: {kind: dc, targets: B, amplitude: 0.1}\n"
        "recorders:\n"
        "  sp: {kind: spikes, populations: B}\n"
        "  upd: {kind: voltmeter, populations: B, n: 200, interval: 2000.0, variable: updates}\n"
        "  nn: {kind: voltmeter, populations: B, n: 200, interval: 2000.0, variable: n}\n";
    sim s;
    sim_run(&s, text, 1);
    const int N = 200;
    const double h = 0.1, tau = 10.0, m = 0.5 * erfc(0.5 / M_SQRT2);
    const int64_t K = 20000;
    const double q = -expm1(-h / tau), rho = 1 - q;

    /* updates */
    size_t nt;
    uint32_t nn;
    const float *upd = trace_of(&s, "upd", 0, &nt, &nn);
    assert_int_equal(nt, 1);
    assert_int_equal(nn, N);
    double total = 0;
    for (int i = 0; i < N; i++)
        total += upd[i];
    double e_upd = N * (double)K * q;
    check_close("updates", total, e_upd, 4 * sqrt(e_upd * (1 - q)));

    /* replay the events: time in state 1, transitions, final state */
    const uint32_t *ids;
    const int64_t *steps;
    size_t ne;
    spikes_of(&s, "B", &ids, &steps, &ne);
    int *st = calloc(N, sizeof(int));
    int64_t *since = calloc(N, sizeof(int64_t));
    assert_true(st && since);
    double on_steps = 0;
    long trans = 0;
    for (size_t a = 0; a < ne; a++) {
        uint32_t i = ids[a];
        assert_true(i < (uint32_t)N);
        if (st[i]) /* down: it was active from stamp `since` to this stamp */
            on_steps += (double)(steps[a] - since[i]);
        else
            since[i] = steps[a];
        st[i] ^= 1;
        trans += steps[a] > 1;
    }
    const float *nfin = trace_of(&s, "nn", 0, &nt, &nn);
    for (int i = 0; i < N; i++) {
        if ((float)st[i] != nfin[i])
            fail_msg("neuron %d: replayed state %d, recorded n = %g", i, st[i], nfin[i]);
        if (st[i])
            on_steps += (double)(K + 1 - since[i]);
    }
    /* n after update k (k = 0 .. K-1) is the state of sample k; an up
     * event stamped s and the next down event stamped s' make the neuron
     * active in samples s - 1 .. s' - 2 (s' - s samples), an up event
     * without a down one in samples s - 1 .. K - 1 */
    double act = on_steps / ((double)N * (double)K);
    double se_act = sqrt(m * (1 - m) * (1 + rho) / ((1 - rho) * (double)K * N));
    check_close("mean activity", act, m, 4 * se_act);

    double p = 2 * m * (1 - m), eM = N * (double)(K - 1) * q;
    check_close("transitions", (double)trans, eM * p, 4 * sqrt(2 * eM * p * (1 - p)));
    free(st);
    free(since);
    sim_free(&s);
}

/* Heaviside gain (sigma = 0): n <- H(x - theta) with H(0) = 0 as NEST's
 * mcculloch_pitts_neuron (`h > theta`). In a field exactly at threshold a
 * neuron never becomes active; just above it every neuron goes up at its
 * first update and stays (one event each; P(no update in 100 ms) = e^-20).
 * Neurons starting active (p_init = 1) in a field below threshold announce
 * themselves (up) and go down at their first update: two events, or none
 * when the first update falls into step 0. */
static void test_binary_heaviside(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 100.0, seed: 11}\n"
        "populations:\n"
        "  AT: {model: binary, n: 50, params: {tau_m: 5.0, theta: 0.5}}\n"
        "  UP: {model: binary, n: 50, params: {tau_m: 5.0, theta: 0.4999999}}\n"
        "  DN: {model: binary, n: 50, params: {tau_m: 5.0, theta: 0.6, p_init: 1.0}}\n"
        "inputs:\n"
        "  field: {kind: dc, targets: [AT, UP, DN], amplitude: 0.5}\n"
        "recorders:\n"
        "  sp: {kind: spikes}\n"
        "  nn: {kind: voltmeter, populations: [AT, UP, DN], n: 50, interval: 100.0, variable: n}\n";
    sim s;
    sim_run(&s, text, 2);
    const uint32_t *ids;
    const int64_t *steps;
    size_t ne, nt;
    uint32_t nn;
    spikes_of(&s, "AT", &ids, &steps, &ne);
    assert_int_equal(ne, 0);
    spikes_of(&s, "UP", &ids, &steps, &ne);
    assert_int_equal(ne, 50);
    int seen[50] = {0};
    for (size_t a = 0; a < ne; a++)
        seen[ids[a]]++;
    for (int i = 0; i < 50; i++)
        assert_int_equal(seen[i], 1);
    spikes_of(&s, "DN", &ids, &steps, &ne);
    int cnt[50] = {0};
    for (size_t a = 0; a < ne; a++) {
        if (cnt[ids[a]] == 0)
            assert_int_equal(steps[a], 1); /* the announcement, stamped h */
        cnt[ids[a]]++;
    }
    for (int i = 0; i < 50; i++)
        assert_true(cnt[i] == 0 || cnt[i] == 2);
    const float *n0 = trace_of(&s, "nn", 0, &nt, &nn), *n1 = trace_of(&s, "nn", 1, &nt, &nn),
                *n2 = trace_of(&s, "nn", 2, &nt, &nn);
    for (int i = 0; i < 50; i++) {
        assert_true(n0[i] == 0.0f);
        assert_true(n1[i] == 1.0f);
        assert_true(n2[i] == 0.0f);
    }
    sim_free(&s);
}

/* Event amplitudes: an up-transition of a source changes the target's field
 * by +J, a down-transition by -J, starting exactly d after the event's
 * stamp (recorded h at time t includes the events with stamp + d <= t).
 * A is driven above threshold for 20 ms (goes up, then down at its first
 * update after 20 ms); B starts active (announced at stamp h) and stays;
 * T's threshold is out of reach, so it never moves. */
static void test_binary_field_jump(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 40.0, seed: 5}\n"
        "populations:\n"
        "  A: {model: binary, n: 1, params: {tau_m: 2.0, theta: 0.5}}\n"
        "  B: {model: binary, n: 1, params: {tau_m: 3.0, theta: -1.0}, initial: {n: 1}}\n"
        "  T: {model: binary, n: 1, params: {tau_m: 7.0, theta: 100.0}}\n"
        "projections:\n"
        "  AT: {source: A, target: T, rule: one_to_one, weight: 2.385, delay: 1.7}\n"
        "  BT: {source: B, target: T, rule: one_to_one, weight: -0.75, delay: 0.3}\n"
        "inputs:\n"
        "  on: {kind: dc, targets: A, amplitude: 1.0, start: 0.0, stop: 20.0}\n"
        "recorders:\n"
        "  sp: {kind: spikes}\n"
        "  vm: {kind: voltmeter, populations: T, variable: h}\n";
    sim s;
    sim_run(&s, text, 1);
    const uint32_t *ia, *ib, *it;
    const int64_t *sa, *sb, *st;
    size_t na, nb, ntt;
    spikes_of(&s, "A", &ia, &sa, &na);
    spikes_of(&s, "B", &ib, &sb, &nb);
    spikes_of(&s, "T", &it, &st, &ntt);
    assert_int_equal(na, 2);
    assert_int_equal(nb, 1);
    assert_int_equal(ntt, 0);
    assert_int_equal(sb[0], 1);
    assert_true(sa[0] <= 200 && sa[1] > 200); /* up before 20 ms, down after */
    size_t n_t;
    uint32_t n_n;
    const float *hT = trace_of(&s, "vm", 0, &n_t, &n_n);
    assert_int_equal(n_t, 400);
    const int64_t DA = 17, DB = 3;
    for (size_t j = 0; j < n_t; j++) {
        int64_t k = (int64_t)j + 1; /* sample time k h */
        double ref = 0;
        if (k >= sa[0] + DA)
            ref += 2.385;
        if (k >= sa[1] + DA)
            ref -= 2.385;
        if (k >= sb[0] + DB)
            ref -= 0.75;
        if (!(fabs(hT[j] - ref) <= 1e-6))
            fail_msg("t = %.1f ms: h = %.7g, expected %.7g (A events at %lld, %lld; B at %lld)",
                     (double)k * 0.1, hT[j], ref, (long long)sa[0], (long long)sa[1],
                     (long long)sb[0]);
    }
    sim_free(&s);
}

/* ------------------------------------------------------------------------
 * hawkes */

/* Uncoupled: the count of a step is Poisson(nu0 h) exactly (hawkes.c), so
 * the total count over N neurons and T is Poisson(N nu0 T): SE =
 * sqrt(N nu0 T). The per-neuron counts are Poisson too: their variance /
 * mean (Fano factor) is 1 with SE ~ sqrt(2/N) (large mean). */
static void test_hawkes_uncoupled_rate(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 5000.0, seed: 77}\n"
        "populations:\n"
        "  H: {model: hawkes, n: 200, params: {nu0: 23.85, tau: 5.0}}\n"
        "recorders:\n"
        "  sp: {kind: spikes}\n";
    sim s;
    sim_run(&s, text, 1);
    const int N = 200;
    const double nu0 = 23.85, T = 5.0;
    const uint32_t *ids;
    const int64_t *steps;
    size_t n;
    spikes_of(&s, "H", &ids, &steps, &n);
    double e = N * nu0 * T;
    check_close("total count", (double)n, e, 4 * sqrt(e));
    long cnt[200] = {0};
    for (size_t a = 0; a < n; a++)
        cnt[ids[a]]++;
    double mean = (double)n / N, var = 0;
    for (int i = 0; i < N; i++)
        var += ((double)cnt[i] - mean) * ((double)cnt[i] - mean);
    var /= N - 1;
    check_close("Fano factor", var / mean, 1.0, 4 * sqrt(2.0 / (N - 1)));
    sim_free(&s);
}

/* 100 independent excitatory pairs (A_i <-> B_i, w = 0.3 both ways, delay
 * 1 ms, kernel tau = 5 ms): rates r = (1 - W)^-1 nu0 = nu0 / 0.7 (Hawkes
 * 1971). Long-window count covariance of a pair: T (1 - W)^-1 diag(r)
 * (1 - W)^-T, so Var(n_A + n_B) = T 1^T (1-W)^-1 R (1-W)^-T 1 = T 2 r / 0.49;
 * pairs are independent: SE of the total = sqrt(100 T 2 r / 0.49). Counts
 * start at 100 ms (the trace starts at 0; the rate settles within a few
 * tau / 0.7). */
static void test_hawkes_pair_rate(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 10000.0, seed: 4}\n"
        "populations:\n"
        "  A: {model: hawkes, n: 100, params: {nu0: 10.0, tau: 5.0}}\n"
        "  B: {model: hawkes, n: 100, params: {nu0: 10.0, tau: 5.0}}\n"
        "projections:\n"
        "  AB: {source: A, target: B, rule: one_to_one, weight: 0.3, delay: 1.0}\n"
        "  BA: {source: B, target: A, rule: one_to_one, weight: 0.3, delay: 1.0}\n"
        "recorders:\n"
        "  sp: {kind: spikes}\n";
    sim s;
    sim_run(&s, text, 2);
    const double nu0 = 10.0, r = nu0 / 0.7, T = 9.9; /* s counted */
    const int64_t k0 = 1000;
    double total = 0;
    const char *pops[2] = {"A", "B"};
    for (int q = 0; q < 2; q++) {
        const uint32_t *ids;
        const int64_t *steps;
        size_t n;
        spikes_of(&s, pops[q], &ids, &steps, &n);
        for (size_t a = 0; a < n; a++)
            total += steps[a] > k0;
    }
    check_close("pair count", total, 200 * r * T, 4 * sqrt(100 * T * 2 * r / 0.49));
    sim_free(&s);
}

/* Rectification: the count of a step is Poisson with the exact integral of
 * [a + x(t)]_+, x(t) = x0 e^{-t/tau}, a = nu0 + I_dc. Two uncoupled
 * populations start with a kernel trace x0 (initial lambda = nu0 + x0) that
 * makes the intensity cross zero at t* = tau ln 4 (tau = 10 ms):
 *   U: nu0 = 10 Hz, x0 = -40 Hz (negative, then rising):
 *      E count in [0, T] = 10 (T - t*) - 40 tau (1/4 - e^{-T/tau});
 *   D: nu0 = 5 Hz, dc -20 (a = -15 Hz), x0 = 60 Hz (positive, then falling):
 *      E count = a t* + x0 tau (1 - 1/4).
 * (Without rectification they would be 10 T - 40 tau (1 - e^{-T/tau}) =
 * 0.103 and a T + 60 tau (1 - e^{-T/tau}) < 0, far off.) Counts over N
 * neurons are Poisson: SE = sqrt(N E). The recorded lambda (before
 * rectification) is nu0 + x0 e^{-t/tau} exactly (float32). */
static void test_hawkes_rectified(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 50.0, seed: 123}\n"
        "populations:\n"
        "  U: {model: hawkes, n: 20000, params: {nu0: 10.0, tau: 10.0}, initial: {lambda: -30.0}}\n"
        "  D: {model: hawkes, n: 20000, params: {nu0: 5.0, tau: 10.0}, initial: {lambda: 65.0}}\n"
        "inputs:\n"
        "  neg: {kind: dc, targets: D, amplitude: -20.0}\n"
        "recorders:\n"
        "  sp: {kind: spikes}\n"
        "  vm: {kind: voltmeter, populations: [U, D], variable: lambda}\n";
    sim s;
    sim_run(&s, text, 1);
    const double T = 0.05, tau = 0.01, ts = tau * log(4.0), N = 20000;
    const double e[2] = {10 * (T - ts) - 40 * tau * (0.25 - exp(-T / tau)),
                         -15 * ts + 60 * tau * 0.75};
    const char *pops[2] = {"U", "D"}, *what[2] = {"count rising", "count falling"};
    const double nu0[2] = {10, 5}, x0[2] = {-40, 60};
    for (int c = 0; c < 2; c++) {
        const uint32_t *ids;
        const int64_t *steps;
        size_t n, nt;
        uint32_t nn;
        spikes_of(&s, pops[c], &ids, &steps, &n);
        check_close(what[c], (double)n, N * e[c], 4 * sqrt(N * e[c]));
        const float *lam = trace_of(&s, "vm", c, &nt, &nn);
        assert_int_equal(nt, 500);
        for (size_t j = 0; j < nt; j++) {
            double ref = nu0[c] + x0[c] * exp(-0.1 * (double)(j + 1) / 10.0);
            if (!(fabs(lam[j] - ref) <= 1e-6 * (1 + fabs(ref))))
                fail_msg("%s: lambda(%zu) = %.8g, expected %.8g", pops[c], j, lam[j], ref);
        }
    }
    sim_free(&s);
}

/* ------------------------------------------------------------------------
 * rate units */

/* Uncoupled lin_rate units.
 * Input noise (OU, lambda = 1.7): mean mu/lambda, variance sigma^2/(2
 * lambda), correlation e^{-lambda |t|/tau}, exact at any h (rate.c); the
 * start is drawn from the stationary law. Samples every Delta = 1 ms have
 * correlation rho^|k|, rho = e^{-lambda Delta/tau}; over M samples and N
 * units: Var(mean) = v (1 + rho)/((1 - rho) M N), Var(sample variance) =
 * 2 v^2 (1 + rho^2)/((1 - rho^2) M N) (Gaussian process, large M).
 * Output noise: r relaxes to mu (it starts there) and y = r + sqrt(tau/h)
 * sigma z, independent per step: mean mu, variance sigma^2 tau/h, SE of the
 * mean sqrt(v/(M N)), of the variance v sqrt(2/(M N)). */
static void test_rate_noise_stationary(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 5000.0, seed: 31}\n"
        "populations:\n"
        "  I: {model: lin_rate, n: 100, params: {tau: 10.0, lambda: 1.7, mu: 2.385, sigma: 1.3},\n"
        "      initial: {rate: {distribution: normal, mean: 1.402941176470588,\n"
        "                       std: 0.7050239655773665}}}\n"
        "  O: {model: lin_rate, n: 100, params: {tau: 10.0, mu: 0.5, sigma: 0.7, output_noise: 1},\n"
        "      initial: {rate: 0.5}}\n"
        "recorders:\n"
        "  vi: {kind: voltmeter, populations: I, n: 100, interval: 1.0, variable: rate}\n"
        "  vo: {kind: voltmeter, populations: O, n: 100, interval: 1.0, variable: output}\n";
    sim s;
    sim_run(&s, text, 1);
    const char *rec[2] = {"vi", "vo"};
    for (int c = 0; c < 2; c++) {
        size_t nt;
        uint32_t nn;
        const float *d = trace_of(&s, rec[c], 0, &nt, &nn);
        assert_int_equal(nt, 5000);
        assert_int_equal(nn, 100);
        double sum = 0, sum2 = 0, MN = (double)nt * nn;
        for (size_t a = 0; a < nt * nn; a++)
            sum += d[a];
        double mean = sum / MN;
        for (size_t a = 0; a < nt * nn; a++)
            sum2 += (d[a] - mean) * (d[a] - mean);
        double var = sum2 / (MN - 1);
        double em, ev, se_m, se_v;
        if (c == 0) {
            const double lam = 1.7, sig = 1.3, rho = exp(-lam * 1.0 / 10.0);
            em = 2.385 / lam;
            ev = sig * sig / (2 * lam);
            se_m = sqrt(ev * (1 + rho) / ((1 - rho) * MN));
            se_v = ev * sqrt(2 * (1 + rho * rho) / ((1 - rho * rho) * MN));
        } else {
            em = 0.5;
            ev = 0.7 * 0.7 * 10.0 / 0.1;
            se_m = sqrt(ev / MN);
            se_v = ev * sqrt(2 / MN);
        }
        check_close(c ? "output-noise mean" : "OU mean", mean, em, 4 * se_m);
        check_close(c ? "output-noise variance" : "OU variance", var, ev, 4 * se_v);
    }
    sim_free(&s);
}

/* Deterministic coupling (sigma = 0): a lin_rate source held at c = 0.8
 * (r = mu, lambda = 1) drives a tanh_rate and a lin_rate target with weight
 * w = 0.6 and delay d = 2 ms. Without input a target rests at
 * r0 = mu_T + phi(0) (phi(0) = -g tanh(beta theta) != 0 for tanh_rate; it
 * starts there). The source's output of update 0 is the input of update
 * D = 20 onwards, held constant, so with exact integration
 *   r(t) = r0 + (phi(w c) - phi(0)) (1 - e^{-(t - d)/tau}),  t >= d,
 * phi = g tanh(beta (x - theta)) or g x. Traces are float32: 1e-6 relative. */
static void test_rate_coupling_relaxation(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 30.0, seed: 3}\n"
        "populations:\n"
        "  S: {model: lin_rate, n: 1, params: {mu: 0.8, sigma: 0.0}, initial: {rate: 0.8}}\n"
        "  T: {model: tanh_rate, n: 1, params: {tau: 7.3, mu: 0.3, sigma: 0.0, g: 1.5, beta: 2.0,\n"
        "      theta: 0.1}, initial: {rate: 0.003937019662643981}}\n"
        "  L: {model: lin_rate, n: 1, params: {tau: 4.1, mu: -0.2, sigma: 0.0, g: -0.7,\n"
        "      output_noise: 1}, initial: {rate: -0.2}}\n"
        "projections:\n"
        "  ST: {source: S, target: T, rule: one_to_one, weight: 0.6, delay: 2.0}\n"
        "  SL: {source: S, target: L, rule: one_to_one, weight: 0.6, delay: 2.0}\n"
        "recorders:\n"
        "  vt: {kind: voltmeter, populations: T, variable: rate}\n"
        "  vl: {kind: voltmeter, populations: L, variable: output}\n";
    sim s;
    sim_run(&s, text, 1);
    const double x = 0.6 * 0.8, d = 2.0;
    const double tau[2] = {7.3, 4.1};
    const double r0[2] = {0.3 + 1.5 * tanh(-0.2), -0.2};
    const double phi[2] = {1.5 * (tanh(2.0 * (x - 0.1)) - tanh(-0.2)), -0.7 * x};
    const char *rec[2] = {"vt", "vl"};
    for (int c = 0; c < 2; c++) {
        size_t nt;
        uint32_t nn;
        const float *v = trace_of(&s, rec[c], 0, &nt, &nn);
        assert_int_equal(nt, 300);
        for (size_t j = 0; j < nt; j++) {
            double t = 0.1 * (double)(j + 1);
            double ref = r0[c] + (t >= d - 1e-9 ? phi[c] * -expm1(-(t - d) / tau[c]) : 0.0);
            if (!(fabs(v[j] - ref) <= 1e-6 * (1 + fabs(ref))))
                fail_msg("%s: t = %.1f ms: r = %.8g, expected %.8g", rec[c], t, v[j], ref);
        }
    }
    sim_free(&s);
}

/* Bad parameter values are errors that name the parameter. */
static void test_bad_params(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"lin_rate", "output_noise: 0.5"},
        {"tanh_rate", "output_noise: 2"},
        {"binary", "p_init: 1.5"},
        {"binary", "sigma: -1"},
        {"hawkes", "tau: 0"},
        {"hawkes", "nu0: -1"},
    };
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        char text[512];
        snprintf(text, sizeof text,
                 "simulation: {resolution: 0.1, duration: 1.0}\n"
                 "populations:\n  P: {model: %s, n: 1, params: {%s}}\n",
                 bad[c][0], bad[c][1]);
        sf_context *ctx = sf_context_create();
        sf_model *m = NULL;
        sf_status st = sf_model_load_string(ctx, text, "bad", NULL, 0, &m);
        if (st == SF_OK)
            fail_msg("%s {%s} was accepted", bad[c][0], bad[c][1]);
        char key[32];
        snprintf(key, sizeof key, "%.*s", (int)strcspn(bad[c][1], ":"), bad[c][1]);
        if (!strstr(sf_context_errmsg(ctx), key))
            fail_msg("message '%s' does not name %s", sf_context_errmsg(ctx), key);
        assert_null(m);
        sf_context_destroy(ctx);
    }
}

/* ------------------------------------------------------------------------
 * Reproducibility: a small recurrent network of each model, with random
 * connectivity, weights and delays, gives bit-identical spikes (events) and
 * traces with 1 and 2 threads (every random draw is keyed by global id and
 * step or update count; the engine sums inputs in a canonical order). */
static void test_threads_reproducible(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 200.0, seed: 9}\n"
        "populations:\n"
        "  BE: {model: binary, n: 60, params: {tau_m: 5.0, theta: 0.2, sigma: 0.5, p_init: 0.2}}\n"
        "  BI: {model: binary, n: 40, params: {tau_m: 3.0, theta: 0.0, sigma: 0.3, p_init: 0.2}}\n"
        "  HE: {model: hawkes, n: 50, params: {nu0: 20.0, tau: 4.0}}\n"
        "  HI: {model: hawkes, n: 50, params: {nu0: 30.0, tau: 2.0}}\n"
        "  RL: {model: lin_rate, n: 30, params: {tau: 5.0, sigma: 0.5, mu: 0.1}}\n"
        "  RT: {model: tanh_rate, n: 30, params: {tau: 5.0, sigma: 0.5, output_noise: 1}}\n"
        "projections:\n"
        "  BEE: {source: BE, target: BE, rule: fixed_indegree, indegree: 10, weight: 0.1,\n"
        "        delay: {distribution: uniform, low: 0.5, high: 2.0}}\n"
        "  BEI: {source: BI, target: BE, rule: fixed_indegree, indegree: 8,\n"
        "        weight: {distribution: normal, mean: -0.2, std: 0.05, max: 0.0}, delay: 1.0}\n"
        "  BIE: {source: BE, target: BI, rule: pairwise_bernoulli, p: 0.2, weight: 0.15, delay: 0.3}\n"
        "  HEE: {source: HE, target: HE, rule: fixed_indegree, indegree: 5, weight: 0.08,\n"
        "        delay: {distribution: uniform, low: 0.5, high: 3.0}}\n"
        "  HEI: {source: HI, target: HE, rule: fixed_indegree, indegree: 5, weight: -0.3, delay: 1.0}\n"
        "  HIE: {source: HE, target: HI, rule: fixed_indegree, indegree: 5, weight: 0.1, delay: 0.7}\n"
        "  RLL: {source: RL, target: RL, rule: fixed_indegree, indegree: 4,\n"
        "        weight: {distribution: normal, mean: 0.0, std: 0.3}, delay: 1.0}\n"
        "  RTL: {source: RL, target: RT, rule: fixed_indegree, indegree: 4, weight: 0.5,\n"
        "        delay: {distribution: uniform, low: 0.2, high: 1.5}}\n"
        "  RTT: {source: RT, target: RT, rule: fixed_indegree, indegree: 4, weight: -0.4, delay: 0.5}\n"
        "recorders:\n"
        "  sp: {kind: spikes}\n"
        "  vb: {kind: voltmeter, populations: [BE, BI], n: 10, variable: h}\n"
        "  vh: {kind: voltmeter, populations: [HE, HI], n: 10, variable: lambda}\n"
        "  vr: {kind: voltmeter, populations: [RL, RT], n: 30, variable: output}\n";
    sim a, b;
    sim_run(&a, text, 1);
    sim_run(&b, text, 2);
    for (int p = 0; p < a.m->n_pops; p++) {
        const uint32_t *ia, *ib;
        const int64_t *sa, *sb;
        size_t na, nb;
        if (a.m->pops[p].type->continuous) { /* rate units: traces only (below) */
            assert_false(sf_recording_spikes(a.rec, p, &ia, &sa, &na));
            continue;
        }
        assert_true(sf_recording_spikes(a.rec, p, &ia, &sa, &na));
        assert_true(sf_recording_spikes(b.rec, p, &ib, &sb, &nb));
        if (na == 0)
            fail_msg("population %s: no events", a.m->pops[p].name);
        if (na != nb || memcmp(ia, ib, na * sizeof *ia) || memcmp(sa, sb, na * sizeof *sa))
            fail_msg("population %s (%s): events differ between 1 and 2 threads (%zu vs %zu)",
                     a.m->pops[p].name, a.m->pops[p].type->name, na, nb);
    }
    for (int r = 0; r < a.m->n_recorders; r++) {
        if (a.m->recorders[r].type != &sf_recorder_voltmeter)
            continue;
        for (int k = 0; k < a.m->recorders[r].n_pops; k++) {
            const float *da, *db;
            size_t ta, tb;
            uint32_t na, nb;
            double t0, dt;
            assert_true(sf_recording_trace(a.rec, r, k, &da, &ta, &na, &t0, &dt));
            assert_true(sf_recording_trace(b.rec, r, k, &db, &tb, &nb, &t0, &dt));
            assert_true(ta == tb && na == nb);
            if (memcmp(da, db, ta * na * sizeof(float)))
                fail_msg("recorder %s, population %d: traces differ between 1 and 2 threads",
                         a.m->recorders[r].name, k);
        }
    }
    sim_free(&a);
    sim_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_erfc_activity),
        cmocka_unit_test(test_binary_heaviside),
        cmocka_unit_test(test_binary_field_jump),
        cmocka_unit_test(test_hawkes_uncoupled_rate),
        cmocka_unit_test(test_hawkes_pair_rate),
        cmocka_unit_test(test_hawkes_rectified),
        cmocka_unit_test(test_rate_noise_stationary),
        cmocka_unit_test(test_rate_coupling_relaxation),
        cmocka_unit_test(test_bad_params),
        cmocka_unit_test(test_threads_reproducible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
