/* Writing recordings in the SONATA layout (HDF5).
 *
 * Spikes: /spikes/<population>/timestamps (float64, ms) and node_ids (uint64),
 * the population group carrying sorting = "by_time".
 * Traces (voltmeter): a report file per recorder with
 * /report/<population>/data (float32, n_times x n_nodes) and
 * /report/<population>/mapping/{node_ids, element_ids, index_pointers, time}.
 * Each file is written under a temporary name in the same directory and
 * renamed when complete, so a reader never sees a half-written file.
 */
#include "spikefield/network.h"
#include "model/model_impl.h"

#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static herr_t attr_string(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(value) + 1);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, t, value);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return e;
}

/* Creation properties without modification times, so that the same
 * recording gives byte-identical files. */
static hid_t dcpl(void)
{
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(p, 0);
    return p;
}
static hid_t group(hid_t loc, const char *name)
{
    hid_t p = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_obj_track_times(p, 0);
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, p, H5P_DEFAULT);
    H5Pclose(p);
    return g;
}

static herr_t write_1d(hid_t loc, const char *name, hid_t mem_type, hid_t file_type, size_t n,
                       const void *data, const char *units)
{
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t cp = dcpl();
    hid_t ds = H5Dcreate2(loc, name, file_type, sp, H5P_DEFAULT, cp, H5P_DEFAULT);
    H5Pclose(cp);
    herr_t e = ds < 0 ? -1 : (n ? H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : 0);
    if (e >= 0 && units)
        e = attr_string(ds, "units", units);
    if (ds >= 0)
        H5Dclose(ds);
    H5Sclose(sp);
    return e;
}

static sf_status finish(sf_context *ctx, hid_t f, bool ok, const char *tmp, const char *final)
{
    if (f >= 0 && H5Fclose(f) < 0)
        ok = false;
    if (ok && rename(tmp, final) != 0) {
        int e = errno;
        unlink(tmp);
        return sf_fail(ctx, SF_ERR_IO, "cannot rename %s to %s: %s", tmp, final, strerror(e));
    }
    if (!ok) {
        unlink(tmp);
        return sf_fail(ctx, SF_ERR_IO, "cannot write %s (HDF5 error; disk full or not writable?)",
                       final);
    }
    return SF_OK;
}

static sf_status write_spikes(sf_context *ctx, const sf_recording *rec, const sf_model *m,
                              const char *dir)
{
    char final[4096], tmp[4200];
    snprintf(final, sizeof final, "%s/spikes.h5", dir);
    snprintf(tmp, sizeof tmp, "%s/.spikes.h5.part", dir);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return sf_fail(ctx, SF_ERR_IO, "cannot create %s", tmp);
    bool ok = true;
    hid_t root = group(f, "spikes");
    ok = root >= 0;
    double h = m->sim.resolution;
    for (int p = 0; ok && p < m->n_pops; p++) {
        const uint32_t *ids;
        const int64_t *steps;
        size_t n;
        if (!sf_recording_spikes(rec, p, &ids, &steps, &n))
            continue;
        hid_t g = group(root, m->pops[p].name);
        double *ts = malloc(sizeof(double) * (n + 1));
        uint64_t *ni = malloc(sizeof(uint64_t) * (n + 1));
        ok = g >= 0 && ts && ni;
        for (size_t i = 0; ok && i < n; i++) {
            ts[i] = (double)steps[i] * h;
            ni[i] = ids[i];
        }
        ok = ok && attr_string(g, "sorting", "by_time") >= 0 &&
             write_1d(g, "timestamps", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, n, ts, "ms") >= 0 &&
             write_1d(g, "node_ids", H5T_NATIVE_UINT64, H5T_STD_U64LE, n, ni, NULL) >= 0;
        free(ts);
        free(ni);
        if (g >= 0)
            H5Gclose(g);
    }
    if (root >= 0) {
        ok = ok && attr_string(root, "units", "ms") >= 0;
        H5Gclose(root);
    }
    return finish(ctx, f, ok, tmp, final);
}

