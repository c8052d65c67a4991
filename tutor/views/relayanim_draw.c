/* relayanim_draw — one frame of the animation, into the cell grid
 * (relayanim_internal.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relayanim_internal.h"
#include "util/i18n.h"
#include "util/term.h"

/* ------------------------------------------------------------------------
 * Drawing a frame.
 */
static void draw_links(struct anim *a)
{
    for (size_t l = 0; l < a->t->n_links; l++) {
        const struct pt *c = a->paths[l];
        int n = a->path_len[l];
        bool up = a->t->links[l].up;
        for (int i = 0; i < n; i++) {
            bool h_prev = i > 0 && c[i - 1].y == c[i].y, h_next = i + 1 < n && c[i + 1].y == c[i].y;
            bool v_prev = i > 0 && c[i - 1].x == c[i].x, v_next = i + 1 < n && c[i + 1].x == c[i].x;
            char ch = (h_prev && v_next) || (v_prev && h_next) ? '+' : h_prev || h_next ? '-' : '|';
            if (n == 1)         /* one cell between: which way do the nodes lie? */
                ch = a->pos[a->t->links[l].end[0].node].y == c[0].y ? '-' : '|';
            if (!up)
                ch = i == n / 2 ? 'X' : '.';
            cellgrid_put_char(&a->grid, c[i].x, c[i].y, ch, up ? A_PLAIN : A_DOWN);
        }
    }
}

static void draw_nodes(struct anim *a)
{
    for (size_t i = 0; i < a->t->n_nodes; i++) {
        const struct npos *p = &a->pos[i];
        if (!p->shown)
            continue;
        enum attr at = (int)i == a->bub_node ? A_SPEAKER
                       : a->t->nodes[i].kind == TOPO_ROUTER ? A_ROUTER : A_HOST;
        cellgrid_put_text(&a->grid, p->x - p->w / 2, p->y, p->label, at, p->w);
    }
}

/* Where a label `lw` wide goes on link l's cell i: across a vertical
 * line, or along a row, kept within the row's stretch when it fits there.
 * Its first column; the row in *y. */
static int label_spot(const struct anim *a, int l, int i, int lw, int *y)
{
    const struct pt *c = a->paths[l];
    int n = a->path_len[l];
    int x0 = c[i].x - lw / 2;
    int lo = i, hi = i;
    while (lo > 0 && c[lo - 1].y == c[i].y)
        lo--;
    while (hi + 1 < n && c[hi + 1].y == c[i].y)
        hi++;
    int left = c[lo].x < c[hi].x ? c[lo].x : c[hi].x, right = c[lo].x < c[hi].x ? c[hi].x : c[lo].x;
    if (hi > lo && right - left + 1 >= lw) {
        x0 = x0 < left ? left : x0;
        x0 = x0 + lw - 1 > right ? right - lw + 1 : x0;
    }
    *y = c[i].y;
    return x0;
}

static void draw_on_link(struct anim *a, int l, int i, const char *label, enum attr at)
{
    int y, lw = (int)strlen(label);
    int x = label_spot(a, l, i, lw, &y);
    cellgrid_put_text(&a->grid, x, y, label, at, lw);
}

/* A link's cell at `frac` of the way from its `dir` end. */
static int cell_at(const struct anim *a, int l, int dir, double frac)
{
    int n = a->path_len[l];
    int k = (int)lround(frac * (n - 1));
    return dir == 0 ? k : n - 1 - k;
}

struct spot {
    int flight, link, dir;
    double k;                   /* cells from where it set out */
};

static int by_spot(const void *x, const void *y)
{
    const struct spot *p = x, *q = y;
    if (p->link != q->link)
        return p->link - q->link;
    if (p->dir != q->dir)
        return p->dir - q->dir;
    return (p->k < q->k) - (p->k > q->k);   /* the one ahead first */
}

static bool blank_run(const struct anim *a, int x, int y, int w)
{
    if (y < a->map_y || y >= a->map_y + a->map_h || x < 0 || x + w > a->grid.w)
        return false;
    for (int i = 0; i < w; i++)
        if (!cellgrid_is_blank(&a->grid, x + i, y))
            return false;
    return true;
}

