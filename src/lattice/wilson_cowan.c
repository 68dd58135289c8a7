/* The stochastic Wilson-Cowan field on a periodic lattice: the coupling
 * operator of the kernels and the Euler-Maruyama step (equation in
 * field.h; derivation and conventions in docs/rg.md).
 *
 * One step: g = kappa phi + c2 phi^2 + c3 phi^3 per site; G = FFT(g);
 * G_k *= -h lambda(k) / N; phi += IFFT(G) - h mass phi + sqrt(D h) xi, with
 * xi the Philox normals of (step, site), centred on their spatial mean when
 * mass = 0. Invariant: the step allocates nothing and its result does not
 * depend on the number of threads (see field.h).
 */
#include "lattice/field.h"

#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define NOISE_CHUNK 4096 /* sites per call of sf_rng_normals */

size_t sf_field_sites(const sf_field_spec *s)
{
    size_t n = 1;
    for (int i = 0; i < s->dim; i++)
        n *= (size_t)s->size;
    return n;
}

size_t sf_field_modes(const sf_field_spec *s)
{
    size_t n = (size_t)s->size / 2 + 1;
    for (int i = 1; i < s->dim; i++)
        n *= (size_t)s->size;
    return n;
}

double sf_field_free_power(double D, double a, double h)
{
    if (!(a > 0) || !(h * a < 2))
        return NAN;
    return D / (a * (2 - h * a));
}

/* Wave-vector component of index m of n sites: 2 pi m / n, m wrapped into
 * (-n/2, n/2]. */
static double wave(int m, int n)
{
    if (m > n / 2)
        m -= n;
    return 2 * M_PI * m / n;
}

/* Index of mode j: the components (m_0 .. m_{d-1}); the last runs over
 * 0 .. n/2 (r2c layout). */
static void mode_index(const sf_field_spec *s, size_t j, int *m)
{
    size_t half = (size_t)s->size / 2 + 1;
    m[s->dim - 1] = (int)(j % half);
    j /= half;
    for (int i = s->dim - 2; i >= 0; i--) {
        m[i] = (int)(j % (size_t)s->size);
        j /= (size_t)s->size;
    }
}

sf_status sf_field_lambda(sf_context *ctx, const sf_field_spec *s, double *lambda, double *k)
{
    size_t M = sf_field_modes(s), N = sf_field_sites(s);
    int n = s->size, dims[SF_FIELD_MAX_DIM] = {n, n, n};
    double *w = NULL;
    double _Complex *W = NULL;
    if (s->kernel == SF_FIELD_GAUSSIAN) {
        /* periodic Gaussian, minimum-image distances, normalised to sum 1 */
        w = fftw_malloc(N * sizeof *w);
        W = fftw_malloc(M * sizeof *W);
        if (!w || !W) {
            fftw_free(w);
            fftw_free(W);
            return sf_fail(ctx, SF_ERR_NOMEM, "out of memory (gaussian kernel)");
        }
        double sum = 0;
        for (size_t r = 0; r < N; r++) {
            size_t q = r;
            double d2 = 0;
            for (int i = s->dim - 1; i >= 0; i--) {
                int c = (int)(q % (size_t)n);
                q /= (size_t)n;
                if (c > n / 2)
                    c -= n;
                d2 += (double)c * c;
            }
            w[r] = exp(-d2 / (2 * s->sigma * s->sigma));
            sum += w[r];
        }
        for (size_t r = 0; r < N; r++)
            w[r] /= sum;
        fftw_plan p = fftw_plan_dft_r2c(s->dim, dims, w, W, FFTW_ESTIMATE);
        if (!p) {
            fftw_free(w);
            fftw_free(W);
            return sf_fail(ctx, SF_ERR_NUMERIC, "FFTW could not plan the kernel transform");
        }
        fftw_execute(p);
        fftw_destroy_plan(p);
    }
    for (size_t j = 0; j < M; j++) {
        int m[SF_FIELD_MAX_DIM];
        mode_index(s, j, m);
        double mu = 0;
        for (int i = 0; i < s->dim; i++) {
            double ki = wave(m[i], n), sn = sin(ki / 2);
            mu += 4 * sn * sn;
            if (k)
                k[j * (size_t)s->dim + (size_t)i] = ki;
        }
        if (s->kernel == SF_FIELD_GAUSSIAN)
            lambda[j] = j == 0 ? 0 : 2 / (s->sigma * s->sigma) * (1 - creal(W[j]));
        else
            lambda[j] = mu;
    }
    fftw_free(w);
    fftw_free(W);
    return SF_OK;
}

struct sf_field_sim {
    sf_field_spec spec;
    double h, sqrt_dh;
    uint64_t seed;
    int threads;
    int64_t step;
    size_t N, M;
    double *phi, *g, *xi;     /* [N]                                          */
    double _Complex *G, *F;   /* [M]: the coupling term, the field's transform */
    double *lambda;           /* [M]                                          */
    double *scale;            /* [M] -h lambda / N                            */
    fftw_plan fwd, bwd, fphi; /* g -> G, G -> g, phi -> F                     */
};

