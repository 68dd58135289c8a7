/* A minimal streaming JSON writer (private to the library): keeps track of
 * commas and indentation, writes non-finite numbers as null. Used by the run
 * summary (src/engine/summary.c).
 *
 * Invariant: depth counts the open objects and arrays; first[d] says whether
 * level d has had no member yet.
 */
#ifndef SF_CORE_JSON_H
#define SF_CORE_JSON_H

#include "spikefield/core.h"

#include <stdio.h>

typedef struct {
    FILE *f;
    int depth;
    int first[32];
} sf_json;

void sf_json_begin(sf_json *j, FILE *f);
void sf_json_obj(sf_json *j, const char *key);   /* key NULL inside arrays/top */
void sf_json_arr(sf_json *j, const char *key);
void sf_json_end_obj(sf_json *j);
void sf_json_end_arr(sf_json *j);
void sf_json_num(sf_json *j, const char *key, double v);   /* NaN/inf -> null */
void sf_json_int(sf_json *j, const char *key, long long v);
void sf_json_str(sf_json *j, const char *key, const char *v);
void sf_json_bool(sf_json *j, const char *key, int v);
/* text, which must already be JSON (e.g. an emitted document), as the value. */
void sf_json_raw(sf_json *j, const char *key, const char *text);

/* Writes text to path through the temporary sibling .NAME.part, renamed when
 * complete; on failure removes it and fails (SF_ERR_IO) with the system's
 * reason. The one writer of the library's text files. */
sf_status sf_text_write_file(sf_context *ctx, const char *path, const char *text);

#endif
