/* trace_animate — see trace_animate.h. */
#include "trace_animate.h"

#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sim.h"
#include "topo.h"
#include "util/i18n.h"
#include "views/relayanim.h"
#include "views/relayview.h"

#define PATH_NODES_MAX 8            /* more do not fit a row of 80 columns */
#define NAME_MAX_LEN 12

/* The machines the mail passed, oldest first: the sender the first line
 * names, then the server of each line; a line whose server is the one
 * before it (a local submission, a loopback hop) adds none. */
static size_t path_hosts(const struct trace *t, const char *hosts[], size_t max)
{
    size_t n = 0;
    if (t->n == 0)
        return 0;
    /* the first machine: the sender the oldest line names, or for a mail
     * made on its first server (a local submission), that server */
    const struct received_hop *first = &t->hops[0];
    bool local = !first->ip[0] && (!first->from[0] || strpbrk(first->from, "@ "));
    const char *sender = local && first->by[0] ? first->by
                         : first->rdns[0]       ? first->rdns
                         : first->ip[0]         ? first->ip
                         : first->from[0]       ? first->from
                                                : "?";
    hosts[n++] = sender;
    for (size_t i = 0; i < t->n && n < max; i++) {
        const char *by = t->hops[i].by[0] ? t->hops[i].by : "?";
        size_t a = strcspn(by, " "), b = strcspn(hosts[n - 1], " ");
        if (a != b || strncasecmp(by, hosts[n - 1], a) != 0)
            hosts[n++] = by;
    }
    return n;
}

/* A node name of a host name: its first label, letters, digits and "-",
 * made unique with a number. */
static void node_name(const char *host, size_t i, const char *const names[], char out[16])
{
    size_t k = 0;
    if (isdigit((unsigned char)host[0]) || host[0] == '[' || strchr(host, ':')) {
        k = (size_t)snprintf(out, 16, "sender");        /* an address: the sender's machine */
    } else {
        for (const char *p = host; *p && *p != '.' && *p != ' ' && k < NAME_MAX_LEN; p++)
            out[k++] = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '-';
    }
    if (k == 0 || out[0] == '-')
        k = (size_t)snprintf(out, 16, "host");
    out[k] = '\0';
    for (size_t j = 0; j < i; j++)
        if (strcmp(names[j], out) == 0) {
            snprintf(out + (k > 13 ? 13 : k), 16 - (k > 13 ? 13 : k), "-%zu", i + 1);
            break;
        }
}

/* The topology: a chain of the hosts, the first a host, the last a
 * server, the ones between routers (they pass the mail on), in a row. */
static json_t *path_topology(const char *const hosts[], size_t n, char names[][16])
{
    json_t *nodes = json_object(), *links = json_array(), *layout = json_object();
    const char *name_ptrs[PATH_NODES_MAX];
    for (size_t i = 0; i < n; i++) {
        node_name(hosts[i], i, name_ptrs, names[i]);
        name_ptrs[i] = names[i];
        const char *kind = i == 0 ? "host" : i + 1 == n ? "server" : "router";
        char host[256];
        snprintf(host, sizeof host, "%.*s", (int)strcspn(hosts[i], " "), hosts[i]);
        json_object_set_new(nodes, names[i], json_pack("{s:s, s:s}", "kind", kind, "hostname", host));
        json_object_set_new(layout, names[i],
                            json_pack("[i, i]", n > 1 ? (int)(i * 19 / (n - 1)) : 0, 4));
        if (i > 0)
            json_array_append_new(links, json_pack("{s:[s, s], s:i}", "endpoints", names[i - 1],
                                                   names[i], "delay_ms", 5));
    }
    return json_pack("{s:s, s:s, s:o, s:o, s:o}", "schema", "tutor-topology/1", "name",
                     "the mail's path", "nodes", nodes, "links", links, "layout", layout);
}

int trace_animate(const struct trace *t, bool draw)
{
    const char *hosts[PATH_NODES_MAX];
    size_t n = path_hosts(t, hosts, PATH_NODES_MAX);
    if (n < 2) {
        fprintf(stderr, "%s", _("tutor headers: --animate: the header names no two machines to "
                                "pass the mail between\n"));
        return 2;
    }
    char names[PATH_NODES_MAX][16], err[TOPO_ERROR_MAX];
    json_t *doc = path_topology(hosts, n, names);
    struct topo *topo = doc ? topo_load_doc(doc, "the mail's path", NULL, err) : NULL;
    json_decref(doc);
    if (!topo) {
        fprintf(stderr, "tutor headers: --animate: %s\n", doc ? err : _("out of memory"));
        return 2;
    }
    struct sim *s = sim_new(topo, 1);
    if (!s) {
        topo_free(topo);
        fprintf(stderr, "tutor headers: --animate: %s\n", _("out of memory"));
        return 2;
    }
    int src = topo_node_index(topo, names[0]), dst_node = topo_node_index(topo, names[n - 1]);
    uint32_t dst = topo_node_addr(topo, dst_node);
    struct sim_message_opts mo = {.size = 3000};
    int rc;
    if (draw && relayanim_possible()) {
        struct relayanim_opts ao = {.speed = 1};
        rc = relayanim_run(s, src, dst, &mo, &ao) == 0 ? 0 : 1;
    } else {
        struct relayview v;
        relayview_init(&v, stdout, RELAYVIEW_TRACE, s);
        sim_observe(s, relayview_observe, &v);
        int msg = sim_send(s, src, dst, &mo);
        if (msg < 0) {
            rc = 2;
        } else {
            sim_run(s, INT64_MAX);
            relayview_end(&v, msg);
            rc = sim_message(s, msg)->delivered ? 0 : 1;
        }
    }
    sim_free(s);
    topo_free(topo);
    return rc;
}
