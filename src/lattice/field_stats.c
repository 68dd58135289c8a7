/* Statistics of a Wilson-Cowan field run: the power of every mode of the
 * half spectrum, <|phi_k|^2> / N, and the second to fourth moments of block
 * sums X_L over L^d blocks (L = 1, 2, 4, ...; X measured from the block's
 * share of the spatial mean), both in SF_FIELD_BATCHES consecutive batches of
 * samples for batch-means standard errors; a few snapshots of the field; the
 * HDF5 writer of all of it (layout in docs/rg.md "Output").
 *
 * Invariant: the statistics are a function of the field samples alone, taken
 * every `interval` from `t_start` on, in a fixed order (no thread
 * dependence).
 */
#include "lattice/field.h"

#include <complex.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sf_field_stats_free(sf_field_stats *st)
{
    if (!st)
        return;
    free(st->lambda);
    free(st->kvec);
    free(st->power);
    free(st->power_batch);
    free(st->snap);
    free(st->snap_t);
    free(st);
}

/* Block moments of the field phi (side n, dim d) into the sums of level l,
 * reducing buf in place (buf holds a copy of phi minus its mean). */
static void block_moments(sf_field_stats *st, double *buf, int batch)
{
    int d = st->spec.dim, side = st->spec.size;
    for (int l = 0; l < st->n_levels; l++) {
        size_t nb = 1;
        for (int i = 0; i < d; i++)
            nb *= (size_t)side;
        double s2 = 0, s3 = 0, s4 = 0;
        for (size_t b = 0; b < nb; b++) {
            double x = buf[b], x2 = x * x;
            s2 += x2;
            s3 += x2 * x;
            s4 += x2 * x2;
        }
        st->m[l][0] += s2;
        st->m[l][1] += s3;
        st->m[l][2] += s4;
        st->mb[batch][l][0] += s2;
        st->mb[batch][l][1] += s3;
        st->mb[batch][l][2] += s4;
        if (l + 1 == st->n_levels)
            break;
        /* sum 2^d children: one dimension at a time, in place */
        int h = side / 2;
        if (d == 1) {
            for (int i = 0; i < h; i++)
                buf[i] = buf[2 * i] + buf[2 * i + 1];
        } else if (d == 2) {
            for (int i = 0; i < h; i++)
                for (int j = 0; j < h; j++) {
                    size_t a = (size_t)(2 * i) * side + 2 * j, b = a + (size_t)side;
                    buf[(size_t)i * h + j] = buf[a] + buf[a + 1] + buf[b] + buf[b + 1];
                }
        } else {
            size_t s2d = (size_t)side * side;
            for (int i = 0; i < h; i++)
                for (int j = 0; j < h; j++)
                    for (int k = 0; k < h; k++) {
                        size_t a = (size_t)(2 * i) * s2d + (size_t)(2 * j) * side + 2 * k;
                        double s = 0;
                        for (int di = 0; di < 2; di++)
                            for (int dj = 0; dj < 2; dj++)
                                for (int dk = 0; dk < 2; dk++)
                                    s += buf[a + di * s2d + dj * (size_t)side + dk];
                        buf[((size_t)i * h + j) * h + k] = s;
                    }
        }
        side = h;
    }
}

static size_t blocks_at(const sf_field_stats *st, int l)
{
    size_t nb = 1, side = (size_t)st->spec.size >> l;
    for (int i = 0; i < st->spec.dim; i++)
        nb *= side;
    return nb;
}

static double kurt_of(const double *m, double n)
{
    double v = m[0] / n;
    return v > 0 ? m[2] / n / (v * v) - 3 : NAN;
}

void sf_field_stats_blocks(const sf_field_stats *st, int l, double *kurt, double *kurt_se,
                           double *skew, double *var)
{
    double n = (double)st->n_samples * (double)blocks_at(st, l);
    double v = n > 0 ? st->m[l][0] / n : NAN;
    *var = v;
    *kurt = n > 0 ? kurt_of(st->m[l], n) : NAN;
    *skew = n > 0 && v > 0 ? st->m[l][1] / n / pow(v, 1.5) : NAN;
    double s = 0, s2 = 0;
    int k = 0;
    for (int b = 0; b < SF_FIELD_BATCHES; b++) {
        double nb = st->nb_blocks[b] * (double)blocks_at(st, l);
        if (nb <= 0)
            continue;
        double x = kurt_of(st->mb[b][l], nb);
        s += x;
        s2 += x * x;
        k++;
    }
    *kurt_se = k > 1 ? sqrt(fmax(0, (s2 - s * s / k) / (k - 1)) / k) : NAN;
}

