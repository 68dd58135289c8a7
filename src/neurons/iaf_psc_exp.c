/* iaf_psc_exp: leaky integrate-and-fire neuron with exponentially decaying
 * synaptic currents (NEST's model of the same name and parameters).
 *
 *   tau_m dV/dt = -(V - E_L) + tau_m/C_m (I_ex + I_in + I_e + I_dc)
 *   tau_syn_ex dI_ex/dt = -I_ex,  tau_syn_in dI_in/dt = -I_in,
 *   an input spike of weight w (pA) makes I_ex (w > 0) or I_in (w < 0) jump by w.
 * Exact integration (Rotter & Diesmann 1999), per step h, in NEST's order:
 *   y <- P22 y + P21ex I_ex + P21in I_in + P20 (I_e + I_dc)   (not refractory)
 *   I_x <- P11x I_x + (input of this step)
 * with P22 = e^{-h/tau_m}, P11x = e^{-h/tau_syn_x}, P20 = tau_m/C_m (1 - P22)
 * and P21x the current-to-voltage propagator (propagator.h), which is exact
 * also in the singular case tau_syn_x = tau_m. During the refractory period V
 * is held at V_reset while the synaptic currents go on integrating input.
 *
 * State: [0] V_m (relative to E_L), [1] I_syn_ex, [2] I_syn_in,
 *        [3] remaining refractory steps. */
#include "neurons/propagator.h"
#include "model/model_impl.h"
#include "neurons/iaf_psc_exp.h"

#include <stdio.h>


static const sf_param_spec params[SF_IAF_PSC_EXP_N_PARAMS] = {
    [SF_IAF_PSC_EXP_E_L] = {"E_L", "mV", -70.0, -1e6, 1e6, false, "resting potential"},
    [SF_IAF_PSC_EXP_C_M] = {"C_m", "pF", 250.0, 0.0, 1e9, true, "membrane capacitance"},
    [SF_IAF_PSC_EXP_TAU_M] = {"tau_m", "ms", 10.0, 0.0, 1e9, true, "membrane time constant"},
    [SF_IAF_PSC_EXP_TAU_SYN_EX] = {"tau_syn_ex", "ms", 2.0, 0.0, 1e9, true,
                    "time constant of the excitatory synaptic current"},
    [SF_IAF_PSC_EXP_TAU_SYN_IN] = {"tau_syn_in", "ms", 2.0, 0.0, 1e9, true,
                    "time constant of the inhibitory synaptic current"},
    [SF_IAF_PSC_EXP_T_REF] = {"t_ref", "ms", 2.0, 0.0, 1e9, false, "absolute refractory period"},
    [SF_IAF_PSC_EXP_V_TH] = {"V_th", "mV", -55.0, -1e6, 1e6, false, "spike threshold"},
    [SF_IAF_PSC_EXP_V_RESET] = {"V_reset", "mV", -70.0, -1e6, 1e6, false, "reset potential"},
    [SF_IAF_PSC_EXP_I_E] = {"I_e", "pA", 0.0, -1e9, 1e9, false, "constant external current"},
};
static const char *const state_names[] = {"V_m", "I_syn_ex", "I_syn_in", "refractory_steps"};
static const char *const state_units[] = {"mV", "pA", "pA", ""};
enum { PORT_EX, PORT_IN }; /* receptor ports: input[PORT_EX], input[PORT_IN] */

typedef struct {
    double p22, p20, p21ex, p21in, p11ex, p11in, ref_steps, v_th, v_reset;
} derived;

static bool check(const double *p, char *msg, size_t len)
{
    return sf_prop_check_reset(p[SF_IAF_PSC_EXP_V_RESET], p[SF_IAF_PSC_EXP_V_TH], msg, len);
}

