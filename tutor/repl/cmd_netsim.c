/*
 * cmd_netsim — the world's network at the prompt: probing it (traceroute,
 * ping), breaking it (link down, congest) and watching it (trace on, tap).
 *
 * Probes go out from the prompt's node (the student's PC unless "ssh"
 * moved it) over the world's network as it is now, to a host named as
 * the real tools take it (resolve.h). What "link" and "congest" change lasts until the tutor ends or
 * "reset"; every dialogue (telnet, the mail client, the servers' relay,
 * DNS) travels over the same network, so a cut link is felt everywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/i18n.h"
#include "host/netsim_rt.h"
#include "repl.h"
#include "clients/resolve.h"
#include "util/term.h"

#define TRACEROUTE_HOPS_MAX 30      /* traceroute's default -m */
#define TRACEROUTE_PROBES 3         /* and its -q */
#define PROBE_WAIT_US 5000000       /* traceroute waits 5 s for an answer */
#define PING_COUNT_DEFAULT 4
#define PING_INTERVAL_US 1000000
#define LOOPBACK_RTT_US 30          /* an echo to oneself: 0.030 ms */
#define LOOPBACK_TTL 64

/* What came back for one probe. */
struct probe_watch {
    long probe;                 /* the echo request's packet id */
    int64_t sent_us;
    bool answered;
    enum sim_packet_kind kind;  /* the answer: echo reply, time exceeded, unreachable */
    uint32_t from;
    int ttl;
    int64_t rtt_us;
};

static void watch_probe(const struct sim_event *ev, void *arg)
{
    struct probe_watch *w = arg;
    const struct sim_packet *p = ev->packet;
    if (ev->type != SIM_DELIVER || !p || p->about != w->probe || w->answered)
        return;
    if (p->kind != PKT_ECHO_REPLY && p->kind != PKT_TIME_EXCEEDED && p->kind != PKT_UNREACHABLE)
        return;
    w->answered = true;
    w->kind = p->kind;
    w->from = p->src;
    w->ttl = p->ttl;
    w->rtt_us = ev->t_us - w->sent_us;
}

/* Sends one echo request with `ttl` and waits up to `wait_us` for what
 * comes back. */
static void probe(struct sim *s, int src, uint32_t dst, int ttl, int64_t wait_us,
                  struct probe_watch *w)
{
    *w = (struct probe_watch){.sent_us = sim_now(s)};
    if (resolve_is_loopback(dst)) {
        /* the node's own loopback: no network to cross */
        w->answered = true;
        w->kind = PKT_ECHO_REPLY;
        w->from = dst;
        w->ttl = LOOPBACK_TTL;
        w->rtt_us = LOOPBACK_RTT_US;
        return;
    }
    sim_observe(s, watch_probe, w);
    w->probe = sim_ping(s, src, dst, ttl);
    sim_run(s, w->sent_us + wait_us);
    sim_observe(s, NULL, NULL);
}

/* The host name of the node that owns `addr`, or the address. */
static const char *name_of(const struct topo *t, uint32_t addr, char buf[ADDR_IPV4_STRLEN])
{
    if (resolve_is_loopback(addr))
        return "localhost";
    int node = topo_addr_owner(t, addr, NULL);
    if (node >= 0 && t->nodes[node].hostname)
        return t->nodes[node].hostname;
    return addr_format_ipv4(addr, buf);
}

static int here_node(struct netsim_rt *n)
{
    return topo_node_index(n->topo, rt_here(n->rt)->name);
}

/* The address `host` names for a probe from the prompt's node, with the
 * tool's words when there is none. */
static int probe_target(struct repl *r, const char *cmd, const char *host, uint32_t *dst)
{
    enum resolve_status st = resolve_host(r->rt, rt_here(r->rt), host, dst);
    if (st != RESOLVE_OK) {
        term_error("%s: %s: %s", cmd, host, resolve_error(st));
        resolve_say_offline(r->rt->world, host);
    }
    return st == RESOLVE_OK ? 0 : -1;
}

