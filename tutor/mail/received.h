/*
 * received — one Received: field read as the hop it records (RFC 5321
 * 4.4, the Stamp grammar), in the dialects real mail carries: sendmail
 * ("(may be forged)", a local "(from user@host)"), Postfix, Exim
 * ("(helo=...)", "(envelope-from <...>)"), qmail ("from unknown (HELO x)
 * (ip)"), Exchange ("from mail pickup service by ... with Microsoft
 * SMTPSVC"), webmail ("with HTTP").
 *
 * Not a regular expression per MTA: a lexer of the field's tokens
 * (atoms, nested comments, [domain literals], <paths>, the ";" before the
 * date) and one reading of "from X (TCP-info) by Y via Z with W id I for
 * F ; date" where any clause may be missing or come out of order, and a
 * comment belongs to the clause before it. What cannot be read is kept:
 * `parsed` is false and the caller shows the field as it is.
 */
#ifndef TUTOR_RECEIVED_H
#define TUTOR_RECEIVED_H

#include <stdbool.h>
#include <stddef.h>

#define RECEIVED_TEXT_MAX 256           /* bytes kept of one part */
#define RECEIVED_RAW_MAX 1000           /* bytes shown of a field (RFC 5322 2.1.1: a line's 998) */

struct received_hop {
    char from[RECEIVED_TEXT_MAX];       /* the name the sender gave, as written */
    char helo[RECEIVED_TEXT_MAX];       /* its HELO/EHLO name: a qmail "(HELO x)", an Exim
                                           "(helo=x)", else the from name */
    char rdns[RECEIVED_TEXT_MAX];       /* the name the receiver found for the address */
    char ip[64];                        /* the client's address, as written */
    char by[RECEIVED_TEXT_MAX];
    char via[RECEIVED_TEXT_MAX];
    char with[64];                      /* ESMTP, ESMTPA, SMTP, HTTP, "Microsoft SMTPSVC" */
    char id[RECEIVED_TEXT_MAX];
    char for_[RECEIVED_TEXT_MAX];       /* without its <> */
    char envelope_from[RECEIVED_TEXT_MAX];
    char date[RECEIVED_TEXT_MAX];       /* as written, after the ";" */
    long long when;                     /* the date in seconds since 1970, UTC */
    bool has_date;                      /* `when` could be read */
    bool may_be_forged;                 /* sendmail: the rDNS does not confirm the name */
    bool authenticated;                 /* with ESMTPA or ESMTPSA (RFC 3848) */
    bool tls;                           /* with ESMTPS or ESMTPSA */
    bool parsed;                        /* a "from" or "by" clause was read */
    const char *field;                  /* the value parsed, as given (borrowed: kept while it is) */
    size_t field_len;
};

/* Reads the value of a Received: field (after "Received:", unfolded or
 * not: line ends are white space). Always fills *hop; hop->parsed says
 * whether it is a hop at all. The hop points into value (hop->field):
 * received_text, and --json's "text", read it there. */
void received_parse(const char *value, size_t len, struct received_hop *hop);

/* The field of a hop as one line, to show it as it is (when it is not
 * parsed, say): trimmed, each run of white space one space, cut at
 * RECEIVED_RAW_MAX - 1 bytes. Reads hop->field: call it while the value
 * given to received_parse is still there. */
void received_text(const struct received_hop *hop, char out[RECEIVED_RAW_MAX]);

/* The hops a message records, oldest first: its Received: fields from
 * the bottom up (each server adds its own on top), at most
 * RECEIVED_HOPS_MAX. New array (free it), *n its length; NULL (and *n 0)
 * when there is none or memory is short. */
#define RECEIVED_HOPS_MAX 100
struct received_hop *received_hops(const char *msg, size_t len, size_t *n);

/* The same from the raw values of a header's Received: fields as they
 * stand (the top one first), for a reader that gathers them itself. */
struct received_field {
    const char *value;
    size_t len;
};
struct received_hop *received_hops_from(const struct received_field *fields, size_t n);

/* An RFC 5322 date ("Fri, 19 Apr 2002 15:29:24 +0900 (JST)", the obsolete
 * zones GMT, UT, EST... and two-digit years too) as seconds since 1970
 * UTC. 0 with *out, or -1 when it is not a date. */
int received_date(const char *s, long long *out);

#endif
