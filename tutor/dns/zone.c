/*
 * zone — the authoritative lookup of RFC 1034 4.3.2 over the zones of one
 * server, and the zone_set API around it. Reading master files is
 * zone_read.c's; the zone structure both share is in zone_internal.h,
 * which says how the records are kept and why.
 */
#include "zone.h"
#include "zone_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ZONE_LABELS_MAX 128                 /* a 255-octet name has fewer */

/* ------------------------------------------------------------------------
 * Names in wire form, without case.
 */
static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* The offsets of the labels of nm, the root's excluded; their count. */
static int name_labels(struct zone_name nm, size_t off[ZONE_LABELS_MAX])
{
    size_t i = 0;
    int k = 0;
    while (i < nm.n && nm.d[i] && k < ZONE_LABELS_MAX) {
        off[k++] = i;
        i += (size_t)nm.d[i] + 1;
    }
    return k;
}

/* Length octets are at most 63, below 'A': lowering every octet is safe. */
bool zone_name_eq(struct zone_name a, struct zone_name b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++)
        if (lower(a.d[i]) != lower(b.d[i]))
            return false;
    return true;
}

/* sub is parent or below it. */
bool zone_name_under(struct zone_name sub, struct zone_name parent)
{
    size_t i = 0;
    while (sub.n - i >= parent.n) {
        if (sub.n - i == parent.n)
            return zone_name_eq((struct zone_name){sub.d + i, parent.n}, parent);
        if (!sub.d[i])
            return false;
        i += (size_t)sub.d[i] + 1;
    }
    return false;
}

/* The canonical order of RFC 4034 6.1. */
static int name_cmp(struct zone_name a, struct zone_name b)
{
    size_t oa[ZONE_LABELS_MAX], ob[ZONE_LABELS_MAX];
    int i = name_labels(a, oa) - 1, j = name_labels(b, ob) - 1;
    for (;; i--, j--) {
        if (i < 0 || j < 0)
            return i < 0 && j < 0 ? 0 : i < 0 ? -1 : 1;
        const uint8_t *la = a.d + oa[i], *lb = b.d + ob[j];
        size_t m = la[0] < lb[0] ? la[0] : lb[0];
        for (size_t k = 1; k <= m; k++)
            if (lower(la[k]) != lower(lb[k]))
                return lower(la[k]) < lower(lb[k]) ? -1 : 1;
        if (la[0] != lb[0])
            return la[0] < lb[0] ? -1 : 1;
    }
}

/* The ancestor of nm (or nm itself) with k labels. */
static struct zone_name name_suffix(struct zone_name nm, int k)
{
    size_t off[ZONE_LABELS_MAX];
    int l = name_labels(nm, off);
    if (k <= 0 || k > l)
        return k <= 0 ? (struct zone_name){nm.d + nm.n - 1, 1} : nm;
    return (struct zone_name){nm.d + off[l - k], nm.n - off[l - k]};
}

static int name_count(struct zone_name nm)
{
    size_t off[ZONE_LABELS_MAX];
    return name_labels(nm, off);
}

/* ------------------------------------------------------------------------
 * Zones and sets.
 */
void zone_clear(struct zone *z)
{
    ldns_rdf_deep_free(z->origin);
    ldns_rr_list_deep_free(z->rrs);
    free(z->path);
    free(z->e);
    memset(z, 0, sizeof *z);
}

struct zone_set *zone_set_new(void)
{
    return calloc(1, sizeof(struct zone_set));
}

void zone_set_free(struct zone_set *zs)
{
    if (!zs)
        return;
    for (size_t i = 0; i < zs->n; i++)
        zone_clear(&zs->z[i]);
    free(zs->z);
    free(zs);
}

size_t zone_set_count(const struct zone_set *zs)
{
    return zs ? zs->n : 0;
}

const ldns_rdf *zone_set_origin(const struct zone_set *zs, size_t i)
{
    return zs && i < zs->n ? zs->z[i].origin : NULL;
}

/* ------------------------------------------------------------------------
 * Searching a zone's sorted entries.
 */
