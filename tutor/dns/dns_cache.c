/* dns_cache — see dns_cache.h. */
#include "dns_cache.h"

#include <stdlib.h>
#include <string.h>

#define BUCKETS 8192                    /* a power of two, above DNS_CACHE_ENTRIES */
#define TYPE_OPT 41
#define TTL_MAX 2147483647u             /* RFC 2181 8: above it, a TTL counts as 0 */

struct entry {
    struct entry *next;                 /* in its bucket */
    struct dns_cache_key key;
    enum dns_cache_mode mode;
    long long stored, expires;
    uint8_t *resp;
    size_t len;
    size_t *ttl_at;                     /* offsets of the records' TTL fields */
    size_t n_ttl;
};

struct dns_cache {
    struct entry *bucket[BUCKETS];
    size_t n;
};

struct dns_cache *dns_cache_new(void)
{
    return calloc(1, sizeof(struct dns_cache));
}

static void entry_free(struct entry *e)
{
    free(e->resp);
    free(e->ttl_at);
    free(e);
}

static void clear(struct dns_cache *c)
{
    for (size_t i = 0; i < BUCKETS; i++) {
        while (c->bucket[i]) {
            struct entry *e = c->bucket[i];
            c->bucket[i] = e->next;
            entry_free(e);
        }
    }
    c->n = 0;
}

