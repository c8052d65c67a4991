/*
 * zone_read — master files into zones (zone_set_load of zone.h): each
 * record read, each checked, then the zone checked as a whole, every
 * error as "FILE:LINE: what is wrong". The text and its scanner are
 * zone_text.c's; the lookup over what is read here is zone.c's.
 *
 * ldns parses each record (ldns_rr_new_frm_fp_l, the reader that
 * ldns_zone_new_frm_fp_l is built on); this file calls it record by record
 * rather than through ldns_zone_new_frm_fp_l because that one gives a
 * single line number for the whole file, silently drops a second SOA and
 * keeps no trace of where a record was, so "CNAME beside an A" or "out of
 * zone" could not name a line. Its TTL rules (RFC 1035 5.1, RFC 2308 4)
 * are repeated in read_zone.
 */
#include "zone.h"
#include "zone_internal.h"
#include "zone_text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Reading a zone, record by record.
 */
/* Reads every record of rd's text into z->rrs, with each one's line in
 * (*lines)[i]. 0, or -1 with rd->err. */
static int read_zone(struct zone_reader *rd, struct zone *z, int **lines)
{
    int ret = -1;
    FILE *fp = NULL;
    ldns_rdf *org = ldns_rdf_clone(z->origin), *prev = ldns_rdf_clone(z->origin);
    size_t cap = 0;
    int first_soa = 0;
    /* RFC 2308 4: a $TTL is the default of every record after it; before
     * any $TTL, RFC 1035 5.1: the last TTL written. */
    uint32_t ttl = 0, dollar_ttl = 0;
    bool from_dollar = false, ttl_known = false;
    ldns_rr *last = NULL;

    *lines = NULL;
    z->rrs = ldns_rr_list_new();
    if (!org || !prev || !z->rrs) {
        snprintf(rd->err, ZONE_ERROR_MAX, "%s: out of memory", rd->path);
        goto done;
    }
    if (rd->len > 0 && !(fp = fmemopen((void *)rd->buf, rd->len, "r"))) {
        snprintf(rd->err, ZONE_ERROR_MAX, "%s: %s", rd->path, strerror(errno));
        goto done;
    }
    while (fp && !feof(fp)) {
        long before = ftell(fp);
        ldns_rr *rr = NULL;
        int dummy = 0;
        if (from_dollar)
            ttl = dollar_ttl;
        if (zone_text_precheck(rd, fp) < 0)
            goto done;
        ldns_status st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &org, &prev, &dummy);
        long after = ftell(fp);
        if (before < 0 || after < before) {
            ldns_rr_free(rr);
            snprintf(rd->err, ZONE_ERROR_MAX, "%s: cannot tell where the reader is", rd->path);
            goto done;
        }
        size_t from = zone_text_skip_blank(rd, (size_t)before, (size_t)after);
        struct zone_scan sc;
        if (zone_text_scan(rd, from, (size_t)after, &sc) < 0) {
            ldns_rr_free(rr);
            goto done;
        }
        if (st == LDNS_STATUS_SYNTAX_EMPTY && sc.n_all == 0)
            continue;
        if (sc.has_owner && (strcmp(sc.tok[0].text, "$TTL") == 0 ||
                             strcmp(sc.tok[0].text, "$ORIGIN") == 0)) {
            /* $TTL VALUE, $ORIGIN NAME: ldns has taken them in */
            ldns_rr_free(rr);
            const char *dir = sc.tok[0].text;
            if (sc.n_all != 2) {
                zone_text_fail(rd, sc.line, "%s takes one value", dir);
                goto done;
            }
            uint64_t v;
            if (dir[1] == 'T') {
                if (!zone_text_ttl(sc.tok[1].text, &v)) {
                    zone_text_fail(rd, sc.tok[1].line, "bad TTL \"%s\"", sc.tok[1].text);
                    goto done;
                }
                if (v > ZONE_TTL_MAX) {
                    zone_text_fail(rd, sc.tok[1].line, "TTL %s is too big: at most %u (RFC 2181 8)",
                                   sc.tok[1].text, ZONE_TTL_MAX);
                    goto done;
                }
                dollar_ttl = (uint32_t)v;
                from_dollar = ttl_known = true;
            } else if (st != LDNS_STATUS_SYNTAX_ORIGIN) {
                zone_text_fail(rd, sc.tok[1].line, "bad name \"%s\"", sc.tok[1].text);
                goto done;
            }
            continue;
        }
        uint64_t tv = 0;
        bool explicit_ttl = false;
        if (zone_text_fields(rd, &sc, &tv, &explicit_ttl) < 0) {
            ldns_rr_free(rr);
            goto done;
        }
        if (st != LDNS_STATUS_OK) {
            ldns_rr_free(rr);
            if (st == LDNS_STATUS_MEM_ERR)
                snprintf(rd->err, ZONE_ERROR_MAX, "%s: out of memory", rd->path);
            else if (sc.type_at < 0)
                zone_text_fail(rd, sc.line, "%s", ldns_get_errorstr_by_id(st));
            else
                zone_text_fail_data(rd, &sc, st);
            goto done;
        }
        /* the record is read; the TTL as ldns_zone_new_frm_fp_l sets it */
        if (explicit_ttl) {
            if (!from_dollar)
                ttl = ldns_rr_ttl(rr);
            ttl_known = true;
        } else if (last && ldns_rr_get_type(last) == ldns_rr_get_type(rr) &&
                   zone_name_eq(zone_name_of(ldns_rr_owner(last)),
                                zone_name_of(ldns_rr_owner(rr)))) {
            /* RFC 2181 5.2: one TTL per RRset */
            ldns_rr_set_ttl(rr, ldns_rr_ttl(last));
        } else if (!ttl_known) {
            ldns_rr_free(rr);
            zone_text_fail(rd, sc.line, "no TTL for this record: begin the file with a $TTL line");
            goto done;
        }
        size_t nrr = ldns_rr_list_rr_count(z->rrs);
        if (nrr >= ZONE_RECORDS_MAX) {
            ldns_rr_free(rr);
            zone_text_fail(rd, sc.line, "more than %d records in one zone", ZONE_RECORDS_MAX);
            goto done;
        }
        if (!ldns_rr_list_push_rr(z->rrs, rr)) {
            ldns_rr_free(rr);
            snprintf(rd->err, ZONE_ERROR_MAX, "%s: out of memory", rd->path);
            goto done;
        }
        last = rr;
        if (nrr >= cap) {
            size_t ncap = cap ? cap * 2 : 64;
            int *nl = realloc(*lines, ncap * sizeof *nl);
            if (!nl) {
                snprintf(rd->err, ZONE_ERROR_MAX, "%s: out of memory", rd->path);
                goto done;
            }
            *lines = nl;
            cap = ncap;
        }
        (*lines)[nrr] = sc.line;

        /* the checks of one record */
        char a[ZONE_NAME_STR_MAX], b[ZONE_NAME_STR_MAX];
        if (zone_text_numbers(rd, &sc, rr) < 0)
            goto done;
        if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
            char cname[32];
            zone_text_fail(rd, sc.line, "class %s: these servers serve class IN only",
                           zone_text_class(ldns_rr_get_class(rr), cname));
            goto done;
        }
        if (ldns_rr_ttl(rr) > ZONE_TTL_MAX) {
            zone_text_fail(rd, sc.line, "TTL %u is too big: at most %u (RFC 2181 8)",
                           ldns_rr_ttl(rr), ZONE_TTL_MAX);
            goto done;
        }
        if (!zone_name_under(zone_name_of(ldns_rr_owner(rr)), zone_name_of(z->origin))) {
            zone_text_fail(rd, sc.line, "%s is out of zone %s",
                           zone_text_name(ldns_rr_owner(rr), a), zone_text_name(z->origin, b));
            goto done;
        }
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
            if (first_soa) {
                zone_text_fail(rd, sc.line, "a second SOA record (the first is on line %d)",
                               first_soa);
                goto done;
            }
            if (!zone_name_eq(zone_name_of(ldns_rr_owner(rr)), zone_name_of(z->origin))) {
                zone_text_fail(rd, sc.line, "the SOA must be at the zone's origin %s, not at %s",
                               zone_text_name(z->origin, b), zone_text_name(ldns_rr_owner(rr), a));
                goto done;
            }
            first_soa = sc.line;
            z->soa = rr;
        }
    }
    ret = 0;
