/* spikefield compare: simulate a model and compare the simulation with its
 * theory, from sf_compare.
 *
 * Runs the simulation (sim.h), calls sf_compare and prints the comparison
 * generically: a row per scalar (simulated, SE, predicted, z, relative
 * difference, verdict, notes), a row per value of short vectors, and one
 * summary line (median |z|, fraction beyond 3) per long vector. Writes
 * compare.json (the comparison list, docs/predict-compare.md) and
 * compare.svg: scalars per population as bars (theory) and dots with SE bars
 * (simulation), frequency-axis quantities as log-log curves, lag- and
 * potential-axis quantities as linear curves (simulation solid, theory
 * dashed).
 */
#include "predict.h"
#include "sim.h"
#include "spikefield/predict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SHORT_VECTOR 8  /* vectors up to this length get a row per value */

static const char *axis_unit(sf_axis a)
{
    return a == SF_AXIS_FREQUENCY ? "Hz" : a == SF_AXIS_LAG ? "ms" : a == SF_AXIS_POTENTIAL ? "mV" : "";
}

static const char *axis_symbol(sf_axis a)
{
    return a == SF_AXIS_FREQUENCY ? "f" : a == SF_AXIS_LAG ? "lag" : a == SF_AXIS_POTENTIAL ? "V" : "";
}

/* v in printf format fmt, or "—" where it is not a number (the notes say
 * why): the table never shows nan. */
static const char *fmt_num(char *buf, size_t len, const char *fmt, double v)
{
    if (isfinite(v))
        snprintf(buf, len, fmt, v);
    else
        snprintf(buf, len, "%s", "—");
    return buf;
}

static void row(const char *pops, const char *label, double sim, double se, double pred, double z,
                const char *verdict, const char *notes)
{
    char b[5][32];
    double rel = pred != 0 ? 100 * (sim - pred) / pred : NAN;
    /* "—" is 3 bytes, 1 column: pad by hand */
    const char *f[5] = {fmt_num(b[0], 32, "%.6g", sim), fmt_num(b[1], 32, "%.3g", se),
                        fmt_num(b[2], 32, "%.6g", pred), fmt_num(b[3], 32, "%.2f", z),
                        fmt_num(b[4], 32, "%.1f%%", rel)};
    const int w[5] = {12, 10, 12, 7, 8};
    printf("%-10s %-26s", pops, label);
    for (int k = 0; k < 5; k++)
        printf(" %*s", w[k] + (strcmp(f[k], "—") ? 0 : 2), f[k]);
    printf("  %-28s %s\n", verdict, notes);
}

