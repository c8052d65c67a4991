/* relayanim_observe — the simulator's events become buckets on links, the
 * bubble and log lines (relayanim_internal.h). */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relayanim_internal.h"
#include "relayview.h"
#include "util/i18n.h"
#include "util/term.h"

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
const char *anim_ms_text(int64_t us, char buf[32])
{
    snprintf(buf, 32, "%" PRId64 ".%03" PRId64, us / 1000, us % 1000);
    return buf;
}

/* A FILE writing into buf, which stays NUL-terminated. */
FILE *anim_text_file(char *buf, size_t size)
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
    int n = snprintf(last->text, TEXT_MAX, "%9s ms  %s", anim_ms_text(t_us - a->t0, ms), text);
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
    snprintf(a->bub_head, sizeof a->bub_head, "%s%s%s", anim_node_name(a->t, node), p ? " " : "",
             label);
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

double anim_flight_frac(const struct flight *f, int64_t t)
{
    if (t <= f->start_us || f->arrive_us <= f->start_us)
        return t >= f->arrive_us && f->arrive_us > f->start_us ? 1 : 0;
    double x = (double)(t - f->start_us) / (double)(f->arrive_us - f->start_us);
    return x > 1 ? 1 : x;
}

void anim_flight_end(struct anim *a, struct flight *f)
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
        anim_flight_end(a, old);
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
    FILE *f = anim_text_file(a->bub_detail, sizeof a->bub_detail);
    if (f) {
        fprintf(f, _(" -> %s by "), anim_node_name(t, ev->next_node));
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
            anim_node_name(t, ev->node), label, anim_node_name(t, ev->next_node), ev->queued);
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
            g->frac = anim_flight_frac(f, ev->t_us);
        }
        anim_flight_end(a, f);
    }
    char label[LABEL_MAX];
    bucket_label(p, label, &at);
    const char *why = drop_reason(ev->reason);
    log_add(a, ev, ev->t_us, A_DROP, _("%1$s: %2$s dropped: %3$s"), anim_node_name(t, ev->node),
            label, why);
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
        anim_flight_end(a, f);
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
    FILE *wf = anim_text_file(what, sizeof what);
    if (wf) {
        relayview_packet(wf, p);
        fclose(wf);
    }
    snprintf(a->bub_detail, sizeof a->bub_detail, _("%1$s from %2$s"), what,
             addr_format_ipv4(p->src, from));
}

void anim_observe(const struct sim_event *ev, void *arg)
{
    struct anim *a = arg;
    const struct topo *t = a->t;
    a->events++;
    a->last_event_ms = a->run_ms;
    if (a->skip_from >= 0) {
        char ms[32];
        log_add(a, NULL, a->skip_from, A_DIM, _("(%s ms pass with nothing on the way)"),
                anim_ms_text(ev->t_us - a->skip_from, ms));
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
                anim_node_name(t, ev->node), ev->packet->seq, ev->packet->total);
        break;
    case SIM_RETRANSMIT:
        bubble(a, ev->node, NULL, A_DROP);
        snprintf(a->bub_words, sizeof a->bub_words, _("no ACK in time: piece %d is sent again"),
                 ev->queued);
        log_add(a, ev, ev->t_us, A_DROP, "%s: %s", anim_node_name(t, ev->node), a->bub_words);
        break;
    case SIM_REASSEMBLE: {
        const struct sim_message *m = sim_message(a->s, ev->msg);
        char rest[TEXT_MAX];
        snprintf(rest, sizeof rest, _(": every piece is here, %zu bytes put back together"), m->size);
        log_add(a, NULL, ev->t_us, A_OK, "%s%s", anim_node_name(t, ev->node), rest);
        break;
    }
    case SIM_GIVE_UP:
        log_add(a, NULL, ev->t_us, A_DROP, "%s: %s", anim_node_name(t, ev->node),
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
