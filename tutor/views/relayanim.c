/*
 * relayanim — see relayanim.h.
 *
 * Each frame is drawn into a grid of cells (cellgrid.h), which sends the
 * terminal only the cells that differ from what it already shows. The
 * simulator runs in small slices of simulated time (sim_run up to the
 * clock of the picture), so what its observer reports turns into buckets
 * on links, a bubble and log lines at the pace the eye can follow.
 *
 * The simulator reports when a packet leaves a node and when it reaches
 * the next one, not where it is in between: the observer mirrors the
 * links' sending order (bandwidth, queue, delay) to know when a bucket
 * will arrive, and the next event about that packet settles it anyway.
 *
 * Screen, top to bottom: a title, the map, the bubble, three log lines,
 * the keys and the status line. Lines, boxes and buckets are ASCII only,
 * so that a terminal that draws ambiguous-width characters wide (as
 * Japanese ones often do) keeps them in line; wide text appears only in
 * the bubble, the log and the bottom lines, measured with wcwidth.
 */
#include "relayanim.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cellgrid.h"
#include "util/i18n.h"
#include "relayview.h"
#include "util/term.h"

#define MIN_W 80
#define MIN_H 24
#define FRAME_MS 40             /* 25 frames a second */
#define US_PER_REAL_MS 10.0     /* speed 1: a simulated ms takes 100 ms */
#define SPEED_MIN 0.01          /* cmd_relay's --speed range */
#define SPEED_MAX 1000.0
#define STEP_US 10              /* resolution when looking for the next event */
#define IDLE_HOLD_MS 1200       /* nothing moves this long: jump to the next event */
#define SKIP_LIMIT_US (200LL * 1000000)     /* no event in this long: it is over */
#define STALE_US 1000000        /* a bucket this late is forgotten (never expected) */
#define GHOST_MS 2500           /* how long a dropped bucket stays on screen */
#define GHOSTS 16
#define LOG_LINES 3
#define BUBBLE_LINES 4
#define BELOW_MAP (BUBBLE_LINES + 2 + LOG_LINES + 2)     /* bubble, log, keys, status */
#define LABEL_MAX 16
#define TEXT_MAX 512

/* ------------------------------------------------------------------------
 * The terminal, and the real time.
 */
bool relayanim_possible(void)
{
    const char *term = getenv("TERM");
    int w, h;
    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && term && *term &&
           strcmp(term, "dumb") != 0 && cellgrid_window_size(&w, &h) == 0 && w >= MIN_W &&
           h >= MIN_H;
}

static double clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------------------
 * What the animation knows.
 */
enum attr { A_PLAIN, A_DIM, A_TITLE, A_HOST, A_ROUTER, A_SPEAKER, A_DATA, A_ACK, A_ICMP,
            A_DROP, A_DOWN, A_OK, A_STATUS };

/* The grid's attributes (cellgrid.h), A_PLAIN that of blank cells. Each
 * resets what came before; used only when term_color(). */
static const char *const sgr[] = {
    [A_PLAIN] = "\033[0m", [A_DIM] = "\033[0;2m", [A_TITLE] = "\033[0;1m",
    [A_HOST] = "\033[0;1m", [A_ROUTER] = "\033[0;1;36m", [A_SPEAKER] = "\033[0;1;30;43m",
    [A_DATA] = "\033[0;1;33m", [A_ACK] = "\033[0;1;32m", [A_ICMP] = "\033[0;1;35m",
    [A_DROP] = "\033[0;1;31m", [A_DOWN] = "\033[0;31m", [A_OK] = "\033[0;1;32m",
    [A_STATUS] = "\033[0;7m",
};

struct flight {                 /* a bucket on a link */
    long id;
    char label[LABEL_MAX];
    enum attr attr;
    int link, dir;              /* dir 0: from end[0] to end[1] */
    int64_t made_us, start_us, arrive_us;
    int64_t lane_before;        /* the lane's busy time without it */
};

