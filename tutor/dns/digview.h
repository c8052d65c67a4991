/*
 * digview — DNS messages in the text layout of BIND 9.18's dig, on
 * stdout: each record on dig's tab stops (name, TTL, class, type, data),
 * the sections under their titles, the header, flags and OPT lines. The
 * commands of cmd_dns.c print with it; the field-by-field view of the
 * bytes (dig +wire) is dnsview.h's.
 */
#ifndef TUTOR_DIGVIEW_H
#define TUTOR_DIGVIEW_H

#include <stdbool.h>

#include <ldns/ldns.h>

/* One record, as a line of a section; with `question`, as a line of the
 * question section (";name", class, type: no TTL and no data). */
void digview_rr(const ldns_rr *rr, bool question);

/* ";; TITLE SECTION:", the records of l, an empty line; nothing when l is
 * NULL or empty. */
void digview_section(const char *title, const ldns_rr_list *l, bool question);

/* The "->>HEADER<<-" and flags lines (with dig's warning when RD found no
 * RA), and the OPT pseudosection when p has one. */
void digview_header(const ldns_pkt *p);

/* The mnemonic of an rcode as dig and host print it: "NOERROR" to
 * "REFUSED", "RESERVED" past them. */
const char *digview_rcode(ldns_pkt_rcode rc);

#endif
