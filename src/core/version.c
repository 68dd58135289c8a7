/* The library's version, and the git commit it was built from (the
 * Makefile passes SF_GIT_COMMIT to this file alone, and rebuilds it when
 * the commit changes), for the provenance of every output. */
#include "spikefield/core.h"

#ifndef SF_GIT_COMMIT
#define SF_GIT_COMMIT ""
#endif

const char *sf_version(void)
{
    return SF_VERSION_STRING;
}

int sf_version_number(void)
{
    return SF_VERSION_MAJOR * 10000 + SF_VERSION_MINOR * 100 + SF_VERSION_PATCH;
}

const char *sf_version_commit(void)
{
    return SF_GIT_COMMIT;
}
