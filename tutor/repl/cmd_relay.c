/*
 * cmd_relay — the bucket relay: "relay" sends a message across the network
 * and shows every hop, "topo" describes a network without running it.
 *
 * Both work on the world's network (whose links "link down" may have cut)
 * or on a topology file given with --topology.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/i18n.h"
#include "host/netsim_rt.h"
#include "views/relayanim.h"
#include "views/relayview.h"
#include "repl.h"
#include "util/term.h"
#include "views/topoview.h"

#define RELAY_SIZE_DEFAULT 3000     /* three buckets on a 1500-byte path */
#define RELAY_SIZE_MAX (16 << 20)

/* A whole number from `s` in [min, max], or -1 with a message. */
static long number_arg(const char *cmd, const char *opt, const char *s, long min, long max)
{
    char *end;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (errno || end == s || *end || n < min || n > max) {
        term_error(_("%1$s: %2$s takes a whole number from %3$ld to %4$ld, not \"%5$s\""), cmd,
                   opt, min, max, s);
        return -1;
    }
    return n;
}

struct relay_args {
    const char *topology, *from, *to;
    enum { SHOW_DEFAULT, SHOW_TRACE, SHOW_JSON, SHOW_ANIMATE } show;
    long size, mtu, ttl, seed;
    double speed;
};

static int parse_relay(int argc, char **argv, struct relay_args *a)
{
    *a = (struct relay_args){.size = RELAY_SIZE_DEFAULT, .seed = -1, .speed = 1.0};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--trace")) {
            a->show = SHOW_TRACE;
            continue;
        }
        if (!strcmp(o, "--json")) {
            a->show = SHOW_JSON;
            continue;
        }
        if (!strcmp(o, "--animate")) {
            a->show = SHOW_ANIMATE;
            continue;
        }
        bool valued = !strcmp(o, "--topology") || !strcmp(o, "--size") || !strcmp(o, "--mtu") ||
                      !strcmp(o, "--ttl") || !strcmp(o, "--seed") || !strcmp(o, "--speed");
        if (valued && i + 1 == argc) {
            term_error(_("relay: %1$s needs a value"), o);
            return -1;
        }
        if (!strcmp(o, "--topology"))
            a->topology = argv[++i];
        else if (!strcmp(o, "--size") && (a->size = number_arg("relay", o, argv[++i], 1, RELAY_SIZE_MAX)) < 0)
            return -1;
        else if (!strcmp(o, "--mtu") && (a->mtu = number_arg("relay", o, argv[++i], 68, 65535)) < 0)
            return -1;
        else if (!strcmp(o, "--ttl") && (a->ttl = number_arg("relay", o, argv[++i], 1, 255)) < 0)
            return -1;
        else if (!strcmp(o, "--seed") && (a->seed = number_arg("relay", o, argv[++i], 0, 2147483647)) < 0)
            return -1;
        else if (!strcmp(o, "--speed")) {
            char *end;
            a->speed = strtod(argv[++i], &end);
            if (end == argv[i] || *end || !(a->speed >= 0.01 && a->speed <= 1000)) {
                term_error(_("relay: --speed takes a number from 0.01 to 1000, not \"%1$s\""), argv[i]);
                return -1;
            }
        } else if (!valued && o[0] == '-' && o[1]) {
            term_error(_("relay: unknown option %1$s"), o);
            return -1;
        } else if (!valued && !a->from) {
            a->from = o;
        } else if (!valued && !a->to) {
            a->to = o;
        } else if (!valued) {
            term_error(_("usage: relay [OPTIONS] FROM TO"));
            return -1;
        }
    }
    if (!a->to) {
        term_error(_("usage: relay [OPTIONS] FROM TO (\"help relay\" for the options)"));
        return -1;
    }
    return 0;
}

/* The lecture's picture carried as bytes: a short mail, its body repeated
 * to the size asked for, so a tap shows readable text. */
static char *make_payload(size_t size)
{
    static const char head[] = "From: alice@a.example\r\nTo: bob@b.example\r\n"
                               "Subject: the bucket relay\r\n\r\n";
    static const char body[] = "Hello Bob! This mail is cut into pieces and passed on. ";
    char *p = malloc(size);
    if (!p)
        return NULL;
    for (size_t i = 0; i < size; i++)
        p[i] = i < sizeof head - 1 ? head[i] : body[(i - (sizeof head - 1)) % (sizeof body - 1)];
    return p;
}

/* For a lesson's checks: the same relay again, unseen, as JSON lines (one
 * an event, as --json prints them), so a step can ask which routers a
 * packet passed and what they decided, whether the student watched an
 * animation or a trace. The simulation is deterministic: the copy is the
 * relay the student saw. */
