/*
 * dnsline — a DNS message in one line, as tcpdump prints what it taps:
 *
 *     4242+ A? mail.a.example. (43)
 *     4242 1/0/1 A 192.0.2.25 (59)
 *     4243 NXDomain* 0/1/1 (98)
 *
 * A query: its ID, "+" when it asks for recursion, the type and name asked.
 * A response: the ID, the status unless NOERROR, "*" when authoritative,
 * "|" when truncated, the answer/authority/additional counts, then the
 * answer records' types and data (at most DNSLINE_ANSWERS of them). Last,
 * the message's length. `tap NODE` shows DNS packets this way rather than
 * as raw bytes; `dig +wire` is the byte-by-byte view (dnsview.h).
 */
#ifndef TUTOR_DNSLINE_H
#define TUTOR_DNSLINE_H

#include <stddef.h>
#include <stdint.h>

#define DNSLINE_ANSWERS 4

/* Writes the line for msg[0..len) into out (always terminated, cut to
 * size); a message that does not decode is "N bytes that are no DNS
 * message". Names are shown with their unprintable bytes as \DDD. */
void dnsline_format(const uint8_t *msg, size_t len, char *out, size_t size);

#endif
