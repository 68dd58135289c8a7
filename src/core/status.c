/* Status codes, the per-context last-error message and the library version.
 * Invariant: a context's message always describes its most recent failure;
 * sf_context_create is the only place where the library changes process-wide
 * state (documented at its declaration in core.h). */
#include "spikefield/core.h"

#include <gsl/gsl_errno.h>
#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sf_context {
    sf_status status;
    char msg[2048];
};

static const char *const status_text[] = {
#define SF_X_TEXT(code, text) text,
    SF_STATUS_LIST(SF_X_TEXT)
#undef SF_X_TEXT
};

const char *sf_strerror(sf_status code)
{
    if ((int)code < 0 || code >= SF_STATUS_COUNT)
        return "unknown status";
    return status_text[code];
}

/* A symbol of libopenblas (Debian's build), which has no header for it. */
void openblas_set_num_threads(int num_threads);

sf_context *sf_context_create(void)
{
    gsl_set_error_handler_off(); /* GSL must report, never abort */
    openblas_set_num_threads(1);
    /* HDF5's exit handler closes the files still open; after a close that
     * failed (a full disk) HDF 1.10 keeps a half-freed file there and the
     * handler crashes (exit 139). spikefield closes every file itself, so
     * the handler is not needed. Fails harmlessly when HDF5 is already in
     * use (h5py loaded first). */
    H5dont_atexit();
    return calloc(1, sizeof(sf_context));
}

void sf_context_destroy(sf_context *ctx)
{
    free(ctx);
}

const char *sf_context_errmsg(const sf_context *ctx)
{
    return ctx ? ctx->msg : "";
}

sf_status sf_context_status(const sf_context *ctx)
{
    return ctx ? ctx->status : SF_OK;
}

void sf_context_clear(sf_context *ctx)
{
    if (ctx) {
        ctx->status = SF_OK;
        ctx->msg[0] = '\0';
    }
}

sf_status sf_fail(sf_context *ctx, sf_status code, const char *fmt, ...)
{
    if (ctx) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
        va_end(ap);
        ctx->status = code;
    }
    return code;
}