static void prepare(const double *p, double h, void *out)
{
    derived *d = out;
    d->p22 = exp(-h / p[SF_IAF_PSC_EXP_TAU_M]);
    d->p20 = sf_prop_p20(p[SF_IAF_PSC_EXP_TAU_M], p[SF_IAF_PSC_EXP_C_M], h);
    d->p21ex = sf_prop_p21(p[SF_IAF_PSC_EXP_TAU_SYN_EX], p[SF_IAF_PSC_EXP_TAU_M], p[SF_IAF_PSC_EXP_C_M], h);
    d->p21in = sf_prop_p21(p[SF_IAF_PSC_EXP_TAU_SYN_IN], p[SF_IAF_PSC_EXP_TAU_M], p[SF_IAF_PSC_EXP_C_M], h);
    d->p11ex = exp(-h / p[SF_IAF_PSC_EXP_TAU_SYN_EX]);
    d->p11in = exp(-h / p[SF_IAF_PSC_EXP_TAU_SYN_IN]);
    d->ref_steps = sf_prop_steps(p[SF_IAF_PSC_EXP_T_REF], h);
    d->v_th = p[SF_IAF_PSC_EXP_V_TH] - p[SF_IAF_PSC_EXP_E_L];
    d->v_reset = p[SF_IAF_PSC_EXP_V_RESET] - p[SF_IAF_PSC_EXP_E_L];
}

static void init_state(const double *p, double *const *s, size_t n)
{
    for (int k = 0; k < 4; k++)
        for (size_t i = 0; i < n; i++)
            s[k][i] = 0.0;
}

/* One neuron's step (NEST's order; the scalar path and the tail of the
 * vector path). */
static inline bool step1(const derived *d, double drive, double ixp, double *v, double *iex,
                         double *iin, double *r, double in_ex, double in_in)
{
    if (*r == 0.0)
        *v = d->p22 * *v + d->p21ex * *iex + d->p21in * *iin + drive + ixp;
    else
        *r -= 1.0;
    *iex = d->p11ex * *iex + in_ex;
    *iin = d->p11in * *iin + in_in;
    return sf_prop_fire(v, r, d->v_th, d->v_reset, d->ref_steps);
}

#ifdef __AVX2__
#include <immintrin.h>
/* Four neurons at a time, branch-free: the refractory clamp and the
 * threshold as selects, with the same operations in the same order on the
 * same values as step1 (no fused multiply-add: separate mul and add, as
 * -std=c11 compiles step1), so the same bits. ix: per-neuron current or
 * NULL (then + 0.0, as step1 adds). */
static size_t update4(const derived *d, double drive, size_t n, double *restrict v,
                      double *restrict iex, double *restrict iin, double *restrict r,
                      const double *restrict in_ex, const double *restrict in_in,
                      const double *restrict ix, uint32_t *spikes, size_t *done)
{
    const __m256d p22 = _mm256_set1_pd(d->p22), p21ex = _mm256_set1_pd(d->p21ex),
                  p21in = _mm256_set1_pd(d->p21in), p11ex = _mm256_set1_pd(d->p11ex),
                  p11in = _mm256_set1_pd(d->p11in), p20 = _mm256_set1_pd(d->p20),
                  dr = _mm256_set1_pd(drive), zero = _mm256_setzero_pd(),
                  one = _mm256_set1_pd(1.0), vth = _mm256_set1_pd(d->v_th),
                  vres = _mm256_set1_pd(d->v_reset), refs = _mm256_set1_pd(d->ref_steps);
    size_t ns = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m256d v0 = _mm256_loadu_pd(v + i), r0 = _mm256_loadu_pd(r + i),
                      ie = _mm256_loadu_pd(iex + i), ii = _mm256_loadu_pd(iin + i);
        __m256d vn = _mm256_add_pd(_mm256_mul_pd(p22, v0), _mm256_mul_pd(p21ex, ie));
        vn = _mm256_add_pd(vn, _mm256_mul_pd(p21in, ii));
        vn = _mm256_add_pd(vn, dr);
        vn = _mm256_add_pd(vn, ix ? _mm256_mul_pd(p20, _mm256_loadu_pd(ix + i)) : zero);
        const __m256d ref = _mm256_cmp_pd(r0, zero, _CMP_NEQ_UQ); /* not r == 0 */
        const __m256d v1 = _mm256_blendv_pd(vn, v0, ref);
        const __m256d r1 = _mm256_blendv_pd(r0, _mm256_sub_pd(r0, one), ref);
        _mm256_storeu_pd(iex + i, _mm256_add_pd(_mm256_mul_pd(p11ex, ie), _mm256_loadu_pd(in_ex + i)));
        _mm256_storeu_pd(iin + i, _mm256_add_pd(_mm256_mul_pd(p11in, ii), _mm256_loadu_pd(in_in + i)));
        const __m256d fire = _mm256_cmp_pd(v1, vth, _CMP_GE_OQ);
        _mm256_storeu_pd(v + i, _mm256_blendv_pd(v1, vres, fire));
        _mm256_storeu_pd(r + i, _mm256_blendv_pd(r1, refs, fire));
        for (unsigned bits = (unsigned)_mm256_movemask_pd(fire); bits; bits &= bits - 1)
            spikes[ns++] = (uint32_t)(i + (size_t)__builtin_ctz(bits));
    }
    *done = i;
    return ns;
}
#endif

