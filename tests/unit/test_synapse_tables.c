/* The storage of static_synapse (src/synapses/static_synapse.c), driven by
 * hand through its descriptor: tables of chosen rows are stored, finished
 * and then read back (get) and delivered into a ring, against what the
 * test stored. The formats (u16 or delta-coded targets; a byte per delay
 * step or two per bucket) are chosen by the table's size; the expected
 * size of each format is counted here from the rows, after the rules the
 * file's header states, so a table that takes the wrong format, or a
 * decoder that reads a gap, an escape or a step wrong, fails here.
 * Rows cover: multapses (gap 0), gaps of exactly 254, 255, 256 and
 * several escapes, escapes at the start and the end of a row, empty rows
 * (first, inside, last), runs of 255 and more synapses of one delay,
 * delays that skip steps and steps over 255 (padding buckets), rows whose
 * targets do not ascend (kept u16), rows and runs with frequent escapes
 * (kept u16: the escape threshold of the file). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "network/network_impl.h"
#include "test_util.h"

#define MAXS 4096

/* one synapse as the test stores it */
typedef struct {
    uint16_t t, d;
    float w;
} syn;

typedef struct {
    uint32_t n_src, nb;
    uint32_t *row;
    syn *s;          /* in row order (the draw order within a row) */
    bool hw, hd;
    bool compact;    /* the parameter compact_delays (the nibble form allowed) */
    double w0, d0;   /* the constants when not drawn (ms; h = 1 ms) */
} rows;

static uint32_t lcg(uint32_t *x)
{
    *x = *x * 1664525u + 1013904223u;
    return *x >> 8;
}

/* ---- the sizes of the formats, counted from the rows ---- */

/* the row's synapses sorted stably by delay (hd), else as stored */
static void sorted_row(const rows *R, uint32_t r, syn *out)
{
    uint32_t n = R->row[r + 1] - R->row[r], m = 0;
    const syn *in = R->s + R->row[r];
    if (!R->hd) {
        memcpy(out, in, n * sizeof *in);
        return;
    }
    for (uint32_t d = 0; d < 65536 && m < n; d++)
        for (uint32_t j = 0; j < n; j++)
            if (in[j].d == d)
                out[m++] = in[j];
}

/* the row's runs: the groups of equal delay cut into pieces of at most
 * 255 after the format of the delays (steps: a count of 255 starts a new
 * run of the same delay, which may be empty; buckets: likewise, a piece
 * per 255, none empty). n_run[i], the count of run i. */
static uint32_t runs_of(const syn *v, uint32_t n, bool steps, uint32_t *n_run)
{
    uint32_t nr = 0, j = 0;
    while (j < n) {
        uint32_t e = j;
        while (e < n && v[e].d == v[j].d)
            e++;
        uint32_t c = e - j;
        if (steps) {
            for (; c >= 255; c -= 255)
                n_run[nr++] = 255;
            n_run[nr++] = c;
        } else {
            do {
                uint32_t m = c > 255 ? 255 : c;
                n_run[nr++] = m;
                c -= m;
            } while (c);
        }
        j = e;
    }
    return nr;
}

/* bytes of delta-coded targets of the table (UINT64_MAX: a run does not
 * ascend), runs after the delay format `steps` (or the whole row) */
static uint64_t t8_bytes(const rows *R, bool steps)
{
    static syn v[MAXS];
    static uint32_t nr[MAXS + 1];
    uint64_t b = 0;
    for (uint32_t r = 0; r < R->n_src; r++) {
        uint32_t n = R->row[r + 1] - R->row[r];
        sorted_row(R, r, v);
        uint32_t k = R->hd ? runs_of(v, n, steps, nr) : 1, x = 0;
        if (!R->hd)
            nr[0] = n;
        for (uint32_t q = 0; q < k; q++) {
            uint32_t t = 0;
            for (uint32_t j = 0; j < nr[q]; j++, x++) {
                if (v[x].t < t)
                    return UINT64_MAX;
                b += (v[x].t - t) / 255 + 1;
                t = v[x].t;
            }
        }
    }
    return b;
}

