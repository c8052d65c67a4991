/*
 * dnsview — a DNS message's bytes laid out for a person (dig +wire): each
 * field of RFC 1035 4.1 in hex with its name and value, names label by
 * label with their compression pointers (4.1.4), and the RDATA of the
 * common types decoded. It is the lesson on what actually travels.
 *
 * It has its own decoder rather than ldns's, because the point is to show
 * where every byte is. Messages come from scripts and the network, so it
 * trusts nothing: every read is bounds-checked, a compression pointer must
 * point backwards, before the start of the labels it ends (no loops), and
 * the first error stops the walk with its offset. Nothing is allocated.
 */
#ifndef TUTOR_DNSVIEW_H
#define TUTOR_DNSVIEW_H

#include <stddef.h>
#include <stdio.h>

#define DNSVIEW_WIDTH 80            /* no line is wider */
#define DNSVIEW_BYTES_PER_LINE 8    /* hex bytes on one line */

/* Writes the annotated dump of msg[0..len) (borrowed; NULL is fine when
 * len is 0) to f: a title line per part ("header", "question 1",
 * "answer 1", "authority 1", "additional 1"), then rows of the offset in 4
 * hex digits, up to DNSVIEW_BYTES_PER_LINE bytes in hex, and the field's
 * name and value, a long field going on over more rows; last, a line with
 * the message's length. Only printable ASCII is written (other bytes of
 * names and strings as \DDD), no line wider than DNSVIEW_WIDTH.
 *
 * 0, or -1 when the message is malformed (a field cut short, a pointer
 * that does not point back before its name, a label type other than 0 and
 * 0xc0, a name over 255 octets, RDLENGTH unlike what the RDATA takes,
 * fewer records than the counts say, bytes after the last record, more
 * than 65535 bytes): what could be read is written, then one last line
 * "*** offset N: what is wrong". Errors of f itself are not reported. */
int dnsview_print(FILE *f, const unsigned char *msg, size_t len);

#endif
