/* spikefield: the whole public C API in one include.
 *
 *     #include <spikefield/spikefield.h>
 *     cc prog.c $(pkg-config --cflags --libs spikefield)
 *
 * One header per module: core (status, context, random streams, version),
 * model (load, build by calls, query), network (build, run, recordings),
 * analysis (spike-train and signal statistics), theory and theory_corr
 * (mean-field and correlation theory), predict and compare (the theory of a
 * model as named quantities, and their comparison with a simulation).
 * docs/api.md describes ownership, threading and errors.
 */
#ifndef SPIKEFIELD_H
#define SPIKEFIELD_H

#include "spikefield/core.h"
#include "spikefield/model.h"
#include "spikefield/network.h"
#include "spikefield/checkpoint.h"
#include "spikefield/mpi.h"
#include "spikefield/analysis.h"
#include "spikefield/theory.h"
#include "spikefield/compare.h"
#include "spikefield/predict.h"
#include "spikefield/field.h"
#include "spikefield/ising.h"

#endif
