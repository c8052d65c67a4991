/*
 * redact — a header with the people and places taken out, for a report
 * on one's own mail: every host name, e-mail address and public IP
 * address replaced by a mask, the same one wherever it recurs, so the
 * structure a trace reads stays (which hop names which host, which hosts
 * share an organisation, which address is loopback or private).
 *
 *   mail.kyushu-u.ac.jp  -> h1.org1.example   (the organisation's domain
 *   relay.kyushu-u.ac.jp -> h2.org1.example    is one mask, each name in
 *   taro@saga-u.ac.jp    -> user1@org2.example  front of it another)
 *   133.5.1.2            -> 192.0.2.1  (then 198.51.100.x, 203.0.113.x;
 *                                       beyond those, 233.252.0.x)
 *   2400:4050::1         -> 2001:db8::1
 *
 * Display names become name1, name2...; Subject and other free text
 * become "(redacted)". Loopback and private addresses stay: they say
 * where a hop happened and nothing about who. Masks are numbered in the
 * order they first appear, so the same input gives the same output; one
 * redactor used for a whole mailbox keeps them the same across messages.
 * What is kept as written: single-label names (a HELO of "Xhyhyhazq"),
 * queue ids, dates, software versions.
 */
#ifndef TUTOR_REDACT_H
#define TUTOR_REDACT_H

#include <stddef.h>

struct redactor;

struct redactor *redact_new(void);
void redact_free(struct redactor *r);

/* The header (its line ends kept, CR LF or LF) redacted. New string, its
 * length in *out_len; NULL when memory ran out. */
char *redact_header(struct redactor *r, const char *hdr, size_t len, size_t *out_len);

#endif
