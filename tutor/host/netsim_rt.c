/* netsim_rt — see netsim_rt.h. */
#include "netsim_rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dnsline.h"
#include "util/i18n.h"
#include "util/term.h"

/* A topology file, or a world file read as one (its own keys let through). */
static struct topo *load_file(const char *path, char err[TOPO_ERROR_MAX])
{
    json_t *doc = topo_json_load(path, &topo_json_limits, err);
    if (!doc)
        return NULL;
    const char *schema = json_string_value(json_object_get(doc, "schema"));
    bool world = schema && strcmp(schema, "tutor-world/1") == 0;
    struct topo *t = topo_load_doc(doc, path, world ? &world_topo_keys : NULL, err);
    json_decref(doc);
    return t;
}

int netsim_rt_open(struct netsim_rt *n, struct runtime *rt, const char *file, long seed)
{
    *n = (struct netsim_rt){.rt = rt};
    if (file) {
        char err[TOPO_ERROR_MAX];
        if (!(n->owned = load_file(file, err))) {
            term_error("%s", err);
            return -1;
        }
        n->topo = n->owned;
    } else {
        n->topo = rt->world->net;
    }
    uint64_t s = seed >= 0 ? (uint64_t)seed : file ? 1 : rt->world->seed;
    if (!(n->sim = sim_new(n->topo, s))) {
        term_error("%s", _("out of memory"));
        topo_free(n->owned);
        return -1;
    }
    n->router = sim_router(n->sim);
    if (!file)
        for (size_t i = 0; i < rt->n_congested; i++) {
            int link = rt->congested[i] / 2, dir = rt->congested[i] % 2;
            sim_congest(n->sim, link, n->topo->links[link].end[dir].node);
        }
    return 0;
}

void netsim_rt_close(struct netsim_rt *n)
{
    sim_free(n->sim);
    topo_free(n->owned);
    *n = (struct netsim_rt){0};
}

int netsim_rt_node(struct netsim_rt *n, const char *cmd, const char *what)
{
    int node = topo_find_node(n->topo, what);
    if (node < 0)
        term_error(_("%1$s: no node, host or address \"%2$s\" in this network (try \"hosts\" or \"topo\")"),
                   cmd, what);
    return node;
}

int netsim_rt_address(struct netsim_rt *n, const char *cmd, const char *what, uint32_t *out)
{
    if (addr_parse_ipv4(what, out) == 0)
        return 0;
    int node = netsim_rt_node(n, cmd, what);
    if (node < 0)
        return -1;
    if (!(*out = topo_node_addr(n->topo, node))) {
        term_error(_("%1$s: %2$s has no address (it is on no link)"), cmd, what);
        return -1;
    }
    return 0;
}

void netsim_rt_congest(struct runtime *rt, int link, int node, bool on)
{
    const struct topo_link *l = &rt->world->net->links[link];
    int key = link * 2 + (l->end[0].node == node ? 0 : 1);
    for (size_t i = 0; i < rt->n_congested; i++)
        if (rt->congested[i] == key) {
            if (!on)
                rt->congested[i] = rt->congested[--rt->n_congested];
            return;
        }
    if (!on)
        return;
    int *grown = realloc(rt->congested, (rt->n_congested + 1) * sizeof *grown);
    if (!grown) {
        term_error("%s", _("out of memory"));
        return;
    }
    rt->congested = grown;
    rt->congested[rt->n_congested++] = key;
}

void netsim_rt_clear(struct runtime *rt)
{
    rt->n_congested = 0;
    struct topo *t = rt->world->net;
    for (size_t i = 0; i < t->n_links; i++)
        t->links[i].up = t->links[i].up_in_file;
}

/* ------------------------------------------------------------------------
 * Dialogues over the network.
 */
#define PATH_MAX_HOPS 32

struct carry_watch {
    struct runtime *rt;
    int path[PATH_MAX_HOPS];    /* the nodes the first piece passed */
    int n_path;
    bool no_route;
    bool tapped;                /* the tap node saw a piece */
    int64_t arrived_us;         /* when the receiver had every piece */
};