void dns_cache_free(struct dns_cache *c)
{
    if (!c)
        return;
    clear(c);
    free(c);
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint64_t fnv1a(const uint8_t *b, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h ^ (h >> 32);
}

int dns_cache_key(const uint8_t *q, size_t len, bool tcp, size_t edns_max,
                  struct dns_cache_key *k)
{
    if (len < 12 || (q[2] & 0x80) || ((q[2] >> 3) & 0x0f) != 0)
        return -1;                      /* a response, or not QUERY */
    if (get16(q + 4) != 1 || get16(q + 6) != 0 || get16(q + 8) != 0 || get16(q + 10) > 1)
        return -1;
    size_t p = 12;
    while (p < len && q[p] != 0) {
        if (q[p] > 63)
            return -1;                  /* a pointer, or a label type other than 0 */
        p += 1 + (size_t)q[p];
    }
    if (p >= len || p + 1 - 12 > 255 || len - p - 1 < 4)
        return -1;
    size_t question = p + 1 + 4 - 12;   /* name, QTYPE, QCLASS */
    p += 1 + 4;
    bool edns = false, dnssec_ok = false;
    size_t limit = tcp ? 65535 : 512;
    if (get16(q + 10) == 1) {
        /* one OPT: the root as owner, EDNS version 0, no options */
        if (len - p != 11 || q[p] != 0 || get16(q + p + 1) != TYPE_OPT || q[p + 6] != 0 ||
            get16(q + p + 9) != 0)
            return -1;
        edns = true;
        dnssec_ok = (q[p + 7] & 0x80) != 0;
        size_t offered = get16(q + p + 3);
        if (!tcp && offered > 512)
            limit = offered < edns_max ? offered : edns_max;
        p += 11;
    }
    if (p != len)
        return -1;
    memcpy(k->bytes, q + 12, question);
    size_t n = question;
    k->bytes[n++] = (uint8_t)((q[2] & 0x01) | (q[3] & 0x10) >> 3 | edns << 2 | dnssec_ok << 3);
    put32(k->bytes + n, (uint32_t)limit);
    n += 4;
    k->len = n;
    k->hash = fnv1a(k->bytes, n);
    return 0;
}

static struct entry **find(struct dns_cache *c, const struct dns_cache_key *k)
{
    struct entry **e = &c->bucket[k->hash & (BUCKETS - 1)];
    while (*e && !((*e)->key.hash == k->hash && (*e)->key.len == k->len &&
                   memcmp((*e)->key.bytes, k->bytes, k->len) == 0))
        e = &(*e)->next;
    return e;
}

uint8_t *dns_cache_get(struct dns_cache *c, const struct dns_cache_key *k, const uint8_t *q,
                       long long now, size_t *len)
{
    struct entry **at = find(c, k), *e = *at;
    if (!e)
        return NULL;
    if (now >= e->expires || now < e->stored) {
        *at = e->next;                  /* gone, as the script's own entry is */
        entry_free(e);
        c->n--;
        return NULL;
    }
    uint8_t *r = malloc(e->len);
    if (!r)
        return NULL;
    memcpy(r, e->resp, e->len);
    r[0] = q[0];
    r[1] = q[1];
    if (e->mode == DNS_CACHE_TTL) {
        uint32_t age = (uint32_t)(now - e->stored);
        for (size_t i = 0; i < e->n_ttl; i++)
            put32(r + e->ttl_at[i], get32(r + e->ttl_at[i]) - age);
    }
    *len = e->len;
    return r;
}

/* Past the name at *p of m[0..len), pointers and all; false past the end. */
static bool skip_name(const uint8_t *m, size_t len, size_t *p)
{
    while (*p < len) {
        uint8_t l = m[*p];
        if ((l & 0xc0) == 0xc0) {
            *p += 2;
            return *p <= len;
        }
        if (l & 0xc0)
            return false;
        *p += 1 + (size_t)l;
        if (l == 0)
            return true;
    }
    return false;
}

void dns_cache_put(struct dns_cache *c, const struct dns_cache_key *k, const uint8_t *resp,
                   size_t len, long long now, enum dns_cache_mode mode)
{
    if (mode == DNS_CACHE_NONE || len < 12 || !(resp[2] & 0x80))
        return;
    unsigned rcode = resp[3] & 0x0f;
    if (rcode != 0 && rcode != 3)
        return;                         /* NOERROR and NXDOMAIN only */
    size_t p = 12;
    for (unsigned i = 0; i < get16(resp + 4); i++) {
        if (!skip_name(resp, len, &p) || len - p < 4)
            return;
        p += 4;
    }
    unsigned rrs = get16(resp + 6) + get16(resp + 8) + get16(resp + 10);
    size_t *ttl_at = malloc((rrs + 1) * sizeof *ttl_at);
    if (!ttl_at)
        return;
    size_t n_ttl = 0;
    uint32_t least = TTL_MAX;
    for (unsigned i = 0; i < rrs; i++) {
        if (!skip_name(resp, len, &p) || len - p < 10 || len - p - 10 < get16(resp + p + 8)) {
            free(ttl_at);
            return;
        }
        if (get16(resp + p) != TYPE_OPT) {
            uint32_t ttl = get32(resp + p + 4);
            ttl = ttl > TTL_MAX ? 0 : ttl;
            least = ttl < least ? ttl : least;
            ttl_at[n_ttl++] = p + 4;
        }
        p += 10 + get16(resp + p + 8);
    }
    if (n_ttl == 0 || least == 0) {
        free(ttl_at);
        return;                         /* no record to time it by, or not to be kept */
    }
    struct entry *e = calloc(1, sizeof *e);
    uint8_t *copy = malloc(len);
    if (!e || !copy) {
        free(e);
        free(copy);
        free(ttl_at);
        return;
    }
    memcpy(copy, resp, len);
    *e = (struct entry){.key = *k, .mode = mode, .stored = now, .expires = now + least,
                        .resp = copy, .len = len, .ttl_at = ttl_at, .n_ttl = n_ttl};
    struct entry **at = find(c, k);
    if (*at) {
        struct entry *old = *at;        /* a newer answer replaces it */
        e->next = old->next;
        entry_free(old);
        *at = e;
        return;
    }
    if (c->n >= DNS_CACHE_ENTRIES)
        clear(c);
    at = find(c, k);
    e->next = NULL;
    *at = e;
    c->n++;
}