sf_status sf_field_sim_create(sf_context *ctx, const sf_field_spec *s, double h, uint64_t seed,
                              int threads, sf_field_sim **out)
{
    *out = NULL;
    sf_field_sim *S = calloc(1, sizeof *S);
    if (!S)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory (field)");
    S->spec = *s;
    S->h = h;
    S->sqrt_dh = sqrt(s->D * h);
    S->seed = seed;
    S->threads = threads < 1 ? 1 : threads;
    S->N = sf_field_sites(s);
    S->M = sf_field_modes(s);
    S->phi = fftw_malloc(S->N * sizeof(double));
    S->g = fftw_malloc(S->N * sizeof(double));
    S->xi = malloc(S->N * sizeof(double));
    S->G = fftw_malloc(S->M * sizeof(double _Complex));
    S->F = fftw_malloc(S->M * sizeof(double _Complex));
    S->lambda = malloc(S->M * sizeof(double));
    S->scale = malloc(S->M * sizeof(double));
    if (!S->phi || !S->g || !S->xi || !S->G || !S->F || !S->lambda || !S->scale) {
        sf_field_sim_destroy(S);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory (field of %zu sites)", S->N);
    }
    sf_status st = sf_field_lambda(ctx, s, S->lambda, NULL);
    if (st) {
        sf_field_sim_destroy(S);
        return st;
    }
    for (size_t j = 0; j < S->M; j++)
        S->scale[j] = -h * S->lambda[j] / (double)S->N;
    int dims[SF_FIELD_MAX_DIM] = {s->size, s->size, s->size};
    /* FFTW_ESTIMATE: the plan, hence the arithmetic, is the same every run */
    S->fwd = fftw_plan_dft_r2c(s->dim, dims, S->g, S->G, FFTW_ESTIMATE);
    S->bwd = fftw_plan_dft_c2r(s->dim, dims, S->G, S->g, FFTW_ESTIMATE);
    S->fphi = fftw_plan_dft_r2c(s->dim, dims, S->phi, S->F, FFTW_ESTIMATE);
    if (!S->fwd || !S->bwd || !S->fphi) {
        sf_field_sim_destroy(S);
        return sf_fail(ctx, SF_ERR_NUMERIC, "FFTW could not plan the field transforms");
    }
    for (size_t r = 0; r < S->N; r++)
        S->phi[r] = s->init;
    *out = S;
    return SF_OK;
}

void sf_field_sim_destroy(sf_field_sim *S)
{
    if (!S)
        return;
    if (S->fwd)
        fftw_destroy_plan(S->fwd);
    if (S->bwd)
        fftw_destroy_plan(S->bwd);
    if (S->fphi)
        fftw_destroy_plan(S->fphi);
    fftw_free(S->phi);
    fftw_free(S->g);
    free(S->xi);
    fftw_free(S->G);
    fftw_free(S->F);
    free(S->lambda);
    free(S->scale);
    free(S);
}

void sf_field_sim_step(sf_field_sim *S)
{
    const size_t N = S->N, M = S->M;
    const double kappa = S->spec.kappa, c2 = S->spec.c2, c3 = S->spec.c3;
    double *restrict phi = S->phi, *restrict g = S->g, *restrict xi = S->xi;
    const size_t n_chunks = (N + NOISE_CHUNK - 1) / NOISE_CHUNK;
#pragma omp parallel num_threads(S->threads)
    {
#pragma omp for schedule(static)
        for (size_t r = 0; r < N; r++) {
            double p = phi[r];
            g[r] = p * (kappa + p * (c2 + c3 * p));
        }
#pragma omp for schedule(static)
        for (size_t c = 0; c < n_chunks; c++) {
            size_t r0 = c * NOISE_CHUNK, n = N - r0 < NOISE_CHUNK ? N - r0 : NOISE_CHUNK;
            sf_rng_normals(S->seed, SF_RNG_NEURON, SF_FIELD_RNG_SUB, (uint64_t)S->step, r0,
                           (uint32_t)n, xi + r0);
        }
    }
    fftw_execute(S->fwd);
    for (size_t j = 0; j < M; j++)
        S->G[j] *= S->scale[j];
    fftw_execute(S->bwd);
    double xbar = 0, decay = 1 - S->h * S->spec.mass;
    if (S->spec.mass == 0) { /* conserved mean: noise of zero spatial mean */
        for (size_t r = 0; r < N; r++) /* one thread, fixed order */
            xbar += xi[r];
        xbar /= (double)N;
    }
    const double a = S->sqrt_dh;
#pragma omp parallel for num_threads(S->threads) schedule(static)
    for (size_t r = 0; r < N; r++)
        phi[r] = decay * phi[r] + g[r] + a * (xi[r] - xbar);
    S->step++;
}

int64_t sf_field_sim_steps(const sf_field_sim *S) { return S->step; }
const double *sf_field_sim_state(const sf_field_sim *S) { return S->phi; }
double *sf_field_sim_state_mut(sf_field_sim *S) { return S->phi; }
const double *sf_field_sim_lambda(const sf_field_sim *S) { return S->lambda; }

const double _Complex *sf_field_sim_transform(sf_field_sim *S)
{
    fftw_execute(S->fphi); /* phi is not changed by an r2c transform */
    return S->F;
}

bool sf_field_sim_finite(const sf_field_sim *S)
{
    double s = 0;
    for (size_t r = 0; r < S->N; r += 97)
        s += S->phi[r];
    return isfinite(s);
}
