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

#include <math.h>
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

void sf_mpi_gather_recording(sf_network *net, sf_recording *rec)
{
    const sf_model *m = net->m;
    for (int r = 0; r < m->n_recorders; r++)
        if (m->recorders[r].type->state_arrays)
            m->recorders[r].type->state_arrays(rec, r, (int64_t)llround(rec->t_end / net->h),
                                               gather_array, net);
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
