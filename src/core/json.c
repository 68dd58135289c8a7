/* A minimal streaming JSON writer (json.h): the run summary; and the one
 * atomic writer of text files. */
#include "core/json.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

sf_status sf_text_write_file(sf_context *ctx, const char *path, const char *text)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 8);
    if (!tmp)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory writing %s", path);
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
    snprintf(tmp, n + 8, "%.*s.%s.part", (int)dir, path, path + dir);
    errno = 0;
    FILE *f = fopen(tmp, "w");
    int e = errno;
    if (f) {
        size_t len = strlen(text);
        bool ok = fwrite(text, 1, len, f) == len && fflush(f) == 0;
        e = ok ? 0 : errno;
        if (fclose(f) != 0 && !e)
            e = errno ? errno : EIO;
        if (!e && rename(tmp, path) != 0)
            e = errno;
        if (e)
            unlink(tmp);
    }
    free(tmp);
    if (!f || e)
        return sf_fail(ctx, SF_ERR_IO, "cannot write %s: %s", path, strerror(e ? e : EIO));
    return SF_OK;
}

/* s as a JSON string: quoted, '"' and '\' escaped, control characters as
 * \u00XX. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (const char *c = s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fputc('\\', f);
        if ((unsigned char)*c < 0x20)
            fprintf(f, "\\u%04x", (unsigned char)*c);
        else
            fputc(*c, f);
    }
    fputc('"', f);
}

static void sep(sf_json *j, const char *key)
{
    if (j->depth > 0) {
        if (!j->first[j->depth])
            fputc(',', j->f);
        j->first[j->depth] = 0;
        fputc('\n', j->f);
        for (int i = 0; i < j->depth; i++)
            fputs("  ", j->f);
    }
    if (key) {
        put_quoted(j->f, key);
        fputs(": ", j->f);
    }
}

void sf_json_begin(sf_json *j, FILE *f)
{
    j->f = f;
    j->depth = 0;
    j->first[0] = 1;
}

static void open_(sf_json *j, const char *key, char c)
{
    sep(j, key);
    fputc(c, j->f);
    j->depth++;
    j->first[j->depth] = 1;
}

static void close_(sf_json *j, char c)
{
    int empty = j->first[j->depth];
    j->depth--;
    if (!empty) {
        fputc('\n', j->f);
        for (int i = 0; i < j->depth; i++)
            fputs("  ", j->f);
    }
    fputc(c, j->f);
    if (j->depth == 0)
        fputc('\n', j->f);
}

void sf_json_obj(sf_json *j, const char *key) { open_(j, key, '{'); }
void sf_json_arr(sf_json *j, const char *key) { open_(j, key, '['); }
void sf_json_end_obj(sf_json *j) { close_(j, '}'); }
void sf_json_end_arr(sf_json *j) { close_(j, ']'); }

void sf_json_num(sf_json *j, const char *key, double v)
{
    sep(j, key);
    if (isfinite(v))
        fprintf(j->f, "%.10g", v);
    else
        fputs("null", j->f);
}

void sf_json_int(sf_json *j, const char *key, long long v)
{
    sep(j, key);
    fprintf(j->f, "%lld", v);
}

void sf_json_str(sf_json *j, const char *key, const char *v)
{
    sep(j, key);
    put_quoted(j->f, v ? v : "");
}

void sf_json_bool(sf_json *j, const char *key, int v)
{
    sep(j, key);
    fputs(v ? "true" : "false", j->f);
}

void sf_json_raw(sf_json *j, const char *key, const char *text)
{
    sep(j, key);
    fputs(text, j->f);
}