static sf_status write_report(sf_context *ctx, const sf_recording *rec, const sf_model *m, int r,
                              const char *dir)
{
    const sf_recorder *rc = &m->recorders[r];
    char final[4096], tmp[4200];
    snprintf(final, sizeof final, "%s/%s.h5", dir, rc->name);
    snprintf(tmp, sizeof tmp, "%s/.%s.h5.part", dir, rc->name);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return sf_fail(ctx, SF_ERR_IO, "cannot create %s", tmp);
    hid_t root = group(f, "report");
    bool ok = root >= 0;
    for (int k = 0; ok && k < rc->n_pops; k++) {
        const float *data;
        size_t nt;
        uint32_t nn;
        double t0, dt;
        sf_recording_trace(rec, r, k, &data, &nt, &nn, &t0, &dt);
        const sf_population *pop = &m->pops[rc->pops[k]];
        const char *unit = "";
        for (int s = 0; s < pop->type->n_state; s++)
            if (!strcmp(pop->type->state_names[s], rc->variable))
                unit = pop->type->state_units[s];
        hid_t g = group(root, pop->name);
        hid_t mp = g >= 0 ? group(g, "mapping") : -1;
        ok = g >= 0 && mp >= 0;
        hsize_t dims[2] = {nt, nn};
        hid_t sp = H5Screate_simple(2, dims, NULL);
        hid_t cp = dcpl();
        hid_t ds = ok ? H5Dcreate2(g, "data", H5T_IEEE_F32LE, sp, H5P_DEFAULT, cp, H5P_DEFAULT) : -1;
        H5Pclose(cp);
        ok = ok && ds >= 0 && (nt == 0 || H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL,
                                                   H5P_DEFAULT, data) >= 0);
        ok = ok && attr_string(ds, "units", unit) >= 0 && attr_string(ds, "variable", rc->variable) >= 0;
        if (ds >= 0)
            H5Dclose(ds);
        H5Sclose(sp);
        uint64_t *ids = malloc(sizeof(uint64_t) * ((size_t)nn + 1));
        uint64_t *ptr = malloc(sizeof(uint64_t) * ((size_t)nn + 1));
        uint64_t *el = calloc((size_t)nn + 1, sizeof(uint64_t));
        ok = ok && ids && ptr && el;
        for (uint32_t i = 0; ok && i <= nn; i++) {
            ids[i] = i;
            ptr[i] = i;
        }
        double time[3] = {t0, t0 + dt * (double)nt, dt};
        ok = ok && write_1d(mp, "node_ids", H5T_NATIVE_UINT64, H5T_STD_U64LE, nn, ids, NULL) >= 0 &&
             write_1d(mp, "element_ids", H5T_NATIVE_UINT64, H5T_STD_U64LE, nn, el, NULL) >= 0 &&
             write_1d(mp, "index_pointers", H5T_NATIVE_UINT64, H5T_STD_U64LE, (size_t)nn + 1, ptr,
                      NULL) >= 0 &&
             write_1d(mp, "time", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 3, time, "ms") >= 0;
        free(ids);
        free(ptr);
        free(el);
        if (mp >= 0)
            H5Gclose(mp);
        if (g >= 0)
            H5Gclose(g);
    }
    if (root >= 0)
        H5Gclose(root);
    return finish(ctx, f, ok, tmp, final);
}

sf_status sf_recording_write(sf_context *ctx, const sf_recording *rec, const sf_model *m,
                             const char *dir)
{
    /* errors are reported through ctx: HDF5's printing is off during the
     * call, and the caller's setting is restored afterwards */
    H5E_auto2_t old_fn = NULL;
    void *old_data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    sf_status st = write_spikes(ctx, rec, m, dir);
    for (int r = 0; st == SF_OK && r < m->n_recorders; r++)
        if (m->recorders[r].type->trace)
            st = write_report(ctx, rec, m, r, dir);
    H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
    return st;
}