/* bytes of the step form and number of buckets (drawn delays) */
static void delay_bytes(const rows *R, uint64_t *st, uint64_t *nbk)
{
    uint32_t dbase = 65535;
    for (uint32_t x = 0; x < R->row[R->n_src]; x++)
        if (R->s[x].d < dbase)
            dbase = R->s[x].d;
    static syn v[MAXS];
    *st = *nbk = 0;
    for (uint32_t r = 0; r < R->n_src; r++) {
        uint32_t n = R->row[r + 1] - R->row[r], j = 0, cur = dbase, prev = 0;
        sorted_row(R, r, v);
        while (j < n) {
            uint32_t e = j;
            while (e < n && v[e].d == v[j].d)
                e++;
            uint32_t c = e - j, D = v[j].d;
            *st += (D - cur) + c / 255 + 1; /* empty steps, 255s, the count */
            cur = D + 1;
            for (uint32_t step = D - prev; step > 255; step -= 255)
                ++*nbk; /* padding */
            *nbk += (c + 254) / 255;
            prev = D;
            j = e;
        }
    }
}

/* ---- the table through the descriptor ---- */

typedef struct {
    sf_syn_table T;
    sf_projection p;
} table;

static void build(table *tb, const rows *R)
{
    memset(tb, 0, sizeof *tb);
    sf_projection *p = &tb->p;
    p->weight = (sf_dist){R->hw ? SF_DIST_NORMAL : SF_DIST_CONST, R->w0, R->hw ? 0.1 : 0.0,
                          -INFINITY, INFINITY, false};
    p->delay = (sf_dist){R->hd ? SF_DIST_UNIFORM : SF_DIST_CONST, R->d0, R->hd ? 9.0 : 0.0,
                         -INFINITY, INFINITY, false};
    static double on = 1.0, off = 0.0;
    p->syn_params = R->compact ? &on : &off;
    sf_syn_table *T = &tb->T;
    T->syn = &sf_synapse_static;
    T->n_src = R->n_src;
    T->row = R->row;
    T->n_syn = R->row[R->n_src];
    assert_true(T->syn->create(T, p, 1.0));
    /* stored in a scattered order, as the builder does: odd places first */
    const uint32_t n = (uint32_t)T->n_syn;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t x = (uint32_t)pass ^ 1u; x < n; x += 2) {
            uint32_t at = x;
            uint16_t t = R->s[x].t, d = R->s[x].d;
            double w = R->s[x].w;
            T->syn->store(T, 1, &at, &t, &w, &d);
        }
    assert_true(T->syn->finish(T));
}

/* get in order, backwards and in a random order, against the stored rows
 * sorted stably by delay (draw: as stored, the nibble form) */
static void check_get(const table *tb, const rows *R, bool draw)
{
    const sf_syn_table *T = &tb->T;
    static syn v[MAXS];
    const uint32_t n = (uint32_t)T->n_syn;
    syn *want = malloc((n ? n : 1) * sizeof *want);
    assert_non_null(want);
    for (uint32_t r = 0; r < R->n_src; r++) {
        if (draw)
            memcpy(v, R->s + R->row[r], (R->row[r + 1] - R->row[r]) * sizeof *v);
        else
            sorted_row(R, r, v);
        memcpy(want + R->row[r], v, (R->row[r + 1] - R->row[r]) * sizeof *v);
    }
    uint32_t seed = 7;
    for (int order = 0; order < 3; order++)
        for (uint32_t i = 0; i < n; i++) {
            uint32_t x = order == 0 ? i : order == 1 ? n - 1 - i : lcg(&seed) % n;
            uint16_t t, d;
            double w;
            T->syn->get(T, x, &t, &w, &d);
            if (t != want[x].t || d != (R->hd ? want[x].d : (uint16_t)R->d0) ||
                w != (R->hw ? (double)want[x].w : (double)(float)R->w0))
                fail_msg("get(%u) (order %d): target %u delay %u weight %g, stored %u %u %g", x,
                         order, t, d, w, want[x].t, R->hd ? want[x].d : (unsigned)R->d0,
                         R->hw ? (double)want[x].w : R->w0);
        }
    free(want);
}

/* every source spikes (amplitude am) at step k: the ring against the sums
 * of the stored synapses, added in spike order, then row (draw) order, in
 * the ring's accumulator type (network/acc.h). The ring starts from values
 * in [4, 8) with a full mantissa, where each add of a drawn weight (0.1 ..
 * 1.1 with a full mantissa) rounds: an add in another order, a sum formed
 * in another type or a store instead of an add changes bits and fails. */
