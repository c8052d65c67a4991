/* topoview — see topoview.h. */
#include "topoview.h"

#include <math.h>
#include <string.h>

#include "util/i18n.h"
#include "util/term.h"

static const char *label_of(const struct topo_node *n)
{
    const char *l = strcmp(i18n_lang(), "ja") == 0 ? n->label_ja : n->label_en;
    return l ? l : n->label_en;
}

static const char *kind_word(enum topo_kind k)
{
    return k == TOPO_ROUTER ? _("router") : k == TOPO_SERVER ? _("server") : _("host");
}

static int name_width(const struct topo *t)
{
    int w = 4;
    for (size_t i = 0; i < t->n_nodes; i++) {
        int nw = term_width(t->nodes[i].name);
        if (nw > w)
            w = nw;
    }
    return w;
}

static void print_prefix(FILE *f, struct ipv4_prefix p)
{
    char a[ADDR_IPV4_STRLEN];
    fprintf(f, "%s/%d", addr_format_ipv4(p.addr, a), p.len);
}

static void print_nodes(FILE *f, const struct topo *t, int w)
{
    fprintf(f, _("Nodes (%zu):\n"), t->n_nodes);
    for (size_t i = 0; i < t->n_nodes; i++) {
        const struct topo_node *n = &t->nodes[i];
        fputs("  ", f);
        term_pad(f, n->name, w);
        fputs("  ", f);
        const char *l = label_of(n);
        if (n->hostname || l) {
            term_pad(f, kind_word(n->kind), 8);
            fputs("  ", f);
        } else {
            fputs(kind_word(n->kind), f);
        }
        if (n->hostname)
            fputs(n->hostname, f);
        if (l)
            fprintf(f, "%s(%s)", n->hostname ? " " : "", l);
        fputc('\n', f);
        for (size_t k = 0; k < n->n_ifaces; k++) {
            const struct topo_iface *fc = &n->ifaces[k];
            fprintf(f, "  %*s    %-6s ", w, "", fc->name);
            if (fc->ipv4.len >= 0)
                print_prefix(f, fc->ipv4);
            else
                fputs(_("(no address: on no link)"), f);
            if (fc->n_links > 1)
                fprintf(f, _("  (%zu links meet here)"), fc->n_links);
            fputc('\n', f);
        }
    }
}

static void print_links(FILE *f, const struct topo *t)
{
    fprintf(f, _("\nLinks (%zu):\n"), t->n_links);
    for (size_t i = 0; i < t->n_links; i++) {
        const struct topo_link *l = &t->links[i];
        char e0[2 * TOPO_NAME_MAX], e1[2 * TOPO_NAME_MAX];
        /* within 80 columns for the common names: "pc1:eth0", "r1:eth1" */
        fprintf(f, "  %-12s -- %-12s ", topo_end_name(t, l->end[0], e0, sizeof e0),
                topo_end_name(t, l->end[1], e1, sizeof e1));
        char delay[32], rate[32];
        snprintf(delay, sizeof delay, "%g ms", (double)l->delay_us / 1000.0);
        double kbps = l->bandwidth_kbps;
        if (kbps >= 1000000 && fmod(kbps, 1000000) == 0)
            snprintf(rate, sizeof rate, "%g Gbit/s", kbps / 1000000);
        else if (kbps >= 1000 && fmod(kbps, 1000) == 0)
            snprintf(rate, sizeof rate, "%g Mbit/s", kbps / 1000);
        else
            snprintf(rate, sizeof rate, "%g kbit/s", kbps);
        fprintf(f, "%6s %10s ", delay, rate);
        fprintf(f, _("loss %g%% queue %d MTU %d %s\n"), l->loss_pct, l->queue, l->mtu,
                l->up ? _("up") : _("DOWN"));
    }
}

