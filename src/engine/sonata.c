/* Writing recordings in the SONATA layout (HDF5), and reading SONATA spike
 * files for spike generators.
 *
 * Spikes: /spikes/<population>/timestamps (float64, ms) and node_ids
 * (uint32: population-local ids, which always fit), the population group
 * carrying sorting = "by_time".
 * Traces (voltmeter, multimeter): a report file per recorder with
 * /report/<population>/data (float32 or float64, n_times x n_nodes) holding
 * the first recorded variable (attribute `variable`), /report/<population>/
 * data_<variable> for each further one, and /report/<population>/mapping/
 * {node_ids, element_ids, index_pointers, time}.
 * Datasets of more than one element are chunked and compressed (shuffle +
 * deflate), which h5py, libsonata and every HDF5 reader decode.
 * Each file is written under a temporary name in the same directory and
 * renamed when complete, so a reader never sees a half-written file.
 */
#include "spikefield/network.h"
#include "model/model_impl.h"
#include "lattice/field.h"

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
    H5Tset_cset(t, H5T_CSET_UTF8); /* readers (h5py) get text, not bytes */
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

/* Creation properties of a dataset of rank dimensions dims: chunks of
 * about 2^16 elements, shuffled and deflated; empty ones stay contiguous. */
static hid_t dcpl_compressed(int rank, const hsize_t *dims)
{
    hid_t p = dcpl();
    hsize_t chunk[2], total = 1;
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    if (total < 2)
        return p;
    if (rank == 1) {
        chunk[0] = dims[0] < 65536 ? dims[0] : 65536;
    } else {
        chunk[1] = dims[1] < 65536 ? dims[1] : 65536;
        hsize_t rows = 65536 / chunk[1];
        chunk[0] = rows < 1 ? 1 : rows > dims[0] ? dims[0] : rows;
    }
    H5Pset_chunk(p, rank, chunk);
    H5Pset_shuffle(p);
    H5Pset_deflate(p, 4);
    return p;
}

static herr_t write_1d(hid_t loc, const char *name, hid_t mem_type, hid_t file_type, size_t n,
                       const void *data, const char *units)
{
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t cp = dcpl_compressed(1, &dim);
    hid_t ds = H5Dcreate2(loc, name, file_type, sp, H5P_DEFAULT, cp, H5P_DEFAULT);
    H5Pclose(cp);
    herr_t e = ds < 0 ? -1 : (n ? H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : 0);
    if (e >= 0 && units)
        e = attr_string(ds, "units", units);
    if (ds >= 0 && H5Dclose(ds) < 0) /* the chunk cache is written here */
        e = -1;
    H5Sclose(sp);
    return e;
}

/* Closes f (never touching HDF5 again after a failed close) and renames tmp
 * to final, or removes tmp. errno was cleared when the file was created, so
 * a nonzero errno is the reason of the system call that made HDF5 fail. */
/* The spike times steps[i] * h as a dataset "timestamps" (ms), converted
 * and written one chunk at a time: a long run's spikes (spooled to disk) are
 * never copied into memory as a whole. */
static herr_t write_times(hid_t loc, const int64_t *steps, size_t n, double h)
{
    enum { PIECE = 65536 };
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t cp = dcpl_compressed(1, &dim);
    hid_t ds = H5Dcreate2(loc, "timestamps", H5T_IEEE_F64LE, sp, H5P_DEFAULT, cp, H5P_DEFAULT);
    H5Pclose(cp);
    double *buf = malloc(sizeof(double) * PIECE);
    herr_t e = ds < 0 || !buf ? -1 : 0;
    for (size_t at = 0; e >= 0 && at < n; at += PIECE) {
        hsize_t off = at, cnt = n - at < PIECE ? n - at : PIECE;
        for (hsize_t i = 0; i < cnt; i++)
            buf[i] = (double)steps[at + i] * h;
        hid_t ms = H5Screate_simple(1, &cnt, NULL);
        e = H5Sselect_hyperslab(sp, H5S_SELECT_SET, &off, NULL, &cnt, NULL);
        e = e < 0 ? e : H5Dwrite(ds, H5T_NATIVE_DOUBLE, ms, sp, H5P_DEFAULT, buf);
        H5Sclose(ms);
    }
    free(buf);
    if (e >= 0)
        e = attr_string(ds, "units", "ms");
    if (ds >= 0 && H5Dclose(ds) < 0) /* the chunk cache is written here */
        e = -1;
    H5Sclose(sp);
    return e;
}

