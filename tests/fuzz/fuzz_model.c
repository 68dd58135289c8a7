/* Fuzz target for the model parser and the network estimate (libFuzzer).
 *
 * An input is a model text, optionally followed by a line "#--set" and then
 * one `--set path=value` per line, so the fuzzer explores --set paths too.
 * Every input must end in SF_OK or a clean error: no crash, no sanitizer
 * report, no leak, no hang. Built by `make fuzz` (clang, -fsanitize=fuzzer)
 * and, as a plain program that runs each corpus file once, by `make test`
 * (tests/fuzz/run_corpus.c).
 */
#include "spikefield/spikefield.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    const char *sets[16];
    int n_sets = 0;
    char *mark = strstr(text, "\n#--set\n");
    if (mark) {
        *mark = '\0';
        for (char *line = mark + 8; *line && n_sets < 16;) {
            char *end = strchr(line, '\n');
            if (end)
                *end = '\0';
            if (*line)
                sets[n_sets++] = line;
            if (!end)
                break;
            line = end + 1;
        }
    }
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    if (ctx && sf_model_load_string(ctx, text, "fuzz.yaml", sets, n_sets, &m) == SF_OK) {
        uint64_t bytes = 0;
        (void)sf_network_estimate(ctx, m, 2, &bytes);
        sf_model_destroy(m);
    }
    sf_context_destroy(ctx);
    free(text);
    return 0;
}