static int cmd_traceroute(struct repl *r, int argc, char **argv)
{
    bool numeric = argc == 3 && strcmp(argv[1], "-n") == 0;
    if (argc != 2 && !numeric) {
        term_error(_("usage: traceroute [-n] HOST"));
        return 2;
    }
    const char *host = argv[argc - 1];
    uint32_t dst;
    if (probe_target(r, "traceroute", host, &dst) < 0)
        return 1;
    struct netsim_rt n;
    if (netsim_rt_open(&n, r->rt, NULL, -1) < 0)
        return 1;
    char a[ADDR_IPV4_STRLEN], b[ADDR_IPV4_STRLEN];
    /* an echo request of 60 bytes, as traceroute -I sends */
    printf("traceroute to %s (%s), %d hops max, 60 byte packets\n", host,
           addr_format_ipv4(dst, a), TRACEROUTE_HOPS_MAX);
    int src = here_node(&n);
    bool arrived = false;
    for (int ttl = 1; ttl <= TRACEROUTE_HOPS_MAX && !arrived; ttl++) {
        printf("%2d ", ttl);
        uint32_t last = 0;
        for (int i = 0; i < TRACEROUTE_PROBES; i++) {
            struct probe_watch w;
            probe(n.sim, src, dst, ttl, PROBE_WAIT_US, &w);
            if (!w.answered) {
                printf(" *");
                continue;
            }
            if (w.from != last) {
                if (numeric)
                    printf(" %s", addr_format_ipv4(w.from, a));
                else
                    printf(" %s (%s)", name_of(n.topo, w.from, b), addr_format_ipv4(w.from, a));
                last = w.from;
            }
            printf("  %.3f ms", (double)w.rtt_us / 1000.0);
            if (w.kind == PKT_UNREACHABLE)
                printf(" !N");     /* a router had no route: network unreachable */
            arrived |= w.kind == PKT_ECHO_REPLY || w.kind == PKT_UNREACHABLE;
        }
        putchar('\n');
        fflush(stdout);
    }
    netsim_rt_close(&n);
    return arrived ? 0 : 1;
}

static int cmd_ping(struct repl *r, int argc, char **argv)
{
    long count = PING_COUNT_DEFAULT;
    const char *host = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            char *end;
            count = strtol(argv[++i], &end, 10);
            if (*end || count < 1 || count > 100) {
                term_error(_("ping: -c takes a count from 1 to 100"));
                return 1;
            }
        } else if (!host && argv[i][0] != '-') {
            host = argv[i];
        } else {
            term_error(_("usage: ping [-c COUNT] HOST"));
            return 2;
        }
    }
    if (!host) {
        term_error(_("usage: ping [-c COUNT] HOST"));
        return 2;
    }
    uint32_t dst;
    if (probe_target(r, "ping", host, &dst) < 0)
        return 1;
    struct netsim_rt n;
    if (netsim_rt_open(&n, r->rt, NULL, -1) < 0)
        return 1;
    char a[ADDR_IPV4_STRLEN], b[ADDR_IPV4_STRLEN];
    printf("PING %s (%s) 56(84) bytes of data.\n", host, addr_format_ipv4(dst, a));
    int src = here_node(&n);
    long received = 0;
    double min = 0, max = 0, sum = 0;
    for (long seq = 1; seq <= count; seq++) {
        struct probe_watch w;
        probe(n.sim, src, dst, 0, PING_INTERVAL_US, &w);
        if (!w.answered)
            continue;
        if (w.kind == PKT_ECHO_REPLY) {
            double ms = (double)w.rtt_us / 1000.0;
            /* iputils' precision: three digits in all, at most three decimals */
            int decimals = ms >= 100 ? 0 : ms >= 10 ? 1 : ms >= 1 ? 2 : 3;
            printf("64 bytes from %s (%s): icmp_seq=%ld ttl=%d time=%.*f ms\n",
                   name_of(n.topo, w.from, b), addr_format_ipv4(w.from, a), seq, w.ttl, decimals, ms);
            min = received == 0 || ms < min ? ms : min;
            max = ms > max ? ms : max;
            sum += ms;
            received++;
        } else {
            printf("From %s icmp_seq=%ld %s\n", addr_format_ipv4(w.from, a), seq,
                   w.kind == PKT_TIME_EXCEEDED ? "Time to live exceeded" : "Destination Host Unreachable");
        }
    }
    printf("\n--- %s ping statistics ---\n", host);
    printf("%ld packets transmitted, %ld received, %ld%% packet loss, time %ldms\n", count,
           received, (count - received) * 100 / count, (count - 1) * 1000);
    if (received)
        printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n", min, sum / (double)received, max);
    netsim_rt_close(&n);
    return received ? 0 : 1;
}

/* ------------------------------------------------------------------------
 * Breaking the network: link, congest.
 */

/* The link between the nodes named A and B of the world's network, with a
 * message when there is none. */
static int find_link(struct netsim_rt *n, const char *cmd, const char *a, const char *b,
                     int *node_a)
{
    int na = netsim_rt_node(n, cmd, a), nb = na < 0 ? -1 : netsim_rt_node(n, cmd, b);
    if (nb < 0)
        return -1;
    int link = topo_link_between(n->topo, na, nb);
    if (link < 0)
        term_error(_("%1$s: no link joins %2$s and %3$s (\"link\" lists them)"), cmd, a, b);
    *node_a = na;
    return link;
}

