/* relayview — see relayview.h. */
#include "relayview.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "util/term.h"

#define NODE_COL 9              /* display columns for the node's name */
#define EVENT_COL 11            /* and for the event's name */

void relayview_init(struct relayview *v, FILE *out, enum relayview_mode mode, struct sim *sim)
{
    *v = (struct relayview){.out = out, .mode = mode, .sim = sim, .t0_us = sim_now(sim),
                            .tap = -1, .announced = -1,
                            .wrap = mode == RELAYVIEW_TRACE && out == stdout && term_stdout_tty()};
}

static const char *node_name(const struct topo *t, int node)
{
    return node >= 0 ? t->nodes[node].name : "-";
}

/* Milliseconds with microseconds, as text: "22.730". */
static void print_ms(FILE *f, int64_t us)
{
    fprintf(f, "%" PRId64 ".%03" PRId64, us / 1000, us % 1000);
}

/* Milliseconds without trailing zeros: "20", "22.73". */
static void print_ms_short(FILE *f, int64_t us)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%" PRId64 ".%03" PRId64, us / 1000, us % 1000);
    while (n > 0 && buf[n - 1] == '0')
        buf[--n] = '\0';
    if (n > 0 && buf[n - 1] == '.')
        buf[--n] = '\0';
    fputs(buf, f);
}

void relayview_route(FILE *f, const struct topo *t, int node, const struct route_choice *rc)
{
    char a[ADDR_IPV4_STRLEN];
    if (rc->is_default)
        fputs("default", f);
    else
        fprintf(f, "%s/%d", addr_format_ipv4(rc->dst.addr, a), rc->dst.len);
    if (rc->has_gateway)
        fprintf(f, " via %s", addr_format_ipv4(rc->gateway, a));
    fprintf(f, " dev %s", t->nodes[node].ifaces[rc->iface].name);
    if (rc->metric)
        fprintf(f, " metric %d", rc->metric);
    if (rc->kind == ROUTE_CONNECTED) {
        fprintf(f, " [%s]", _("connected"));
    } else if (rc->kind == ROUTE_COMPUTED) {
        fprintf(f, " [%s ", _("computed:"));
        print_ms_short(f, rc->cost_us);
        fprintf(f, ngettext(" ms, %d router to go]", " ms, %d routers to go]", (unsigned long)rc->hops),
                rc->hops);
    }
}

const char *relayview_why(const struct route_choice *chosen, const struct route_choice *other)
{
    if (!other)
        return _("the only route that matches");
    if (chosen->dst.len > other->dst.len)
        return _("the longest prefix wins");
    if (chosen->kind == ROUTE_CONNECTED && other->kind != ROUTE_CONNECTED)
        return _("a connected network wins");
    if (chosen->metric < other->metric)
        return _("the lower metric wins");
    return _("as good as the next: the first in the table wins");
}

void relayview_packet(FILE *f, const struct sim_packet *p)
{
    switch (p->kind) {
    case PKT_DATA: fprintf(f, _("data %d/%d"), p->seq, p->total); break;
    case PKT_ACK: fprintf(f, _("ACK %d/%d"), p->seq, p->total); break;
    case PKT_TIME_EXCEEDED: fputs(_("ICMP time exceeded"), f); break;
    case PKT_UNREACHABLE: fputs(_("ICMP unreachable"), f); break;
    case PKT_ECHO_REQUEST: fputs(_("ICMP echo request"), f); break;
    case PKT_ECHO_REPLY: fputs(_("ICMP echo reply"), f); break;
    }
}

static const char *event_word(enum sim_event_type type)
{
    switch (type) {
    case SIM_SEND: return "send";
    case SIM_FORWARD: return "forward";
    case SIM_QUEUE: return "queue";
    case SIM_DROP: return "drop";
    case SIM_DELIVER: return "deliver";
    case SIM_ACK: return "ack";
    case SIM_RETRANSMIT: return "retransmit";
    case SIM_REASSEMBLE: return "reassemble";
    case SIM_GIVE_UP: return "give-up";
    case SIM_LINK: return "link";
    }
    return "?";
}

static const char *drop_word(enum sim_drop why)
{
    switch (why) {
    case DROP_TTL: return "ttl";
    case DROP_QUEUE: return "queue";
    case DROP_LINK_DOWN: return "link-down";
    case DROP_LOSS: return "loss";
    case DROP_NO_ROUTE: return "no-route";
    case DROP_NOT_ROUTER: return "not-router";
    case DROP_MTU: return "mtu";
    }
    return "?";
}

/* ------------------------------------------------------------------------
 * --trace: one line an event, words for people.
 */