struct ghost {                  /* a dropped bucket, for a while */
    bool used;
    char label[LABEL_MAX];
    int link, dir, node;        /* on a link at `frac`, or at `node` (link -1) */
    double frac, until_ms;
};

struct pt {
    short x, y;
};

struct npos {                   /* a node on screen */
    bool shown;
    int col, row;               /* on the grid */
    int x, y, w;                /* the label's centre, row and width */
    char label[TOPO_NAME_MAX + 3];
};

struct anim {
    struct sim *s;
    struct topo *t;
    int src, dst_node, msg;
    uint32_t dst;
    double speed;
    char title[TEXT_MAX];

    /* from the observer */
    struct flight *fl;
    size_t n_fl, cap_fl;
    long fresh;                 /* the packet the last FORWARD put on a link */
    int64_t *lane_busy;         /* 2 a link, like the simulator's lanes */
    struct ghost ghosts[GHOSTS];
    int bub_node;               /* -1: no bubble yet */
    char bub_head[LABEL_MAX + TOPO_NAME_MAX + 4], bub_words[TEXT_MAX], bub_detail[TEXT_MAX];
    enum attr bub_attr;
    struct logline {
        char text[TEXT_MAX];
        enum attr attr;
        long key;               /* lines with the same key merge; 0: never */
        int count;
    } log[LOG_LINES];
    unsigned char *arrived;     /* pieces the receiver has */
    int total, n_arrived;
    long events;
    double last_event_ms;       /* run_ms of the last event */
    int64_t skip_from;          /* >= 0: jumping over a quiet time from here */
    bool geometry_stale;

    /* the clock of the picture */
    int64_t t0, vt;
    double run_ms;              /* real time spent running, not paused */
    bool paused, ended, quit, too_small, failed;

    /* the screen */
    struct cellgrid grid;
    int map_y, map_h;
    bool path_view;             /* no usable layout: the nodes on the way */
    struct npos *pos;
    struct pt **paths;          /* per link, from end[0]'s side to end[1]'s */
    int *path_len;
};

/* ------------------------------------------------------------------------
 * Where things are drawn: nodes from the layout (or along the path), and
 * each link as the cells between its two nodes.
 */
static const char *node_name(const struct topo *t, int node)
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

static void free_paths(struct anim *a)
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

static void layout(struct anim *a)
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
    free_paths(a);
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

/* ------------------------------------------------------------------------
 * The observer: events become buckets, bubbles and log lines.
 */
static void bucket_label(const struct sim_packet *p, char label[LABEL_MAX], enum attr *at)
{
    switch (p->kind) {
    case PKT_DATA:
        snprintf(label, LABEL_MAX, "[%d/%d]", p->seq, p->total);
        *at = A_DATA;
        return;
    case PKT_ACK:
        snprintf(label, LABEL_MAX, "[ACK%d]", p->seq);
        *at = A_ACK;
        return;
    case PKT_ECHO_REQUEST: snprintf(label, LABEL_MAX, "[ping]"); break;
    case PKT_ECHO_REPLY: snprintf(label, LABEL_MAX, "[pong]"); break;
    default: snprintf(label, LABEL_MAX, "[ICMP]"); break;
    }
    *at = A_ICMP;
}

/* Who the packet is for, as the lecture says it: the host name, else the
 * address. */
static const char *dest_words(const struct topo *t, uint32_t dst, char buf[ADDR_IPV4_STRLEN])
{
    int owner = topo_addr_owner(t, dst, NULL);
    if (owner >= 0 && t->nodes[owner].hostname)
        return t->nodes[owner].hostname;
    return addr_format_ipv4(dst, buf);
}

/* The same words as the trace's (relayview.c), so one translation serves
 * both. */
