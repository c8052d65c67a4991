/*
 * bounce — the delivery status notification (RFC 3464) a mail server sends
 * back to the sender when it cannot deliver: a multipart/report with a
 * note for people, a machine-readable delivery-status part and the
 * headers of the returned message, worded as Postfix words it.
 */
#ifndef TUTOR_BOUNCE_H
#define TUTOR_BOUNCE_H

#include <stddef.h>

/* One recipient that failed. All borrowed. */
struct bounce_rcpt {
    const char *address;
    const char *remote;         /* "mail.b.example[198.51.100.25]", or NULL */
    const char *diagnostic;     /* the server's reply "550 5.1.1 ...", or our reason */
};

struct bounce_info {
    const char *reporting_host; /* the server that gives up: mail.a.example */
    const char *queue_id;       /* the failed message's queue ID */
    const char *bounce_id;      /* a fresh queue ID for the report */
    const char *sender;         /* the envelope sender, who gets the report */
    const char *date;           /* RFC 5322 date of now */
    /* A warning that delivery is delayed and still tried (Action:
     * delayed), not a failure: NULL for a failure, else the RFC 5322
     * date until which it is retried (Will-Retry-Until, RFC 3464 2.3.7). */
    const char *retry_until;
    double delayed_hours;       /* how long it has waited, for the warning */
};

/* The report (or, with retry_until, the delay warning), a whole RFC 5322 message with LF line ends: new string,
 * caller frees; NULL when out of memory. `original` is the returned
 * message; only its header is quoted. */
char *bounce_message(const struct bounce_info *b, const struct bounce_rcpt *r, size_t n,
                     const char *original, size_t len);

#endif