static const char *event_label(enum sim_event_type type)
{
    switch (type) {
    case SIM_SEND: return _("send");
    case SIM_FORWARD: return _("forward");
    case SIM_QUEUE: return _("queue");
    case SIM_DROP: return _("drop");
    case SIM_DELIVER: return _("deliver");
    case SIM_ACK: return _("ack");
    case SIM_RETRANSMIT: return _("retransmit");
    case SIM_REASSEMBLE: return _("reassemble");
    case SIM_GIVE_UP: return _("give up");
    case SIM_LINK: return _("link");
    }
    return "?";
}

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

/* The decision at a hop: the route chosen, why, and the others that
 * matched. */
static void trace_decision(FILE *f, struct relayview *v, const struct sim_event *ev)
{
    const struct topo *t = sim_topo(v->sim);
    struct route_choice m[ROUTE_MATCHES_MAX];
    size_t n = router_matches(sim_router(v->sim), ev->node, ev->packet->dst, m, ROUTE_MATCHES_MAX);
    fprintf(f, _(" -> %s by "), node_name(t, ev->next_node));
    relayview_route(f, t, ev->node, ev->route);
    fprintf(f, " (%s", relayview_why(ev->route, n > 1 ? &m[1] : NULL));
    for (size_t i = 1; i < n && i < 3; i++) {
        fputs(i == 1 ? _("; also matched: ") : ", ", f);
        relayview_route(f, t, ev->node, &m[i]);
    }
    fputs(n > 3 ? ", ...)" : ")", f);
}

#define PREFIX_COLS (9 + 5 + NODE_COL + 1 + EVENT_COL + 1)    /* "  6.240 ms  r1  forward  " */

/* A line of the text view: as it is in a pipe (one line an event, for
 * grep); on a terminal wrapped to 80 columns, going on at `indent`. The
 * text's own newline, if any, is dropped then. */
static void line_out(struct relayview *v, const char *text, int col, int indent)
{
    if (!v->wrap) {
        fputs(text, v->out);
        return;
    }
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", text);
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n')
        buf[n - 1] = '\0';
    term_wrap(v->out, buf, col, indent, TERM_LINE_WIDTH);
}

static void trace_event(struct relayview *v, const struct sim_event *ev)
{
    /* the event's words go to a buffer first when they are to be wrapped */
    char *words = NULL;
    size_t words_len = 0;
    FILE *f = v->wrap ? open_memstream(&words, &words_len) : NULL;
    if (!f)
        f = v->out;
    const struct topo *t = sim_topo(v->sim);
    const struct sim_packet *p = ev->packet;
    char a[ADDR_IPV4_STRLEN], b[ADDR_IPV4_STRLEN], ms[32];
    int64_t us = ev->t_us - v->t0_us;
    snprintf(ms, sizeof ms, "%" PRId64 ".%03" PRId64, us / 1000, us % 1000);
    fprintf(v->out, "%9s ms  ", ms);
    term_pad(v->out, node_name(t, ev->node), NODE_COL);
    fputc(' ', v->out);
    term_pad(v->out, event_label(ev->type), EVENT_COL);
    fputc(' ', v->out);
    if (p) {
        fprintf(f, "#%ld ", p->id);
        relayview_packet(f, p);
    }
    switch (ev->type) {
    case SIM_SEND:
        fprintf(f, _(", %d bytes, %s -> %s, TTL %d"), p->size, addr_format_ipv4(p->src, a),
                addr_format_ipv4(p->dst, b), p->ttl);
        if (p->try_no > 1)
            fprintf(f, _(", try %d"), p->try_no);
        break;
    case SIM_FORWARD:
        if (ev->in_link >= 0)
            fprintf(f, _(", TTL %d: \"Is it mine? ...no. For %s: pass it on.\""), p->ttl,
                    addr_format_ipv4(p->dst, a));
        trace_decision(f, v, ev);
        break;
    case SIM_QUEUE: {
        char end[2 * TOPO_NAME_MAX];
        const struct topo_link *l = &t->links[ev->link];
        topo_end_name(t, l->end[0].node == ev->node ? l->end[0] : l->end[1], end, sizeof end);
        fprintf(f, _(": waits at %s for %s, %d in the queue"), end, node_name(t, ev->next_node),
                ev->queued);
        break;
    }
    case SIM_DROP:
        fprintf(f, ": %s", drop_reason(ev->reason));
        if (ev->next_node >= 0)
            fprintf(f, _(" (towards %s)"), node_name(t, ev->next_node));
        break;
    case SIM_DELIVER:
        fprintf(f, _(": \"It's mine!\" (from %s)"), addr_format_ipv4(p->src, a));
        break;
    case SIM_ACK:
        fprintf(f, _(": piece %d of %d has arrived"), p->seq, p->total);
        break;
    case SIM_RETRANSMIT:
        fprintf(f, _("no ACK in time: piece %d is sent again"), ev->queued);
        break;
    case SIM_REASSEMBLE: {
        const struct sim_message *m = sim_message(v->sim, ev->msg);
        fprintf(f, _(": every piece is here, %zu bytes put back together"), m->size);
        break;
    }
    case SIM_GIVE_UP:
        fputs(_("no ACK after every try: the sender gives up"), f);
        break;
    case SIM_LINK: {
        const struct topo_link *l = &t->links[ev->link];
        char e0[2 * TOPO_NAME_MAX], e1[2 * TOPO_NAME_MAX];
        fprintf(f, ev->up ? _("%s -- %s is up again") : _("%s -- %s goes down"),
                topo_end_name(t, l->end[0], e0, sizeof e0), topo_end_name(t, l->end[1], e1, sizeof e1));
        break;
    }
    }
    if (f != v->out) {
        fclose(f);
        line_out(v, words ? words : "", PREFIX_COLS, PREFIX_COLS);
        free(words);
    } else {
        fputc('\n', f);
    }
    f = v->out;
    if (v->tap >= 0 && ev->node == v->tap && p && p->payload &&
        (ev->type == SIM_FORWARD || ev->type == SIM_DELIVER)) {
        fprintf(f, "%9s     %s ", "", _("tap:"));
        term_text(f, p->payload, p->payload_len);
        fputc('\n', f);
    }
}

