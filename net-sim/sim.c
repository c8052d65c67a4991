/*
 * sim — see sim.h.
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

enum item_type {
    IT_ARRIVE,                  /* a packet reaches a node over a link */
    IT_LOST,                    /* a packet the link lost would have arrived */
    IT_TX_START,                /* a queued packet starts out: one fewer waits */
    IT_TIMER,                   /* a retransmission timer */
    IT_TOPO,                    /* one of the topology's timed events */
};

struct item {
    int64_t t_us;
    long seq;                   /* ties in time: the order they were made */
    enum item_type type;
    struct sim_packet *pkt;
    int node, link, a, b;
};

/* One direction of a link. */
struct lane {
    int64_t busy_until;
    int waiting;
    bool flooded;               /* sim_congest(): other traffic keeps it full */
    bool our_turn;              /* flooded: the next freed place is ours */
};

struct msg {
    struct sim_message pub;
    char *payload;
    size_t payload_len;         /* bytes the caller gave: 0 for an empty message */
    int ttl, tries, window;
    int next_unsent;            /* 0-based index of the next piece to send */
    int in_flight;
    unsigned char *acked, *received;
    int *tries_used;
    int n_acked, n_received;
};

struct sim {
    struct topo *t;
    struct router *router;
    sim_observer *observe;
    void *observe_arg;
    uint64_t rng;
    int64_t now;
    long next_seq, next_packet;
    struct item *heap;
    size_t heap_n, heap_cap;
    struct lane *lanes;         /* 2 per link: from end 0, from end 1 */
    struct msg *msgs;
    size_t n_msgs, cap_msgs;
    bool oom;
};

/* ------------------------------------------------------------------------
 * The event heap, ordered by (time, seq).
 */
static bool before(const struct item *a, const struct item *b)
{
    return a->t_us != b->t_us ? a->t_us < b->t_us : a->seq < b->seq;
}

static void schedule(struct sim *s, struct item it)
{
    if (s->heap_n == s->heap_cap) {
        size_t cap = s->heap_cap ? s->heap_cap * 2 : 256;
        struct item *h = realloc(s->heap, cap * sizeof *h);
        if (!h) {
            s->oom = true;
            free(it.pkt);
            return;
        }
        s->heap = h;
        s->heap_cap = cap;
    }
    it.seq = s->next_seq++;
    size_t i = s->heap_n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(&it, &s->heap[p]))
            break;
        s->heap[i] = s->heap[p];
        i = p;
    }
    s->heap[i] = it;
}

static struct item unschedule(struct sim *s)
{
    struct item top = s->heap[0], last = s->heap[--s->heap_n];
    size_t i = 0, n = s->heap_n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && before(&s->heap[c + 1], &s->heap[c]))
            c++;
        if (!before(&s->heap[c], &last))
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (n)
        s->heap[i] = last;
    return top;
}

/* splitmix64: small, fast, and the same sequence on every machine. */
static double random_unit(struct sim *s)
{
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

/* ------------------------------------------------------------------------
 * Life and death.
 */
struct sim *sim_new(struct topo *t, uint64_t seed)
{
    struct sim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->t = t;
    s->rng = seed;
    s->next_packet = 1;
    s->router = router_new(t);
    s->lanes = calloc(2 * t->n_links + 1, sizeof *s->lanes);
    if (!s->router || !s->lanes) {
        sim_free(s);
        return NULL;
    }
    for (size_t i = 0; i < t->n_events; i++)
        schedule(s, (struct item){.t_us = t->events[i].at_us, .type = IT_TOPO, .a = (int)i});
    return s;
}

void sim_free(struct sim *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->heap_n; i++)
        free(s->heap[i].pkt);
    free(s->heap);
    for (size_t i = 0; i < s->n_msgs; i++) {
        free(s->msgs[i].payload);
        free(s->msgs[i].acked);
        free(s->msgs[i].received);
        free(s->msgs[i].tries_used);
    }
    free(s->msgs);
    free(s->lanes);
    router_free(s->router);
    free(s);
}

void sim_observe(struct sim *s, sim_observer *fn, void *arg)
{
    s->observe = fn;
    s->observe_arg = arg;
}

struct router *sim_router(struct sim *s) { return s->router; }
struct topo *sim_topo(struct sim *s) { return s->t; }
int64_t sim_now(const struct sim *s) { return s->now; }

