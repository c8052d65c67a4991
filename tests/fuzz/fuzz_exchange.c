/*
 * fuzz_exchange — libFuzzer harness for dns_exchange: any bytes, sent from
 * the student's PC to one of the default world's DNS servers, as a client
 * (or a student with a raw socket) could.
 *
 * Build and run from the repository root (the world's scripts are found
 * through datadir "."):
 *
 *     make fuzz-build
 *     build/fuzz/fuzz_exchange -max_len=1500 CORPUS tests/fuzz/seeds/exchange
 *
 * The input's first byte picks the server (bits 0-1: the resolver
 * 192.0.2.53, ns.b.example 198.51.100.53, the root 203.0.113.53) and the
 * transport (bit 7: TCP); the rest is the query. Besides what ASan and
 * UBSan catch, the harness aborts when a promise is broken: a DNS_OK
 * response has at least 12 bytes, QR set, the query's ID when the query
 * had one, over UDP no more bytes than the transport allows, and decodes
 * with ldns unless it is the host's own 12-byte FORMERR; a failure says
 * why in err.
 *
 * A crash leaves crash-<sha1> in the current directory; rerun it with
 * `build/fuzz_exchange crash-<sha1>`, fix it, and add the bytes to
 * tests/unit/test_dns.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "host/dns_exchange.h"
#include "dns/dns_wire.h"
#include "fuzz_host.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t pc;
static uint32_t servers[3];

static uint32_t must_addr(const char *s)
{
    uint32_t a;
    if (addr_parse_ipv4(s, &a) != 0)
        abort();
    return a;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_host_open("fuzz_exchange");
    pc = fuzz_host_addr("pc1");
    servers[0] = must_addr("192.0.2.53");
    servers[1] = must_addr("198.51.100.53");
    servers[2] = must_addr("203.0.113.53");
    return 0;
}

static void broken(const char *why, const uint8_t *resp, size_t len)
{
    fprintf(stderr, "fuzz_exchange: %s\n--- response (%zu bytes):", why, len);
    for (size_t i = 0; i < len && i < 64; i++)
        fprintf(stderr, " %02x", resp[i]);
    fprintf(stderr, "\n");
    abort();
}

/* What a UDP response to q may have (dns_exchange.h): 512 bytes, or the
 * query's EDNS size up to ours. */
static size_t udp_limit(const uint8_t *q, size_t q_len)
{
    size_t limit = DNS_UDP_MAX;
    ldns_pkt *p = NULL;
    if (dns_wire_decode(&p, q, q_len) == LDNS_STATUS_OK && ldns_pkt_edns(p) &&
        ldns_pkt_edns_udp_size(p) > DNS_UDP_MAX)
        limit = ldns_pkt_edns_udp_size(p) < DNS_EDNS_SIZE ? ldns_pkt_edns_udp_size(p)
                                                          : DNS_EDNS_SIZE;
    ldns_pkt_free(p);
    return limit;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fuzz_host_tick();
    uint32_t to = servers[(data[0] & 0x03) % 3];
    int tcp = (data[0] & 0x80) != 0;
    const uint8_t *q = data + 1;
    size_t q_len = size - 1;

    uint8_t *resp = NULL;
    size_t resp_len = 0;
    int rtt = -1;
    char err[RT_ERROR_MAX] = "";
    enum dns_outcome out = dns_exchange(&fuzz_rt, pc, to, q, q_len, tcp, &resp, &resp_len, &rtt, err);
    if (rtt < 0)
        broken("rtt_ms not set", NULL, 0);
    if (out != DNS_OK) {
        if (out != DNS_REFUSED && out != DNS_TIMEOUT)
            broken("outcome out of range", NULL, 0);
        if (!err[0])
            broken("no response and no reason in err", NULL, 0);
        free(resp);
        return 0;
    }
    if (!resp)
        broken("DNS_OK without a response", NULL, 0);
    if (resp_len < 12)
        broken("response shorter than a header", resp, resp_len);
    if (!(resp[2] & 0x80))
        broken("response without QR", resp, resp_len);
    if (q_len >= 2 && (resp[0] != q[0] || resp[1] != q[1]))
        broken("response with another ID", resp, resp_len);
    if (!tcp && resp_len > udp_limit(q, q_len))
        broken("response larger than the transport allows", resp, resp_len);
    int host_formerr = resp_len == 12 && (resp[3] & 0x0f) == LDNS_RCODE_FORMERR;
    if (!host_formerr) {
        ldns_pkt *p = NULL;
        if (dns_wire_decode(&p, resp, resp_len) != LDNS_STATUS_OK)
            broken("response does not decode", resp, resp_len);
        ldns_pkt_free(p);
    }
    free(resp);
    return 0;
}