/* ------------------------------------------------------------------------
 * --json: one object a line, stable keys, for graders.
 */
static void jstring(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void jkey_string(FILE *f, const char *key, const char *value)
{
    fprintf(f, ",\"%s\":", key);
    jstring(f, value);
}

static const char *const packet_kinds[] = {
    [PKT_DATA] = "data", [PKT_ACK] = "ack", [PKT_TIME_EXCEEDED] = "time-exceeded",
    [PKT_UNREACHABLE] = "unreachable", [PKT_ECHO_REQUEST] = "echo-request",
    [PKT_ECHO_REPLY] = "echo-reply",
};

static void json_event(struct relayview *v, const struct sim_event *ev)
{
    FILE *f = v->out;
    const struct topo *t = sim_topo(v->sim);
    const struct sim_packet *p = ev->packet;
    char a[ADDR_IPV4_STRLEN];
    fputs("{\"t_ms\":", f);
    print_ms(f, ev->t_us - v->t0_us);
    jkey_string(f, "event", event_word(ev->type));
    jkey_string(f, "node", node_name(t, ev->node));
    if (p) {
        fprintf(f, ",\"packet\":%ld", p->id);
        jkey_string(f, "kind", packet_kinds[p->kind]);
        jkey_string(f, "src", addr_format_ipv4(p->src, a));
        jkey_string(f, "dst", addr_format_ipv4(p->dst, a));
        fprintf(f, ",\"ttl\":%d,\"size\":%d", p->ttl, p->size);
        if (p->kind == PKT_DATA || p->kind == PKT_ACK)
            fprintf(f, ",\"seq\":%d,\"total\":%d", p->seq, p->total);
        if (p->kind == PKT_DATA)
            fprintf(f, ",\"try\":%d", p->try_no);
    } else {
        fputs(",\"packet\":null", f);
    }
    if (ev->msg >= 0)
        fprintf(f, ",\"message\":%d", ev->msg);
    switch (ev->type) {
    case SIM_FORWARD: {
        jkey_string(f, "next", node_name(t, ev->next_node));
        char route[128];
        FILE *rf = fmemopen(route, sizeof route, "w");
        if (rf) {
            /* the route in `ip route` words, without the translated notes */
            const struct route_choice *rc = ev->route;
            if (rc->is_default)
                fputs("default", rf);
            else
                fprintf(rf, "%s/%d", addr_format_ipv4(rc->dst.addr, a), rc->dst.len);
            if (rc->has_gateway)
                fprintf(rf, " via %s", addr_format_ipv4(rc->gateway, a));
            fprintf(rf, " dev %s", t->nodes[ev->node].ifaces[rc->iface].name);
            fclose(rf);
            jkey_string(f, "route", route);
        }
        static const char *const kinds[] = {"connected", "static", "computed"};
        jkey_string(f, "route_kind", kinds[ev->route->kind]);
        fprintf(f, ",\"matched\":%d", ev->n_matched);
        break;
    }
    case SIM_QUEUE:
        jkey_string(f, "next", node_name(t, ev->next_node));
        fprintf(f, ",\"queued\":%d", ev->queued);
        break;
    case SIM_DROP:
        jkey_string(f, "reason", drop_word(ev->reason));
        if (ev->next_node >= 0)
            jkey_string(f, "next", node_name(t, ev->next_node));
        break;
    case SIM_RETRANSMIT:
        fprintf(f, ",\"seq\":%d", ev->queued);
        break;
    case SIM_LINK: {
        char e0[2 * TOPO_NAME_MAX], e1[2 * TOPO_NAME_MAX];
        const struct topo_link *l = &t->links[ev->link];
        jkey_string(f, "a", topo_end_name(t, l->end[0], e0, sizeof e0));
        jkey_string(f, "b", topo_end_name(t, l->end[1], e1, sizeof e1));
        jkey_string(f, "state", ev->up ? "up" : "down");
        break;
    }
    default:
        break;
    }
    fputs("}\n", f);
}

void relayview_observe(const struct sim_event *ev, void *arg)
{
    struct relayview *v = arg;
    /* sim_send() sends the first packets at once: announce the message
     * before them */
    if (ev->msg > v->announced) {
        v->announced = ev->msg;
        relayview_begin(v, ev->msg);
    }
    if (v->mode == RELAYVIEW_JSON)
        json_event(v, ev);
    else
        trace_event(v, ev);
}

/* ------------------------------------------------------------------------
 * The first and the last line.
 */
void relayview_begin(struct relayview *v, int msg)
{
    const struct sim_message *m = sim_message(v->sim, msg);
    const struct topo *t = sim_topo(v->sim);
    char a[ADDR_IPV4_STRLEN], b[ADDR_IPV4_STRLEN];
    int dst_node = topo_addr_owner(t, m->dst, NULL);
    if (v->mode == RELAYVIEW_JSON) {
        fprintf(v->out, "{\"t_ms\":0.000,\"event\":\"message\",\"node\":");
        jstring(v->out, node_name(t, m->src_node));
        fprintf(v->out, ",\"message\":%d", m->id);
        jkey_string(v->out, "src", addr_format_ipv4(m->src, a));
        jkey_string(v->out, "dst", addr_format_ipv4(m->dst, a));
        jkey_string(v->out, "to", node_name(t, dst_node));
        fprintf(v->out, ",\"bytes\":%zu,\"packets\":%d,\"mtu\":%d}\n", m->size, m->total, m->mtu);
        return;
    }
    char line[1024], to[TOPO_NAME_MAX + ADDR_IPV4_STRLEN + 4];
    if (dst_node >= 0)
        snprintf(to, sizeof to, "%s (%s)", node_name(t, dst_node), addr_format_ipv4(m->dst, b));
    else
        snprintf(to, sizeof to, "%s", addr_format_ipv4(m->dst, b));
    int n = snprintf(line, sizeof line, "%s (%s) -> %s", node_name(t, m->src_node),
                     addr_format_ipv4(m->src, a), to);
    snprintf(line + n, sizeof line - (size_t)n,
             ngettext(": %zu bytes in %d packet of at most %d bytes\n",
                      ": %zu bytes cut into %d packets of at most %d bytes\n", (unsigned long)m->total),
             m->size, m->total, m->mtu);
    line_out(v, line, 0, 2);
}

void relayview_end(struct relayview *v, int msg)
{
    const struct sim_message *m = sim_message(v->sim, msg);
    const struct topo *t = sim_topo(v->sim);
    int dst_node = topo_addr_owner(t, m->dst, NULL);
    int64_t took = (m->delivered || m->given_up ? m->done_us : sim_now(v->sim)) - m->start_us;
    const char *result = m->delivered ? "delivered" : m->given_up ? "gave-up" : "lost";
    if (v->mode == RELAYVIEW_JSON) {
        fputs("{\"t_ms\":", v->out);
        print_ms(v->out, m->start_us + took - v->t0_us);
        fputs(",\"event\":\"end\",\"node\":", v->out);
        jstring(v->out, node_name(t, m->src_node));
        fprintf(v->out, ",\"message\":%d", m->id);
        jkey_string(v->out, "result", result);
        fprintf(v->out, ",\"reassembled\":%s,\"retransmits\":%d,\"took_ms\":",
                m->reassembled ? "true" : "false", m->retransmits);
        print_ms(v->out, took);
        fputs("}\n", v->out);
        return;
    }
    char ms[32], line[1024];
    snprintf(ms, sizeof ms, "%" PRId64 ".%03" PRId64, took / 1000, took % 1000);
    if (m->delivered)
        snprintf(line, sizeof line, _("Delivered: %s has all %d pieces after %s ms (%d sent again).\n"),
                 node_name(t, dst_node), m->total, ms, m->retransmits);
    else if (m->reassembled)
        snprintf(line, sizeof line,
                 _("%s has the message, but the sender gave up waiting for ACKs after %s ms.\n"),
                 node_name(t, dst_node), ms);
    else
        snprintf(line, sizeof line, _("Not delivered: the sender gave up after %s ms (%d sent again).\n"),
                 ms, m->retransmits);
    line_out(v, line, 0, 2);
}