static void check_deliver(const table *tb, const rows *R, float am)
{
    const uint32_t slots = 1024, nb = R->nb;
    const int mask = (int)slots - 1;
    const int64_t k = 1000; /* arrivals wrap around the ring */
    const size_t len = (size_t)slots * nb;
    sf_acc *ring = malloc(len * sizeof *ring);
    sf_acc *want = malloc(len * sizeof *want);
    uint32_t *src = malloc(2 * R->n_src * sizeof *src);
    float *amp = malloc(2 * R->n_src * sizeof *amp);
    assert_true(ring && want && src && amp);
    uint32_t seed = 11;
    for (size_t i = 0; i < len; i++)
        ring[i] = want[i] = (sf_acc)(4.0 + 4.0 * (lcg(&seed) & 0xffffff) / 16777216.0 + 1e-9);
    uint32_t ns = 0;
    for (uint32_t r = 0; r < R->n_src; r++) /* every row, then the even ones again */
        src[ns] = r, amp[ns++] = am;
    for (uint32_t r = 0; r < R->n_src; r += 2)
        src[ns] = r, amp[ns++] = am;
    for (uint32_t a = 0; a < ns; a++)
        for (uint32_t x = R->row[src[a]]; x < R->row[src[a] + 1]; x++) {
            const syn *y = &R->s[x];
            uint32_t d = R->hd ? y->d : (uint32_t)R->d0;
            const float w = R->hw ? y->w : (float)R->w0;
            const sf_acc v = (sf_acc)(w * amp[a]); /* exact: amp is 1 or -0.5 */
            sf_acc *to = &want[(size_t)((k + d) & mask) * nb + y->t];
            *to = *to + v;
        }
    sf_block b;
    memset(&b, 0, sizeof b);
    b.n = nb;
    b.n_ports = 1;
    b.ring = ring;
    tb->T.syn->deliver(&tb->T, &b, k, mask, src, amp, ns);
    for (size_t i = 0; i < len; i++)
        if (memcmp(&ring[i], &want[i], sizeof *ring))
            fail_msg("ring slot %zu target %zu: %.17g, want %.17g (amplitude %g)", i / nb,
                     i % nb, (double)ring[i], (double)want[i], am);
    free(ring);
    free(want);
    free(src);
    free(amp);
}

/* the bytes the table should take: the smaller target format (t8 needs
 * ascending runs) and delay format, from the rows */
/* the bytes of the nibble form (rows in draw order, delta bytes over the
 * whole row, half a byte per byte for the delay), or -1 where it does not
 * apply: delays spanning more than 16 steps, a row that descends, more
 * than one escape in 64 synapses */
static double nib_bytes(const rows *R)
{
    const uint32_t n = R->row[R->n_src];
    if (!R->hd || !n || !R->compact)
        return -1.0;
    uint32_t dmin = 65535, dmax = 0;
    for (uint32_t x = 0; x < n; x++) {
        dmin = R->s[x].d < dmin ? R->s[x].d : dmin;
        dmax = R->s[x].d > dmax ? R->s[x].d : dmax;
    }
    if (dmax - dmin + 1 > 16)
        return -1.0;
    uint64_t bytes = 0;
    for (uint32_t r = 0; r < R->n_src; r++)
        for (uint32_t x = R->row[r], t = 0; x < R->row[r + 1]; t = R->s[x++].t) {
            if (R->s[x].t < t)
                return -1.0;
            bytes += 1 + (R->s[x].t - t) / 255;
        }
    if ((bytes - n) * 64 > n)
        return -1.0;
    return (double)bytes + (double)((bytes + 1) / 2) + 4.0 * (R->n_src + 1.0) + (R->hw ? 4.0 * n : 0.0);
}

static double want_bytes(const rows *R, bool *t8, bool *steps)
{
    const double n = R->row[R->n_src], offs = 4.0 * (R->n_src + 1.0);
    double b = R->hw ? 4.0 * n : 0.0;
    *steps = false;
    if (R->hd) {
        uint64_t st, nbk;
        delay_bytes(R, &st, &nbk);
        *steps = st <= 2 * nbk;
        b += offs + (*steps ? (double)st : 2.0 * nbk);
    }
    uint64_t b8 = t8_bytes(R, *steps);
    /* only where at most 1 synapse in 64 needs an escape */
    *t8 = b8 != UINT64_MAX && n > 0 && (double)b8 + offs < 2.0 * n && (double)(b8 - n) * 64.0 <= n;
    return b + (*t8 ? (double)b8 + offs : 2.0 * n);
}

