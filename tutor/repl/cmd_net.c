/* cmd_net — the network from the prompt's node: ipconfig, hosts, telnet, ssh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/i18n.h"
#include "host/netsim_rt.h"
#include "repl.h"
#include "clients/resolve.h"
#include "host/server.h"
#include "host/session.h"
#include "util/term.h"

#define ESCAPE_CHAR 0x1d
#define TELNET_PORT 23
#define HOSTS_SERVICES_WIDTH 23
#define HOSTS_LABEL_COL (18 + 1 + 15 + 1 + HOSTS_SERVICES_WIDTH + 1)  /* where WHAT IT IS starts */
#define EPHEMERAL_PORT_BASE 49152   /* RFC 6335's dynamic range */

static const char *label_of(const struct world_node *n)
{
    const char *l = strcmp(i18n_lang(), "ja") == 0 ? n->label_ja : n->label_en;
    return l ? l : (n->label_en ? n->label_en : "");
}

/* One line of ipconfig: the label padded with ". " to a column, as Windows'
 * ipconfig does, measured in display columns so Japanese lines up too. */
static void ipconfig_row(const char *label, const char *value)
{
    const int col = 36;
    printf("   %s", label);
    int w = 3 + term_width(label);
    if (w % 2 == 0) {
        putchar(' ');
        w++;
    }
    while (w < col - 2) {
        fputs(". ", stdout);
        w += 2;
    }
    printf(": %s\n", value);
}

static int cmd_ipconfig(struct repl *r, int argc, char **argv)
{
    bool all = argc > 1 && (strcasecmp(argv[1], "/all") == 0 || strcmp(argv[1], "-a") == 0);
    if (argc > 1 && !all) {
        term_error(_("usage: ipconfig [/all]"));
        return 2;
    }
    const struct world_node *pc = rt_here(r->rt);
    char a[ADDR_IPV4_STRLEN];
    printf("\n%s\n\n", _("IP configuration of this computer"));
    ipconfig_row(_("Host Name"), pc->hostname ? pc->hostname : pc->name);
    for (size_t i = 0; i < pc->n_ifaces; i++) {
        const struct world_iface *f = &pc->ifaces[i];
        printf("\n%s %s:\n\n", _("Interface"), f->name);
        if (all) {
            char net[ADDR_PREFIX_STRLEN + 4];
            snprintf(net, sizeof net, "%s/%d",
                     addr_format_ipv4(f->ipv4.addr & addr_mask(f->ipv4.len), a), f->ipv4.len);
            ipconfig_row(_("Network"), net);
        }
        ipconfig_row(_("IPv4 Address"), addr_format_ipv4(f->ipv4.addr, a));
        ipconfig_row(_("Subnet Mask"), addr_format_ipv4(addr_mask(f->ipv4.len), a));
        ipconfig_row(_("Default Gateway"), pc->has_gateway ? addr_format_ipv4(pc->gateway, a) : "");
        for (size_t d = 0; d < pc->n_dns || d == 0; d++)
            ipconfig_row(d == 0 ? _("DNS Servers") : "",
                         pc->n_dns ? addr_format_ipv4(pc->dns[d], a) : "");
    }
    if (all) {
        putchar('\n');
        ipconfig_row(_("Node in the world"), pc->name);
    }
    putchar('\n');
    return 0;
}