static const char *drop_reason(enum sim_drop why)
{
    switch (why) {
    case DROP_TTL: return _("its TTL ran out: \"time exceeded\" goes back to the sender");
    case DROP_QUEUE: return _("the queue to the next link is full (congestion)");
    case DROP_LINK_DOWN: return _("the link is down: the way is cut");
    case DROP_LOSS: return _("lost on the link");
    case DROP_NO_ROUTE: return _("no route to its destination");
    case DROP_NOT_ROUTER: return _("not mine, and this node is not a router: it does not pass packets on");
    case DROP_MTU: return _("too big for the next link's MTU");
    }
    return "?";
}

/* Simulated time as the trace shows it: "22.730". */
static const char *ms_text(int64_t us, char buf[32])
{
    snprintf(buf, 32, "%" PRId64 ".%03" PRId64, us / 1000, us % 1000);
    return buf;
}

/* A FILE writing into buf, which stays NUL-terminated. */
static FILE *text_file(char *buf, size_t size)
{
    memset(buf, 0, size);
    return fmemopen(buf, size - 1, "w");
}

/* A log line. The same thing happening again at the same node (three
 * buckets dropped, three pieces sent again) shows as one line with a
 * count, so that it does not push everything else off the log. `merge`
 * is the event whose kind decides that, or NULL. */