/* want_tn: the nibble form is the smallest (else the forms above) */
static void check_table_f(const rows *R, bool want_t8, bool want_steps, bool want_tn)
{
    bool t8, steps;
    double wb = want_bytes(R, &t8, &steps), nb = nib_bytes(R);
    const bool tn = nb >= 0.0 && nb < wb;
    assert_true(t8 == want_t8);         /* the case is the one meant */
    assert_true(steps == want_steps);
    assert_true(tn == want_tn);
    if (tn)
        wb = nb;
    table tb;
    build(&tb, R);
    double got = tb.T.syn->table_bytes(&tb.T);
    if (got != wb)
        fail_msg("table bytes %.0f, want %.0f (t8 %d, steps %d, tn %d)", got, wb, t8, steps, tn);
    check_get(&tb, R, tn);
    check_deliver(&tb, R, 1.0f);
    check_deliver(&tb, R, -0.5f);
    tb.T.syn->destroy(&tb.T);
}

static void check_table(const rows *R, bool want_t8, bool want_steps)
{
    check_table_f(R, want_t8, want_steps, false);
}

/* rows from lists of targets (-1 ends a row, -2 ends the table) */
static void rows_from(rows *R, const int *list, uint32_t nb, bool hw, bool hd, uint32_t *seed)
{
    memset(R, 0, sizeof *R);
    R->nb = nb;
    R->hw = hw, R->hd = hd, R->w0 = 0.25, R->d0 = 3.0;
    R->row = calloc(MAXS, sizeof *R->row);
    R->s = calloc(MAXS, sizeof *R->s);
    uint32_t n = 0;
    for (const int *l = list; *l != -2; l++) {
        if (*l == -1) {
            R->row[++R->n_src] = n;
            continue;
        }
        R->s[n].t = (uint16_t)*l;
        R->s[n].d = (uint16_t)(2 + lcg(seed) % 5);
        R->s[n].w = (float)(0.1 + (lcg(seed) % 1000) * 1e-3);
        n++;
    }
}

static void rows_free(rows *R)
{
    free(R->row);
    free(R->s);
}

/* Constant weights and delays: delta bytes for dense rows, with every kind
 * of gap and escape; u16 for sparse rows and for rows that descend. */
static void test_targets_one_and_two_bytes(void **state)
{
    (void)state;
    static int dense[MAXS];
    int *l = dense;
    const int head[] = {-1,                                          /* empty first row */
                        0, 0, 254, 509, 765, 1020, 1020, 2999, -1,   /* 0, 254, 255, 256, escapes */
                        -1,                                          /* empty */
                        255, -1,                                     /* escape at the start */
                        254, -1,                                     /* byte 255, no escape */
                        510, 2999, -1};                              /* escapes at start and end */
    memcpy(l, head, sizeof head);
    l += sizeof head / sizeof *head;
    for (int t = 0; t < 2000; t++)
        *l++ = t % 3 == 2 ? t - 1 : t; /* dense, with multapses */
    *l++ = -1;
    *l++ = -1; /* empty last row */
    *l = -2;
    uint32_t seed = 1;
    rows R;
    for (int hw = 0; hw < 2; hw++) {
        rows_from(&R, dense, 3000, hw, false, &seed);
        check_table(&R, true, false);
        rows_free(&R);
    }
    const int sparse[] = {0, 2999, -1, 1500, -1, -1, 100, 2900, -1, -2};
    rows_from(&R, sparse, 3000, false, false, &seed);
    check_table(&R, false, false);
    rows_free(&R);
    /* smaller in delta bytes (1.2 per synapse), but a fifth of the synapses
     * need an escape: u16 */
    static int esc[MAXS];
    l = esc;
    for (int r = 0; r < 10; r++) {
        for (int t = r, j = 0; t < 3000; t += ++j % 5 ? 2 : 300)
            *l++ = t;
        *l++ = -1;
    }
    *l = -2;
    rows_from(&R, esc, 3000, false, false, &seed);
    check_table(&R, false, false);
    rows_free(&R);
    static int desc[MAXS];
    for (int t = 0; t < 300; t++)
        desc[t] = 299 - t;
    desc[300] = -1, desc[301] = -2;
    rows_from(&R, desc, 3000, true, false, &seed);
    check_table(&R, false, false);
    rows_free(&R);
}