static sf_status finish(sf_context *ctx, hid_t f, bool ok, const char *tmp, const char *final)
{
    int e = errno;
    if (f >= 0 && H5Fclose(f) < 0) {
        ok = false;
        e = e ? e : errno;
    }
    if (ok && rename(tmp, final) != 0) {
        e = errno;
        unlink(tmp);
        return sf_fail(ctx, SF_ERR_IO, "cannot rename %s to %s: %s", tmp, final, strerror(e));
    }
    if (!ok) {
        unlink(tmp);
        return sf_fail(ctx, SF_ERR_IO, "cannot write %s: %s", final,
                       e ? strerror(e) : "HDF5 error (no system error reported)");
    }
    return SF_OK;
}

/* A new file for m's outputs. An attribute in an object header is limited
 * to 64 KiB, and the resolved model of a large model file (hundreds of
 * inputs listed one by one) is longer: such files keep the root's
 * attributes in dense storage (HDF5 1.8 format), the others stay as they
 * were. */
static hid_t create_file(const char *path, const sf_model *m)
{
    if (strlen(sf_model_resolved_json(m)) < 32768)
        return H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t fc = H5Pcreate(H5P_FILE_CREATE), fa = H5Pcreate(H5P_FILE_ACCESS);
    hid_t f = -1;
    if (fc >= 0 && fa >= 0 && H5Pset_attr_phase_change(fc, 0, 0) >= 0 &&
        H5Pset_libver_bounds(fa, H5F_LIBVER_V18, H5F_LIBVER_LATEST) >= 0)
        f = H5Fcreate(path, H5F_ACC_TRUNC, fc, fa);
    if (fc >= 0)
        H5Pclose(fc);
    if (fa >= 0)
        H5Pclose(fa);
    return f;
}

/* Creates the temporary file tmp for m's outputs, or fails with the
 * system's reason. */
static hid_t create(sf_context *ctx, const char *tmp, const sf_model *m)
{
    errno = 0;
    hid_t f = create_file(tmp, m);
    if (f < 0)
        sf_fail(ctx, SF_ERR_IO, "cannot create %s: %s", tmp,
                errno ? strerror(errno) : "HDF5 error (no system error reported)");
    else
        errno = 0;
    return f;
}

/* Provenance as attributes of the file's root group: how the recording was
 * made (docs/cli.md, "Provenance"). They differ between runs (times, host),
 * so identical recordings give identical datasets, not identical bytes. */
static bool write_provenance(hid_t f, const sf_recording *rec, const sf_model *m)
{
    char host[256], t0[40], t1[40], num[32];
    sf_recording_provenance(rec, host, sizeof host, t0, t1, sizeof t0);
    size_t len = 1;
    for (int i = 0; i < m->n_sets; i++)
        len += strlen(m->sets[i]) + 1;
    char *sets = malloc(len);
    if (!sets)
        return false;
    sets[0] = '\0';
    for (int i = 0; i < m->n_sets; i++) /* one per line */
        strcat(strcat(sets, m->sets[i]), i + 1 < m->n_sets ? "\n" : "");
    bool ok = attr_string(f, "spikefield_version", sf_version()) >= 0 &&
              attr_string(f, "git_commit", sf_version_commit()) >= 0 &&
              attr_string(f, "host", host) >= 0 && attr_string(f, "started", t0) >= 0 &&
              attr_string(f, "finished", t1) >= 0 && attr_string(f, "model_file", m->file) >= 0 &&
              attr_string(f, "overrides", sets) >= 0 &&
              attr_string(f, "model_resolved", sf_model_resolved_json(m)) >= 0;
    snprintf(num, sizeof num, "%llu", (unsigned long long)m->sim.seed);
    ok = ok && attr_string(f, "seed", num) >= 0;
    snprintf(num, sizeof num, "%d", m->sim.threads);
    ok = ok && attr_string(f, "threads", num) >= 0;
    free(sets);
    return ok;
}

