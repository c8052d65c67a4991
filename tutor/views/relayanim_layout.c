/* relayanim_layout — where the animation draws the nodes and the links
 * (relayanim_internal.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relayanim_internal.h"

/* ------------------------------------------------------------------------
 * Where things are drawn: nodes from the layout (or along the path), and
 * each link as the cells between its two nodes.
 */
const char *anim_node_name(const struct topo *t, int node)
{
    return node >= 0 ? t->nodes[node].name : "-";
}

static bool in_label(const struct npos *p, int x, int y)
{
    return y == p->y && x >= p->x - p->w / 2 && x < p->x - p->w / 2 + p->w;
}

/* The nodes a packet for the destination passes now, by the routes. */
static size_t find_path(struct anim *a, int *out)
{
    size_t n = 0;
    int node = a->src;
    out[n++] = node;
    while (n < a->t->n_nodes && node != a->dst_node) {
        struct route_choice rc;
        if (router_lookup(sim_router(a->s), node, a->dst, &rc, NULL) < 0 || rc.next_node < 0)
            break;
        node = rc.next_node;
        for (size_t i = 0; i < n; i++)
            if (out[i] == node)
                return n;       /* a routing loop: TTL will tell */
        out[n++] = node;
    }
    /* a way cut short still shows where the packets are meant to go */
    bool has_dst = false;
    for (size_t i = 0; i < n; i++)
        has_dst |= out[i] == a->dst_node;
    if (a->dst_node >= 0 && !has_dst)
        out[n++] = a->dst_node;
    return n;
}

/* Grid positions: the layout's, or the path laid out in rows that turn
 * at the ends (a snake), so consecutive nodes are always neighbours. */
static void place_on_grid(struct anim *a, const int *path, size_t n_path)
{
    const struct topo *t = a->t;
    for (size_t i = 0; i < t->n_nodes; i++)
        a->pos[i].shown = false;
    if (!a->path_view) {
        for (size_t i = 0; i < t->n_nodes; i++)
            if (t->nodes[i].has_layout)
                a->pos[i] = (struct npos){.shown = true, .col = t->nodes[i].col, .row = t->nodes[i].row};
        return;
    }
    int widest = 4;
    for (size_t i = 0; i < n_path; i++) {
        int w = (int)strlen(t->nodes[path[i]].name) + 2;
        widest = w > widest ? w : widest;
    }
    int per_row = (a->grid.w - 2) / (widest + 8);
    per_row = per_row < 2 ? 2 : per_row;
    for (size_t i = 0; i < n_path; i++) {
        int row = (int)i / per_row, k = (int)i % per_row;
        a->pos[path[i]] = (struct npos){.shown = true, .row = row,
                                        .col = row % 2 ? per_row - 1 - k : k};
    }
}

void anim_free_paths(struct anim *a)
{
    for (size_t i = 0; a->paths && i < a->t->n_links; i++) {
        free(a->paths[i]);
        a->paths[i] = NULL;
        a->path_len[i] = 0;
    }
}

/* The cells of link l: from end[0] to end[1], along a row and then a
 * column (or the other way round), leaving out the two labels. The
 * leg along the row starts from the end with fewer links, so that
 * several links come into a busy node from above and below. */
static void trace_link(struct anim *a, size_t l, const int *degree)
{
    const struct topo_link *lk = &a->t->links[l];
    const struct npos *p = &a->pos[lk->end[0].node], *q = &a->pos[lk->end[1].node];
    if (!p->shown || !q->shown || p == q)
        return;
    int cx = q->x, cy = p->y;               /* along the row first */
    if (degree[lk->end[0].node] > degree[lk->end[1].node]) {
        cx = p->x;
        cy = q->y;
    }
    int max = abs(p->x - q->x) + abs(p->y - q->y) + 2;
    struct pt *cells = malloc((size_t)max * sizeof *cells);
    if (!cells)
        return;
    int n = 0, x = p->x, y = p->y;
    const int corner[2][2] = {{cx, cy}, {q->x, q->y}};
    for (int leg = 0; leg < 2; leg++) {
        while (x != corner[leg][0] || y != corner[leg][1]) {
            x += (corner[leg][0] > x) - (corner[leg][0] < x);
            y += (corner[leg][1] > y) - (corner[leg][1] < y);
            if (!in_label(p, x, y) && !in_label(q, x, y) && n < max)
                cells[n++] = (struct pt){(short)x, (short)y};
        }
    }
    a->paths[l] = cells;
    a->path_len[l] = n;
}

void anim_layout(struct anim *a)
{
    const struct topo *t = a->t;
    a->map_y = 1;
    a->map_h = a->grid.h - 1 - BELOW_MAP;
    /* the layout, when every node on the way has a place in it */
    int *path = malloc((t->n_nodes + 1) * sizeof *path);
    if (!path)
        return;
    size_t n_path = find_path(a, path);
    a->path_view = !t->any_layout;
    for (size_t i = 0; i < n_path; i++)
        a->path_view |= !t->nodes[path[i]].has_layout;
    place_on_grid(a, path, n_path);
    free(path);

    int minc = INT32_MAX, maxc = 0, minr = INT32_MAX, maxr = 0, widest = 4;
    for (size_t i = 0; i < t->n_nodes; i++) {
        struct npos *p = &a->pos[i];
        if (!p->shown)
            continue;
        snprintf(p->label, sizeof p->label, t->nodes[i].kind == TOPO_ROUTER ? "<%s>" : "(%s)",
                 t->nodes[i].name);
        p->w = (int)strlen(p->label);
        widest = p->w > widest ? p->w : widest;
        minc = p->col < minc ? p->col : minc;
        maxc = p->col > maxc ? p->col : maxc;
        minr = p->row < minr ? p->row : minr;
        maxr = p->row > maxr ? p->row : maxr;
    }
    /* spread the grid over the map; rows at most three lines apart */
    int margin = widest / 2 + 1;
    double xstep = maxc > minc ? (double)(a->grid.w - 2 * margin - 1) / (maxc - minc) : 0;
    double ystep = maxr > minr ? (double)(a->map_h - 1) / (maxr - minr) : 0;
    ystep = ystep > 3 ? 3 : ystep;
    double top = a->map_y + ((a->map_h - 1) - ystep * (maxr - minr)) / 2;
    for (size_t i = 0; i < t->n_nodes; i++) {
        struct npos *p = &a->pos[i];
        if (!p->shown)
            continue;
        p->x = maxc > minc ? margin + (int)lround((p->col - minc) * xstep) : a->grid.w / 2;
        p->y = (int)lround(top + (p->row - minr) * ystep);
    }
    int *degree = calloc(t->n_nodes, sizeof *degree);
    anim_free_paths(a);
    if (!degree)
        return;
    for (size_t l = 0; l < t->n_links; l++)
        if (a->pos[t->links[l].end[0].node].shown && a->pos[t->links[l].end[1].node].shown) {
            degree[t->links[l].end[0].node]++;
            degree[t->links[l].end[1].node]++;
        }
    for (size_t l = 0; l < t->n_links; l++)
        trace_link(a, l, degree);
    free(degree);
    a->geometry_stale = false;
}