static void watch(const struct sim_event *ev, void *arg)
{
    struct carry_watch *w = arg;
    const struct sim_packet *p = ev->packet;
    if (!p || p->kind != PKT_DATA)
        return;
    if (ev->type == SIM_REASSEMBLE)
        w->arrived_us = ev->t_us;
    if (ev->type == SIM_DROP && ev->reason == DROP_NO_ROUTE)
        w->no_route = true;
    bool passes = ev->type == SIM_FORWARD || ev->type == SIM_DELIVER;
    if (passes && ev->node == w->rt->net_tap)
        w->tapped = true;
    if (passes && p->seq == 1 && p->try_no == 1 && w->n_path < PATH_MAX_HOPS)
        w->path[w->n_path++] = ev->node;
}

static int node_index(const struct runtime *rt, const struct world_node *n)
{
    return (int)(n - rt->world->nodes);
}

static enum net_carry carry(struct runtime *rt, const struct world_node *from, uint32_t dst,
                            const char *bytes, size_t len, int64_t *us, bool dns)
{
    struct netsim_rt n;
    if (netsim_rt_open(&n, rt, NULL, -1) < 0)
        return NET_TIMED_OUT;
    struct carry_watch w = {.rt = rt};
    sim_observe(n.sim, watch, &w);
    struct sim_message_opts mo = {.size = len, .payload = bytes};
    int msg = sim_send(n.sim, node_index(rt, from), dst, &mo);
    if (msg < 0) {
        netsim_rt_close(&n);
        return NET_TIMED_OUT;
    }
    sim_run(n.sim, INT64_MAX);
    const struct sim_message *m = sim_message(n.sim, msg);
    enum net_carry result = m->reassembled ? NET_CARRIED : w.no_route ? NET_NO_ROUTE : NET_TIMED_OUT;
    /* the receiver's time: when the last piece arrived, not when the ACKs did */
    int64_t took = m->reassembled ? w.arrived_us - m->start_us : 0;
    if (us)
        *us = took;
    if (rt->net_trace) {
        printf("   [net]");
        for (int i = 0; i < w.n_path; i++)
            printf("%s%s", i ? " > " : " ", n.topo->nodes[w.path[i]].name);
        if (result == NET_CARRIED)
            printf(ngettext("  (%zu bytes, %d packet, %.3f ms)\n", "  (%zu bytes, %d packets, %.3f ms)\n",
                            (unsigned long)m->total),
                   m->size, m->total, (double)took / 1000.0);
        else
            printf("  (%s)\n", netsim_rt_failure(result));
    }
    if (w.tapped && bytes) {
        char a[ADDR_IPV4_STRLEN], b[ADDR_IPV4_STRLEN];
        printf("   [tap %s] %s > %s: ", n.topo->nodes[rt->net_tap].name,
               addr_format_ipv4(m->src, a), addr_format_ipv4(m->dst, b));
        char line[512];
        size_t shown = len;
        if (dns) {
            fputs("DNS ", stdout);
            dnsline_format((const uint8_t *)bytes, len, line, sizeof line);
            bytes = line;
            shown = strlen(line);
        }
        while (shown && (bytes[shown - 1] == '\n' || bytes[shown - 1] == '\r'))
            shown--;
        term_text(stdout, bytes, shown);
        putchar('\n');
    }
    netsim_rt_close(&n);
    return result;
}

enum net_carry netsim_rt_carry(struct runtime *rt, const struct world_node *from, uint32_t dst,
                               const char *bytes, size_t len, int64_t *us)
{
    return carry(rt, from, dst, bytes, len, us, false);
}

enum net_carry netsim_rt_carry_dns(struct runtime *rt, const struct world_node *from, uint32_t dst,
                                   const uint8_t *msg, size_t len, int64_t *us)
{
    return carry(rt, from, dst, (const char *)msg, len, us, true);
}

const char *netsim_rt_failure(enum net_carry c)
{
    return c == NET_NO_ROUTE ? "No route to host" : c == NET_TIMED_OUT ? "Connection timed out" : "";
}

void netsim_rt_show(void *ud, bool from_client, const char *line)
{
    struct net_show *ns = ud;
    const struct world_node *a = from_client ? ns->client : ns->server;
    const struct world_node *b = from_client ? ns->server : ns->client;
    size_t len = strlen(line);
    char *wire = ns->loopback ? NULL : malloc(len + 3);
    if (wire) {
        memcpy(wire, line, len);
        memcpy(wire + len, "\r\n", 3);
        netsim_rt_carry(ns->rt, a, world_node_addr(b), wire, len + 2, NULL);
        free(wire);
    }
    if (ns->inner)
        ns->inner(ns->inner_ud, from_client, line);
}