/* Drawn weights and delays: step bytes where delays are few (a group of
 * more than 255, empty steps, a row starting above the smallest delay),
 * buckets where short rows spread their delays (steps over 255). */
static void test_delay_steps_and_buckets(void **state)
{
    (void)state;
    uint32_t seed = 3;
    static int list[MAXS];
    int *l = list;
    for (int j = 0; j < 700; j++) /* ascending, multapses, ~400 of delay 4 */
        *l++ = j / 2;
    *l++ = -1;
    *l++ = -1;
    *l++ = 2999, *l++ = -1;
    for (int j = 0; j < 60; j++)
        *l++ = 40 * j;
    *l++ = -1;
    *l = -2;
    rows R;
    rows_from(&R, list, 3000, true, true, &seed);
    for (uint32_t x = 0; x < R.row[1]; x++)
        if (x % 2)
            R.s[x].d = 4; /* with the draws, more than 255 of delay 4 */
    for (uint32_t x = R.row[3]; x < R.row[4]; x++)
        R.s[x].d = 5 + (x % 2); /* this row starts two steps above dbase */
    check_table(&R, true, true);
    rows_free(&R);
    /* exactly 255 of one delay (a 255 byte, then an empty run), then the next */
    l = list;
    for (int j = 0; j < 255 + 40; j++)
        *l++ = j;
    *l++ = -1;
    *l = -2;
    rows_from(&R, list, 3000, true, true, &seed);
    for (uint32_t x = 0; x < R.row[1]; x++)
        R.s[x].d = x < 255 ? 2 : 3;
    check_table(&R, true, true);
    rows_free(&R);
    /* short rows, delays far apart: buckets (steps of 599: padding) */
    l = list;
    for (int r = 0; r < 40; r++) {
        *l++ = r;
        *l++ = 2000 + r;
        *l++ = -1;
    }
    *l = -2;
    rows_from(&R, list, 3000, true, true, &seed);
    for (uint32_t r = 0; r < R.n_src; r++) {
        R.s[R.row[r]].d = 1;
        R.s[R.row[r] + 1].d = (uint16_t)(r % 2 ? 600 : 200);
    }
    check_table(&R, false, false);
    rows_free(&R);
    /* runs spread over the block: delta bytes would be smaller, but a fifth
     * of the synapses need an escape: u16 */
    l = list;
    for (int r = 0; r < 20; r++) {
        for (int j = 0; j < 100; j++)
            *l++ = (j * 293 + r) % 2950;
        *l++ = -1;
    }
    *l = -2;
    rows_from(&R, list, 3000, true, true, &seed);
    for (uint32_t x = 0; x < R.row[R.n_src]; x++)
        R.s[x].d = (uint16_t)(2 + (R.s[x].t * 7 / 3000) % 4);
    for (uint32_t r = 0; r < R.n_src; r++) /* each delay's targets ascending: sorted rows */
        for (uint32_t i = R.row[r] + 1; i < R.row[r + 1]; i++)
            for (uint32_t j = i; j > R.row[r] && R.s[j - 1].t > R.s[j].t; j--) {
                syn tmp = R.s[j];
                R.s[j] = R.s[j - 1];
                R.s[j - 1] = tmp;
            }
    check_table_f(&R, false, true, false);
    /* with compact_delays: whole rows ascend with gaps of ~30 and 4 delays,
     * the nibble form */
    R.compact = true;
    check_table_f(&R, false, true, true);
    rows_free(&R);
    /* dense rows, delays far apart: buckets, delta-coded targets */
    l = list;
    for (int r = 0; r < 3; r++) {
        for (int j = 0; j < 400; j++)
            *l++ = j;
        *l++ = -1;
    }
    *l = -2;
    rows_from(&R, list, 3000, true, true, &seed);
    for (uint32_t x = 0; x < R.row[R.n_src]; x++)
        R.s[x].d = (uint16_t)(x % 2 ? 900 : 1);
    check_table(&R, true, false);
    rows_free(&R);
}