static void print_comparison(const sf_model *m, const sf_quantities *c)
{
    printf("\n%s theory vs simulation (%s)\n", sf_quantities_family(c), sf_model_file(m));
    printf("%-10s %-26s %12s %11s %12s %7s %8s  %-28s %s\n", "population", "quantity", "simulated",
           "± SE", "predicted", "z", "rel.diff", "verdict", "notes");
    char pops[256], last[256] = "\x01", lab[256], vl[300];
    size_t n = sf_quantities_count(c);
    for (size_t i = 0; i < n; i++) {
        size_t nv = sf_quantity_rows(c, i) * sf_quantity_cols(c, i);
        if (nv > SHORT_VECTOR)
            continue;
        cli_pops_label(m, c, i, pops, sizeof pops);
        cli_quantity_label(c, i, lab, sizeof lab);
        const char *shown = strcmp(pops, last) ? pops : "";
        snprintf(last, sizeof last, "%s", pops);
        const double *v = sf_quantity_values(c, i), *se = sf_quantity_se(c, i),
                     *p = sf_quantity_predicted(c, i), *z = sf_quantity_z(c, i),
                     *ax = sf_quantity_axis_values(c, i);
        if (cli_is_scalar(c, i)) {
            row(shown, lab, v[0], se[0], p[0], z[0], sf_quantity_verdict(c, i), sf_quantity_notes(c, i));
            continue;
        }
        int parts = sf_quantity_is_complex(c, i) ? 2 : 1;
        for (size_t k = 0; k < nv; k++)
            for (int part = 0; part < parts; part++) {
                size_t j = k * (size_t)parts + (size_t)part;
                const char *pre = parts == 2 ? (part ? "Im " : "Re ") : "";
                if (ax)
                    snprintf(vl, sizeof vl, "%s%s(%g %s)", pre, sf_quantity_name(c, i), ax[k / sf_quantity_cols(c, i)],
                             axis_unit(sf_quantity_axis(c, i)));
                else
                    snprintf(vl, sizeof vl, "%s%s[%zu]", pre, sf_quantity_name(c, i), k);
                const char *verdict = !isfinite(z[j]) ? "n/a" : fabs(z[j]) <= 3 ? "agree" : "differ";
                if (parts == 1 && nv == 1)
                    verdict = sf_quantity_verdict(c, i);
                row(shown, vl, v[j], se[j], p[j], z[j], verdict, k || part ? "" : sf_quantity_notes(c, i));
                shown = "";
            }
    }
    for (size_t i = 0; i < n; i++) {
        if (sf_quantity_rows(c, i) * sf_quantity_cols(c, i) <= SHORT_VECTOR)
            continue;
        cli_pops_label(m, c, i, pops, sizeof pops);
        sf_axis a = sf_quantity_axis(c, i);
        double hi = sf_quantity_band_hi(c, i);
        char band[64] = "";
        if (isfinite(hi))
            snprintf(band, sizeof band, "%s <= %g %s, ", axis_symbol(a), hi, axis_unit(a));
        char mz[32], fr[32];
        fmt_num(mz, sizeof mz, "%.2f", sf_quantity_median_abs_z(c, i));
        fmt_num(fr, sizeof fr, "%.1f%%", 100 * sf_quantity_fraction_beyond_3(c, i));
        printf("%s %s (%s%zu values): median |z| %s (about 0.67 if it agrees), %s with |z| > 3: "
               "%s%s%s\n",
               sf_quantity_name(c, i), pops, band, sf_quantity_z_count(c, i), mz, fr,
               sf_quantity_verdict(c, i), sf_quantity_notes(c, i)[0] ? "; " : "",
               sf_quantity_notes(c, i));
    }
    cli_print_notes(c, stdout);
    printf("\nverdict: agree when |simulated - predicted| <= 3 standard errors (z); a vector when "
           "its median |z| <= 1.5 and at most 5%% of its values have |z| > 3; agree within theory "
           "accuracy when not, but the relative difference is within the accuracy the theory "
           "states for this regime (its source in the notes); else differ; n/a: no standard "
           "error (the notes say why); —: no number\n");
}

/* ---- figure ------------------------------------------------------------------ */

static const char *colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                               "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
enum { PW = 420, PH = 260, MX = 70, MY = 50, COLS = 2 };

/* The quantities of panel `name` (scalars: all real scalars of that name). */
static bool in_panel(const sf_quantities *c, size_t i, const char *name, bool scalar)
{
    return cli_is_scalar(c, i) == scalar && !strcmp(sf_quantity_name(c, i), name);
}

/* y of value v on the panel's axis (log or linear over lo..hi). */
static double py(double v, double lo, double hi, bool logy, int y0)
{
    double t = logy ? (log10(v) - lo) / (hi - lo) : (v - lo) / (hi - lo);
    return y0 + PH - PH * t;
}

static double shown_value(const double *v, size_t k, bool cplx)
{
    return cplx ? hypot(v[2 * k], v[2 * k + 1]) : v[k];
}