const struct sim_message *sim_message(const struct sim *s, int id)
{
    return id >= 0 && (size_t)id < s->n_msgs ? &s->msgs[id].pub : NULL;
}

static void emit(struct sim *s, struct sim_event ev)
{
    ev.t_us = s->now;
    if (s->observe)
        s->observe(&ev, s->observe_arg);
}

static struct sim_event event(enum sim_event_type type, int node, const struct sim_packet *p)
{
    return (struct sim_event){.type = type, .node = node, .packet = p, .next_node = -1,
                              .link = -1, .in_link = -1, .msg = p ? p->msg : -1};
}

/* ------------------------------------------------------------------------
 * Packets on their way.
 */
static void drop(struct sim *s, int node, struct sim_packet *p, enum sim_drop why, int link)
{
    struct sim_event ev = event(SIM_DROP, node, p);
    ev.reason = why;
    ev.link = link;
    if (link >= 0) {
        const struct topo_link *l = &s->t->links[link];
        ev.next_node = l->end[0].node == node ? l->end[1].node : l->end[0].node;
    }
    emit(s, ev);
    free(p);
}

static struct sim_packet *new_packet(struct sim *s, enum sim_packet_kind kind, int origin,
                                     uint32_t src, uint32_t dst, int size)
{
    struct sim_packet *p = calloc(1, sizeof *p);
    if (!p) {
        s->oom = true;
        return NULL;
    }
    p->id = s->next_packet++;
    p->kind = kind;
    p->origin = origin;
    p->src = src;
    p->dst = dst;
    p->ttl = SIM_TTL_DEFAULT;
    p->size = size;
    p->msg = -1;
    p->made_us = s->now;
    return p;
}

static void handle(struct sim *s, int node, struct sim_packet *p, int in_link);

/* A packet made at `node` starts its way there. */
static void originate(struct sim *s, int node, struct sim_packet *p)
{
    if (!p)
        return;
    emit(s, event(SIM_SEND, node, p));
    handle(s, node, p, -1);
}

/* The ICMP error a router sends back about `p`; none about ICMP errors. */
static void report(struct sim *s, int node, const struct sim_packet *p,
                   enum sim_packet_kind kind, int in_link)
{
    if (p->kind == PKT_TIME_EXCEEDED || p->kind == PKT_UNREACHABLE)
        return;
    /* routers answer from the address of the interface it came in on */
    uint32_t from = topo_node_addr(s->t, node);
    if (in_link >= 0) {
        const struct topo_link *l = &s->t->links[in_link];
        struct topo_end e = l->end[0].node == node ? l->end[0] : l->end[1];
        from = s->t->nodes[node].ifaces[e.iface].ipv4.addr;
    }
    /* IPv4 header, ICMP header, and the first 28 bytes of what it is about */
    struct sim_packet *r = new_packet(s, kind, node, from, p->src, 20 + 8 + 28);
    if (!r)
        return;
    r->about = p->id;
    originate(s, node, r);
}

static void top_up(struct sim *s, int link, int dir, int fill);

static void transmit(struct sim *s, int node, int link, struct sim_packet *p)
{
    const struct topo_link *l = &s->t->links[link];
    int dir = l->end[0].node == node ? 0 : 1;
    struct lane *lane = &s->lanes[2 * link + dir];
    int far = l->end[!dir].node;
    /* Steady heavy traffic arrives as fast as the link sends, so on its
     * own it keeps the queue full; it and we take the place each sent
     * packet frees in turn: every other packet of ours finds the queue
     * full and is dropped, the others wait behind a full queue. */
    if (lane->flooded) {
        top_up(s, link, dir, lane->our_turn ? l->queue - 1 : l->queue);
        lane->our_turn = !lane->our_turn;
    }
    int64_t start = lane->busy_until > s->now ? lane->busy_until : s->now;
    if (start > s->now) {
        if (lane->waiting >= l->queue) {
            drop(s, node, p, DROP_QUEUE, link);
            return;
        }
        lane->waiting++;
        struct sim_event ev = event(SIM_QUEUE, node, p);
        ev.link = link;
        ev.next_node = far;
        ev.queued = lane->waiting;
        emit(s, ev);
        schedule(s, (struct item){.t_us = start, .type = IT_TX_START, .link = link, .a = dir});
    }
    /* serialisation: bits over kbit/s gives ms; in microseconds */
    int64_t tx = (int64_t)((double)p->size * 8.0 * 1000.0 / l->bandwidth_kbps + 0.5);
    lane->busy_until = start + tx;
    bool lost = l->loss_pct > 0 && random_unit(s) * 100.0 < l->loss_pct;
    schedule(s, (struct item){.t_us = start + tx + l->delay_us, .type = lost ? IT_LOST : IT_ARRIVE,
                              .pkt = p, .node = far, .link = link, .a = node});
}