static void log_add(struct anim *a, const struct sim_event *merge, int64_t t_us, enum attr at,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void log_add(struct anim *a, const struct sim_event *merge, int64_t t_us, enum attr at,
                    const char *fmt, ...)
{
    long key = merge ? 1 + merge->type + 16L * (merge->type == SIM_DROP ? merge->reason + 1 : 0) +
                       256L * (merge->node + 1) : 0;
    struct logline *last = &a->log[LOG_LINES - 1];
    bool again = key && key == last->key;
    if (!again) {
        memmove(a->log, a->log + 1, sizeof a->log - sizeof a->log[0]);
        *last = (struct logline){.attr = at, .key = key};
    }
    last->count++;
    char ms[32], text[TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    int n = snprintf(last->text, TEXT_MAX, "%9s ms  %s", ms_text(t_us - a->t0, ms), text);
    if (again && n > 0 && n < TEXT_MAX)
        snprintf(last->text + n, (size_t)(TEXT_MAX - n), " (x%d)", last->count);
}

static void bubble(struct anim *a, int node, const struct sim_packet *p, enum attr at)
{
    char label[LABEL_MAX] = "";
    enum attr ignored;
    if (p)
        bucket_label(p, label, &ignored);
    a->bub_node = node;
    snprintf(a->bub_head, sizeof a->bub_head, "%s%s%s", node_name(a->t, node), p ? " " : "", label);
    a->bub_words[0] = a->bub_detail[0] = '\0';
    a->bub_attr = at;
}

static struct flight *flight_of(struct anim *a, long id)
{
    for (size_t i = 0; i < a->n_fl; i++)
        if (a->fl[i].id == id)
            return &a->fl[i];
    return NULL;
}

static double flight_frac(const struct flight *f, int64_t t)
{
    if (t <= f->start_us || f->arrive_us <= f->start_us)
        return t >= f->arrive_us && f->arrive_us > f->start_us ? 1 : 0;
    double x = (double)(t - f->start_us) / (double)(f->arrive_us - f->start_us);
    return x > 1 ? 1 : x;
}

static void flight_end(struct anim *a, struct flight *f)
{
    *f = a->fl[--a->n_fl];
}

static int64_t tx_us(const struct topo_link *l, int size)
{
    return (int64_t)((double)size * 8.0 * 1000.0 / l->bandwidth_kbps + 0.5);
}

/* A bucket sets out: when it starts (after the ones ahead of it on the
 * lane) and arrives, as the simulator's transmit() reckons. */
static void flight_start(struct anim *a, const struct sim_event *ev)
{
    const struct sim_packet *p = ev->packet;
    if (a->n_fl == a->cap_fl) {
        size_t cap = a->cap_fl ? a->cap_fl * 2 : 32;
        struct flight *grown = realloc(a->fl, cap * sizeof *grown);
        if (!grown)
            return;             /* not drawn; the run goes on */
        a->fl = grown;
        a->cap_fl = cap;
    }
    const struct topo_link *l = &a->t->links[ev->link];
    struct flight *f = &a->fl[a->n_fl++];
    *f = (struct flight){.id = p->id, .link = ev->link, .dir = l->end[0].node == ev->node ? 0 : 1,
                         .made_us = ev->t_us};
    bucket_label(p, f->label, &f->attr);
    int64_t *busy = &a->lane_busy[2 * ev->link + f->dir];
    f->lane_before = *busy;
    f->start_us = *busy > ev->t_us ? *busy : ev->t_us;
    *busy = f->start_us + tx_us(l, p->size);
    f->arrive_us = *busy + l->delay_us;
    a->fresh = p->id;
}

static void on_forward(struct anim *a, const struct sim_event *ev)
{
    const struct topo *t = a->t;
    const struct sim_packet *p = ev->packet;
    struct flight *old = flight_of(a, p->id);
    if (old)
        flight_end(a, old);
    flight_start(a, ev);

    char dw[ADDR_IPV4_STRLEN], pass[TEXT_MAX];
    snprintf(pass, sizeof pass, _("For %s. Let's pass it on."), dest_words(t, p->dst, dw));
    bubble(a, ev->node, p, A_PLAIN);
    if (ev->in_link >= 0)       /* a packet made here is not asked about */
        snprintf(a->bub_words, sizeof a->bub_words, "%s %s", _("Is it mine? ...no."), pass);
    else
        snprintf(a->bub_words, sizeof a->bub_words, "%s", pass);

    struct route_choice m[ROUTE_MATCHES_MAX];
    size_t n = router_matches(sim_router(a->s), ev->node, p->dst, m, ROUTE_MATCHES_MAX);
    FILE *f = text_file(a->bub_detail, sizeof a->bub_detail);
    if (f) {
        fprintf(f, _(" -> %s by "), node_name(t, ev->next_node));
        relayview_route(f, t, ev->node, ev->route);
        fprintf(f, " (%s)", relayview_why(ev->route, n > 1 ? &m[1] : NULL));
        fclose(f);
    }
}

/* The queue held it longer than the mirror of the lane knew (a queue the
 * world's "congest" filled): assume full-size packets ahead of it. */
static void on_queue(struct anim *a, const struct sim_event *ev)
{
    const struct topo *t = a->t;
    struct flight *f = flight_of(a, ev->packet->id);
    const struct topo_link *l = &t->links[ev->link];
    if (f && f->start_us <= ev->t_us) {
        int64_t *busy = &a->lane_busy[2 * f->link + f->dir];
        f->start_us = ev->t_us + ev->queued * tx_us(l, l->mtu);
        *busy = f->start_us + tx_us(l, ev->packet->size);
        f->arrive_us = *busy + l->delay_us;
    }
    /* a bucket or two waiting behind their own kind is the ordinary pace
     * of a link; a queue half full is worth a line */
    if (2 * ev->queued < l->queue)
        return;
    char label[LABEL_MAX];
    enum attr at;
    bucket_label(ev->packet, label, &at);
    log_add(a, ev, ev->t_us, A_PLAIN, _("%1$s: %2$s waits in the queue for %3$s (%4$d waiting)"),
            node_name(t, ev->node), label, node_name(t, ev->next_node), ev->queued);
}

/* A drop with a link happens as the bucket is put on it (link down,
 * MTU, queue full) or where it was going (lost, or the link went down
 * under it); one without, at the node that had it (TTL, no route, not a
 * router). Only a node deciding to drop speaks. */
static void on_drop(struct anim *a, const struct sim_event *ev)
{
    const struct topo *t = a->t;
    const struct sim_packet *p = ev->packet;
    struct flight *f = flight_of(a, p->id);
    bool at_once = f && ev->link >= 0 && f->id == a->fresh && f->made_us == ev->t_us &&
                   ev->reason != DROP_LOSS;
    struct ghost *g = &a->ghosts[0];       /* a free one, else the oldest */
    for (int i = 0; i < GHOSTS && g->used; i++)
        if (!a->ghosts[i].used || a->ghosts[i].until_ms < g->until_ms)
            g = &a->ghosts[i];
    *g = (struct ghost){.used = true, .link = -1, .node = ev->node, .until_ms = a->run_ms + GHOST_MS};
    enum attr at;
    bucket_label(p, g->label, &at);
    g->label[0] = 'X';          /* a bucket crossed out: X2/3X */
    g->label[strlen(g->label) - 1] = 'X';
    if (f) {
        if (at_once)            /* it never took the lane's time */
            a->lane_busy[2 * f->link + f->dir] = f->lane_before;
        if (ev->link >= 0) {
            g->link = f->link;
            g->dir = f->dir;
            g->frac = flight_frac(f, ev->t_us);
        }
        flight_end(a, f);
    }
    char label[LABEL_MAX];
    bucket_label(p, label, &at);
    const char *why = drop_reason(ev->reason);
    log_add(a, ev, ev->t_us, A_DROP, _("%1$s: %2$s dropped: %3$s"), node_name(t, ev->node), label, why);
    if (ev->link >= 0 && !at_once)
        return;
    bubble(a, ev->node, p, A_DROP);
    if (ev->reason == DROP_NOT_ROUTER) {
        snprintf(a->bub_words, sizeof a->bub_words, "%s", _("Is it mine? ...no."));
        snprintf(a->bub_detail, sizeof a->bub_detail, "%s", why);
    } else {
        snprintf(a->bub_words, sizeof a->bub_words, "%s", why);
    }
}

static void on_deliver(struct anim *a, const struct sim_event *ev)
{
    const struct sim_packet *p = ev->packet;
    struct flight *f = flight_of(a, p->id);
    if (f)
        flight_end(a, f);
    if (p->kind == PKT_DATA && p->msg >= 0 && p->seq >= 1) {
        if (!a->arrived && (a->arrived = calloc((size_t)p->total, 1)))
            a->total = p->total;
        if (a->arrived && p->seq <= a->total && !a->arrived[p->seq - 1]) {
            a->arrived[p->seq - 1] = 1;
            a->n_arrived++;
        }
    }
    bubble(a, ev->node, p, A_OK);
    snprintf(a->bub_words, sizeof a->bub_words, "%s", _("It's mine!"));
    char what[64], from[ADDR_IPV4_STRLEN];
    FILE *wf = text_file(what, sizeof what);
    if (wf) {
        relayview_packet(wf, p);
        fclose(wf);
    }
    snprintf(a->bub_detail, sizeof a->bub_detail, _("%1$s from %2$s"), what,
             addr_format_ipv4(p->src, from));
}

static void observe(const struct sim_event *ev, void *arg)
{
    struct anim *a = arg;
    const struct topo *t = a->t;
    a->events++;
    a->last_event_ms = a->run_ms;
    if (a->skip_from >= 0) {
        char ms[32];
        log_add(a, NULL, a->skip_from, A_DIM, _("(%s ms pass with nothing on the way)"),
                ms_text(ev->t_us - a->skip_from, ms));
        a->skip_from = -1;
    }
    if (ev->type != SIM_QUEUE && ev->type != SIM_DROP)
        a->fresh = -1;
    switch (ev->type) {
    case SIM_SEND:
        break;
    case SIM_FORWARD:
        on_forward(a, ev);
        break;
    case SIM_QUEUE:
        on_queue(a, ev);
        break;
    case SIM_DROP:
        on_drop(a, ev);
        break;
    case SIM_DELIVER:
        on_deliver(a, ev);
        break;
    case SIM_ACK:
        log_add(a, ev, ev->t_us, A_ACK, _("%1$s: the ACK says piece %2$d of %3$d has arrived"),
                node_name(t, ev->node), ev->packet->seq, ev->packet->total);
        break;
    case SIM_RETRANSMIT:
        bubble(a, ev->node, NULL, A_DROP);
        snprintf(a->bub_words, sizeof a->bub_words, _("no ACK in time: piece %d is sent again"),
                 ev->queued);
        log_add(a, ev, ev->t_us, A_DROP, "%s: %s", node_name(t, ev->node), a->bub_words);
        break;
    case SIM_REASSEMBLE: {
        const struct sim_message *m = sim_message(a->s, ev->msg);
        char rest[TEXT_MAX];
        snprintf(rest, sizeof rest, _(": every piece is here, %zu bytes put back together"), m->size);
        log_add(a, NULL, ev->t_us, A_OK, "%s%s", node_name(t, ev->node), rest);
        break;
    }
    case SIM_GIVE_UP:
        log_add(a, NULL, ev->t_us, A_DROP, "%s: %s", node_name(t, ev->node),
                _("no ACK after every try: the sender gives up"));
        bubble(a, ev->node, NULL, A_DROP);
        snprintf(a->bub_words, sizeof a->bub_words, "%s", _("no ACK after every try: the sender gives up"));
        break;
    case SIM_LINK: {
        const struct topo_link *l = &t->links[ev->link];
        char e0[2 * TOPO_NAME_MAX], e1[2 * TOPO_NAME_MAX];
        log_add(a, NULL, ev->t_us, ev->up ? A_OK : A_DROP,
                ev->up ? _("%s -- %s is up again") : _("%s -- %s goes down"),
                topo_end_name(t, l->end[0], e0, sizeof e0), topo_end_name(t, l->end[1], e1, sizeof e1));
        a->geometry_stale = a->path_view;   /* the way may have changed */
        break;
    }
    }
}

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
                                    flight_frac(f, a->vt) * (a->path_len[f->link] - 1)};
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
    snprintf(left, sizeof left, _(" %1$s ms  speed x%2$g  %3$s"), ms_text(a->vt - a->t0, ms),
             a->speed, a->paused ? _("PAUSED") : "");
    snprintf(right, sizeof right, _("delivered %1$d/%2$d "), a->n_arrived, m ? m->total : 0);
    int rw = term_width(right);
    cellgrid_put_fit(g, 0, y, left, A_STATUS, g->w - 1 - rw - 1);
    cellgrid_put_text(g, g->w - 1 - rw, y, right, A_STATUS, rw);
}