sf_status sf_field_simulate(sf_context *ctx, const sf_field_spec *s, double h, double duration,
                            uint64_t seed, int threads, const volatile int *stop,
                            sf_field_stats **out)
{
    *out = NULL;
    sf_field_stats *st = calloc(1, sizeof *st);
    if (!st)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory (field statistics)");
    st->spec = *s;
    st->h = h;
    st->modes = sf_field_modes(s);
    st->sites = sf_field_sites(s);
    size_t M = st->modes, N = st->sites;
    st->lambda = malloc(M * sizeof(double));
    st->kvec = malloc(M * (size_t)s->dim * sizeof(double));
    st->power = calloc(M, sizeof(double));
    st->power_batch = calloc(M * SF_FIELD_BATCHES, sizeof(double));
    st->n_snap = s->snapshots;
    st->snap = st->n_snap ? malloc((size_t)st->n_snap * N * sizeof(float)) : NULL;
    st->snap_t = st->n_snap ? malloc((size_t)st->n_snap * sizeof(double)) : NULL;
    double *buf = malloc(N * sizeof(double));
    sf_field_sim *sim = NULL;
    sf_status rc = SF_OK;
    if (!st->lambda || !st->kvec || !st->power || !st->power_batch || !buf ||
        (st->n_snap && (!st->snap || !st->snap_t))) {
        rc = sf_fail(ctx, SF_ERR_NOMEM, "out of memory (field statistics of %zu sites)", N);
        goto done;
    }
    if ((rc = sf_field_lambda(ctx, s, st->lambda, st->kvec)) ||
        (rc = sf_field_sim_create(ctx, s, h, seed, threads, &sim)))
        goto done;
    for (int side = s->size; side >= 2 && st->n_levels < SF_FIELD_MAX_LEVELS; side /= 2)
        st->L[st->n_levels++] = s->size / side;

    int64_t n_steps = (int64_t)llround(duration / h);
    int64_t k0 = (int64_t)llround(s->t_start / h), every = (int64_t)llround(s->interval / h);
    if (every < 1)
        every = 1;
    /* samples after steps k0 + every, k0 + 2 every, ... <= n_steps */
    st->planned = n_steps > k0 ? (n_steps - k0) / every : 0;
    int64_t snap_every = st->n_snap ? (n_steps / st->n_snap > 0 ? n_steps / st->n_snap : 1) : 0;
    int taken = 0;
    st->mean_first = s->init;
    double w0 = sf_wall_time();
    for (int64_t k = 1; k <= n_steps; k++) {
        if (stop && *stop)
            break;
        sf_field_sim_step(sim);
        st->t_end = (double)k * h;
        if ((k & 255) == 0 && !sf_field_sim_finite(sim)) {
            st->unstable = true;
            rc = sf_fail(ctx, SF_ERR_NUMERIC, "the field diverged at t = %g ms: the step %g ms is "
                         "unstable for these couplings (reduce simulation.resolution or the "
                         "couplings)", (double)k * h, h);
            goto done;
        }
        if (snap_every && k % snap_every == 0 && taken < st->n_snap) {
            const double *phi = sf_field_sim_state(sim);
            for (size_t r = 0; r < N; r++)
                st->snap[(size_t)taken * N + r] = (float)phi[r];
            st->snap_t[taken++] = (double)k * h;
        }
        if (k <= k0 || (k - k0) % every || st->n_samples >= st->planned)
            continue;
        int batch = (int)(st->n_samples * SF_FIELD_BATCHES / st->planned);
        const double _Complex *F = sf_field_sim_transform(sim);
        double *pb = st->power_batch + (size_t)batch * M;
        for (size_t j = 0; j < M; j++) {
            double p = (creal(F[j]) * creal(F[j]) + cimag(F[j]) * cimag(F[j])) / (double)N;
            pb[j] += p;
        }
        const double *phi = sf_field_sim_state(sim);
        double mean = creal(F[0]) / (double)N;
        for (size_t r = 0; r < N; r++)
            buf[r] = phi[r] - mean;
        block_moments(st, buf, batch);
        st->nb_blocks[batch] += 1;
        st->n_samples++;
    }
    st->wall_s = sf_wall_time() - w0;
    st->n_snap = taken;
    for (size_t j = 0; j < M; j++) {
        double sum = 0;
        for (int b = 0; b < SF_FIELD_BATCHES; b++)
            sum += st->power_batch[(size_t)b * M + j];
        st->power[j] = st->n_samples ? sum / (double)st->n_samples : NAN;
    }
    {
        const double *phi = sf_field_sim_state(sim);
        double sum = 0;
        for (size_t r = 0; r < N; r++)
            sum += phi[r];
        st->mean_last = sum / (double)N;
    }
done:
    free(buf);
    sf_field_sim_destroy(sim);
    if (rc) {
        sf_field_stats_free(st);
        return rc;
    }
    *out = st;
    return SF_OK;
}

