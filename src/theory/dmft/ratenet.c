/* The dense rate network and its Benettin Lyapunov exponent (ratenet.h).
 *
 * Invariant: the trajectory is the engine's (src/neurons/rate.c with
 * linear_summation = 0): same propagators, same initial state stream
 * (SF_RNG_INIT per neuron), same noise stream (SF_RNG_NEURON, block =
 * step), the input of step k the coupling of the state after step k - 1.
 * It differs from the engine only by rounding: the engine sends phi(y) as
 * a float event amplitude and sums in its own order.
 */
#include "theory/dmft/ratenet.h"

#include "engine/dense.h"
#include "network/network_impl.h"
#include "neurons/rate.h"
#include "spikefield/network.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sf_dmft_net_free(sf_dmft_net *net)
{
    if (!net)
        return;
    free(net->J);
    free(net->x0);
    free(net->work);
    memset(net, 0, sizeof *net);
}

void sf_dmft_net_product(const float *restrict J, size_t n, const double *restrict a,
                         const double *restrict b, double *restrict ya, double *restrict yb)
{
    sf_dense_gemv(J, n, n, n, a, b, ya, yb); /* the engine's fixed-order kernel */
}

/* J[target * n + source] from the tables of projection p (sums multapses). */
static void dense_of(const sf_network *nw, int p, size_t n, float *J)
{
    for (int k = 0; k < nw->n_tables; k++) {
        const sf_syn_table *T = &nw->tables[k];
        if (T->proj != p)
            continue;
        const sf_block *b = &nw->blocks[T->block];
        for (uint32_t s = 0; s < T->n_src; s++)
            for (uint32_t a = T->row[s]; a < T->row[s + 1]; a++) {
                uint16_t tl, d;
                double w;
                T->syn->get(T, a, &tl, &w, &d);
                J[(size_t)(b->first + tl) * n + s] += (float)w; /* stored as float */
            }
    }
}

sf_status sf_dmft_net_from_model(sf_context *ctx, const sf_model *m, sf_dmft_net *net)
{
    memset(net, 0, sizeof *net);
    const sf_population *pop = &m->pops[0];
    const size_t n = pop->n;
    const double *p = pop->params;
    net->n = n;
    net->phi = pop->type == &sf_erf_rate ? SF_DMFT_ERF : SF_DMFT_TANH;
    net->G = p[SF_RATE_G];
    net->beta = p[SF_RATE_BETA];
    net->h = m->sim.resolution;
    net->seed = m->sim.seed;
    net->first_gid = pop->first_gid;
    const double a = net->h / p[SF_RATE_TAU], lam = p[SF_RATE_LAMBDA];
    net->P1 = exp(-lam * a);
    net->P2 = -expm1(-lam * a) / lam;
    net->noise_sd = p[SF_RATE_SIGMA] * sqrt(-0.5 * expm1(-2.0 * lam * a) / lam);
    if (n > (size_t)1 << 16 || !(net->J = calloc(n * n, sizeof(float))) ||
        !(net->x0 = calloc(n, sizeof(double))) || !(net->work = malloc(7 * n * sizeof(double)))) {
        sf_dmft_net_free(net);
        return sf_fail(ctx, SF_ERR_NOMEM, "dmft: out of memory for the dense %zu x %zu couplings",
                       n, n);
    }
    sf_network *nw = NULL;
    sf_status st = sf_network_build(ctx, m, 1, &nw);
    if (st != SF_OK) {
        sf_dmft_net_free(net);
        return st;
    }
    for (int j = 0; j < m->n_proj; j++)
        dense_of(nw, j, n, net->J);
    sf_network_destroy(nw);
    /* the builder's initial state: one stream per neuron, variables in order */
    for (size_t i = 0; i < n; i++) {
        const sf_dist *d = &pop->initial[0];
        if (d->kind == SF_DIST_CONST && isnan(d->a))
            continue;
        sf_rng r;
        sf_rng_init(&r, m->sim.seed, SF_RNG_INIT, pop->first_gid + i);
        net->x0[i] = sf_dist_draw(d, &r);
    }
    return SF_OK;
}

