/*
 * trace — where a mail really came from: the lecture's reading of a
 * header, done by the tool. The hops oldest first (received.h), the
 * delay between them, what each line gives away (HELO and reverse DNS
 * disagreeing, "(may be forged)", loopback and private addresses, a local
 * submission, a web mail hop), what the other fields say (X-Originating-IP,
 * Message-Id, Errors-To and Return-Path against From, X-Mailer and
 * X-Scriptname), where the part of the path that can be believed ends,
 * and the probable origin.
 *
 * Facts only, no sentences: trace_text.c says them in the student's
 * language, trace_json.c for graders.
 *
 * Which lines can be believed: the top one was written by the receiver's
 * own server. Each line below it is believed while it says it was written
 * ("by") by the host the line above got the mail from (the same name,
 * address, or organisation's domain; the name the receiver found for the
 * address where it found one, the sender's own HELO only where it did
 * not); where that chain breaks, the lines below may be the sender's own
 * invention, and say nothing of the From (a forged From is one whose
 * domain no believed line names). A forger who names his own host or his
 * own provider in the "by" of an invented line is believed: that is what
 * a real relay of the same organisation writes (test_trace.c, the known
 * limits). Hints of the hops leave room for those of the message. The probable origin is the
 * first machine on the Internet (not loopback, not a private network, not
 * a local submission) that a believed line names as the sender; or the
 * terminal a web mail service names in X-Originating-IP, where the lines
 * end inside the service (no such machine, or one the mail was made in).
 */
#ifndef TUTOR_TRACE_H
#define TUTOR_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "received.h"

#define TRACE_HINTS_MAX 64
#define TRACE_FIELD_MAX 256

enum trace_hint_kind {
    HINT_UNPARSED,          /* a: the line as written */
    HINT_MAY_BE_FORGED,     /* a: the name the reverse DNS gave (else HELO), b: the address */
    HINT_HELO_RDNS,         /* a: HELO, b: the name the receiver found */
    HINT_NO_RDNS,           /* a: HELO, b: the address, which has no name */
    HINT_HELO_NOT_A_NAME,   /* a: HELO (no dot: a PC's own made-up name) */
    HINT_LOOPBACK,          /* a: the address */
    HINT_PRIVATE,           /* a: the address */
    HINT_LOCAL,             /* a: who submitted ("user@localhost", "mail pickup service") */
    HINT_WEB,               /* a: the server, b: the client's address */
    HINT_AUTHENTICATED,     /* a: the server */
    HINT_CLOCK_SKEW,        /* a: the seconds, negative */
    HINT_TRUST_ENDS,        /* a: what the line says wrote it, b: what the line above got it from */
    HINT_ORIGINATING_IP,    /* a: the address */
    HINT_MESSAGE_ID,        /* a: the Message-Id's domain, b: From's */
    HINT_MESSAGE_ID_ADDED,  /* the same, the domain the last server's: it added the Message-Id */
    HINT_ERRORS_TO,         /* a: Errors-To's address, b: From's */
    HINT_RETURN_PATH,       /* a: the envelope sender, b: From's */
    HINT_MAILER,            /* a: the field's name, b: its value */
    HINT_SCRIPT,            /* a: the field's name, b: its value */
    HINT_PROVIDER_SENDER,   /* a: the field's name, b: its value (the customer's account) */
    HINT_FORGED_FROM,       /* a: From's address, b: its domain */
    HINT_NO_HOPS,
};

struct trace_hint {
    enum trace_hint_kind kind;
    int hop;                            /* 0-based, -1 for the message as a whole */
    char a[TRACE_FIELD_MAX];
    char b[TRACE_FIELD_MAX];
};

enum trace_origin_kind {
    ORIGIN_NONE,            /* no hop, no X-Originating-IP */
    ORIGIN_HOP,             /* the first machine on the Internet a believed line names */
    ORIGIN_WEB,             /* the same, a web mail hop: the sender's own terminal */
    ORIGIN_ORIGINATING_IP,  /* what X-Originating-IP names */
    ORIGIN_INSIDE,          /* every believed line is inside one host or network */
};

struct trace_origin {
    enum trace_origin_kind kind;
    int hop;                            /* 0-based; -1 when no line names it */
    char ip[64];
    char host[TRACE_FIELD_MAX];         /* its verified name, else its HELO; "" if none */
    char by[TRACE_FIELD_MAX];           /* the server that saw it */
    bool rdns_confirms;                 /* the verified name is the name it gave */
    int inside_from, inside_to;         /* believed hops before it, inside its host (or -1) */
};

struct trace {
    struct received_hop *hops;          /* oldest first */
    size_t n;
    int believed_from;                  /* lowest hop of the believed chain (0-based), -1 none */
    struct trace_hint hints[TRACE_HINTS_MAX];
    size_t nhints;
    struct trace_origin origin;
    /* the other fields, unfolded, as written (RFC 2047 not decoded) */
    char from[TRACE_FIELD_MAX];         /* From's addr-spec */
    char subject[TRACE_FIELD_MAX];
    char date[TRACE_FIELD_MAX];
    char message_id[TRACE_FIELD_MAX];
    char originating_ip[64];
};

/* Reads the header of msg (len bytes; a whole message or only its header;
 * CR LF or LF). 0, or -1 when memory ran out. */
int trace_message(const char *msg, size_t len, struct trace *t);
void trace_free(struct trace *t);

/* The seconds from hop i-1 to hop i; false when either has no date. */
bool trace_delay(const struct trace *t, size_t i, long long *seconds);

/* The domain a name belongs to, as an organisation registers it: the last
 * two labels ("mail.kyushu-u.example" -> "kyushu-u.example"), three under
 * a country's second level ("mail.saga-u.ac.jp" -> "saga-u.ac.jp").
 * Borrowed pointer into name. */
const char *trace_org_domain(const char *name);

/* What kind of address a literal is. */
enum trace_addr { ADDR_NONE, ADDR_PUBLIC, ADDR_LOOPBACK, ADDR_PRIVATE };
enum trace_addr trace_addr_kind(const char *ip);

#endif