static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                     double *const *input, double i_dc, uint32_t *spikes,
                     const sf_step *step)
{
    const derived *d = dv;
    double *restrict v = s[0], *restrict iex = s[1], *restrict iin = s[2], *restrict r = s[3];
    const double *restrict in_ex = input[PORT_EX], *restrict in_in = input[PORT_IN];
    const double drive = d->p20 * (p[SF_IAF_PSC_EXP_I_E] + i_dc);
    const double *restrict ix = step->i_ext; /* per-neuron current, or NULL */
    size_t ns = 0, i = 0;
#ifdef __AVX2__
    ns = update4(d, drive, n, v, iex, iin, r, in_ex, in_in, ix, spikes, &i);
#endif
    for (; i < n; i++)
        if (step1(d, drive, ix ? d->p20 * ix[i] : 0.0, v + i, iex + i, iin + i, r + i, in_ex[i],
                  in_in[i]))
            spikes[ns++] = (uint32_t)i;
    return ns;
}

static const sf_receptor_port ports[] = {
    [PORT_EX] = {"ex", SF_IAF_PSC_EXP_TAU_SYN_EX, +1, "excitatory current I_syn_ex (weights >= 0)"},
    [PORT_IN] = {"in", SF_IAF_PSC_EXP_TAU_SYN_IN, -1, "inhibitory current I_syn_in (weights <= 0)"},
};


const sf_neuron_type sf_iaf_psc_exp = {
    .name = "iaf_psc_exp",
    .doc = "Leaky integrate-and-fire neuron with exponentially decaying synaptic "
           "currents (weights in pA; ports ex and in, chosen by the sign of the "
           "weight unless a receptor is named: w >= 0 ex, w < 0 in), exact "
           "integration including tau_syn = tau_m, absolute refractory period during "
           "which V is clamped while synaptic currents integrate input. As NEST iaf_psc_exp.",
    .params = params,
    .n_params = SF_IAF_PSC_EXP_N_PARAMS,
    .state_names = state_names,
    .state_units = state_units,
    .n_state = 4,
    .ports = ports,
    .n_ports = 2,
    .default_port = sf_prop_port_by_sign,
    .v_offset_param = SF_IAF_PSC_EXP_E_L,
    .weight_unit = "pA",
    .max_spikes_per_step = 1,
    .derived_size = sizeof(derived),
    .derived_finite = sizeof(derived) / sizeof(double),
    .check = check,
    .prepare = prepare,
    .init_state = init_state,
    .update = update,
};