int zone_entry_cmp(const void *pa, const void *pb)
{
    const struct zone_entry *a = pa, *b = pb;
    int c = name_cmp(a->owner, b->owner);
    if (c)
        return c;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The first entry whose owner is not before nm. */
static size_t lower_bound(const struct zone *z, struct zone_name nm)
{
    size_t lo = 0, hi = z->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (name_cmp(z->e[mid].owner, nm) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The entries at exactly nm: [*first, returned). */
static size_t node_range(const struct zone *z, struct zone_name nm, size_t *first)
{
    size_t i = lower_bound(z, nm), j = i;
    while (j < z->n && zone_name_eq(z->e[j].owner, nm))
        j++;
    *first = i;
    return j;
}

/* The RRset (nm, type): [*first, returned), empty when there is none. */
static size_t rrset_range(const struct zone *z, struct zone_name nm, ldns_rr_type type,
                          size_t *first)
{
    size_t i, end = node_range(z, nm, &i);
    while (i < end && z->e[i].type != type)
        i++;
    size_t j = i;
    while (j < end && z->e[j].type == type)
        j++;
    *first = i;
    return j;
}

bool zone_has_rrset(const struct zone *z, struct zone_name nm, ldns_rr_type type)
{
    size_t i;
    return rrset_range(z, nm, type, &i) > i;
}

/* nm owns records, or is an empty non-terminal (a name below it does). */
static bool name_exists(const struct zone *z, struct zone_name nm)
{
    size_t i = lower_bound(z, nm);
    return i < z->n && zone_name_under(z->e[i].owner, nm);
}

/* ------------------------------------------------------------------------
 * Lookup.
 */
void zone_result_free(struct zone_result *r)
{
    if (!r)
        return;
    ldns_rr_list_deep_free(r->answer);
    ldns_rr_list_deep_free(r->authority);
    ldns_rr_list_deep_free(r->additional);
    r->answer = r->authority = r->additional = NULL;
}

/* The zone of the set nearest above nm (RFC 1034 4.3.2 step 2). */
static const struct zone *find_zone(const struct zone_set *zs, struct zone_name nm)
{
    const struct zone *best = NULL;
    for (size_t i = 0; i < zs->n; i++) {
        struct zone_name o = zone_name_of(zs->z[i].origin);
        if (zone_name_under(nm, o) && (!best || o.n > ldns_rdf_size(best->origin)))
            best = &zs->z[i];
    }
    return best;
}

/* A copy of rr at the end of l, owned by `owner` when not NULL (the name
 * as asked, or a wildcard's match), with `ttl` when not negative. */
static int push_copy(ldns_rr_list *l, const ldns_rr *rr, const ldns_rdf *owner, int64_t ttl)
{
    ldns_rr *c = ldns_rr_clone(rr);
    if (!c)
        return -1;
    if (owner) {
        ldns_rdf *o = ldns_rdf_clone(owner);
        if (!o) {
            ldns_rr_free(c);
            return -1;
        }
        ldns_rdf_deep_free(ldns_rr_owner(c));
        ldns_rr_set_owner(c, o);
    }
    if (ttl >= 0)
        ldns_rr_set_ttl(c, (uint32_t)ttl);
    if (!ldns_rr_list_push_rr(l, c)) {
        ldns_rr_free(c);
        return -1;
    }
    return 0;
}

static int push_range(ldns_rr_list *l, const struct zone *z, size_t i, size_t j,
                      const ldns_rdf *owner)
{
    for (; i < j; i++)
        if (push_copy(l, z->e[i].rr, owner, -1) < 0)
            return -1;
    return 0;
}

/* The SOA for a negative answer: TTL min(SOA TTL, MINIMUM), RFC 2308 3. */
static int push_negative_soa(ldns_rr_list *l, const struct zone *z)
{
    uint32_t ttl = ldns_rr_ttl(z->soa);
    const ldns_rdf *min = ldns_rr_rdf(z->soa, 6);
    if (min && ldns_rdf2native_int32(min) < ttl)
        ttl = ldns_rdf2native_int32(min);
    return push_copy(l, z->soa, NULL, ttl);
}

/* The A and AAAA records of `target`, from the zone of the set nearest
 * above it (glue below a cut included), at the end of l unless there. */
static int push_addresses(ldns_rr_list *l, const struct zone_set *zs, const ldns_rdf *target)
{
    const struct zone *z = find_zone(zs, zone_name_of(target));
    if (!z)
        return 0;
    static const ldns_rr_type types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
    for (size_t t = 0; t < 2; t++) {
        size_t i, j = rrset_range(z, zone_name_of(target), types[t], &i);
        for (; i < j; i++)
            if (!ldns_rr_list_contains_rr(l, z->e[i].rr) && push_copy(l, z->e[i].rr, NULL, -1) < 0)
                return -1;
    }
    return 0;
}

/* RFC 1034 4.3.2 step 6 (and RFC 1035 3.3.9, 3.3.11): the addresses of
 * the hosts that MX and NS records in `from` name. */
static int add_additional(ldns_rr_list *add, const struct zone_set *zs, const ldns_rr_list *from)
{
    for (size_t i = 0; i < ldns_rr_list_rr_count(from); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(from, i);
        const ldns_rdf *target = ldns_rr_get_type(rr) == LDNS_RR_TYPE_MX ? ldns_rr_rdf(rr, 1)
                               : ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS ? ldns_rr_rdf(rr, 0) : NULL;
        if (target && push_addresses(add, zs, target) < 0)
            return -1;
    }
    return 0;
}

/* The highest zone cut between z's apex (excluded) and nm (included):
 * the name that owns its NS records, or a zero-length name. A DS query
 * at the cut itself is the parent's to answer (RFC 4035 3.1.4.1). */
static struct zone_name find_cut(const struct zone *z, struct zone_name nm, ldns_rr_type qtype)
{
    int top = name_count(zone_name_of(z->origin)), bottom = name_count(nm);
    for (int k = top + 1; k <= bottom; k++) {
        struct zone_name anc = name_suffix(nm, k);
        if (k == bottom && qtype == LDNS_RR_TYPE_DS)
            break;
        if (zone_has_rrset(z, anc, LDNS_RR_TYPE_NS))
            return anc;
    }
    return (struct zone_name){NULL, 0};
}

/* RFC 4592 3.3.1: the source of synthesis for nm, a name that does not
 * exist in z: "*." before its closest encloser, when that owns records.
 * The wildcard's name is built in buf; its range of entries [*first, end)
 * is returned, empty when there is no such wildcard. */
static size_t find_wildcard(const struct zone *z, struct zone_name nm,
                            uint8_t buf[LDNS_MAX_DOMAINLEN + 2], size_t *first)
{
    int top = name_count(zone_name_of(z->origin));
    *first = 0;
    for (int k = name_count(nm) - 1; k >= top; k--) {
        struct zone_name ce = name_suffix(nm, k);
        if (!name_exists(z, ce))
            continue;
        if (ce.n + 2 > LDNS_MAX_DOMAINLEN)
            return 0;
        buf[0] = 1;
        buf[1] = '*';
        memcpy(buf + 2, ce.d, ce.n);
        return node_range(z, (struct zone_name){buf, ce.n + 2}, first);
    }
    return 0;
}

int zone_set_lookup(const struct zone_set *zs, const ldns_rdf *qname, ldns_rr_type qtype,
                    struct zone_result *out)
{
    memset(out, 0, sizeof *out);
    out->answer = ldns_rr_list_new();
    out->authority = ldns_rr_list_new();
    out->additional = ldns_rr_list_new();
    if (!out->answer || !out->authority || !out->additional)
        goto oom;
    out->kind = ZONE_REFUSED;
    if (!zs || !qname || ldns_rdf_get_type(qname) != LDNS_RDF_TYPE_DNAME ||
        qtype == LDNS_RR_TYPE_AXFR || qtype == LDNS_RR_TYPE_IXFR)
        return 0;

    const ldns_rdf *cur = qname;
    for (int chain = 0;; chain++) {
        struct zone_name nm = zone_name_of(cur);
        const struct zone *z = find_zone(zs, nm);
        if (!z)
            break;      /* only for the first name: targets are checked below */
        out->authoritative = true;

        /* a delegation on the way down: a referral (4.3.2 3b) */
        struct zone_name cut = find_cut(z, nm, qtype);
        if (cut.n) {
            size_t i, j = rrset_range(z, cut, LDNS_RR_TYPE_NS, &i);
            if (push_range(out->authority, z, i, j, NULL) < 0 ||
                add_additional(out->additional, zs, out->authority) < 0)
                goto oom;
            /* after a CNAME the answer is ours, the rest a referral */
            out->kind = chain ? ZONE_ANSWER : ZONE_REFERRAL;
            out->authoritative = chain > 0;
            break;
        }

        /* the name, or the wildcard that stands for it (4.3.2 3a, 3c) */
        uint8_t wbuf[LDNS_MAX_DOMAINLEN + 2];
        size_t first, end = node_range(z, nm, &first);
        if (end == first && !name_exists(z, nm))
            end = find_wildcard(z, nm, wbuf, &first);
        if (end == first) {
            out->kind = name_exists(z, nm) ? ZONE_NODATA : ZONE_NXDOMAIN;
            if (push_negative_soa(out->authority, z) < 0)
                goto oom;
            break;
        }
        const struct zone_entry *cname = NULL;
        size_t found = 0;
        for (size_t i = first; i < end; i++) {
            const struct zone_entry *e = &z->e[i];
            if (e->type == LDNS_RR_TYPE_CNAME)
                cname = e;
            if (e->type == qtype || qtype == LDNS_RR_TYPE_ANY) {
                if (push_copy(out->answer, e->rr, cur, -1) < 0)
                    goto oom;
                found++;
            }
        }
        if (found) {
            out->kind = ZONE_ANSWER;
            break;
        }
        if (!cname) {
            out->kind = ZONE_NODATA;
            if (push_negative_soa(out->authority, z) < 0)
                goto oom;
            break;
        }
        /* an alias: its CNAME, then the target's records if ours */
        if (push_copy(out->answer, cname->rr, cur, -1) < 0)
            goto oom;
        out->kind = ZONE_ANSWER;
        const ldns_rdf *target = ldns_rr_rdf(cname->rr, 0);
        if (chain + 1 >= ZONE_CNAME_CHAIN_MAX || !find_zone(zs, zone_name_of(target)))
            break;
        cur = target;
    }
    if (out->kind == ZONE_ANSWER && add_additional(out->additional, zs, out->answer) < 0)
        goto oom;
    return 0;
oom:
    zone_result_free(out);
    return -1;
}
