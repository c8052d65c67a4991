/*
 * zone_internal — INTERNAL to the zone module: the structure of a loaded
 * zone, shared by the reader (zone_read.c), which builds it, and the
 * lookup (zone.c), which searches it. Nothing outside tutor/zone*.c
 * includes this header; the API is zone.h.
 *
 * A zone keeps its records in an array sorted in the canonical order of
 * RFC 4034 6.1 (names without case, compared label by label from the
 * right), then by type: an RRset is a run of the array, a name's
 * descendants follow it directly, so "does this name exist, perhaps as an
 * empty non-terminal" is one binary search. Zones are small (a teaching
 * world has tens of records); the array was chosen over ldns_dnssec_zone's
 * red-black tree because it needs no second copy of the records and the
 * ENT question is answered by the same search.
 */
#ifndef TUTOR_ZONE_INTERNAL_H
#define TUTOR_ZONE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "zone.h"

/* A name in wire form, borrowed (from an ldns_rdf or a caller's buffer);
 * compared without case. */
struct zone_name {
    const uint8_t *d;
    size_t n;
};

static inline struct zone_name zone_name_of(const ldns_rdf *r)
{
    return (struct zone_name){ldns_rdf_data(r), ldns_rdf_size(r)};
}

struct zone_entry {
    struct zone_name owner;     /* the record's own owner, borrowed */
    ldns_rr_type type;
    ldns_rr *rr;                /* borrowed from the zone's list */
    int line;
    size_t seq;                 /* place in the file: RRsets keep its order */
};

struct zone {
    ldns_rdf *origin;           /* owned */
    char *path;                 /* owned */
    ldns_rr_list *rrs;          /* owns every record */
    struct zone_entry *e;       /* sorted; duplicates left out */
    size_t n;
    const ldns_rr *soa;         /* borrowed from rrs */
};

struct zone_set {
    struct zone *z;
    size_t n;
};

/* Frees what z owns and zeroes it; safe on a zeroed zone. */
void zone_clear(struct zone *z);

/* a equals b; sub is parent or below it. Without case. */
bool zone_name_eq(struct zone_name a, struct zone_name b);
bool zone_name_under(struct zone_name sub, struct zone_name parent);

/* The order of z->e, for qsort: canonical name order, then type, then
 * place in the file. The lookup's binary searches rely on it. */
int zone_entry_cmp(const void *pa, const void *pb);

/* The zone has the RRset (nm, type); z->e sorted, z->n set. */
bool zone_has_rrset(const struct zone *z, struct zone_name nm, ldns_rr_type type);

#endif
