"""The binding: the public C API of libspikefield, loaded with cffi in ABI
mode (Debian's python3-cffi; no compiler needed).

Only the functions the package calls are declared, copied from
include/spikefield/*.h (the C headers are the reference; a declaration
here that differs from them is a bug). The library is found, in order, at
$SPIKEFIELD_LIB, at build/libspikefield.so next to the source tree this
package lives in, in the LIBDIR `make install` recorded (_install.py), and
as libspikefield.so.0 on the system's library path.

Invariant: one process-wide library handle (``lib``) and ``ffi``; every
C context is created per call site (``Context``) and never shared between
threads. A C object that another one reads until its destruction (a model
read by its networks and recordings) is destroyed only after them
(``Handle``), whatever order Python's garbage collector finalizes them in.
"""
import os

from cffi import FFI

ffi = FFI()
ffi.cdef(r"""
typedef enum {
    SF_OK, SF_ERR_NOMEM, SF_ERR_IO, SF_ERR_PARSE, SF_ERR_MODEL, SF_ERR_ARG,
    SF_ERR_RANGE, SF_ERR_TOO_BIG, SF_ERR_NOCONV, SF_ERR_NUMERIC, SF_ERR_INTERRUPTED,
    SF_STATUS_COUNT
} sf_status;
typedef struct sf_context sf_context;
typedef struct sf_model sf_model;
typedef struct sf_model_builder sf_model_builder;
typedef struct sf_network sf_network;
typedef struct sf_recording sf_recording;
typedef struct sf_quantities sf_quantities;

const char *sf_version(void);
const char *sf_strerror(sf_status code);
sf_context *sf_context_create(void);
void sf_context_destroy(sf_context *ctx);
const char *sf_context_errmsg(const sf_context *ctx);

typedef struct {
    const char *name; const char *unit; double def; double min, max;
    bool min_open; const char *doc;
} sf_param_spec;

sf_status sf_model_load(sf_context *ctx, const char *path, const char *const *sets,
                        int n_sets, sf_model **out);
sf_status sf_model_load_string(sf_context *ctx, const char *text, const char *name,
                               const char *const *sets, int n_sets, sf_model **out);
void sf_model_destroy(sf_model *m);

sf_status sf_model_builder_create(sf_context *ctx, const char *name, sf_model_builder **out);
void sf_model_builder_destroy(sf_model_builder *b);
sf_status sf_model_builder_set(sf_context *ctx, sf_model_builder *b, const char *path,
                               const char *value);
sf_status sf_model_builder_set_number(sf_context *ctx, sf_model_builder *b, const char *path,
                                      double value);
sf_status sf_model_builder_add_population(sf_context *ctx, sf_model_builder *b,
                                          const char *name, const char *model, uint32_t n);
sf_status sf_model_builder_set_param(sf_context *ctx, sf_model_builder *b, const char *pop,
                                     const char *param, double value);
sf_status sf_model_builder_add_projection(sf_context *ctx, sf_model_builder *b,
                                          const char *name, const char *source,
                                          const char *target, const char *rule,
                                          double count_or_p, double weight, double delay);
sf_status sf_model_builder_add_poisson_input(sf_context *ctx, sf_model_builder *b,
                                             const char *name, const char *const *targets,
                                             int n_targets, double rate_Hz, double weight);
sf_status sf_model_builder_add_dc_input(sf_context *ctx, sf_model_builder *b, const char *name,
                                        const char *const *targets, int n_targets,
                                        double amplitude_pA);
sf_status sf_model_builder_add_spike_recorder(sf_context *ctx, sf_model_builder *b,
                                              const char *name, const char *const *pops,
                                              int n_pops);
sf_status sf_model_builder_add_voltmeter(sf_context *ctx, sf_model_builder *b,
                                         const char *name, const char *const *pops, int n_pops,
                                         uint32_t n_record, const char *variable,
                                         double interval_ms);
sf_status sf_model_builder_finish(sf_context *ctx, sf_model_builder *b, sf_model **out);

const char *sf_model_file(const sf_model *m);
uint64_t sf_model_neurons(const sf_model *m);
int sf_model_population_count(const sf_model *m);
int sf_model_find_pop(const sf_model *m, const char *name);
const char *sf_model_population_name(const sf_model *m, int pop);
uint32_t sf_model_population_size(const sf_model *m, int pop);
const char *sf_model_population_model(const sf_model *m, int pop);
sf_status sf_model_get_param(sf_context *ctx, const sf_model *m, int pop, const char *name,
                             double *value);
int sf_model_projection_count(const sf_model *m);
const char *sf_model_projection_name(const sf_model *m, int i);
int sf_model_projection_source(const sf_model *m, int i);
int sf_model_projection_target(const sf_model *m, int i);
const char *sf_model_projection_rule(const sf_model *m, int i);
int sf_model_input_count(const sf_model *m);
const char *sf_model_input_name(const sf_model *m, int i);
int sf_model_recorder_count(const sf_model *m);
const char *sf_model_recorder_name(const sf_model *m, int r);
const char *sf_model_recorder_kind(const sf_model *m, int r);
int sf_model_recorder_population_count(const sf_model *m, int r);
int sf_model_recorder_population(const sf_model *m, int r, int k);
const char *sf_model_recorder_variable(const sf_model *m, int r);
double sf_model_resolution(const sf_model *m);
double sf_model_duration(const sf_model *m);
uint64_t sf_model_seed(const sf_model *m);
int sf_model_threads(const sf_model *m);
double sf_model_analysis_start(const sf_model *m);

int sf_neuron_model_find(const char *name);
int sf_neuron_model_state_count(int i);
const char *sf_neuron_model_state_name(int i, int k);
const char *sf_neuron_model_state_unit(int i, int k);

sf_status sf_network_build(sf_context *ctx, const sf_model *m, int threads, sf_network **out);
void sf_network_destroy(sf_network *net);
uint64_t sf_network_synapses(const sf_network *net);
uint64_t sf_network_projection_synapses(const sf_network *net, int i);
uint64_t sf_network_weights(const sf_network *net, int i, uint32_t *src, uint32_t *tgt,
                            double *w, uint32_t *delay_steps, uint64_t cap);

typedef struct {
    volatile int *stop;
    void (*progress)(void *user, double t_ms, double t_end_ms, double wall_s);
    void *progress_user;
    double progress_interval;
    const char *spool_dir;
} sf_run_options;
sf_status sf_engine_run(sf_context *ctx, sf_network *net, const sf_run_options *opt,
                        sf_recording **rec);
void sf_recording_destroy(sf_recording *rec);
bool sf_recording_interrupted(const sf_recording *rec);
const char *sf_recording_stop_reason(const sf_recording *rec);
double sf_recording_t_end(const sf_recording *rec);
bool sf_recording_spikes(const sf_recording *rec, int pop, const uint32_t **ids,
                         const int64_t **steps, size_t *n);
bool sf_recording_weights(const sf_recording *rec, int r, size_t *n,
                          const int64_t **steps, const uint32_t **proj,
                          const uint32_t **src, const uint32_t **tgt, const double **w);
bool sf_recording_trace(const sf_recording *rec, int r, int k, const float **data,
                        size_t *n_times, uint32_t *n_nodes, double *t0, double *dt);
sf_status sf_recording_write(sf_context *ctx, const sf_recording *rec, const sf_model *m,
                             const char *dir);
sf_status sf_recording_summary_json(sf_context *ctx, const sf_recording *rec,
                                    const sf_network *net, const void *stats, char **text);
sf_status sf_recording_write_summary(sf_context *ctx, const sf_recording *rec,
                                     const sf_network *net, const void *stats,
                                     const char *path);

bool sf_model_is_learning(const sf_model *m);
const char *sf_learning_task(const sf_model *m);
typedef struct {
    const volatile int *stop;
    void (*progress)(void *user, int done, int total, double wall_s);
    void *user;
    int threads;
} sf_learning_options;
sf_status sf_learning_run(sf_context *ctx, const sf_model *m, const sf_learning_options *opt,
                          sf_quantities **out, bool *interrupted);
sf_status sf_learning_predict(sf_context *ctx, const sf_model *m, sf_quantities **out);
sf_status sf_learning_compare(sf_context *ctx, const sf_model *m, const sf_quantities *est,
                              const sf_quantities *pred, sf_quantities **out);
sf_status sf_learning_dip_test(sf_context *ctx, const double *x, int n, int reps,
                               uint64_t seed, double *dip, double *p);
typedef struct { const double *freq; size_t n_freq; } sf_predict_options;
sf_status sf_predict(sf_context *ctx, const sf_model *m, const sf_predict_options *opt,
                     sf_quantities **out);
sf_status sf_compare(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                     const sf_quantities *pred, sf_quantities **out);
void sf_quantities_destroy(sf_quantities *q);
sf_status sf_quantities_json(sf_context *ctx, const sf_quantities *q, const sf_model *m,
                             char **text);

void free(void *p);
""")