/* spatial (issue 14): the positions of the spatial populations, as SONATA
 * node attributes /nodes/<pop>/0/x (and y), mm, node i at index i, in the
 * spikes file (docs/spatial.md). Nothing when no population is spatial. */
static bool write_positions(hid_t f, const sf_model *m)
{
    bool ok = true;
    hid_t nodes = -1;
    for (int p = 0; ok && p < m->n_pops; p++) {
        const sf_population *P = &m->pops[p];
        if (P->space.geometry == SF_SPACE_NONE)
            continue;
        if (nodes < 0 && (nodes = group(f, "nodes")) < 0)
            return false;
        hid_t g = group(nodes, P->name), g0 = g >= 0 ? group(g, "0") : -1;
        double *x = malloc(sizeof(double) * P->n), *y = malloc(sizeof(double) * P->n);
        ok = g0 >= 0 && x && y;
        for (uint32_t i = 0; ok && i < P->n; i++) {
            double v[2];
            sf_space_position(m, p, i, v);
            x[i] = v[0];
            y[i] = v[1];
        }
        static const char *const geo[] = {"none", "ring", "torus", "sheet"};
        ok = ok && write_1d(g0, "x", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, P->n, x, "mm") >= 0 &&
             (P->space.dim < 2 ||
              write_1d(g0, "y", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, P->n, y, "mm") >= 0) &&
             attr_string(g, "geometry", geo[P->space.geometry]) >= 0;
        free(x);
        free(y);
        if (g0 >= 0)
            H5Gclose(g0);
        if (g >= 0)
            H5Gclose(g);
    }
    if (nodes >= 0)
        H5Gclose(nodes);
    return ok;
}

static sf_status write_spikes(sf_context *ctx, const sf_recording *rec, const sf_model *m,
                              const char *dir)
{
    char final[4096], tmp[4200];
    snprintf(final, sizeof final, "%s/spikes.h5", dir);
    snprintf(tmp, sizeof tmp, "%s/.spikes.h5.part", dir);
    hid_t f = create(ctx, tmp, m);
    if (f < 0)
        return SF_ERR_IO;
    bool ok = write_provenance(f, rec, m);
    hid_t root = group(f, "spikes");
    ok = ok && root >= 0;
    double h = m->sim.resolution;
    for (int p = 0; ok && p < m->n_pops; p++) {
        const uint32_t *ids;
        const int64_t *steps;
        size_t n;
        if (!sf_recording_spikes(rec, p, &ids, &steps, &n))
            continue;
        hid_t g = group(root, m->pops[p].name);
        ok = g >= 0 && attr_string(g, "sorting", "by_time") >= 0 &&
             write_times(g, steps, n, h) >= 0 &&
             write_1d(g, "node_ids", H5T_NATIVE_UINT32, H5T_STD_U32LE, n, ids, NULL) >= 0;
        if (g >= 0 && H5Gclose(g) < 0)
            ok = false;
    }
    if (root >= 0) {
        ok = ok && attr_string(root, "units", "ms") >= 0;
        ok = H5Gclose(root) >= 0 && ok;
    }
    ok = ok && write_positions(f, m);
    return finish(ctx, f, ok, tmp, final);
}

static const char *unit_of(const sf_neuron_type *t, const char *var)
{
    for (int s = 0; s < t->n_state; s++)
        if (!strcmp(t->state_names[s], var))
            return t->state_units[s];
    return "";
}

