/* spikefield predict / compare: wired to the theory module (src/theory). */
#include "cli/cli.h"

int cmd_predict(cli_opts *o)
{
    fprintf(stderr, "spikefield predict: the theory module is being built (issue 3)\n");
    return 1;
}

int cmd_compare(cli_opts *o)
{
    fprintf(stderr, "spikefield compare: the theory module is being built (issue 3)\n");
    return 1;
}