def _candidates():
    env = os.environ.get("SPIKEFIELD_LIB")
    if env:
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    out = [os.path.join(here, "..", "..", "build", "libspikefield.so")]
    try:
        from . import _install   # written by `make install`
        out.append(os.path.join(_install.LIBDIR, "libspikefield.so.0"))
    except ImportError:
        pass
    out.append("libspikefield.so.0")
    return out


def _open():
    tried = []
    for c in _candidates():
        if os.sep in c and not os.path.exists(c):
            tried.append(c + " (missing)")
            continue
        try:
            return ffi.dlopen(c), c
        except OSError as e:
            tried.append(f"{c} ({e})")
    raise ImportError("spikefield: cannot load the C library libspikefield; tried "
                      + "; ".join(tried) + ". Build it with `make` or set SPIKEFIELD_LIB.")


lib, path = _open()


def text(p):
    """A C string (const char *) as str; None for NULL."""
    return None if p == ffi.NULL else ffi.string(p).decode("utf-8", "replace")


class Context:
    """One sf_context: the last error message of the calls made with it."""

    def __init__(self):
        self.ptr = lib.sf_context_create()
        if self.ptr == ffi.NULL:
            raise MemoryError("spikefield: cannot create a context")

    def __del__(self):
        if getattr(self, "ptr", None) is not None and self.ptr != ffi.NULL:
            lib.sf_context_destroy(self.ptr)
            self.ptr = None

    def check(self, status):
        """Raises SpikefieldError with the C message unless status is SF_OK."""
        if status != lib.SF_OK:
            from .errors import SpikefieldError
            raise SpikefieldError.from_c(int(status), text(lib.sf_context_errmsg(self.ptr)),
                                         text(lib.sf_strerror(status)))
        return status


