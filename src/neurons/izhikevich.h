/* Parameter indices of izhikevich: the order of its parameter table. */
#ifndef SF_NEURONS_IZHIKEVICH_H
#define SF_NEURONS_IZHIKEVICH_H

enum {
    SF_IZHIKEVICH_A,
    SF_IZHIKEVICH_B,
    SF_IZHIKEVICH_C,
    SF_IZHIKEVICH_D,
    SF_IZHIKEVICH_I_E,
    SF_IZHIKEVICH_V_TH,
    SF_IZHIKEVICH_V_MIN,
    SF_IZHIKEVICH_CONSISTENT_INTEGRATION,
    SF_IZHIKEVICH_N_PARAMS
};

#endif
