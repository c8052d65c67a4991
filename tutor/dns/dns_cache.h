/*
 * dns_cache — a DNS server's message cache in the host, in front of its
 * script, as Unbound's message cache answers before its modules run: a
 * question asked again is answered from the bytes sent the first time,
 * without a Lua call. Every client meets it alike (the prompt's dig, a
 * mail server's lookup, a real client of tutor serve): it sits inside
 * dns_exchange.
 *
 * Only what the script marked goes in (s:answer{..., cache = "ttl"} or
 * cache = "zone", scripts/README.md): an answer it would give again, the
 * same, for as long as its least TTL. "ttl" answers are a cache's own and
 * their TTLs count down on the world's clock, as the script's would;
 * "zone" answers are a zone's data and keep their TTLs. Only NOERROR and
 * NXDOMAIN with at least one record and no TTL of 0 are kept.
 *
 * Only plain queries are looked up: opcode QUERY, one question whose name
 * has no compression pointer, no records but at most one OPT (EDNS version
 * 0). The key is the question's bytes as sent (so the case a client used
 * comes back, RFC 4343), RD, CD, EDNS and its DO bit, and the size the
 * answer had to fit in. A full cache is emptied (DNS_CACHE_ENTRIES): the
 * next questions fill it again.
 */
#ifndef TUTOR_DNS_CACHE_H
#define TUTOR_DNS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_CACHE_ENTRIES 4096
#define DNS_CACHE_KEY_MAX (255 + 4 + 8)     /* a name, QTYPE and QCLASS, the rest */

struct dns_cache;

struct dns_cache_key {
    uint8_t bytes[DNS_CACHE_KEY_MAX];
    size_t len;
    uint64_t hash;
};

enum dns_cache_mode { DNS_CACHE_NONE, DNS_CACHE_TTL, DNS_CACHE_ZONE };

struct dns_cache *dns_cache_new(void);
void dns_cache_free(struct dns_cache *c);

/* The key of query q[0..len), come over TCP or UDP: its answer must fit
 * in 65535 bytes, or 512, or the EDNS size it offers up to edns_max
 * (RFC 6891 6.2.5). 0, or -1 when the query is not a plain one (the
 * script answers it). */
int dns_cache_key(const uint8_t *q, size_t len, bool tcp, size_t edns_max,
                  struct dns_cache_key *k);

/* The cached answer to k, for query q (its ID is put in), its TTLs aged
 * to `now`: new (caller frees) of *len bytes; NULL when there is none or
 * it has expired (then it is dropped). */
uint8_t *dns_cache_get(struct dns_cache *c, const struct dns_cache_key *k, const uint8_t *q,
                       long long now, size_t *len);

/* Keeps resp[0..len), sent at `now`, as the answer to k; nothing when the
 * response is not one to keep (see above) or memory is short. */
void dns_cache_put(struct dns_cache *c, const struct dns_cache_key *k, const uint8_t *resp,
                   size_t len, long long now, enum dns_cache_mode mode);

#endif