/* Buckets on the same lane queue behind one another like a train instead
 * of piling up on one cell; where the link is too short for the train,
 * the ones behind are stacked on the one in front (where the map is
 * empty), like buckets carried together. */
static void draw_buckets(struct anim *a)
{
    struct spot *sp = malloc((a->n_fl + 1) * sizeof *sp);
    if (!sp)
        return;
    size_t n = 0;
    for (size_t i = 0; i < a->n_fl; i++) {
        const struct flight *f = &a->fl[i];
        if (a->path_len[f->link] > 0)
            sp[n++] = (struct spot){(int)i, f->link, f->dir,
                                    anim_flight_frac(f, a->vt) * (a->path_len[f->link] - 1)};
    }
    qsort(sp, n, sizeof *sp, by_spot);
    int px = 0, py = -1, pw = 0, top = 0;  /* the last label on the lane, its pile's top */
    for (size_t i = 0; i < n; i++) {
        const struct flight *f = &a->fl[sp[i].flight];
        if (i > 0 && sp[i - 1].link == sp[i].link && sp[i - 1].dir == sp[i].dir) {
            const struct pt *c = a->paths[f->link];
            int prev = cell_at(a, f->link, f->dir, sp[i - 1].k / (a->path_len[f->link] - 1));
            bool along_row = (prev > 0 && c[prev - 1].y == c[prev].y) ||
                             (prev + 1 < a->path_len[f->link] && c[prev + 1].y == c[prev].y);
            double gap = along_row ? (double)strlen(f->label) + 1 : 1;
            if (sp[i].k > sp[i - 1].k - gap)
                sp[i].k = sp[i - 1].k - gap < 0 ? 0 : sp[i - 1].k - gap;
        }
        int len = a->path_len[f->link], lw = (int)strlen(f->label), y;
        double frac = len > 1 ? sp[i].k / (len - 1) : 0;
        int x = label_spot(a, f->link, cell_at(a, f->link, f->dir, frac), lw, &y);
        bool same_lane = i > 0 && sp[i - 1].link == sp[i].link && sp[i - 1].dir == sp[i].dir;
        if (same_lane && y == py && x < px + pw && px < x + lw) {
            if (blank_run(a, px, top - 1, lw))
                cellgrid_put_text(&a->grid, px, --top, f->label, f->attr, lw);
            continue;
        }
        cellgrid_put_text(&a->grid, x, y, f->label, f->attr, lw);
        px = x;
        py = top = y;
        pw = lw;
    }
    free(sp);
}

static void draw_ghosts(struct anim *a)
{
    for (int i = 0; i < GHOSTS; i++) {
        struct ghost *g = &a->ghosts[i];
        if (!g->used)
            continue;
        if (g->until_ms < a->run_ms) {
            g->used = false;
            continue;
        }
        if (g->link >= 0 && a->path_len[g->link] > 0) {
            draw_on_link(a, g->link, cell_at(a, g->link, g->dir, g->frac), g->label, A_DROP);
        } else if (g->node >= 0 && a->pos[g->node].shown) {
            const struct npos *p = &a->pos[g->node];
            int y = p->y - 1 >= a->map_y ? p->y - 1 : p->y + 1;
            int lw = (int)strlen(g->label);
            cellgrid_put_text(&a->grid, p->x - lw / 2, y, g->label, A_DROP, lw);
        }
    }
}

/* `s` wrapped to `width` columns (term_wrap's rules, Japanese included),
 * appended to lines[*n] while there is room; the last line kept ends in
 * ".." when more did not fit. */
static void wrap_into(const char *s, int width, char lines[][TEXT_MAX], int *n, int max)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    term_wrap(f, s, 0, 0, width);
    fclose(f);
    if (!text)
        return;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (*n == max) {
            size_t k = strlen(lines[max - 1]);
            snprintf(lines[max - 1] + (k > 2 ? k - 2 : 0), 3, "..");
            break;
        }
        snprintf(lines[(*n)++], TEXT_MAX, "%s", line);
    }
    free(text);
}

/* The bubble below the map, its point under the one speaking, and a
 * dotted line from the node down to it. */
