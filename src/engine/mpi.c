/* Several processes (MPI; include/spikefield/mpi.h, docs/scaling.md).
 *
 * Built with MPI only when SF_MPI is defined (`make MPI=1`); otherwise the
 * public functions say there is one process and the engine never calls the
 * exchange (a network of one process has vthreads == threads).
 *
 * The exchange, once per communication interval (slice): every process
 * sends, for each of its threads in order, the thread's block offsets
 * (soff: slice x blocks + 1 u32) followed by its spike ids (u32) and event
 * amplitudes (f32), and a flag word (bit 0: stop; above: the checkpoint this
 * process wants after the slice, sf_ckpt_due's value, since a wall-clock
 * interval can fall due on one process only: every process takes the
 * largest, so all checkpoint the same slice); MPI_Allgather of the byte counts, then
 * MPI_Allgatherv of the bytes, unpacked into the thread states of the other
 * processes. Every process then holds the spike lists of all vthreads in
 * the canonical order (step, population, thread, block), so delivery and
 * recording read them exactly as with threads alone: the floating-point sums
 * in the ring buffers, and the spikes, are those of one process.
 *
 * Invariant: the exchange is collective and every process calls it in
 * every slice; the decisions that end the loop (stop) come from its flag,
 * identical everywhere, so no process leaves the loop alone.
 */
#include "engine/engine_impl.h"
#include "spikefield/mpi.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef SF_MPI
#include <mpi.h>

static int g_inited = 0; /* this library called MPI_Init */

int sf_mpi_init(int *argc, char ***argv)
{
    int done = 0;
    MPI_Initialized(&done);
    if (done)
        return 0;
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return -1;
    g_inited = 1;
    return 0;
}

void sf_mpi_finalize(void)
{
    int fin = 0;
    MPI_Finalized(&fin);
    if (g_inited && !fin)
        MPI_Finalize();
    g_inited = 0;
}

void sf_mpi_abort(int code)
{
    int done = 0;
    MPI_Initialized(&done);
    if (done)
        MPI_Abort(MPI_COMM_WORLD, code);
}