static int cmd_hosts(struct repl *r, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct world *w = r->rt->world;
    char a[ADDR_IPV4_STRLEN];
    term_pad(stdout, _("HOST"), 18);
    putchar(' ');
    term_pad(stdout, _("ADDRESS"), 15);
    putchar(' ');
    term_pad(stdout, _("SERVICES"), HOSTS_SERVICES_WIDTH);
    printf(" %s\n", _("WHAT IT IS"));
    for (size_t i = 0; i < w->n_nodes; i++) {
        const struct world_node *n = &w->nodes[i];
        const char *host = n->hostname ? n->hostname : n->name;
        /* a name too long for its column gets a line of its own */
        if (term_width(host) > 18)
            printf("%s\n%18s", host, "");
        else
            term_pad(stdout, host, 18);
        putchar(' ');
        term_pad(stdout, n->n_ifaces ? addr_format_ipv4(n->ifaces[0].ipv4.addr, a) : "-", 15);
        putchar(' ');
        /* services fill their column line by line, so that the table
         * stays within 80 columns however many a host runs */
        size_t s = 0;
        for (int line = 0; line == 0 || s < n->n_services; line++) {
            char svcs[256] = "";
            size_t used = 0;
            for (; s < n->n_services; s++) {
                char one[64];
                snprintf(one, sizeof one, "%s/%d", n->services[s].name, n->services[s].port);
                if (used && used + 1 + strlen(one) > HOSTS_SERVICES_WIDTH)
                    break;
                used += (size_t)snprintf(svcs + used, sizeof svcs - used, "%s%s",
                                         used ? " " : "", one);
            }
            if (line > 0)
                printf("%35s", "");
            if (line == 0) {
                term_pad(stdout, svcs[0] ? svcs : "-", HOSTS_SERVICES_WIDTH);
                /* the last column wrapped within the 80 ("a web host with
                 * FormMail" of the nuisance world); a table may fill the
                 * last column, as it always has here */
                putchar(' ');
                term_wrap(stdout, label_of(n), HOSTS_LABEL_COL, HOSTS_LABEL_COL, 80);
            } else {
                printf("%s\n", svcs);
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * telnet: the lecture's "telnet localhost smtp", against a virtual server.
 */
static void show_output(struct session *s, struct net_show *net, const char *service)
{
    char *l;
    while ((l = session_pop(s))) {
        transcript_add(net->rt->transcript, TS_REPLY, session_id(s), 0, service,
                       net->server->hostname, l, strlen(l), NULL);
        netsim_rt_show(net, false, l);
        term_server(l);
        free(l);
    }
    fflush(stdout);
}

/* After "Connection refused" from the node's own loopback: where the
 * service is, for a student who typed the lecture's "telnet localhost
 * smtp" on a PC (the lecturer typed it on the mail server). */
static void hint_loopback(struct runtime *rt, const struct world_node *here, int port,
                          const char *service)
{
    const char *dot = here->hostname ? strchr(here->hostname, '.') : NULL;
    const struct world_node *m = dot ? world_mail_host(rt->world, dot + 1) : NULL;
    if (m && m != here && world_service_by_port(m, port))
        term_info(_("%1$s runs no server on port %2$d. The lecture typed this on the mail "
                    "server: \"ssh %3$s\" takes you there; or type \"telnet %3$s %4$s\"."),
                  here->hostname, port, m->hostname, service);
    else
        term_info(_("%1$s runs no server on port %2$d (\"hosts\" lists who runs what)."),
                  here->hostname ? here->hostname : here->name, port);
}

static int cmd_telnet(struct repl *r, int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        term_error(_("usage: telnet HOST [SERVICE|PORT]"));
        return 2;
    }
    struct runtime *rt = r->rt;
    const char *svcname = argc == 3 ? argv[2] : "telnet";
    int port = TELNET_PORT;
    if (argc == 3) {
        char *end;
        long p = strtol(argv[2], &end, 10);
        port = *end || p < 1 || p > 65535 ? world_port_of(argv[2]) : (int)p;
    }
    const struct world_node *here = rt_here(rt);
    uint32_t to;
    enum resolve_status st = resolve_host(rt, here, argv[1], &to);
    if (st != RESOLVE_OK) {
        /* the words of the real telnet, so students meet them here first */
        printf("telnet: could not resolve %s/%s: %s\n", argv[1], svcname, resolve_error(st));
        resolve_say_offline(rt->world, argv[1]);
        return 1;
    }
    if (port < 0) {
        printf("telnet: could not resolve %s/%s: %s\n", argv[1], svcname,
               _("Servname not supported for ai_socktype"));
        return 1;
    }
    bool loopback = resolve_is_loopback(to);
    char a[ADDR_IPV4_STRLEN];
    printf("Trying %s...\n", addr_format_ipv4(to, a));
    const struct world_node *host = loopback ? here : world_host_by_addr(rt->world, to);
    if (!host) {
        /* nobody has the address: the SYN goes unanswered */
        printf("telnet: Unable to connect to remote host: Connection timed out\n");
        return 1;
    }
    const struct world_service *svc = world_service_by_port(host, port);
    if (!svc) {
        printf("telnet: Unable to connect to remote host: Connection refused\n");
        if (loopback)
            hint_loopback(rt, here, port, argc == 3 ? argv[2] : "23");
        return 1;
    }
    char err[RT_ERROR_MAX];
    struct vserver *srv = rt_server(rt, host, svc, err);
    if (!srv) {
        term_error("%s", err);
        printf("telnet: Unable to connect to remote host: Connection refused\n");
        return 1;
    }
    /* the connection's first packet must find its way, as a SYN would */
    enum net_carry reach = loopback ? NET_CARRIED : netsim_rt_carry(rt, here, to, NULL, 60, NULL);
    if (reach != NET_CARRIED) {
        printf("telnet: Unable to connect to remote host: %s\n", netsim_rt_failure(reach));
        return 1;
    }
    /* over the loopback both ends are 127.0.0.1, and the server sees a
     * client called localhost, as the lecture's Received: line shows */
    struct session_endpoint client = {.addr = loopback ? to : world_node_addr(here),
                                      .name = loopback ? "localhost" : here->hostname};
    struct session_endpoint server = {.addr = to, .port = port, .name = host->hostname};
    client.port = EPHEMERAL_PORT_BASE + (int)(rt->next_session % 16000);
    printf("Connected to %s.\n", loopback ? "localhost" : host->hostname ? host->hostname : a);
    printf("Escape character is '^]'.\n");

    struct session *s = session_open(srv, &client, &server);
    if (!s) {
        term_error(_("out of memory"));
        return 1;
    }
    /* hops are shown for a dialogue that crosses the network */
    struct net_show net = {.rt = rt, .client = here, .server = host, .loopback = loopback};
    transcript_add(rt->transcript, TS_CONNECT, session_id(s), port, svc->name, host->hostname,
                   NULL, 0, NULL);
    show_output(s, &net, svc->name);
    int rc = 0;
    r->verbs = srv_verbs(srv);
    while (!session_over(s)) {
        size_t len;
        char *line = repl_read_line(r, "", &len);
        if (!line || line[0] == ESCAPE_CHAR) {
            /* what telnet's "quit" after ^] prints */
            if (!r->tty || line)
                printf("telnet> quit\n");
            printf("Connection closed.\n");
            free(line);
            goto done;
        }
        term_client(line, len, !r->tty);
        transcript_add(rt->transcript, TS_SENT, session_id(s), 0, svc->name, host->hostname,
                       line, len, NULL);
        netsim_rt_show(&net, true, line);
        session_input(s, line, len);
        free(line);
        show_output(s, &net, svc->name);
        /* the line that ends the dialogue is judged at the prompt, once
         * "Connection closed" is on the screen */
        if (!session_over(s))
            repl_after_line(r);
    }
    if (session_failed(s)) {
        term_error(_("the server's script failed: %1$s"), session_failed(s));
        rc = 1;
    }
    printf("Connection closed by foreign host.\n");
done:
    transcript_add(rt->transcript, TS_CLOSED, session_id(s), rc, svc->name, host->hostname,
                   NULL, 0, NULL);
    r->verbs = NULL;
    session_end(s);
    return rc;
}

/* ------------------------------------------------------------------------
 * ssh: standing on another host, as the lecturer was logged in on the mail
 * server. The commands that look at the network (ipconfig, telnet, dig,
 * host, nslookup, ping, traceroute) then run there; the mail client stays
 * on the student's PC. "exit" comes back.
 */
static int cmd_ssh(struct repl *r, int argc, char **argv)
{
    if (argc != 2) {
        term_error(_("usage: ssh HOST"));
        return 2;
    }
    struct runtime *rt = r->rt;
    const struct world_node *here = rt_here(rt);
    uint32_t to;
    enum resolve_status st = resolve_host(rt, here, argv[1], &to);
    if (st != RESOLVE_OK) {
        term_error("ssh: Could not resolve hostname %s: %s", argv[1], resolve_error(st));
        resolve_say_offline(rt->world, argv[1]);
        return 1;
    }
    const struct world_node *host = resolve_is_loopback(to) ? here : world_host_by_addr(rt->world, to);
    char a[ADDR_IPV4_STRLEN];
    if (!host) {
        term_error("ssh: connect to host %s port 22: Connection timed out", argv[1]);
        return 1;
    }
    if (host != here) {
        enum net_carry reach = netsim_rt_carry(rt, here, to, NULL, 60, NULL);
        if (reach != NET_CARRIED) {
            term_error("ssh: connect to host %s port 22: %s", argv[1], netsim_rt_failure(reach));
            return 1;
        }
    }
    if (r->hops >= REPL_HOPS_MAX) {
        term_error(_("ssh: %1$d hosts deep is enough: \"exit\" first"), REPL_HOPS_MAX);
        return 1;
    }
    r->came_from[r->hops++] = here;
    rt->here = host;
    const char *name = host->hostname ? host->hostname : host->name;
    term_info(_("You are now on %1$s (%2$s): ipconfig, telnet, dig, ping and traceroute "
                "run here. \"exit\" goes back to %3$s."),
              name, addr_format_ipv4(world_node_addr(host), a),
              here->hostname ? here->hostname : here->name);
    return 0;
}

/* The lecture's slide shows Windows 95's winipcfg: the same as ipconfig
 * /all here. */
static int cmd_winipcfg(struct repl *r, int argc, char **argv)
{
    if (argc > 1) {
        term_error(_("usage: winipcfg"));
        return 2;
    }
    char slash_all[] = "/all";
    char *all[] = {argv[0], slash_all, NULL};
    return cmd_ipconfig(r, 2, all);
}

const struct command net_commands[] = {
    {.name = "ipconfig", .complete = "/all", .opts = "-a", .args = "[/all]", .help = N_("show this computer's address, mask, gateway and DNS server"), .run = cmd_ipconfig},
    {.name = "winipcfg", .help = N_("ipconfig /all, as Windows 95's winipcfg showed it"), .run = cmd_winipcfg},
    {.name = "hosts", .help = N_("list the world's hosts, their addresses and services"), .run = cmd_hosts},
    {.name = "telnet", .complete = "host service", .args = "HOST [SERVICE|PORT]", .help = N_("talk to a server by hand, e.g. telnet mail.a.example smtp"), .run = cmd_telnet},
    {.name = "ssh", .complete = "host", .args = "HOST", .help = N_("work on another host of the world (exit comes back)"), .more = N_("As the lecturer was logged in on the mail server: there \"telnet localhost smtp\" talks to the server on the same host, and ipconfig, dig, ping and traceroute run from it. The mail client (send, inbox) stays on your PC."), .run = cmd_ssh},
    {NULL},
};