static sf_status write_report(sf_context *ctx, const sf_recording *rec, const sf_model *m, int r,
                              const char *dir)
{
    const sf_recorder *rc = &m->recorders[r];
    char final[4096], tmp[4200];
    snprintf(final, sizeof final, "%s/%s.h5", dir, rc->name);
    snprintf(tmp, sizeof tmp, "%s/.%s.h5.part", dir, rc->name);
    hid_t f = create(ctx, tmp, m);
    if (f < 0)
        return SF_ERR_IO;
    bool ok = write_provenance(f, rec, m);
    hid_t root = group(f, "report");
    ok = ok && root >= 0;
    for (int k = 0; ok && k < rc->n_pops; k++) {
        const sf_population *pop = &m->pops[rc->pops[k]];
        hid_t g = group(root, pop->name);
        hid_t mp = g >= 0 ? group(g, "mapping") : -1;
        ok = g >= 0 && mp >= 0;
        size_t nt = 0;
        uint32_t nn = 0;
        const uint32_t *node = NULL;
        double t0 = 0, dt = 0;
        for (int v = 0; ok && v < rc->n_vars; v++) {
            const void *data;
            bool f64;
            sf_recording_trace_var(rec, r, k, v, &data, &f64, &nt, &nn, &node, &t0, &dt);
            char dname[300];
            snprintf(dname, sizeof dname, v ? "data_%s" : "data", rc->vars[v]);
            hsize_t dims[2] = {nt, nn};
            hid_t sp = H5Screate_simple(2, dims, NULL);
            hid_t cp = dcpl_compressed(2, dims);
            hid_t ds = H5Dcreate2(g, dname, f64 ? H5T_IEEE_F64LE : H5T_IEEE_F32LE, sp, H5P_DEFAULT,
                                  cp, H5P_DEFAULT);
            H5Pclose(cp);
            ok = ds >= 0 && (nt == 0 || nn == 0 ||
                             H5Dwrite(ds, f64 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT, H5S_ALL,
                                      H5S_ALL, H5P_DEFAULT, data) >= 0);
            ok = ok && attr_string(ds, "units", unit_of(pop->type, rc->vars[v])) >= 0 &&
                 attr_string(ds, "variable", rc->vars[v]) >= 0;
            if (ds >= 0 && H5Dclose(ds) < 0) /* the chunk cache is written here */
                ok = false;
            H5Sclose(sp);
        }
        uint64_t *ids = malloc(sizeof(uint64_t) * ((size_t)nn + 1));
        uint64_t *ptr = malloc(sizeof(uint64_t) * ((size_t)nn + 1));
        uint64_t *el = calloc((size_t)nn + 1, sizeof(uint64_t));
        ok = ok && ids && ptr && el;
        for (uint32_t i = 0; ok && i <= nn; i++) {
            ids[i] = i < nn && node ? node[i] : i;
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
        if (mp >= 0 && H5Gclose(mp) < 0)
            ok = false;
        if (g >= 0 && H5Gclose(g) < 0)
            ok = false;
    }
    if (root >= 0 && H5Gclose(root) < 0)
        ok = false;
    return finish(ctx, f, ok, tmp, final);
}

/* plasticity: a weight recorder's file, /weights/<projection>/{timestamps
 * (ms), source_node_id, target_node_id, weight} in the recorded order. */
static sf_status write_weight_log(sf_context *ctx, const sf_recording *rec, const sf_model *m,
                                  int r, const char *dir)
{
    const sf_recorder *rc = &m->recorders[r];
    char final[4096], tmp[4200];
    snprintf(final, sizeof final, "%s/%s.h5", dir, rc->name);
    snprintf(tmp, sizeof tmp, "%s/.%s.h5.part", dir, rc->name);
    hid_t f = create(ctx, tmp, m);
    if (f < 0)
        return SF_ERR_IO;
    size_t n;
    const int64_t *steps;
    const uint32_t *proj, *src, *tgt;
    const double *w;
    bool ok = write_provenance(f, rec, m) &&
              sf_recording_weights(rec, r, &n, &steps, &proj, &src, &tgt, &w);
    hid_t root = group(f, "weights");
    ok = ok && root >= 0;
    double *tv = malloc(sizeof(double) * (n + 1)), *wv = malloc(sizeof(double) * (n + 1));
    uint32_t *sv = malloc(sizeof(uint32_t) * (n + 1)), *gv = malloc(sizeof(uint32_t) * (n + 1));
    ok = ok && tv && wv && sv && gv;
    for (int q = 0; ok && q < rc->n_projs; q++) {
        const int pi = rc->projs[q];
        size_t k = 0;
        for (size_t j = 0; j < n; j++)
            if (proj[j] == (uint32_t)pi) {
                tv[k] = (double)steps[j] * m->sim.resolution;
                sv[k] = src[j];
                gv[k] = tgt[j];
                wv[k++] = w[j];
            }
        hid_t g = group(root, m->proj[pi].name);
        ok = g >= 0 && attr_string(g, "source", m->pops[m->proj[pi].source].name) >= 0 &&
             attr_string(g, "target", m->pops[m->proj[pi].target].name) >= 0 &&
             attr_string(g, "model", m->proj[pi].synapse->name) >= 0 &&
             write_1d(g, "timestamps", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, k, tv, "ms") >= 0 &&
             write_1d(g, "source_node_id", H5T_NATIVE_UINT32, H5T_STD_U32LE, k, sv, NULL) >= 0 &&
             write_1d(g, "target_node_id", H5T_NATIVE_UINT32, H5T_STD_U32LE, k, gv, NULL) >= 0 &&
             write_1d(g, "weight", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, k, wv,
                      m->pops[m->proj[pi].target].type->weight_unit) >= 0;
        if (g >= 0)
            H5Gclose(g);
    }
    free(tv);
    free(wv);
    free(sv);
    free(gv);
    if (root >= 0)
        H5Gclose(root);
    return finish(ctx, f, ok, tmp, final);
}

sf_status sf_network_write_weights(sf_context *ctx, const sf_network *net, const char *path,
                                   bool all)
{
    const sf_model *m = sf_network_model(net);
    H5E_auto2_t old_fn = NULL;
    void *old_data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.part", path);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    sf_status st;
    if (f < 0) {
        st = sf_fail(ctx, SF_ERR_IO, "cannot create %s", tmp);
    } else {
        hid_t root = group(f, "edges");
        bool ok = root >= 0 && attr_string(f, "spikefield_version", sf_version()) >= 0 &&
                  attr_string(f, "model_file", m->file) >= 0;
        for (int i = 0; ok && i < m->n_proj; i++) {
            const sf_projection *p = &m->proj[i];
            if (!all && !p->synapse->plastic)
                continue;
            uint64_t n = sf_network_projection_synapses(net, i);
            uint32_t *s = malloc(sizeof(uint32_t) * (n + 1)), *t = malloc(sizeof(uint32_t) * (n + 1));
            uint32_t *d = malloc(sizeof(uint32_t) * (n + 1));
            double *w = malloc(sizeof(double) * (n + 1));
            ok = s && t && d && w;
            if (ok)
                n = sf_network_weights(net, i, s, t, w, d, n);
            hid_t g = ok ? group(root, p->name) : -1;
            double *dm = ok ? malloc(sizeof(double) * (n + 1)) : NULL;
            ok = ok && g >= 0 && dm;
            for (uint64_t j = 0; ok && j < n; j++)
                dm[j] = d[j] * m->sim.resolution;
            ok = ok && attr_string(g, "source", m->pops[p->source].name) >= 0 &&
                 attr_string(g, "target", m->pops[p->target].name) >= 0 &&
                 attr_string(g, "model", p->synapse->name) >= 0 &&
                 write_1d(g, "source_node_id", H5T_NATIVE_UINT32, H5T_STD_U32LE, n, s, NULL) >= 0 &&
                 write_1d(g, "target_node_id", H5T_NATIVE_UINT32, H5T_STD_U32LE, n, t, NULL) >= 0 &&
                 write_1d(g, "weight", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, n, w,
                          m->pops[p->target].type->weight_unit) >= 0 &&
                 write_1d(g, "delay", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, n, dm, "ms") >= 0;
            if (g >= 0)
                H5Gclose(g);
            free(s);
            free(t);
            free(d);
            free(w);
            free(dm);
        }
        if (root >= 0)
            H5Gclose(root);
        st = finish(ctx, f, ok, tmp, path);
    }
    H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
    return st;
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
    const sf_field_stats *fs = sf_recording_field(rec);
    if (fs) { /* a field model: field.h5 (docs/rg.md) */
        H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
        return sf_field_write(ctx, fs, dir);
    }
    sf_status st = write_spikes(ctx, rec, m, dir);
    for (int r = 0; st == SF_OK && r < m->n_recorders; r++)
        if (m->recorders[r].type->trace_var)
            st = write_report(ctx, rec, m, r, dir);
        else if (m->recorders[r].type->weights)
            st = write_weight_log(ctx, rec, m, r, dir);
    H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
    return st;
}

/* ------------------------------------------------------------------------- */
/* Reading a SONATA spike file (spike_generator's `file`). */

static bool read_1d(hid_t g, const char *name, hid_t mem_type, size_t esize, void **out, size_t *n,
                    char *msg, size_t len, const char *path, const char *pop)
{
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    if (ds < 0) {
        snprintf(msg, len, "%s: no dataset /spikes/%s/%s", path, pop, name);
        return false;
    }
    hid_t sp = H5Dget_space(ds);
    hsize_t dim = 0;
    bool ok = H5Sget_simple_extent_ndims(sp) == 1 && H5Sget_simple_extent_dims(sp, &dim, NULL) == 1;
    *n = (size_t)dim;
    *out = ok ? malloc(esize * (*n + 1)) : NULL;
    ok = ok && *out && (*n == 0 || H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) >= 0);
    if (!ok)
        snprintf(msg, len, "%s: cannot read /spikes/%s/%s as a list of numbers", path, pop, name);
    H5Sclose(sp);
    H5Dclose(ds);
    return ok;
}