#define RELAY_NOTED_MAX (256u << 10)    /* bytes of events a transcript keeps */
static void note_relay(struct repl *r, const struct relay_args *a, struct sim_message_opts mo)
{
    struct netsim_rt net;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f || netsim_rt_open(&net, r->rt, a->topology, a->seed) < 0) {
        if (f)
            fclose(f);
        free(buf);
        return;
    }
    int from = netsim_rt_node(&net, "relay", a->from), delivered = 0;
    uint32_t dst;
    if (from >= 0 && netsim_rt_address(&net, "relay", a->to, &dst) == 0) {
        struct relayview v;
        relayview_init(&v, f, RELAYVIEW_JSON, net.sim);
        sim_observe(net.sim, relayview_observe, &v);
        int msg = sim_send(net.sim, from, dst, &mo);
        if (msg >= 0) {
            sim_run(net.sim, INT64_MAX);
            relayview_end(&v, msg);
            delivered = sim_message(net.sim, msg)->delivered;
        }
    }
    netsim_rt_close(&net);
    fclose(f);
    if (buf && len > RELAY_NOTED_MAX) {
        char *cut = buf + RELAY_NOTED_MAX;
        while (cut > buf && cut[-1] != '\n')
            cut--;                      /* whole lines only */
        *cut = '\0';
    }
    char what[512];
    snprintf(what, sizeof what, "%s %s", a->from, a->to);
    const struct world_node *at = rt_here(r->rt);
    transcript_add(r->rt->transcript, TS_RELAY, 0, delivered ? 0 : 1, "relay",
                   at->hostname ? at->hostname : at->name, what, strlen(what), buf ? buf : "");
    free(buf);
}

static int cmd_relay(struct repl *r, int argc, char **argv)
{
    struct relay_args a;
    if (parse_relay(argc, argv, &a) < 0)
        return 2;          /* used wrongly: a usage error */
    struct netsim_rt net;
    if (netsim_rt_open(&net, r->rt, a.topology, a.seed) < 0)
        return 1;
    int rc = 1;
    int from = netsim_rt_node(&net, "relay", a.from);
    uint32_t dst;
    if (from < 0 || netsim_rt_address(&net, "relay", a.to, &dst) < 0)
        goto out;
    if (!topo_node_addr(net.topo, from)) {
        term_error(_("relay: %1$s has no address to send from (it is on no link)"), a.from);
        goto out;
    }
    char *payload = make_payload((size_t)a.size);
    struct sim_message_opts mo = {.size = (size_t)a.size, .payload = payload, .mtu = (int)a.mtu,
                                  .ttl = (int)a.ttl};
    bool animate = a.show == SHOW_ANIMATE ||
                   (a.show == SHOW_DEFAULT && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO));
    if (animate && !relayanim_possible()) {
        if (a.show == SHOW_ANIMATE)
            term_info("%s", _("relay: this is not a terminal that can animate; here is the trace"));
        animate = false;
    }
    if (animate) {
        struct relayanim_opts ao = {.speed = a.speed};
        rc = relayanim_run(net.sim, from, dst, &mo, &ao) != 0;
    } else {
        struct relayview v;
        relayview_init(&v, stdout, a.show == SHOW_JSON ? RELAYVIEW_JSON : RELAYVIEW_TRACE, net.sim);
        if (!a.topology)
            v.tap = r->rt->net_tap;
        sim_observe(net.sim, relayview_observe, &v);
        int msg = sim_send(net.sim, from, dst, &mo);
        if (msg < 0) {
            term_error(_("relay: out of memory"));
        } else {
            sim_run(net.sim, INT64_MAX);
            relayview_end(&v, msg);
            rc = sim_message(net.sim, msg)->delivered ? 0 : 1;
        }
    }
    if (r->rt->transcript)
        note_relay(r, &a, mo);
    free(payload);
out:
    netsim_rt_close(&net);
    return rc;
}

static int cmd_topo(struct repl *r, int argc, char **argv)
{
    const char *file = NULL;
    bool dot = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dot"))
            dot = true;
        else if (argv[i][0] == '-' && argv[i][1]) {
            term_error(_("topo: unknown option %1$s"), argv[i]);
            return 1;
        } else if (!file)
            file = argv[i];
        else {
            term_error(_("usage: topo [FILE] [--dot]"));
            return 2;
        }
    }
    struct netsim_rt net;
    if (netsim_rt_open(&net, r->rt, file, -1) < 0)
        return 1;
    if (dot)
        topoview_dot(stdout, net.topo);
    else
        topoview_text(stdout, net.topo, file ? file : _("the world's network"));
    netsim_rt_close(&net);
    return 0;
}

const struct command relay_commands[] = {
    {.name = "relay", .complete = "node|host node|host", .paged = "--trace", .opts = "--trace --json --animate --topology= --size= --mtu= --ttl= --seed= --speed=", .args = "[OPTIONS] FROM TO",
     .help = N_("send a message across the network and watch every hop (the bucket relay)"),
     .more = N_("FROM and TO are node names, host names or addresses.\n"
                "  --trace         one line an event, each hop's decision spelled out\n"
                "  --json          one JSON object an event, for grading scripts\n"
                "  --animate       draw the relay (the default on a terminal)\n"
                "  --topology FILE a topology file instead of the world's network\n"
                "  --size BYTES    how much to send (default 3000)\n"
                "  --mtu N         the largest packet (default: the path's MTU)\n"
                "  --ttl N         hops a packet may make (default 64)\n"
                "  --seed N        the random source for loss (default: the world's seed)\n"
                "  --speed X       animation speed (default 1; 2 is twice as fast)"),
     .run = cmd_relay},
    {.name = "topo", .complete = "file", .paged = "", .opts = "--dot", .args = "[FILE] [--dot]",
     .help = N_("describe a network: nodes, interfaces, links, routes (--dot: Graphviz)"),
     .run = cmd_topo},
    {NULL},
};