class Handle:
    """Owns one C object (ptr, freed by destroy) that may depend on others
    (deps, Handles it reads until it is destroyed: a network its model, a
    recording its model). Destroyed exactly once, when Python has dropped it
    and every Handle depending on it is destroyed, in whatever order the
    garbage collector finalizes a cycle (finalizers run before references
    are cleared, PEP 442, so deps are intact in __del__)."""

    def __init__(self, ptr, destroy, deps=()):
        self.ptr = ptr
        self._destroy = destroy
        self._deps = list(deps)
        self._users = 0
        self._dropped = False
        self._done = False
        for d in self._deps:
            d._users += 1

    def __del__(self):
        self._dropped = True
        self._release()

    def _release(self):
        if self._done or not self._dropped or self._users > 0:
            return
        self._done = True
        self._destroy(self.ptr)
        for d in self._deps:
            d._users -= 1
            d._release()


def strings(names):
    """(keep-alive list, const char *const * array) for a list of str."""
    keep = [ffi.new("char[]", n.encode()) for n in names]
    arr = ffi.new("const char *[]", keep) if keep else ffi.NULL
    return keep, arr


def take_string(pp):
    """A malloc'ed char* from the library as str, freed here."""
    try:
        return ffi.string(pp[0]).decode("utf-8")
    finally:
        lib.free(pp[0])