/* rows of ~300 synapses over 3000 targets with 16 delays (2 .. 17, both
 * present): a run of one delay has gaps of ~160, a fifth escapes, so the
 * other forms keep u16 targets and the nibble form (gaps of ~10 over the
 * whole row) is the smallest. Rows of odd and even byte lengths (a row
 * starting at an odd byte), empty rows first, inside and last, one
 * synapse alone, multapses, gaps of 254, 255, 256, 510, escapes at the
 * start and the end of a row. esc false: no escape at all. */
static void nib_rows(rows *R, bool hw, bool esc, uint32_t *seed)
{
    static int list[MAXS];
    int *l = list;
    *l++ = -1; /* empty first row */
    for (int r = 0; r < 9; r++) {
        if (esc && r == 2)
            *l++ = 600;                 /* two escapes at the start */
        if (r == 4)
            *l++ = esc ? 1500 : 200, *l++ = -1; /* a row of one synapse, then an empty row */
        if (r == 4)
            *l++ = -1;
        for (int t = esc && r == 2 ? 601 : r; t < 2990; t += 1 + (int)(lcg(seed) % 19)) {
            *l++ = t;
            if (t % 97 == 0)
                *l++ = t; /* multapse */
        }
        *l++ = -1;
    }
    if (esc) { /* gaps 254, 255, 256, 510 and an escape at the end */
        const int g[] = {0, 254, 509, 765, 1275, 2999, -1};
        memcpy(l, g, sizeof g);
        l += sizeof g / sizeof *g;
    }
    *l++ = -1; /* empty last row */
    *l = -2;
    rows_from(R, list, 3000, hw, true, seed);
    R->compact = true;
    for (uint32_t x = 0; x < R->row[R->n_src]; x++)
        R->s[x].d = (uint16_t)(2 + lcg(seed) % 16);
    R->s[0].d = 2, R->s[1].d = 17;
}

/* Drawn delays of at most 16 steps: the nibble form, its reading back and
 * delivery (constant and drawn weights, amplitudes 1 and -0.5, with and
 * without escapes); not where the delays span 17 steps, a row descends or
 * escapes are frequent. */
static void test_nibble_delays(void **state)
{
    (void)state;
    uint32_t seed = 11;
    rows R;
    for (int hw = 0; hw < 2; hw++)
        for (int esc = 0; esc < 2; esc++) {
            nib_rows(&R, hw, esc, &seed);
            uint32_t odd = 0;
            for (uint32_t r = 0; r < R.n_src; r++)
                odd += (R.row[r + 1] - R.row[r]) % 2;
            assert_true(odd > 0); /* some row starts at an odd byte */
            check_table_f(&R, false, true, true);
            R.compact = false; /* without the parameter: steps and u16 */
            check_table_f(&R, false, true, false);
            rows_free(&R);
        }
    nib_rows(&R, true, true, &seed); /* 17 steps */
    R.s[2].d = 18;
    check_table_f(&R, false, true, false);
    rows_free(&R);
    nib_rows(&R, true, false, &seed); /* a row descends */
    {
        syn tmp = R.s[R.row[3]];
        R.s[R.row[3]] = R.s[R.row[3] + 1];
        R.s[R.row[3] + 1] = tmp;
    }
    check_table_f(&R, false, true, false);
    rows_free(&R);
    /* a twentieth of the synapses after an escape: not the nibble form */
    static int list[MAXS];
    int *l = list;
    for (int r = 0; r < 10; r++) {
        for (int t = r, j = 0; t < 3000; t += ++j % 20 ? 9 : 300)
            *l++ = t;
        *l++ = -1;
    }
    *l = -2;
    rows_from(&R, list, 3000, true, true, &seed);
    R.compact = true;
    for (uint32_t x = 0; x < R.row[R.n_src]; x++)
        R.s[x].d = (uint16_t)(2 + lcg(&seed) % 16);
    check_table_f(&R, false, true, false);
    rows_free(&R);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_targets_one_and_two_bytes),
        cmocka_unit_test(test_delay_steps_and_buckets),
        cmocka_unit_test(test_nibble_delays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