static void draw_bubble(struct anim *a)
{
    if (a->bub_node < 0)
        return;
    struct cellgrid *g = &a->grid;
    char lines[BUBBLE_LINES][TEXT_MAX], first[2 * TEXT_MAX];
    int n = 0, inner = g->w - 4;
    /* two columns to spare: Japanese punctuation may hang past the margin */
    snprintf(first, sizeof first, "%s: %s", a->bub_head, a->bub_words);
    wrap_into(first, inner - 2, lines, &n, BUBBLE_LINES);
    int n_words = n;
    const char *detail = a->bub_detail;
    while (*detail == ' ')
        detail++;
    if (*detail)
        wrap_into(detail, inner - 2, lines, &n, BUBBLE_LINES);
    int widest = 10;
    for (int i = 0; i < n; i++) {
        int w = term_width(lines[i]);
        widest = w > widest ? w : widest;
    }
    widest = widest > inner ? inner : widest;
    int bw = widest + 4, top = a->map_y + a->map_h;
    const struct npos *p = &a->pos[a->bub_node];
    int px = p->shown ? p->x : g->w / 2;
    int bx = px - bw / 2;
    bx = bx < 0 ? 0 : bx + bw > g->w ? g->w - bw : bx;
    if (p->shown)
        for (int y = p->y + 1; y < top; y++)
            if (cellgrid_is_blank(g, px, y))
                cellgrid_put_char(g, px, y, ':', A_DIM);
    for (int x = 0; x < bw; x++) {
        bool corner = x == 0 || x == bw - 1;
        cellgrid_put_char(g, bx + x, top, corner ? '.' : bx + x == px && p->shown ? '^' : '-',
                          A_PLAIN);
        cellgrid_put_char(g, bx + x, top + n + 1, corner ? '\'' : '-', A_PLAIN);
    }
    for (int i = 0; i < n; i++) {
        cellgrid_put_char(g, bx, top + 1 + i, '|', A_PLAIN);
        cellgrid_put_char(g, bx + bw - 1, top + 1 + i, '|', A_PLAIN);
        cellgrid_put_text(g, bx + 2, top + 1 + i, lines[i], i < n_words ? a->bub_attr : A_PLAIN,
                          widest);
    }
    /* the speaker as on the map (names and buckets are ASCII: bytes are columns) */
    int hw = (int)strlen(a->bub_head) + 1;
    if (hw <= widest)
        cellgrid_put_text(g, bx + 2, top + 1, lines[0], A_TITLE, hw);
}

static void draw_status(struct anim *a)
{
    struct cellgrid *g = &a->grid;
    int y = g->h - 1;
    const struct sim_message *m = a->msg >= 0 ? sim_message(a->s, a->msg) : NULL;
    for (int x = 0; x < g->w - 1; x++)
        cellgrid_put_char(g, x, y, ' ', A_STATUS);
    char left[TEXT_MAX], right[64], ms[32];
    snprintf(left, sizeof left, _(" %1$s ms  speed x%2$g  %3$s"), anim_ms_text(a->vt - a->t0, ms),
             a->speed, a->paused ? _("PAUSED") : "");
    snprintf(right, sizeof right, _("delivered %1$d/%2$d "), a->n_arrived, m ? m->total : 0);
    int rw = term_width(right);
    cellgrid_put_fit(g, 0, y, left, A_STATUS, g->w - 1 - rw - 1);
    cellgrid_put_text(g, g->w - 1 - rw, y, right, A_STATUS, rw);
}

void anim_draw(struct anim *a)
{
    struct cellgrid *g = &a->grid;
    if (a->geometry_stale)
        anim_layout(a);
    cellgrid_clear(g);
    cellgrid_put_fit(g, 0, 0, a->title, A_TITLE, g->w - 1);
    draw_links(a);
    draw_nodes(a);
    draw_bubble(a);
    draw_ghosts(a);
    draw_buckets(a);
    for (int i = 0; i < LOG_LINES; i++)
        cellgrid_put_fit(g, 0, g->h - 2 - LOG_LINES + i, a->log[i].text, a->log[i].attr, g->w - 1);
    cellgrid_put_fit(g, 1, g->h - 2, _("space: pause, then step  enter: go on  +/-: speed  q: quit"),
                     A_DIM, g->w - 2);
    draw_status(a);
    cellgrid_flush(g);
}
