/* netsim_rt — see netsim_rt.h. */
#include "netsim_rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "term.h"

/* A topology file, or a world file read as one (its own keys let through). */
static struct topo *load_file(const char *path, char err[TOPO_ERROR_MAX])
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        if (jerr.line > 0)
            snprintf(err, TOPO_ERROR_MAX, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        else
            snprintf(err, TOPO_ERROR_MAX, "%s: %s", path, jerr.text);
        return NULL;
    }
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