static void draw(struct anim *a)
{
    struct cellgrid *g = &a->grid;
    if (a->geometry_stale)
        layout(a);
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

/* ------------------------------------------------------------------------
 * The window's size: the grid and the layout follow it; in a window too
 * small, a message instead until it grows.
 */
static int resize(struct anim *a)
{
    int w, h;
    if (cellgrid_window_size(&w, &h) < 0) {
        w = MIN_W;
        h = MIN_H;
    }
    a->too_small = w < MIN_W || h < MIN_H;
    if (a->too_small) {
        cellgrid_emit(&a->grid, "\033[0m\033[H\033[2J");
        cellgrid_emit(&a->grid, _("Window too small: the animation needs 80x24 (q quits)."));
        cellgrid_send(&a->grid);
        return 0;
    }
    if (cellgrid_resize(&a->grid, w, h) < 0) {
        a->too_small = true;    /* nothing more is drawn */
        return -1;
    }
    layout(a);
    return 0;
}

/* ------------------------------------------------------------------------
 * The run.
 */
static bool run_over(const struct anim *a)
{
    const struct sim_message *m = sim_message(a->s, a->msg);
    return m && (m->delivered || m->given_up) && a->n_fl == 0;
}

/* Runs the simulation up to the next event anyone would see; false when
 * none comes within SKIP_LIMIT_US. */
static bool next_event(struct anim *a)
{
    long before = a->events;
    int64_t limit = a->vt + SKIP_LIMIT_US;
    while (a->events == before && a->vt < limit) {
        a->vt += STEP_US;
        sim_run(a->s, a->vt);
    }
    return a->events != before;
}

static void forget_stale(struct anim *a)
{
    for (size_t i = 0; i < a->n_fl;)
        if (a->vt > a->fl[i].arrive_us + STALE_US)
            flight_end(a, &a->fl[i]);
        else
            i++;
}

static void tick(struct anim *a, double dt_ms)
{
    if (a->paused || a->too_small || a->ended)
        return;
    a->run_ms += dt_ms;
    a->vt += (int64_t)(dt_ms * US_PER_REAL_MS * a->speed);
    sim_run(a->s, a->vt);
    forget_stale(a);
    if (run_over(a)) {
        a->ended = true;
    } else if (a->n_fl == 0 && a->run_ms - a->last_event_ms > IDLE_HOLD_MS) {
        /* nothing on the wires: waiting for a timer; no need to watch it */
        a->skip_from = a->vt;
        if (!next_event(a))
            a->ended = true;
        a->skip_from = -1;
    }
}

static void key(struct anim *a, int c)
{
    switch (c) {
    case ' ':
        if (!a->paused) {
            a->paused = true;
        } else if (!a->ended) {
            if (!next_event(a))
                a->ended = true;
            else if (run_over(a))
                a->ended = true;
        }
        break;
    case '\r':
    case '\n':
    case 'p':
        a->paused = c == 'p' ? !a->paused : false;
        break;
    case '+':
    case '=':
        a->speed = a->speed * 2 > SPEED_MAX ? SPEED_MAX : a->speed * 2;
        break;
    case '-':
    case '_':
        a->speed = a->speed / 2 < SPEED_MIN ? SPEED_MIN : a->speed / 2;
        break;
    case 'q':
    case 'Q':
        a->quit = true;
        break;
    }
}

static void read_keys(struct anim *a, int timeout_ms)
{
    struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return;
    unsigned char buf[64];
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if ((n == 0 && (pfd.revents & POLLHUP)) || (n < 0 && errno != EINTR && errno != EAGAIN))
        a->quit = true;         /* the terminal went away */
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == 0x1b)
            break;              /* an arrow or function key: none is ours */
        key(a, buf[i]);
    }
}