done:
    if (fp)
        fclose(fp);
    ldns_rdf_deep_free(org);
    ldns_rdf_deep_free(prev);
    return ret;
}

/* ------------------------------------------------------------------------
 * The zone as a whole.
 */
/* Sorts the records and checks the zone as a whole: SOA and NS at the
 * origin, CNAME alone, one TTL per RRset, MX and NS not at a CNAME.
 * Identical records are kept once (RFC 2181 5). 0, or -1 with rd->err. */
static int index_zone(struct zone_reader *rd, struct zone *z, const int *lines)
{
    size_t n = ldns_rr_list_rr_count(z->rrs);
    char a[ZONE_NAME_STR_MAX], b[ZONE_NAME_STR_MAX];
    if (!z->soa) {
        return zone_text_fail(rd, n ? lines[0] : 1,
                              "no SOA record: a zone begins with one at its origin %s",
                              zone_text_name(z->origin, a));
    }
    z->e = calloc(n ? n : 1, sizeof *z->e);
    if (!z->e) {
        snprintf(rd->err, ZONE_ERROR_MAX, "%s: out of memory", rd->path);
        return -1;
    }
    int soa_line = 0;
    for (size_t i = 0; i < n; i++) {
        ldns_rr *rr = ldns_rr_list_rr(z->rrs, i);
        z->e[i] = (struct zone_entry){zone_name_of(ldns_rr_owner(rr)), ldns_rr_get_type(rr), rr,
                                      lines[i], i};
        if (rr == z->soa)
            soa_line = lines[i];
    }
    qsort(z->e, n, sizeof *z->e, zone_entry_cmp);
    z->n = n;

    rd->post_line = 0;
    if (!zone_has_rrset(z, zone_name_of(z->origin), LDNS_RR_TYPE_NS))
        zone_text_post_fail(rd, soa_line, "no NS record at the zone's origin %s",
                            zone_text_name(z->origin, a));
    /* one name at a time; the array is compacted as it goes (duplicates
     * left out), so what is kept of a name is copied, not pointed to */
    size_t keep = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && zone_name_eq(z->e[j].owner, z->e[i].owner))
            j++;
        struct zone_entry cname = {0}, other = {0};
        for (size_t k = i; k < j; k++) {
            struct zone_entry e = z->e[k];
            char tn[32];
            if (e.type == LDNS_RR_TYPE_CNAME) {
                if (cname.rr)
                    zone_text_post_fail(rd, e.line,
                                        "%s has a second CNAME record (the first is on line %d): "
                                        "an alias stands for one name",
                                        zone_text_name(ldns_rr_owner(e.rr), a), cname.line);
                else
                    cname = e;
            } else if (e.type != LDNS_RR_TYPE_RRSIG && e.type != LDNS_RR_TYPE_NSEC &&
                       (!other.rr || e.line < other.line)) {
                other = e;
            }
            /* an RRset: one TTL, each record once */
            const struct zone_entry *p = keep > 0 ? &z->e[keep - 1] : NULL;
            if (p && p->type == e.type && zone_name_eq(p->owner, e.owner)) {
                const struct zone_entry *early = p->line <= e.line ? p : &e;
                const struct zone_entry *late = p->line <= e.line ? &e : p;
                if (ldns_rr_ttl(p->rr) != ldns_rr_ttl(e.rr))
                    zone_text_post_fail(rd, late->line,
                                        "%s %s: TTL %u differs from TTL %u on line %d: "
                                        "an RRset has one TTL (RFC 2181 5.2)",
                                        zone_text_name(ldns_rr_owner(e.rr), a),
                                        zone_text_type(e.type, tn), ldns_rr_ttl(late->rr),
                                        ldns_rr_ttl(early->rr), early->line);
                else if (ldns_rr_compare(p->rr, e.rr) == 0)
                    continue;
            }
            z->e[keep++] = e;
        }
        if (cname.rr && other.rr) {
            char tn[32];
            zone_text_post_fail(rd, cname.line > other.line ? cname.line : other.line,
                                "%s has a CNAME and other data (%s on line %d, CNAME on line %d): "
                                "a CNAME must stand alone (RFC 1034 3.6.2)",
                                zone_text_name(ldns_rr_owner(cname.rr), a),
                                zone_text_type(other.type, tn), other.line, cname.line);
        }
        i = j;
    }
    z->n = keep;
    if (rd->post_line)
        return -1;
    /* RFC 2181 10.3: MX and NS name a host, never an alias (checked once
     * the aliases themselves are known to be sound) */
    for (size_t i = 0; i < z->n; i++) {
        const struct zone_entry *e = &z->e[i];
        const ldns_rdf *target = e->type == LDNS_RR_TYPE_MX ? ldns_rr_rdf(e->rr, 1)
                               : e->type == LDNS_RR_TYPE_NS ? ldns_rr_rdf(e->rr, 0) : NULL;
        if (!target || !zone_name_under(zone_name_of(target), zone_name_of(z->origin)) ||
            !zone_has_rrset(z, zone_name_of(target), LDNS_RR_TYPE_CNAME))
            continue;
        zone_text_post_fail(rd, e->line,
                            "%s points to %s, which is a CNAME: %s must name a host, "
                            "not an alias (RFC 2181 10.3)",
                            e->type == LDNS_RR_TYPE_MX ? "MX" : "NS", zone_text_name(target, b),
                            e->type == LDNS_RR_TYPE_MX ? "MX" : "NS");
    }
    return rd->post_line ? -1 : 0;
}

