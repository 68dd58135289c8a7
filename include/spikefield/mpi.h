/* spikefield on several processes (MPI, docs/scaling.md).
 *
 * With the library built with `make MPI=1` (Debian's OpenMPI), a network
 * built by sf_network_build_part for process `rank` of `ranks` holds only
 * its share of the neurons (the block scheme, cut for ranks x threads
 * threads) and the synapse tables of its own targets, drawn from the same
 * counter-based streams, so the network, and the spikes, are those of one
 * process. sf_engine_run exchanges each communication interval's spikes with
 * MPI_Allgatherv; every process records all spikes, and the traces are
 * gathered on rank 0, which writes the files. Without MPI (the default
 * build) these functions say there is one process.
 *
 * MPI is process-wide state: sf_mpi_init once at the start of main (before
 * any thread is made), sf_mpi_finalize at its end.
 */
#ifndef SPIKEFIELD_MPI_H
#define SPIKEFIELD_MPI_H

#include "spikefield/core.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Initialises MPI (MPI_Init_thread, funnelled); 0 on success. Without MPI a
 * no-op returning 0. */
SF_API int sf_mpi_init(int *argc, char ***argv);
SF_API void sf_mpi_finalize(void);
/* Ends every process with status code (MPI_Abort): a failure of one
 * process that the others cannot see. Without MPI: nothing. */
SF_API void sf_mpi_abort(int code);
/* This process's rank and the number of processes (0 and 1 without MPI). */
SF_API int sf_mpi_rank(void);
SF_API int sf_mpi_size(void);
/* Whether the library was built with MPI. */
SF_API bool sf_mpi_enabled(void);

#ifdef __cplusplus
}
#endif
#endif
