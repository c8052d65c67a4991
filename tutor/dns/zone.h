/*
 * zone — DNS data as real servers keep it: zones in the master-file
 * format of RFC 1035 section 5, read with ldns, and the authoritative
 * lookup of RFC 1034 4.3.2 over the zones one server serves.
 *
 * A lookup gives what an authoritative server puts in its answer: the
 * records (CNAME chains followed within the server's zones), a referral
 * (NS in authority, glue in additional, not authoritative), NXDOMAIN or
 * NODATA with the zone's SOA in authority (its TTL the negative TTL of RFC
 * 2308 3: the lesser of the SOA's TTL and MINIMUM), or REFUSED for a name
 * in none of the zones.
 *
 * Decisions, where the RFCs leave a choice:
 * - ANY is answered with every RRset at the name (types in numeric
 *   order), as the servers of 2002 did; RFC 8482's short answer is not
 *   used. A CNAME is not followed for ANY.
 * - Wildcards work as RFC 4592 says: "*.X" answers for names below X
 *   that do not exist, X being the closest encloser (an empty
 *   non-terminal blocks it), owner rewritten to the name asked.
 * - The answer's owner is the name as asked, in its case ("MAIL.A.example."
 *   gets "MAIL.A.example. IN A ..."), as BIND and NSD answer; the other
 *   sections keep the zone file's spelling.
 * - A positive answer has an empty authority section (minimal responses);
 *   the additional section holds the A and AAAA records of the hosts that
 *   answer (or referral) MX and NS records name, when one of the set's
 *   zones has them, glue below a cut included (RFC 1034 4.3.2 step 6).
 * - A DS question at a zone cut is the parent's (RFC 4035 3.1.4.1): it
 *   gets NODATA from the parent, not a referral.
 * - AXFR and IXFR are REFUSED: these servers give no zone transfers.
 * - Records written twice are served once (RFC 2181 5).
 */
#ifndef TUTOR_ZONE_H
#define TUTOR_ZONE_H

#include <stdbool.h>

#include <ldns/ldns.h>

#define ZONE_ERROR_MAX 512
#define ZONE_RECORDS_MAX 100000     /* records one zone file may hold */
#define ZONE_CNAME_CHAIN_MAX 8      /* CNAMEs followed in one answer */

struct zone_set;

enum zone_kind {
    ZONE_ANSWER,        /* the records asked for (maybe after CNAMEs) */
    ZONE_REFERRAL,      /* a delegation below one of our zones */
    ZONE_NXDOMAIN,      /* no such name */
    ZONE_NODATA,        /* the name exists, without that type */
    ZONE_REFUSED,       /* not in any of our zones (or AXFR, IXFR) */
};

/* A lookup's result; the lists are new (free with zone_result_free).
 *
 * After a CNAME (or a chain of them) the kind is that of the last name:
 * ANSWER with the CNAMEs then the records; NODATA or NXDOMAIN with the
 * CNAMEs in answer and the last zone's SOA in authority (RFC 6604 3);
 * ANSWER, authoritative, with the CNAMEs in answer and the delegation's NS
 * and glue in authority and additional when the chain leads below a zone
 * cut; ANSWER with the CNAMEs alone when the target lies in none of the
 * set's zones (the resolver follows it) or when ZONE_CNAME_CHAIN_MAX
 * CNAMEs have been given (a loop ends there too). */
struct zone_result {
    enum zone_kind kind;
    bool authoritative;                 /* AA: every kind but REFERRAL, REFUSED */
    ldns_rr_list *answer, *authority, *additional;
};

/* An empty set of zones: new, free with zone_set_free (which takes NULL).
 * NULL when out of memory. */
struct zone_set *zone_set_new(void);
void zone_set_free(struct zone_set *zs);

/* Reads the master file `path` as the zone `origin` ("a.example."; "."
 * for the root; case and the final dot do not matter) and adds it to the
 * set. $ORIGIN, $TTL, relative names, @, a blank owner (the previous one),
 * parentheses, comments, TTL units (1h, 2d) are understood; $INCLUDE and
 * $GENERATE are not. Without $TTL a record without TTL takes the last one
 * written (RFC 1035 5.1); the first record must then have one.
 *
 * The zone must have one SOA, at its origin, and NS records there; every
 * record must lie within the zone, be of class IN, have a TTL of at most
 * 2^31-1 (RFC 2181 8), the same TTL as the rest of its RRset (RFC 2181
 * 5.2); a CNAME stands alone at its name (RFC 1034 3.6.2) and no MX or NS
 * of the zone names one of the zone's CNAMEs (RFC 2181 10.3). A file may
 * hold ZONE_RECORDS_MAX records.
 *
 * 0, or -1 with err as "FILE:LINE: what is wrong" (the line where the
 * record starts, or where its bad field is), or "FILE: what" when the file
 * cannot be read or the origin is not a name. The set is unchanged on
 * error; loading an origin the set has is an error. */
int zone_set_load(struct zone_set *zs, const char *path, const char *origin,
                  char err[ZONE_ERROR_MAX]);

/* How many zones the set has (0 for NULL); the origin of zone i
 * (borrowed, as the set was given it; NULL past the end), in the order
 * they were loaded. */
size_t zone_set_count(const struct zone_set *zs);
const ldns_rdf *zone_set_origin(const struct zone_set *zs, size_t i);

/* The authoritative answer for (qname, qtype), class IN, from the zone
 * that is the closest enclosing one of qname (RFC 1034 4.3.2); qname is
 * borrowed, compared without case. `out` is filled in (its old contents
 * are not freed); free it with zone_result_free. 0, or -1 when out of
 * memory, with `out` emptied. */
int zone_set_lookup(const struct zone_set *zs, const ldns_rdf *qname, ldns_rr_type qtype,
                    struct zone_result *out);

/* Frees the lists of r (not r itself) and sets them to NULL; safe on a
 * zeroed result, and on NULL. */
void zone_result_free(struct zone_result *r);

#endif
