/*
 * serve_dns — the world's resolver for real clients (dig, drill, kdig):
 * over UDP, one datagram in and at most one out; over TCP, messages with a
 * two-byte length (RFC 1035 4.2.2), as many as the client sends on one
 * connection (RFC 7766 6.2.1). Each query goes to the resolver's script
 * through dns_exchange_outside(): the same script, sandbox and host checks
 * (FORMERR, BADVERS, TC) as a query from the REPL's dig.
 */
#include <errno.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/dns_wire.h"
#include "host/dns_exchange.h"
#include "serve_internal.h"

#define UDP_BATCH 64            /* datagrams read in one turn, so TCP clients get theirs */

/* "www.a.example. IN A", for the log. */
static void describe_question(const uint8_t *q, size_t n, char out[300])
{
    ldns_pkt *p = NULL;
    if (dns_wire_decode(&p, q, n) != LDNS_STATUS_OK || ldns_pkt_qdcount(p) < 1) {
        snprintf(out, 300, "%zu bytes that are no DNS query", n);
        ldns_pkt_free(p);
        return;
    }
    ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_question(p), 0);
    char *owner = ldns_rdf2str(ldns_rr_owner(rr));
    char *type = ldns_rr_type2str(ldns_rr_get_type(rr));
    snprintf(out, 300, "%s %s%s", owner ? owner : "?", type ? type : "?",
             ldns_pkt_edns(p) ? " (EDNS)" : "");
    free(owner);
    free(type);
    ldns_pkt_free(p);
}

/* "NOERROR, 1 answer, 0 authority, 2 additional, 97 bytes"; the EDNS OPT
 * record counts among the additional ones, as dig counts it. */
static void describe_answer(const uint8_t *r, size_t n, char out[300])
{
    ldns_pkt *p = NULL;
    if (dns_wire_decode(&p, r, n) != LDNS_STATUS_OK) {
        snprintf(out, 300, "%zu bytes", n);
        ldns_pkt_free(p);
        return;
    }
    char *rcode = ldns_pkt_rcode2str(ldns_pkt_get_rcode(p));
    snprintf(out, 300, "%s%s, %u answer, %u authority, %u additional, %zu bytes",
             rcode ? rcode : "?", ldns_pkt_tc(p) ? " TC" : "", ldns_pkt_ancount(p),
             ldns_pkt_nscount(p), ldns_pkt_arcount(p) + (ldns_pkt_edns(p) ? 1u : 0u), n);
    free(rcode);
    ldns_pkt_free(p);
}

/* One query to the resolver: 0 with the answer in *resp, or -1 (no answer
 * goes back: the client times out, as with a real server that drops it). */
static int answer(struct serve *sv, struct listener *l, const char *transport,
                  const struct session_endpoint *client, const char *peer, const uint8_t *q,
                  size_t n, uint8_t **resp, size_t *resp_len)
{
    char err[RT_ERROR_MAX], question[300], said[300];
    sv->dns_queries++;
    if (n >= 3 && q[2] & 0x80) {
        /* a response (QR set) is never answered: answering one would let
         * two servers, or a spoofed source, bounce datagrams forever */
        if (slog_wanted(sv)) {
            describe_question(q, n, question);
            slog_dns(sv, transport, peer, question, "dropped: a response, not a query");
        }
        return -1;
    }
    enum dns_outcome o = dns_exchange_outside(sv->rt, client, world_node_addr(l->node), q, n,
                                              strcmp(transport, "tcp") == 0, resp, resp_len, err);
    if (slog_wanted(sv)) {
        describe_question(q, n, question);
        if (o == DNS_OK)
            describe_answer(*resp, *resp_len, said);
        else
            snprintf(said, sizeof said, "no answer: %s", err);
        slog_dns(sv, transport, peer, question, said);
    }
    return o == DNS_OK ? 0 : -1;
}

void dns_udp_readable(struct serve *sv, struct listener *l)
{
    static uint8_t buf[65536];
    for (int i = 0; i < UDP_BATCH; i++) {
        struct sockaddr_storage from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(l->udp_fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        char addr[INET6_ADDRSTRLEN], peer[SERVE_ADDR_TEXT_MAX];
        int port;
        uint32_t a4 = (uint32_t)sockaddr_describe((struct sockaddr *)&from, addr, &port, peer);
        struct session_endpoint client = {.addr = a4, .port = port, .addr_text = addr,
                                          .socket = true};
        uint8_t *resp;
        size_t resp_len;
        if (answer(sv, l, "udp", &client, peer, buf, (size_t)n, &resp, &resp_len) == 0) {
            /* a full socket buffer drops the answer, as the network would */
            sendto(l->udp_fd, resp, resp_len, 0, (struct sockaddr *)&from, flen);
            free(resp);
        }
    }
}

/* Answers every whole message in the connection's buffer. */
static void take_messages(struct serve *sv, struct conn *c)
{
    size_t start = 0;
    while (!c->draining && c->in_len - start >= 2) {
        const uint8_t *p = (const uint8_t *)c->in + start;
        size_t len = (size_t)p[0] << 8 | p[1];
        if (len == 0) {
            c->draining = true;     /* nothing can come of a zero-length message */
            break;
        }
        if (c->in_len - start < 2 + len)
            break;
        struct session_endpoint client = {.addr = c->addr4, .port = c->port, .addr_text = c->addr,
                                          .socket = true};
        uint8_t *resp;
        size_t resp_len;
        /* a whole query is activity; bytes dribbled one by one are not
         * (Unbound's tcp-idle-timeout is for the query) */
        c->idle_until_ms = serve_now_ms() + c->l->idle_s * 1000LL;
        if (answer(sv, c->l, "tcp", &client, c->peer, p + 2, len, &resp, &resp_len) == 0) {
            uint8_t head[2] = {(uint8_t)(resp_len >> 8), (uint8_t)resp_len};
            if (conn_queue_out(c, head, 2) < 0 || conn_queue_out(c, resp, resp_len) < 0)
                c->draining = true;
            free(resp);
        }
        start += 2 + len;
    }
    memmove(c->in, c->in + start, c->in_len - start);
    c->in_len -= start;
}

void dns_tcp_readable(struct serve *sv, struct conn *c)
{
    /* the buffer grows to the message the length announces, no further */
    size_t want = c->in_len >= 2 ? 2 + ((size_t)(uint8_t)c->in[0] << 8 | (uint8_t)c->in[1]) : 2;
    if (want < 512)
        want = 512;
    if (want > c->in_cap) {
        char *b = realloc(c->in, want);
        if (!b) {
            c->draining = true;
            return;
        }
        c->in = b;
        c->in_cap = want;
    }
    ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
    if (n == 0 && c->out_len > c->out_off && !c->draining) {
        /* the client is done asking; its answers still go out */
        c->draining = true;
        return;
    }
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        dns_tcp_close(c);
        return;
    }
    if (n < 0)
        return;
    c->in_len += (size_t)n;
    take_messages(sv, c);
}

void dns_tcp_close(struct conn *c)
{
    if (c->closed)
        return;
    close(c->fd);
    c->fd = -1;
    c->closed = true;
}