static void deliver(struct sim *s, int node, struct sim_packet *p);

/* "Is it mine?" and, if not, "which way?" */
static void handle(struct sim *s, int node, struct sim_packet *p, int in_link)
{
    const struct topo *t = s->t;
    int iface;
    if (topo_addr_owner(t, p->dst, &iface) == node) {
        deliver(s, node, p);
        return;
    }
    if (in_link >= 0) {
        if (t->nodes[node].kind != TOPO_ROUTER) {
            drop(s, node, p, DROP_NOT_ROUTER, -1);
            return;
        }
        if (--p->ttl <= 0) {
            p->ttl = 0;
            report(s, node, p, PKT_TIME_EXCEEDED, in_link);
            drop(s, node, p, DROP_TTL, -1);
            return;
        }
    }
    struct route_choice rc;
    int matched = 0;
    if (router_lookup(s->router, node, p->dst, &rc, &matched) < 0 || rc.next_node < 0) {
        if (in_link >= 0)
            report(s, node, p, PKT_UNREACHABLE, in_link);
        drop(s, node, p, DROP_NO_ROUTE, -1);
        return;
    }
    const struct topo_link *l = &t->links[rc.link];
    struct sim_event ev = event(SIM_FORWARD, node, p);
    ev.next_node = rc.next_node;
    ev.link = rc.link;
    ev.in_link = in_link;
    ev.route = &rc;
    ev.n_matched = matched;
    emit(s, ev);
    if (!l->up) {
        drop(s, node, p, DROP_LINK_DOWN, rc.link);
        return;
    }
    if (p->size > l->mtu) {
        drop(s, node, p, DROP_MTU, rc.link);
        return;
    }
    transmit(s, node, rc.link, p);
}

/* ------------------------------------------------------------------------
 * Messages: pieces, acknowledgements, retransmission.
 */
static struct sim_packet *piece(struct sim *s, struct msg *m, int i)
{
    struct sim_message *pm = &m->pub;
    size_t off = (size_t)i * (size_t)pm->piece;
    size_t len = pm->size - off < (size_t)pm->piece ? pm->size - off : (size_t)pm->piece;
    struct sim_packet *p = new_packet(s, PKT_DATA, pm->src_node, pm->src, pm->dst,
                                      (int)len + SIM_HEADER_BYTES);
    if (!p)
        return NULL;
    p->msg = pm->id;
    p->seq = i + 1;
    p->total = pm->total;
    p->ttl = m->ttl;
    p->try_no = ++m->tries_used[i];
    if (m->payload) {
        /* an empty message still travels as one byte, with nothing to show */
        p->payload = m->payload + off;
        size_t left = off < m->payload_len ? m->payload_len - off : 0;
        p->payload_len = left < len ? left : len;
    }
    return p;
}

static void send_piece(struct sim *s, struct msg *m, int i, int64_t rto)
{
    struct sim_packet *p = piece(s, m, i);
    if (!p)
        return;
    schedule(s, (struct item){.t_us = s->now + rto, .type = IT_TIMER, .a = m->pub.id, .b = i,
                              .link = p->try_no});
    originate(s, m->pub.src_node, p);
}

/* Sends pieces while the window has room. */
static void fill_window(struct sim *s, struct msg *m)
{
    while (!m->pub.given_up && m->next_unsent < m->pub.total && m->in_flight < m->window) {
        m->in_flight++;
        send_piece(s, m, m->next_unsent++, SIM_RTO_US);
    }
}