int sf_mpi_rank(void)
{
    int done = 0, r = 0;
    MPI_Initialized(&done);
    if (done)
        MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int sf_mpi_size(void)
{
    int done = 0, n = 1;
    MPI_Initialized(&done);
    if (done)
        MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

bool sf_mpi_enabled(void)
{
    return true;
}

void sf_mpi_sum_u64(const sf_network *net, uint64_t *v, int n)
{
    if (net->ranks > 1 && n > 0)
        MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
}

void sf_mpi_max_u64(const sf_network *net, uint64_t *v, int n)
{
    if (net->ranks > 1 && n > 0)
        MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
}

/* Send and receive buffers of the exchange (net->mpi during a run), grown
 * when a slice needs more (amortised doubling, as the spike recorder's). */
struct sf_mpi_buf {
    unsigned char *send, *recv;
    size_t send_cap, recv_cap;
    int *counts, *displs;
};

static bool grow(unsigned char **b, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t c = need + need / 2 + 4096;
    unsigned char *n = realloc(*b, c);
    if (!n)
        return false;
    *b = n;
    *cap = c;
    return true;
}

int sf_mpi_exchange(sf_network *net, sf_thread_state *all, int par, int stop, int *ckpt)
{
    const int T = net->threads, P = net->ranks, R0 = net->rank * T;
    const size_t lists = (size_t)net->slice;
    if (!net->mpi && (net->mpi = calloc(1, sizeof *net->mpi))) {
        net->mpi->counts = calloc((size_t)P, sizeof(int));
        net->mpi->displs = calloc((size_t)P, sizeof(int));
    }
    struct sf_mpi_buf *xb = net->mpi;
    /* pack: per own thread its offsets, ids and amplitudes */
    size_t bytes = 4;
    for (int t = R0; t < R0 + T; t++) {
        const size_t no = lists * (size_t)all[t].nk + 1, ns = all[t].soff[par][no - 1];
        bytes += 4 * no + 8 * ns;
    }
    if (!xb || !xb->counts || !xb->displs || bytes > (size_t)1 << 31 ||
        !grow(&xb->send, &xb->send_cap, bytes))
        MPI_Abort(MPI_COMM_WORLD, 3); /* out of memory in the time loop: no way back */
    unsigned char *at = xb->send;
    uint32_t flag = (uint32_t)(stop != 0) | (uint32_t)*ckpt << 1;
    memcpy(at, &flag, 4);
    at += 4;
    for (int t = R0; t < R0 + T; t++) {
        const size_t no = lists * (size_t)all[t].nk + 1, ns = all[t].soff[par][no - 1];
        memcpy(at, all[t].soff[par], 4 * no);
        at += 4 * no;
        memcpy(at, all[t].sbuf[par], 4 * ns);
        at += 4 * ns;
        memcpy(at, all[t].samp[par], 4 * ns);
        at += 4 * ns;
    }
    int mine = (int)bytes;
    MPI_Allgather(&mine, 1, MPI_INT, xb->counts, 1, MPI_INT, MPI_COMM_WORLD);
    size_t total = 0;
    for (int r = 0; r < P; r++) {
        xb->displs[r] = (int)total;
        total += (size_t)xb->counts[r];
    }
    if (total > (size_t)INT32_MAX || !grow(&xb->recv, &xb->recv_cap, total))
        MPI_Abort(MPI_COMM_WORLD, 3);
    MPI_Allgatherv(xb->send, mine, MPI_BYTE, xb->recv, xb->counts, xb->displs, MPI_BYTE,
                   MPI_COMM_WORLD);
    /* unpack the other processes' threads */
    int any = 0, ck = 0;
    for (int r = 0; r < P; r++) {
        const unsigned char *p = xb->recv + xb->displs[r];
        memcpy(&flag, p, 4);
        any |= (flag & 1) != 0;
        ck = (int)(flag >> 1) > ck ? (int)(flag >> 1) : ck;
        p += 4;
        if (r == net->rank)
            continue;
        for (int t = r * T; t < (r + 1) * T; t++) {
            const size_t no = lists * (size_t)all[t].nk + 1;
            memcpy(all[t].soff[par], p, 4 * no);
            p += 4 * no;
            const size_t ns = all[t].soff[par][no - 1];
            memcpy(all[t].sbuf[par], p, 4 * ns);
            p += 4 * ns;
            memcpy(all[t].samp[par], p, 4 * ns);
            p += 4 * ns;
        }
    }
    *ckpt = ck;
    return any;
}

static void gather_array(void *u, void *data, size_t bytes)
{
    const sf_network *net = u;
    /* each sample was taken by one process, the others hold zero bytes:
     * a bitwise or gives the sample's exact bytes */
    for (size_t off = 0; off < bytes; off += (size_t)1 << 30) {
        size_t n = bytes - off < ((size_t)1 << 30) ? bytes - off : (size_t)1 << 30;
        unsigned char *p = (unsigned char *)data + off;
        if (net->rank == 0)
            MPI_Reduce(MPI_IN_PLACE, p, (int)n, MPI_BYTE, MPI_BOR, 0, MPI_COMM_WORLD);
        else
            MPI_Reduce(p, NULL, (int)n, MPI_BYTE, MPI_BOR, 0, MPI_COMM_WORLD);
    }
}

/* n elements of sz bytes from every process, concatenated in rank order
 * onto rank 0 (returned there, with each process's count in cnt[]; NULL
 * elsewhere). *ok becomes false, on every process, when a count does not
 * fit MPI's int or memory runs out on rank 0. */
static void *gather_runs(const sf_network *net, const void *data, uint64_t n, size_t sz,
                         long long *cnt, bool *ok)
{
    const int P = net->ranks;
    long long mine = (long long)n;
    MPI_Gather(&mine, 1, MPI_LONG_LONG, cnt, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    int *c = NULL, *dsp = NULL;
    unsigned char *all = NULL;
    int good = 1;
    if (net->rank == 0) {
        long long tot = 0;
        for (int r = 0; r < P; r++) {
            good = good && cnt[r] <= INT_MAX && tot + cnt[r] <= INT_MAX;
            tot += cnt[r];
        }
        c = malloc(sizeof(int) * (size_t)P);
        dsp = malloc(sizeof(int) * (size_t)P);
        all = good ? malloc(sz * (size_t)tot + 1) : NULL;
        good = good && c && dsp && all;
        for (int r = 0, at = 0; good && r < P; at += (int)cnt[r], r++) {
            c[r] = (int)cnt[r];
            dsp[r] = at;
        }
    }
    MPI_Bcast(&good, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (good) {
        MPI_Datatype el;
        MPI_Type_contiguous((int)sz, MPI_BYTE, &el);
        MPI_Type_commit(&el);
        MPI_Gatherv(data, (int)n, el, all, c, dsp, el, 0, MPI_COMM_WORLD);
        MPI_Type_free(&el);
    } else {
        free(all);
        all = NULL;
        *ok = false;
    }
    free(c);
    free(dsp);
    return all;
}

/* The final weights of plastic projection i of every process onto rank 0,
 * in the canonical order of sf_network_weights (source, then target, ties
 * in draw order): each process's list is in that order and a target
 * belongs to one process, so merging the sorted runs by (source, target)
 * gives the list of one process. Collective. */
static void gather_weights(sf_network *net, int i)
{
    const int P = net->ranks;
    uint64_t n = sf_network_weights(net, i, NULL, NULL, NULL, NULL, 0);
    uint32_t *s = malloc(sizeof(uint32_t) * (n + 1)), *t = malloc(sizeof(uint32_t) * (n + 1)),
             *d = malloc(sizeof(uint32_t) * (n + 1));
    double *w = malloc(sizeof(double) * (n + 1));
    bool ok = s && t && d && w;
    if (ok)
        sf_network_weights(net, i, s, t, w, d, n);
    else
        n = 0;
    long long cnt[P];
    uint32_t *as = gather_runs(net, s, n, sizeof *s, cnt, &ok),
             *at = gather_runs(net, t, n, sizeof *t, cnt, &ok),
             *ad = gather_runs(net, d, n, sizeof *d, cnt, &ok);
    double *aw = gather_runs(net, w, n, sizeof *w, cnt, &ok);
    free(s);
    free(t);
    free(d);
    free(w);
    sf_weights_all *g = net->rank == 0 && ok && net->gathered ? &net->gathered[i] : NULL;
    if (g) {
        uint64_t tot = 0, head[P], end[P];
        for (int r = 0; r < P; r++) {
            head[r] = tot;
            tot += (uint64_t)cnt[r];
            end[r] = tot;
        }
        g->src = malloc(sizeof(uint32_t) * (tot + 1));
        g->tgt = malloc(sizeof(uint32_t) * (tot + 1));
        g->d = malloc(sizeof(uint32_t) * (tot + 1));
        g->w = malloc(sizeof(double) * (tot + 1));
        g->valid = g->src && g->tgt && g->d && g->w;
        for (uint64_t k = 0; g->valid && k < tot; k++) {
            int b = -1;
            for (int r = 0; r < P; r++)
                if (head[r] < end[r] &&
                    (b < 0 || as[head[r]] < as[head[b]] ||
                     (as[head[r]] == as[head[b]] && at[head[r]] < at[head[b]])))
                    b = r;
            const uint64_t j = head[b]++;
            g->src[k] = as[j];
            g->tgt[k] = at[j];
            g->d[k] = ad[j];
            g->w[k] = aw[j];
        }
        g->n = tot;
    }
    if (net->rank == 0 && !(g && g->valid))
        fprintf(stderr, "spikefield: the weights of projection %s could not be gathered from "
                "all processes (too many synapses or out of memory): weights.h5 holds "
                "process 0's part\n", net->m->proj[i].name);
    free(as);
    free(at);
    free(ad);
    free(aw);
}

/* Weight recorder r's entries of every process onto rank 0, merged in the
 * recording's order (step, projection, source, target; a target belongs to
 * one process, so ties stay within one process's run). Collective. */
static void gather_wlog(sf_network *net, sf_recording *rec, int r)
{
    const int P = net->ranks;
    size_t n = 0;
    const int64_t *st = NULL;
    const uint32_t *pj = NULL, *sr = NULL, *tg = NULL;
    const double *w = NULL;
    sf_recording_weights(rec, r, &n, &st, &pj, &sr, &tg, &w);
    long long cnt[P];
    bool ok = true;
    int64_t *a_st = gather_runs(net, st, n, sizeof *st, cnt, &ok);
    uint32_t *a_pj = gather_runs(net, pj, n, sizeof *pj, cnt, &ok),
             *a_sr = gather_runs(net, sr, n, sizeof *sr, cnt, &ok),
             *a_tg = gather_runs(net, tg, n, sizeof *tg, cnt, &ok);
    double *a_w = gather_runs(net, w, n, sizeof *w, cnt, &ok);
    if (net->rank == 0 && ok) {
        uint64_t tot = 0, head[P], end[P];
        for (int q = 0; q < P; q++) {
            head[q] = tot;
            tot += (uint64_t)cnt[q];
            end[q] = tot;
        }
        int64_t *o_st = malloc(sizeof(int64_t) * (tot + 1));
        uint32_t *o_pj = malloc(sizeof(uint32_t) * (tot + 1)),
                 *o_sr = malloc(sizeof(uint32_t) * (tot + 1)),
                 *o_tg = malloc(sizeof(uint32_t) * (tot + 1));
        double *o_w = malloc(sizeof(double) * (tot + 1));
        ok = o_st && o_pj && o_sr && o_tg && o_w;
        for (uint64_t k = 0; ok && k < tot; k++) {
            int b = -1;
            for (int q = 0; q < P; q++) {
                if (head[q] == end[q])
                    continue;
                const uint64_t x = head[q], y = b < 0 ? 0 : head[b];
                if (b < 0 || a_st[x] < a_st[y] ||
                    (a_st[x] == a_st[y] &&
                     (a_pj[x] < a_pj[y] ||
                      (a_pj[x] == a_pj[y] &&
                       (a_sr[x] < a_sr[y] || (a_sr[x] == a_sr[y] && a_tg[x] < a_tg[y]))))))
                    b = q;
            }
            const uint64_t j = head[b]++;
            o_st[k] = a_st[j];
            o_pj[k] = a_pj[j];
            o_sr[k] = a_sr[j];
            o_tg[k] = a_tg[j];
            o_w[k] = a_w[j];
        }
        if (ok) {
            sf_wlog_adopt(rec, r, tot, o_st, o_pj, o_sr, o_tg, o_w);
        } else {
            free(o_st);
            free(o_pj);
            free(o_sr);
            free(o_tg);
            free(o_w);
        }
    }
    if (net->rank == 0 && !ok)
        fprintf(stderr, "spikefield: the entries of weight recorder %s could not be gathered "
                "from all processes (too many or out of memory): its file holds process 0's "
                "part\n", net->m->recorders[r].name);
    free(a_st);
    free(a_pj);
    free(a_sr);
    free(a_tg);
    free(a_w);
}

void sf_mpi_gather_recording(sf_network *net, sf_recording *rec)
{
    const sf_model *m = net->m;
    for (int r = 0; r < m->n_recorders; r++)
        if (m->recorders[r].type->state_arrays)
            m->recorders[r].type->state_arrays(rec, r, (int64_t)llround(rec->t_end / net->h),
                                               gather_array, net);
    for (int r = 0; r < m->n_recorders; r++)
        if (m->recorders[r].type == &sf_recorder_weight_recorder)
            gather_wlog(net, rec, r);
    if (net->rank == 0 && !net->gathered)
        net->gathered = calloc((size_t)m->n_proj, sizeof *net->gathered);
    for (int i = 0; i < m->n_proj; i++)
        if (m->proj[i].synapse->plastic)
            gather_weights(net, i);
    if (net->mpi) {
        free(net->mpi->send);
        free(net->mpi->recv);
        free(net->mpi->counts);
        free(net->mpi->displs);
        free(net->mpi);
        net->mpi = NULL;
    }
}

#else /* one process */

int sf_mpi_init(int *argc, char ***argv)
{
    return 0;
}
void sf_mpi_finalize(void)
{
}
void sf_mpi_abort(int code)
{
}
int sf_mpi_rank(void)
{
    return 0;
}
int sf_mpi_size(void)
{
    return 1;
}
bool sf_mpi_enabled(void)
{
    return false;
}
void sf_mpi_sum_u64(const sf_network *net, uint64_t *v, int n)
{
}
void sf_mpi_max_u64(const sf_network *net, uint64_t *v, int n)
{
}
int sf_mpi_exchange(sf_network *net, sf_thread_state *all, int par, int stop, int *ckpt)
{
    return stop;
}
void sf_mpi_gather_recording(sf_network *net, sf_recording *rec)
{
}

#endif