bool sf_sonata_read_spikes(const char *path, const char *pop, double **t, uint64_t **id,
                           size_t *n, char *msg, size_t len)
{
    *t = NULL;
    *id = NULL;
    *n = 0;
    H5E_auto2_t old_fn = NULL;
    void *old_data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    bool ok = false;
    hid_t f = -1, g = -1;
    if (access(path, R_OK) != 0) {
        snprintf(msg, len, "cannot open spike file %s: %s", path, strerror(errno));
        goto done;
    }
    if ((f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
        snprintf(msg, len, "%s is not an HDF5 file", path);
        goto done;
    }
    char gname[600];
    snprintf(gname, sizeof gname, "/spikes/%s", pop);
    if (H5Lexists(f, "/spikes", H5P_DEFAULT) <= 0 || H5Lexists(f, gname, H5P_DEFAULT) <= 0 ||
        (g = H5Gopen2(f, gname, H5P_DEFAULT)) < 0) {
        snprintf(msg, len, "%s has no group %s (a SONATA spike file has "
                 "/spikes/<population>/{timestamps, node_ids})", path, gname);
        goto done;
    }
    size_t nt = 0, ni = 0;
    void *tv = NULL, *iv = NULL;
    bool okt = read_1d(g, "timestamps", H5T_NATIVE_DOUBLE, sizeof(double), &tv, &nt, msg, len,
                       path, pop);
    bool oki = okt && read_1d(g, "node_ids", H5T_NATIVE_UINT64, sizeof(uint64_t), &iv, &ni, msg,
                              len, path, pop);
    *t = tv;
    *id = iv;
    if (!okt || !oki)
        goto done;
    if (nt != ni) {
        snprintf(msg, len, "%s: /spikes/%s has %zu timestamps but %zu node_ids", path, pop, nt, ni);
        goto done;
    }
    /* units: ms (SONATA's default) or s */
    hid_t ds = H5Dopen2(g, "timestamps", H5P_DEFAULT);
    if (ds >= 0 && H5Aexists(ds, "units") > 0) {
        hid_t a = H5Aopen(ds, "units", H5P_DEFAULT), at = H5Aget_type(a);
        char u[32] = "";
        if (H5Tget_class(at) == H5T_STRING && !H5Tis_variable_str(at) && H5Tget_size(at) < sizeof u) {
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, sizeof u);
            H5Aread(a, mt, u);
            H5Tclose(mt);
        }
        H5Tclose(at);
        H5Aclose(a);
        if (!strcmp(u, "s"))
            for (size_t i = 0; i < nt; i++)
                (*t)[i] *= 1e3;
    }
    if (ds >= 0)
        H5Dclose(ds);
    *n = nt;
    ok = true;
done:
    if (g >= 0)
        H5Gclose(g);
    if (f >= 0)
        H5Fclose(f);
    if (!ok) {
        free(*t);
        free(*id);
        *t = NULL;
        *id = NULL;
    }
    H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
    return ok;
}