static void timer(struct sim *s, int id, int i, int try_no)
{
    struct msg *m = &s->msgs[id];
    if (m->acked[i] || m->pub.given_up || m->tries_used[i] != try_no)
        return;
    if (try_no >= m->tries) {
        m->pub.given_up = true;
        m->pub.done_us = s->now;
        struct sim_event ev = event(SIM_GIVE_UP, m->pub.src_node, NULL);
        ev.msg = id;
        emit(s, ev);
        return;
    }
    m->pub.retransmits++;
    struct sim_event ev = event(SIM_RETRANSMIT, m->pub.src_node, NULL);
    ev.msg = id;
    ev.queued = i + 1;          /* the piece sent again */
    emit(s, ev);
    /* exponential backoff (RFC 6298 5.5) */
    send_piece(s, m, i, (int64_t)SIM_RTO_US << try_no);
}

static void deliver(struct sim *s, int node, struct sim_packet *p)
{
    emit(s, event(SIM_DELIVER, node, p));
    struct msg *m = p->msg >= 0 ? &s->msgs[p->msg] : NULL;
    if (p->kind == PKT_DATA && m) {
        int i = p->seq - 1;
        if (!m->received[i]) {
            m->received[i] = 1;
            if (++m->n_received == m->pub.total && !m->pub.reassembled) {
                m->pub.reassembled = true;
                struct sim_event ev = event(SIM_REASSEMBLE, node, p);
                emit(s, ev);
            }
        }
        /* acknowledge every copy: the first ACK may be the one lost */
        struct sim_packet *a = new_packet(s, PKT_ACK, node, p->dst, p->src, SIM_HEADER_BYTES);
        if (a) {
            a->msg = p->msg;
            a->seq = p->seq;
            a->total = p->total;
            originate(s, node, a);
        }
    } else if (p->kind == PKT_ACK && m) {
        int i = p->seq - 1;
        if (!m->acked[i] && !m->pub.given_up) {
            m->acked[i] = 1;
            m->in_flight--;
            struct sim_event ev = event(SIM_ACK, node, p);
            emit(s, ev);
            if (++m->n_acked == m->pub.total) {
                m->pub.delivered = true;
                m->pub.done_us = s->now;
            }
            fill_window(s, m);
        }
    } else if (p->kind == PKT_ECHO_REQUEST) {
        struct sim_packet *r = new_packet(s, PKT_ECHO_REPLY, node, p->dst, p->src, p->size);
        if (r) {
            r->about = p->id;
            originate(s, node, r);
        }
    }
    free(p);
}

int sim_path_mtu(struct sim *s, int src_node, uint32_t dst)
{
    int mtu = 0, node = src_node;
    for (int hop = 0; hop < 255; hop++) {
        if (topo_addr_owner(s->t, dst, NULL) == node)
            break;
        struct route_choice rc;
        if (router_lookup(s->router, node, dst, &rc, NULL) < 0 || rc.next_node < 0)
            break;
        int lm = s->t->links[rc.link].mtu;
        if (mtu == 0 || lm < mtu)
            mtu = lm;
        node = rc.next_node;
    }
    return mtu ? mtu : 1500;
}

int sim_send(struct sim *s, int src_node, uint32_t dst, const struct sim_message_opts *o)
{
    uint32_t src = topo_node_addr(s->t, src_node);
    if (!src)
        return -1;
    if (s->n_msgs == s->cap_msgs) {
        size_t cap = s->cap_msgs ? s->cap_msgs * 2 : 16;
        struct msg *grown = realloc(s->msgs, cap * sizeof *grown);
        if (!grown)
            return -1;
        s->msgs = grown;
        s->cap_msgs = cap;
    }
    struct msg *m = &s->msgs[s->n_msgs];
    memset(m, 0, sizeof *m);
    struct sim_message *pm = &m->pub;
    pm->id = (int)s->n_msgs;
    pm->src_node = src_node;
    pm->src = src;
    pm->dst = dst;
    pm->size = o->size ? o->size : 1;
    int path = sim_path_mtu(s, src_node, dst);
    pm->mtu = o->mtu > 0 && o->mtu < path ? o->mtu : path;
    if (pm->mtu < SIM_HEADER_BYTES + 8)
        pm->mtu = SIM_HEADER_BYTES + 8;
    pm->piece = pm->mtu - SIM_HEADER_BYTES;
    pm->total = (int)((pm->size + (size_t)pm->piece - 1) / (size_t)pm->piece);
    pm->start_us = s->now;
    m->ttl = o->ttl > 0 ? o->ttl : SIM_TTL_DEFAULT;
    m->tries = o->tries > 0 ? o->tries : SIM_TRIES_DEFAULT;
    m->window = o->window > 0 ? o->window : SIM_WINDOW_DEFAULT;
    m->acked = calloc((size_t)pm->total, 1);
    m->received = calloc((size_t)pm->total, 1);
    m->tries_used = calloc((size_t)pm->total, sizeof *m->tries_used);
    /* copy only what the caller has: o->size may be 0 where pm->size is 1 */
    m->payload_len = o->size;
    if (o->payload && (m->payload = calloc(1, pm->size)))
        memcpy(m->payload, o->payload, o->size);
    if (!m->acked || !m->received || !m->tries_used || (o->payload && !m->payload)) {
        free(m->acked);
        free(m->received);
        free(m->tries_used);
        free(m->payload);
        return -1;
    }
    s->n_msgs++;
    fill_window(s, m);
    return pm->id;
}

