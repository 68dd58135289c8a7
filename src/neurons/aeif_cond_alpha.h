/* Parameter indices of aeif_cond_alpha: the two aeif_cond models share one
 * parameter table, whose indices SF_AEIF_* are in src/neurons/aeif.h. */
#ifndef SF_NEURONS_AEIF_COND_ALPHA_H
#define SF_NEURONS_AEIF_COND_ALPHA_H

#include "neurons/aeif.h"

#endif