/* ---- HDF5 ------------------------------------------------------------- */

static bool put(hid_t loc, const char *name, hid_t mem, hid_t file, int rank, const hsize_t *dims,
                const void *data)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t ds = sp < 0 ? -1 : H5Dcreate2(loc, name, file, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bool ok = ds >= 0 && H5Dwrite(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
    if (ds >= 0)
        H5Dclose(ds);
    if (sp >= 0)
        H5Sclose(sp);
    return ok;
}

static bool attr(hid_t loc, const char *name, double v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    bool ok = a >= 0 && H5Awrite(a, H5T_NATIVE_DOUBLE, &v) >= 0;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return ok;
}

sf_status sf_field_write(sf_context *ctx, const sf_field_stats *st, const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/field.h5", dir);
    return sf_field_stats_write(ctx, st, path);
}

sf_status sf_field_stats_write(sf_context *ctx, const sf_field_stats *st, const char *path)
{
    H5E_auto2_t old_fn;
    void *old_data;
    H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    bool ok = f >= 0;
    hid_t g = ok ? H5Gcreate2(f, "field", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    ok = ok && g >= 0;
    const sf_field_spec *s = &st->spec;
    ok = ok && attr(g, "dim", s->dim) && attr(g, "size", s->size) &&
         attr(g, "kernel_gaussian", s->kernel == SF_FIELD_GAUSSIAN) && attr(g, "sigma", s->sigma) &&
         attr(g, "kappa", s->kappa) && attr(g, "c2", s->c2) && attr(g, "c3", s->c3) &&
         attr(g, "D", s->D) && attr(g, "mass", s->mass) && attr(g, "resolution", st->h) &&
         attr(g, "samples", (double)st->n_samples) && attr(g, "mean_first", st->mean_first) &&
         attr(g, "mean_last", st->mean_last);
    hsize_t M = st->modes, kd[2] = {st->modes, (hsize_t)s->dim};
    double *se = ok ? malloc(st->modes * sizeof(double)) : NULL;
    if (se) { /* batch-means SE of each mode's power */
        for (size_t j = 0; j < st->modes; j++) {
            double a = 0, a2 = 0;
            int k = 0;
            for (int b = 0; b < SF_FIELD_BATCHES; b++)
                if (st->nb_blocks[b] > 0) {
                    double x = st->power_batch[(size_t)b * st->modes + j] / st->nb_blocks[b];
                    a += x;
                    a2 += x * x;
                    k++;
                }
            se[j] = k > 1 ? sqrt(fmax(0, (a2 - a * a / k) / (k - 1)) / k) : NAN;
        }
    }
    ok = ok && se && put(g, "lambda", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &M, st->lambda) &&
         put(g, "k", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, kd, st->kvec) &&
         put(g, "power", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &M, st->power) &&
         put(g, "power_se", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &M, se);
    free(se);
    if (ok) {
        hsize_t nl = (hsize_t)st->n_levels;
        double L[SF_FIELD_MAX_LEVELS], K[SF_FIELD_MAX_LEVELS], Kse[SF_FIELD_MAX_LEVELS],
            S[SF_FIELD_MAX_LEVELS], V[SF_FIELD_MAX_LEVELS];
        for (int l = 0; l < st->n_levels; l++) {
            L[l] = st->L[l];
            sf_field_stats_blocks(st, l, &K[l], &Kse[l], &S[l], &V[l]);
        }
        ok = put(g, "block_size", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &nl, L) &&
             put(g, "block_kurtosis", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &nl, K) &&
             put(g, "block_kurtosis_se", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &nl, Kse) &&
             put(g, "block_skewness", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &nl, S) &&
             put(g, "block_variance", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &nl, V);
    }
    if (ok && st->n_snap > 0) {
        hsize_t sd[1 + SF_FIELD_MAX_DIM] = {(hsize_t)st->n_snap}, nt = (hsize_t)st->n_snap;
        for (int i = 0; i < s->dim; i++)
            sd[1 + i] = (hsize_t)s->size;
        ok = put(g, "snapshots", H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, 1 + s->dim, sd, st->snap) &&
             put(g, "snapshot_times", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &nt, st->snap_t);
    }
    if (g >= 0)
        H5Gclose(g);
    if (f >= 0 && H5Fclose(f) < 0)
        ok = false;
    H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
    return ok ? SF_OK : sf_fail(ctx, SF_ERR_IO, "%s: could not write the field statistics", path);
}