long sim_ping(struct sim *s, int src_node, uint32_t dst, int ttl)
{
    uint32_t src = topo_node_addr(s->t, src_node);
    /* 64 bytes of ICMP, as ping sends by default, in a 20-byte IPv4 header */
    struct sim_packet *p = new_packet(s, PKT_ECHO_REQUEST, src_node, src, dst, 84);
    if (!p)
        return -1;
    if (ttl > 0)
        p->ttl = ttl;
    long id = p->id;
    originate(s, src_node, p);
    return id;
}

void sim_set_link(struct sim *s, int link, bool up)
{
    if (s->t->links[link].up == up)
        return;
    s->t->links[link].up = up;
    router_invalidate(s->router);
    struct sim_event ev = event(SIM_LINK, s->t->links[link].end[0].node, NULL);
    ev.link = link;
    ev.next_node = s->t->links[link].end[1].node;
    ev.up = up;
    emit(s, ev);
}

/* Other traffic takes the lane's queue up to `fill` packets of the link's
 * MTU; each leaves when its turn to be sent comes. */
static void top_up(struct sim *s, int link, int dir, int fill)
{
    const struct topo_link *l = &s->t->links[link];
    struct lane *lane = &s->lanes[2 * link + dir];
    int64_t tx = (int64_t)((double)l->mtu * 8.0 * 1000.0 / l->bandwidth_kbps + 0.5);
    if (lane->busy_until < s->now)
        lane->busy_until = s->now;
    while (lane->waiting < fill) {
        lane->busy_until += tx;
        lane->waiting++;
        schedule(s, (struct item){.t_us = lane->busy_until - tx, .type = IT_TX_START,
                                  .link = link, .a = dir});
    }
}

void sim_congest(struct sim *s, int link, int node)
{
    const struct topo_link *l = &s->t->links[link];
    int dir = l->end[0].node == node ? 0 : 1;
    s->lanes[2 * link + dir].flooded = true;
    s->lanes[2 * link + dir].our_turn = true;
    top_up(s, link, dir, l->queue);
}

long sim_run(struct sim *s, int64_t until_us)
{
    long n = 0;
    while (s->heap_n && s->heap[0].t_us <= until_us) {
        struct item it = unschedule(s);
        s->now = it.t_us;
        n++;
        switch (it.type) {
        case IT_ARRIVE:
            if (!s->t->links[it.link].up)
                drop(s, it.a, it.pkt, DROP_LINK_DOWN, it.link);
            else
                handle(s, it.node, it.pkt, it.link);
            break;
        case IT_LOST:
            drop(s, it.a, it.pkt, DROP_LOSS, it.link);
            break;
        case IT_TX_START:
            s->lanes[2 * it.link + it.a].waiting--;
            break;
        case IT_TIMER:
            timer(s, it.a, it.b, it.link);
            break;
        case IT_TOPO: {
            const struct topo_event *te = &s->t->events[it.a];
            for (size_t k = 0; k < te->n_links; k++)
                sim_set_link(s, te->links[k], te->up);
            break;
        }
        }
    }
    if (!s->heap_n && until_us != INT64_MAX && until_us > s->now)
        s->now = until_us;
    return n;
}