static void panel(FILE *f, const sf_model *m, const sf_quantities *c, size_t first, int x0, int y0)
{
    const char *name = sf_quantity_name(c, first);
    bool scalar = cli_is_scalar(c, first), cplx = sf_quantity_is_complex(c, first);
    sf_axis ax = sf_quantity_axis(c, first);
    bool logx = ax == SF_AXIS_FREQUENCY, logy = logx;
    size_t n = sf_quantities_count(c), n_items = 0;
    double lo = INFINITY, hi = -INFINITY, xlo = INFINITY, xhi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!in_panel(c, i, name, scalar))
            continue;
        n_items++;
        size_t nv = scalar ? 1 : sf_quantity_rows(c, i);
        const double *arr[2] = {sf_quantity_values(c, i), sf_quantity_predicted(c, i)};
        for (int s = 0; s < 2; s++)
            for (size_t k = 0; k < nv; k++) {
                double v = shown_value(arr[s], k, cplx), e = scalar && !s ? sf_quantity_se(c, i)[0] : 0;
                if (!isfinite(v) || (logy && !(v > 0)))
                    continue;
                lo = fmin(lo, logy ? log10(v) : v - (isfinite(e) ? e : 0));
                hi = fmax(hi, logy ? log10(v) : v + (isfinite(e) ? e : 0));
                if (!scalar && sf_quantity_axis_values(c, i)) {
                    double x = sf_quantity_axis_values(c, i)[k];
                    if (!logx || x > 0) {
                        xlo = fmin(xlo, logx ? log10(x) : x);
                        xhi = fmax(xhi, logx ? log10(x) : x);
                    }
                }
            }
    }
    char lab[256];
    cli_quantity_label(c, first, lab, sizeof lab);
    fprintf(f, "<text x='%d' y='%d' font-size='13'>%s%s: simulation (%s) vs theory (%s)</text>\n", x0,
            y0 - 8, cplx ? "|" : "", lab, scalar ? "dots, ±SE" : "solid", scalar ? "bars" : "dashed");
    fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='black'/>\n", x0, y0, PW, PH);
    if (!(hi >= lo))
        return;
    if (scalar)
        lo = fmin(lo, 0);
    if (logy) {
        lo = floor(lo);
        hi = ceil(hi);
    }
    if (hi <= lo)
        hi = lo + 1;
    else if (!logy)
        hi += 0.1 * (hi - lo);
    for (int t = 0; t <= 4; t++) {
        double v = lo + (hi - lo) * t / 4, y = py(logy ? pow(10, v) : v, lo, hi, logy, y0);
        fprintf(f, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#ddd'/><text x='%d' y='%.1f' "
                "text-anchor='end'>%.3g</text>\n", x0, x0 + PW, y, y, x0 - 4, y + 4, logy ? pow(10, v) : v);
    }
    size_t item = 0;
    for (size_t i = 0; i < n; i++) {
        if (!in_panel(c, i, name, scalar))
            continue;
        const char *col = colors[item % 8];
        cli_pops_label(m, c, i, lab, sizeof lab);
        const double *v = sf_quantity_values(c, i), *p = sf_quantity_predicted(c, i);
        if (scalar) {
            double slot = (double)PW / (double)n_items, cx = x0 + slot * ((double)item + 0.5);
            double e = isfinite(sf_quantity_se(c, i)[0]) ? sf_quantity_se(c, i)[0] : 0;
            double yb = py(0 > lo ? 0 : lo, lo, hi, false, y0);
            if (isfinite(p[0]))
                fprintf(f, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s' opacity='0.35'/>\n",
                        cx - slot * 0.3, fmin(py(p[0], lo, hi, false, y0), yb), slot * 0.6,
                        fabs(yb - py(p[0], lo, hi, false, y0)), col);
            if (isfinite(v[0])) {
                fprintf(f, "<line x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f' stroke='black'/>\n", cx, cx,
                        py(v[0] - e, lo, hi, false, y0), py(v[0] + e, lo, hi, false, y0));
                fprintf(f, "<circle cx='%.1f' cy='%.1f' r='4' fill='black'/>\n", cx, py(v[0], lo, hi, false, y0));
            }
            if (n_items <= 16)
                fprintf(f, "<text x='%.1f' y='%d' text-anchor='middle'>%s</text>\n", cx, y0 + PH + 16, lab);
        } else if (xhi > xlo) {
            const double *xs = sf_quantity_axis_values(c, i);
            for (int s = 0; s < 2; s++) {
                fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='%s'%s points='", col,
                        s ? "2" : "1", s ? " stroke-dasharray='6,3'" : " opacity='0.6'");
                for (size_t k = 0; xs && k < sf_quantity_rows(c, i); k++) {
                    double y = shown_value(s ? p : v, k, cplx), x = xs[k];
                    if (!isfinite(y) || (logy && !(y > 0)) || (logx && !(x > 0)))
                        continue;
                    double px = x0 + PW * ((logx ? log10(x) : x) - xlo) / (xhi - xlo);
                    fprintf(f, "%.1f,%.1f ", px, py(y, lo, hi, logy, y0));
                }
                fprintf(f, "'/>\n");
            }
            if (item < 16)
                fprintf(f, "<text x='%d' y='%d' fill='%s'>%s</text>\n", x0 + PW + 6, y0 + 14 * (int)(item + 1),
                        col, lab);
        }
        item++;
    }
    if (!scalar && xhi > xlo)
        fprintf(f, "<text x='%d' y='%d' text-anchor='middle'>%s (%s)%s: %.3g .. %.3g</text>\n",
                x0 + PW / 2, y0 + PH + 16, axis_symbol(ax), axis_unit(ax), logx ? ", log" : "",
                logx ? pow(10, xlo) : xlo, logx ? pow(10, xhi) : xhi);
}