static inline double phi_d(sf_dmft_phi phi, double G, double beta, double x, double *dphi)
{
    const double u = beta * x;
    if (phi == SF_DMFT_ERF) {
        *dphi = G * beta * M_2_SQRTPI * exp(-u * u);
        return G * erf(u);
    }
    const double t = tanh(u);
    *dphi = G * beta * (1.0 - t * t);
    return G * t;
}

/* |q|, and q scaled to unit length (unless |q| is 0 or not finite). */
static double norm_scale(double *q, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += q[i] * q[i];
    s = sqrt(s);
    if (s > 0 && isfinite(s))
        for (size_t i = 0; i < n; i++)
            q[i] /= s;
    return s;
}

sf_status sf_dmft_net_lyapunov(sf_context *ctx, sf_dmft_net *net, int64_t n_steps,
                               int64_t n_skip, int renorm, int n_batch, double *lambda,
                               double *se, double *x_end)
{
    const size_t n = net->n;
    if (n == 0 || renorm < 1 || n_batch < 2 || n_skip < 0 ||
        n_steps - n_skip < (int64_t)renorm * n_batch)
        return sf_fail(ctx, SF_ERR_ARG,
                       "dmft: Lyapunov estimate needs at least %d renormalisations of %d steps "
                       "after the transient (%lld steps of %lld)",
                       n_batch, renorm, (long long)(n_steps - n_skip), (long long)n_steps);
    double *x = net->work, *q = x + n, *X = q + n, *Y = X + 2 * n, *z = Y + 2 * n;
    /* X = [phi(x), phi'(x) q], Y = J X: one pass over J */
    memcpy(x, net->x0, n * sizeof *x);
    sf_rng_normals(net->seed, SF_RNG_NEURON, 0x6c79u, 0, net->first_gid, (uint32_t)n, q);
    double nq = norm_scale(q, n);
    const int64_t per_batch = (n_steps - n_skip) / renorm / n_batch * renorm;
    double sum = 0, sum2 = 0, acc = 0;
    int done = 0;
    int64_t in_batch = 0;
    for (int64_t k = 0; k < n_steps; k++) {
        if (k == 0) {
            memset(Y, 0, 2 * n * sizeof *Y);
        } else {
            for (size_t i = 0; i < n; i++) {
                double dp;
                X[i] = phi_d(net->phi, net->G, net->beta, x[i], &dp);
                X[n + i] = dp * q[i];
            }
            sf_dmft_net_product(net->J, n, X, X + n, Y, Y + n);
        }
        if (net->noise_sd > 0)
            sf_rng_normals(net->seed, SF_RNG_NEURON, 0, (uint64_t)k, net->first_gid,
                           (uint32_t)n, z);
        else
            memset(z, 0, n * sizeof *z);
        for (size_t i = 0; i < n; i++) {
            x[i] = net->P1 * x[i] + net->P2 * Y[i] + net->noise_sd * z[i];
            q[i] = net->P1 * q[i] + net->P2 * Y[n + i];
        }
        if ((k + 1) % renorm == 0) {
            nq = norm_scale(q, n);
            if (!(nq > 0) || !isfinite(nq))
                return sf_fail(ctx, SF_ERR_NUMERIC, "dmft: tangent vector degenerate at step %lld",
                               (long long)k);
            if (k + 1 > n_skip && done < n_batch) {
                acc += log(nq);
                in_batch += renorm;
                if (in_batch == per_batch) {
                    const double l = acc / ((double)per_batch * net->h);
                    sum += l;
                    sum2 += l * l;
                    acc = 0;
                    in_batch = 0;
                    done++;
                }
            }
        }
    }
    const double mean = sum / done;
    *lambda = mean;
    *se = sqrt(fmax(sum2 / done - mean * mean, 0.0) / (done - 1));
    if (x_end)
        memcpy(x_end, x, n * sizeof *x);
    return SF_OK;
}