static void list_links(const struct topo *t, const struct runtime *rt)
{
    for (size_t i = 0; i < t->n_links; i++) {
        const struct topo_link *l = &t->links[i];
        char e0[2 * TOPO_NAME_MAX], e1[2 * TOPO_NAME_MAX];
        printf("  %-14s -- %-14s %s", topo_end_name(t, l->end[0], e0, sizeof e0),
               topo_end_name(t, l->end[1], e1, sizeof e1), l->up ? _("up") : _("DOWN"));
        for (size_t k = 0; k < rt->n_congested; k++)
            if (rt->congested[k] / 2 == (int)i)
                printf(_(", the queue from %s is full"),
                       t->nodes[l->end[rt->congested[k] % 2].node].name);
        putchar('\n');
    }
}

static int cmd_link(struct repl *r, int argc, char **argv)
{
    struct netsim_rt n;
    if (argc != 1 && (argc != 4 || (strcmp(argv[1], "down") && strcmp(argv[1], "up")))) {
        term_error(_("usage: link [down|up A B]"));
        return 2;
    }
    if (netsim_rt_open(&n, r->rt, NULL, -1) < 0)
        return 1;
    int rc = 0, a;
    if (argc == 1) {
        list_links(n.topo, r->rt);
    } else {
        int link = find_link(&n, "link", argv[2], argv[3], &a);
        bool up = strcmp(argv[1], "up") == 0;
        if (link < 0) {
            rc = 1;
        } else {
            n.topo->links[link].up = up;
            term_say(up ? _("The link between %1$s and %2$s is up again.")
                        : _("The link between %1$s and %2$s is down: nothing crosses it, and "
                            "routes that can go around it do."),
                     argv[2], argv[3]);
        }
    }
    netsim_rt_close(&n);
    return rc;
}

static int cmd_congest(struct repl *r, int argc, char **argv)
{
    bool off = argc == 4 && strcmp(argv[3], "off") == 0;
    if (argc != 3 && !off) {
        term_error(_("usage: congest A B [off]"));
        return 2;
    }
    struct netsim_rt n;
    if (netsim_rt_open(&n, r->rt, NULL, -1) < 0)
        return 1;
    int a, link = find_link(&n, "congest", argv[1], argv[2], &a);
    if (link >= 0) {
        netsim_rt_congest(r->rt, link, a, !off);
        if (off)
            printf(_("The queue from %1$s to %2$s is empty again.\n"), argv[1], argv[2]);
        else
            printf(_("The queue from %1$s to %2$s is full (%3$d packets waiting): what comes next "
                     "waits or is dropped, and the sender must send again.\n"),
                   argv[1], argv[2], n.topo->links[link].queue);
    }
    netsim_rt_close(&n);
    return link >= 0 ? 0 : 1;
}

/* ------------------------------------------------------------------------
 * Watching the network: trace, tap.
 */
static int cmd_trace(struct repl *r, int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "on") && strcmp(argv[1], "off"))) {
        term_error(_("usage: trace on|off"));
        return 2;
    }
    r->rt->net_trace = strcmp(argv[1], "on") == 0;
    printf("%s\n", r->rt->net_trace ? _("Every dialogue now shows the hops its bytes take.")
                                    : _("Hops are no longer shown."));
    return 0;
}

static int cmd_tap(struct repl *r, int argc, char **argv)
{
    if (argc != 2) {
        term_error(_("usage: tap NODE|off"));
        return 2;
    }
    if (strcmp(argv[1], "off") == 0) {
        r->rt->net_tap = -1;
        printf("%s\n", _("The tap is off."));
        return 0;
    }
    struct netsim_rt n;
    if (netsim_rt_open(&n, r->rt, NULL, -1) < 0)
        return 1;
    int node = netsim_rt_node(&n, "tap", argv[1]);
    if (node >= 0) {
        r->rt->net_tap = node;
        printf(_("Tapping %1$s: what passes there is shown as that node sees it. Anything "
                 "sent in the clear (a POP3 password) can be read.\n"),
               n.topo->nodes[node].name);
    }
    netsim_rt_close(&n);
    return node >= 0 ? 0 : 1;
}

const struct command netsim_commands[] = {
    {.name = "traceroute", .complete = "host", .opts = "-n", .args = "[-n] HOST",
     .help = N_("list the routers on the way to HOST: each answers when the TTL runs out"),
     .run = cmd_traceroute},
    {.name = "ping", .complete = "host", .opts = "-c=", .args = "[-c COUNT] HOST", .help = N_("is HOST there? echo requests and their round trips"),
     .run = cmd_ping},
    {.name = "link", .complete = "down|up node node", .args = "[down|up A B]", .help = N_("list the links, or cut or mend the one between A and B"),
     .run = cmd_link},
    {.name = "congest", .complete = "node node off", .args = "A B [off]", .help = N_("fill the queue from A to B, as heavy traffic would"),
     .run = cmd_congest},
    {.name = "trace", .complete = "on|off", .args = "on|off", .help = N_("show the hops every dialogue's bytes take"),
     .run = cmd_trace},
    {.name = "tap", .complete = "node|off", .args = "NODE|off", .help = N_("show what passes through NODE, as an eavesdropper there would"),
     .run = cmd_tap},
    {NULL},
};