/* The last line: as the trace ends (relayview_end), or where it stopped. */
static void final_line(struct anim *a)
{
    const struct sim_message *m = sim_message(a->s, a->msg);
    char line[TEXT_MAX];
    if (m->delivered || m->given_up) {
        struct relayview v;
        FILE *f = text_file(line, sizeof line);
        if (!f)
            return;
        relayview_init(&v, f, RELAYVIEW_TRACE, a->s);
        relayview_end(&v, a->msg);
        fclose(f);
        line[strcspn(line, "\n")] = '\0';
    } else {
        char ms[32];
        snprintf(line, sizeof line, _("Stopped at %1$s ms: %2$d of %3$d pieces had arrived."),
                 ms_text(a->vt - a->t0, ms), a->n_arrived, m->total);
    }
    /* in place of the status line; whole (the terminal wraps it), since
     * it is what stays on the screen */
    struct cellgrid *g = &a->grid;
    if (a->too_small) {
        cellgrid_emit(g, "\r\n");
    } else {
        for (int x = 0; x < g->w - 1; x++)
            cellgrid_put_char(g, x, g->h - 1, ' ', A_PLAIN);
        cellgrid_flush(g);
        cellgrid_goto(g, 0, g->h - 1);
    }
    if (g->sgr)
        cellgrid_emit(g, g->sgr[m->delivered ? A_OK : A_DROP]);
    cellgrid_emit(g, line);
    cellgrid_emit(g, "\033[0m\r\n");
    cellgrid_send(g);
}