int zone_set_load(struct zone_set *zs, const char *path, const char *origin,
                  char err[ZONE_ERROR_MAX])
{
    struct zone_reader rd = {.path = path, .err = err};
    struct zone z = {0};
    char *text = NULL;
    int *lines = NULL;
    int ret = -1;
    char a[ZONE_NAME_STR_MAX];

    err[0] = '\0';
    if (ldns_str2rdf_dname(&z.origin, origin) != LDNS_STATUS_OK) {
        snprintf(err, ZONE_ERROR_MAX, "%s: \"%s\" is not a zone name", path, origin);
        goto done;
    }
    for (size_t i = 0; i < zs->n; i++) {
        if (zone_name_eq(zone_name_of(zs->z[i].origin), zone_name_of(z.origin))) {
            snprintf(err, ZONE_ERROR_MAX, "%s: zone %s is loaded already, from %s", path,
                     zone_text_name(zs->z[i].origin, a), zs->z[i].path);
            goto done;
        }
    }
    if (!(z.path = strdup(path))) {
        snprintf(err, ZONE_ERROR_MAX, "%s: out of memory", path);
        goto done;
    }
    if (zone_text_slurp(&rd, &text) < 0 || read_zone(&rd, &z, &lines) < 0 ||
        index_zone(&rd, &z, lines) < 0)
        goto done;
    struct zone *nz = realloc(zs->z, (zs->n + 1) * sizeof *nz);
    if (!nz) {
        snprintf(err, ZONE_ERROR_MAX, "%s: out of memory", path);
        goto done;
    }
    zs->z = nz;
    zs->z[zs->n++] = z;
    memset(&z, 0, sizeof z);
    ret = 0;
done:
    zone_clear(&z);
    free(text);
    free(lines);
    return ret;
}