static sf_status write_svg(sf_context *ctx, const sf_model *m, const sf_quantities *c, const char *path)
{
    size_t n = sf_quantities_count(c), n_panels = 0;
    size_t *first = calloc(n + 1, sizeof(size_t));
    if (!first)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory for the figure");
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < n_panels && !seen; j++)
            seen = in_panel(c, i, sf_quantity_name(c, first[j]), cli_is_scalar(c, first[j]));
        if (!seen)
            first[n_panels++] = i;
    }
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.part", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        free(first);
        return sf_fail(ctx, SF_ERR_IO, "cannot write %s", path);
    }
    int rows = (int)(n_panels + COLS - 1) / COLS;
    fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' "
            "font-size='12'>\n<rect width='100%%' height='100%%' fill='white'/>\n",
            COLS * (PW + 2 * MX + 40), rows * (PH + 2 * MY) + 10);
    for (size_t j = 0; j < n_panels; j++)
        panel(f, m, c, first[j], MX + (int)(j % COLS) * (PW + 2 * MX + 40), MY + (int)(j / COLS) * (PH + 2 * MY));
    fprintf(f, "</svg>\n");
    free(first);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        return sf_fail(ctx, SF_ERR_IO, "cannot write %s", path);
    }
    return SF_OK;
}

/* The theory's prediction of the model file, before anything is simulated:
 * a model no theory family describes (or one whose theory fails, e.g. no
 * fixed point) is refused here, with the family's reasons, instead of after
 * the simulation. NULL after printing the reason. */
static sf_quantities *predict_first(const cli_opts *o)
{
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    sf_quantities *p = NULL;
    if (!ctx)
        return NULL;
    if (sf_model_load(ctx, o->model, o->sets, o->n_sets, &m) != SF_OK)
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(ctx));
    else if (sf_predict(ctx, m, NULL, &p) != SF_OK)
        fprintf(stderr, "spikefield compare: no theory for %s, nothing simulated: %s\n", o->model,
                sf_context_errmsg(ctx));
    sf_model_destroy(m);
    sf_context_destroy(ctx);
    return p;
}

int cmd_compare(cli_opts *o)
{
    sim_result r;
    sf_quantities *c = NULL, *pred = predict_first(o);
    if (!pred)
        return 1;
    int rc = sim_execute(o, &r);
    if (rc == 0)
        rc = sim_write_summary(&r);
    if (rc)
        goto out;
    char path[4200], svg[4200];
    snprintf(path, sizeof path, "%s/compare.json", r.out_dir);
    snprintf(svg, sizeof svg, "%s/compare.svg", r.out_dir);
    if (sf_compare(r.ctx, r.m, r.rec, pred, &c) != SF_OK ||
        sf_quantities_write_json(r.ctx, c, r.m, path) != SF_OK || write_svg(r.ctx, r.m, c, svg) != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(r.ctx));
        rc = 1;
        goto out;
    }
    print_comparison(r.m, c);
    printf("outputs: %s/spikes.h5, %s/summary.json, %s, %s\n", r.out_dir, r.out_dir, path, svg);
    if (sf_recording_interrupted(r.rec))
        rc = 130;
out:
    sf_quantities_destroy(c);
    sf_quantities_destroy(pred);
    sim_free(&r);
    return rc;
}