static void make_title(struct anim *a)
{
    const struct sim_message *m = sim_message(a->s, a->msg);
    char s[ADDR_IPV4_STRLEN], d[ADDR_IPV4_STRLEN];
    snprintf(a->title, sizeof a->title, _("%1$s (%2$s) -> %3$s (%4$s): %5$zu bytes in %6$d packets"),
             node_name(a->t, a->src), addr_format_ipv4(m->src, s), node_name(a->t, a->dst_node),
             addr_format_ipv4(m->dst, d), m->size, m->total);
}

static void anim_free(struct anim *a)
{
    free_paths(a);
    free(a->paths);
    free(a->path_len);
    free(a->pos);
    free(a->lane_busy);
    free(a->fl);
    free(a->arrived);
    cellgrid_free(&a->grid);
}

int relayanim_run(struct sim *s, int src_node, uint32_t dst, const struct sim_message_opts *mo,
                  const struct relayanim_opts *o)
{
    struct topo *t = sim_topo(s);
    struct anim a = {.s = s, .t = t, .src = src_node, .dst = dst, .msg = -1, .bub_node = -1,
                     .fresh = -1, .skip_from = -1, .dst_node = topo_addr_owner(t, dst, NULL),
                     .speed = o && o->speed >= SPEED_MIN ? o->speed : 1.0};
    cellgrid_init(&a.grid, term_color() ? sgr : NULL);
    a.speed = a.speed > SPEED_MAX ? SPEED_MAX : a.speed;
    a.pos = calloc(t->n_nodes + 1, sizeof *a.pos);
    a.paths = calloc(t->n_links + 1, sizeof *a.paths);
    a.path_len = calloc(t->n_links + 1, sizeof *a.path_len);
    a.lane_busy = calloc(2 * t->n_links + 1, sizeof *a.lane_busy);
    if (!a.pos || !a.paths || !a.path_len || !a.lane_busy) {
        anim_free(&a);
        term_error("%s", _("relay: out of memory"));
        return -1;
    }
    fflush(stdout);
    cellgrid_catch_signals();
    a.t0 = a.vt = sim_now(s);
    sim_observe(s, observe, &a);
    a.msg = sim_send(s, src_node, dst, mo);
    int rc = -1;
    if (a.msg < 0)
        goto out;
    make_title(&a);
    cellgrid_enter(&a.grid);
    if (resize(&a) < 0) {
        cellgrid_leave(&a.grid, false);
        goto out;
    }
    double last = clock_ms();
    while (!a.quit && !cellgrid_quit_signal()) {
        switch (cellgrid_event()) {
        case CELLGRID_STOP:     /* Ctrl-Z; on fg, all is drawn anew */
            cellgrid_suspend(&a.grid);
            a.failed = resize(&a) < 0;
            break;
        case CELLGRID_REDRAW:
            a.failed = resize(&a) < 0;
            break;
        case CELLGRID_QUIET:
            break;
        }
        if (a.failed)
            break;
        double now = clock_ms(), dt = now - last;
        last = now;
        tick(&a, dt < 0 ? 0 : dt > 100 ? 100 : dt);     /* a stop (Ctrl-Z) is not a leap */
        if (a.ended)
            break;
        if (!a.too_small)       /* else its message stays until the window grows */
            draw(&a);
        double spent = clock_ms() - now;
        read_keys(&a, spent >= FRAME_MS ? 0 : FRAME_MS - (int)spent);
    }
    if (a.too_small && !a.failed)   /* the window may have grown back */
        resize(&a);
    if (!a.too_small)
        draw(&a);
    final_line(&a);
    cellgrid_leave(&a.grid, true);
    rc = a.failed ? -1 : sim_message(s, a.msg)->delivered ? 0 : 1;
out:
    if (rc < 0)
        term_error("%s", _("relay: out of memory"));
    sim_observe(s, NULL, NULL);
    cellgrid_restore_signals();
    anim_free(&a);
    /* the animation ends as asked; a hang-up or kill then goes on as it would have */
    int sig = cellgrid_quit_signal();
    if (sig == SIGTERM || sig == SIGHUP)
        raise(sig);
    return rc;
}
