/* Replays the fuzz target once on every input the project keeps: the fuzz
 * corpus with its past crashes (tests/fuzz/corpus/), the bad-input
 * catalogue (tests/cli/bad/) and the examples, or on the files named on the
 * command line. `make test` runs it in the normal and the ASan+UBSan build,
 * so every past finding stays a regression case without libFuzzer.
 * Run from the repository root; exits non-zero if no input was found. */
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    uint8_t *buf = malloc(1u << 20);
    size_t n = buf ? fread(buf, 1, 1u << 20, f) : 0;
    fclose(f);
    if (!buf)
        return 1;
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    printf("ok %s\n", path);
    return 0;
}

int main(int argc, char **argv)
{
    int bad = 0, n = 0;
    for (int i = 1; i < argc; i++, n++)
        bad |= replay(argv[i]);
    if (argc > 1)
        return bad;
    static const char *const dirs[] = {"tests/fuzz/corpus/*", "tests/cli/bad/*.yaml",
                                       "examples/*.yaml"};
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        glob_t g;
        if (glob(dirs[d], 0, NULL, &g) == 0)
            for (size_t i = 0; i < g.gl_pathc; i++, n++)
                bad |= replay(g.gl_pathv[i]);
        globfree(&g);
    }
    printf("%d inputs replayed\n", n);
    return bad || n < 60;
}