static void print_routes(FILE *f, const struct topo *t, int w)
{
    fprintf(f, "%s", _("\nRoutes (connected networks, then the file's routes):\n"));
    char a[ADDR_IPV4_STRLEN];
    for (size_t i = 0; i < t->n_nodes; i++) {
        const struct topo_node *n = &t->nodes[i];
        bool first = true;
        for (size_t k = 0; k < n->n_ifaces; k++) {
            const struct topo_iface *fc = &n->ifaces[k];
            if (fc->ipv4.len < 0)
                continue;
            fputs("  ", f);
            term_pad(f, first ? n->name : "", w);
            first = false;
            struct ipv4_prefix net = {fc->ipv4.addr & addr_mask(fc->ipv4.len), fc->ipv4.len};
            fputs("  ", f);
            print_prefix(f, net);
            fprintf(f, " dev %s %s\n", fc->name, _("(connected)"));
        }
        for (size_t k = 0; k < n->n_routes; k++) {
            const struct topo_route *r = &n->routes[k];
            fputs("  ", f);
            term_pad(f, first ? n->name : "", w);
            first = false;
            fputs("  ", f);
            if (r->is_default)
                fputs("default", f);
            else
                print_prefix(f, r->dst);
            if (r->has_gateway)
                fprintf(f, " via %s", addr_format_ipv4(r->gateway, a));
            fprintf(f, " dev %s", n->ifaces[r->iface].name);
            if (r->metric)
                fprintf(f, " metric %d", r->metric);
            fputc('\n', f);
        }
        if (!n->static_routes) {
            fputs("  ", f);
            term_pad(f, first ? n->name : "", w);
            fprintf(f, "  %s\n", _("others computed: the shortest path by delay"));
        }
    }
}

void topoview_text(FILE *f, const struct topo *t, const char *source)
{
    const char *msg = strcmp(i18n_lang(), "ja") == 0 && t->message_ja ? t->message_ja : t->message_en;
    fprintf(f, _("Network %s (%s)\n"), t->name ? t->name : "-", source);
    if (msg) {
        fputs("  ", f);
        term_wrap(f, msg, 2, 2, 78);
    }
    putc('\n', f);
    int w = name_width(t);
    print_nodes(f, t, w);
    print_links(f, t);
    print_routes(f, t, w);
}

/* A DOT string: quotes and backslashes escaped, a newline as DOT's \n. */
static void dot_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '\n') {
            fputs("\\n", f);
            continue;
        }
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void topoview_dot(FILE *f, const struct topo *t)
{
    char a[ADDR_IPV4_STRLEN];
    fputs("graph ", f);
    dot_string(f, t->name ? t->name : "network");
    fputs(" {\n  graph [overlap=false, splines=true];\n  node [fontname=\"sans-serif\"];\n", f);
    for (size_t i = 0; i < t->n_nodes; i++) {
        const struct topo_node *n = &t->nodes[i];
        char label[512];
        int len = snprintf(label, sizeof label, "%s", n->name);
        if (n->hostname)
            len += snprintf(label + len, sizeof label - (size_t)len, "\n%s", n->hostname);
        uint32_t addr = topo_node_addr(t, i);
        if (addr && len < (int)sizeof label)
            snprintf(label + len, sizeof label - (size_t)len, "\n%s", addr_format_ipv4(addr, a));
        fputs("  ", f);
        dot_string(f, n->name);
        fprintf(f, " [shape=%s, label=", n->kind == TOPO_ROUTER ? "ellipse" : "box");
        dot_string(f, label);
        if (n->has_layout)
            fprintf(f, ", pos=\"%d,%d!\"", n->col, -n->row);
        fputs("];\n", f);
    }
    for (size_t i = 0; i < t->n_links; i++) {
        const struct topo_link *l = &t->links[i];
        char lab[64];
        snprintf(lab, sizeof lab, "%g ms", (double)l->delay_us / 1000.0);
        fputs("  ", f);
        dot_string(f, t->nodes[l->end[0].node].name);
        fputs(" -- ", f);
        dot_string(f, t->nodes[l->end[1].node].name);
        fputs(" [label=", f);
        dot_string(f, lab);
        if (!l->up)
            fputs(", style=dashed, color=red", f);
        fputs("];\n", f);
    }
    fputs("}\n", f);
}
