/* trace_text — see trace_text.h. */
#include "trace_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/fmt.h"
#include "util/i18n.h"

/* Every sentence here is a literal, translated for every message of a
 * mailbox: looked up once a thread (xgettext still reads them as _()). */
#undef _
#define _(s) i18n_static(s)

void trace_date_utc(long long when, char out[32])
{
    time_t t = (time_t)when;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(out, 32, "%lld", when);
}

/* Howard Hinnant's civil_from_days: the Gregorian date of a day counted
 * from 1970-01-01. */
static void civil_from_days(long long z, long long *y, int *m, int *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Written by hand, not by gmtime_r and strftime: --json writes one a hop,
 * hundreds of thousands of them for a mailbox. The dates a Received: line
 * can hold have years of at most four digits (received_date). */
void trace_date_iso(long long when, char out[32])
{
    long long days = when >= 0 ? when / 86400 : -((-when + 86399) / 86400);
    long long secs = when - days * 86400, y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(out, 32, "%lld", when);
        return;
    }
    int v[6] = {(int)y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60)};
    char *o = out;
    for (int k = 3; k >= 0; k--)
        *o++ = (char)('0' + v[0] / (k == 3 ? 1000 : k == 2 ? 100 : k == 1 ? 10 : 1) % 10);
    static const char seps[] = "--T::Z";
    for (int i = 1; i < 6; i++) {
        *o++ = seps[i - 1];
        *o++ = (char)('0' + v[i] / 10);
        *o++ = (char)('0' + v[i] % 10);
    }
    *o++ = 'Z';
    *o = '\0';
}

void trace_delay_text(long long d, char out[64])
{
    const char *sign = d < 0 ? "-" : "+";
    long long a = d < 0 ? -d : d;
    if (a < 60)
        fmt_snprintf(out, 64, _("%1$s%2$lld s"), sign, a);
    else if (a < 3600)
        fmt_snprintf(out, 64, _("%1$s%2$lld min %3$lld s"), sign, a / 60, a % 60);
    else if (a < 86400)
        fmt_snprintf(out, 64, _("%1$s%2$lld h %3$lld min"), sign, a / 3600, a / 60 % 60);
    else
        fmt_snprintf(out, 64, _("%1$s%2$lld d %3$lld h"), sign, a / 86400, a / 3600 % 24);
}

void trace_hint_text(const struct trace_hint *h, char out[TRACE_TEXT_MAX])
{
    int hop = h->hop + 1;
    const char *a = h->a, *b = h->b;
    switch (h->kind) {
    case HINT_UNPARSED:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("hop %1$d cannot be read as a hop, so it is shown as written: %2$s"), hop, a);
        break;
    case HINT_MAY_BE_FORGED:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("hop %1$d: \"(may be forged)\": the receiving server looked up the address "
                   "%3$s and found the name %2$s, but no A record of that name leads back to "
                   "it: the name is not confirmed, and the sender may pass itself off as "
                   "another host (sendmail writes this)"),
                 hop, a, b);
        break;
    case HINT_HELO_RDNS:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("hop %1$d: the sender called itself %2$s (HELO), but its address belongs to "
                   "%3$s (reverse DNS): the name a sender gives is its own word, the address "
                   "is what the server saw"),
                 hop, a, b);
        break;
    case HINT_NO_RDNS:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("hop %1$d: the address %3$s has no name in the DNS; only the sender's own "
                   "word (HELO %2$s) names it"),
                 hop, a, b);
        break;
    case HINT_HELO_NOT_A_NAME:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("hop %1$d: \"%2$s\" is no host name (it has no dot): a PC on a home line, "
                   "or a virus on it, made it up"),
                 hop, a);
        break;
    case HINT_LOOPBACK:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("hop %1$d: %2$s is the loopback address: this hop happened inside one "
                   "machine, from one program to another"),
                 hop, a);
        break;
    case HINT_PRIVATE:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("hop %1$d: %2$s is a private address (RFC 1918): this hop happened inside "
                   "one organisation's network"),
                 hop, a);
        break;
    case HINT_LOCAL:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("hop %1$d: no network in this hop: %2$s handed the mail to the mail server "
                   "on the same machine (a local submission)"),
                 hop, a);
        break;
    case HINT_WEB:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("hop %1$d: with HTTP: the mail was typed into a web page of %2$s, from the "
                   "address %3$s: the sender's own terminal"),
                 hop, a, b);
        break;
    case HINT_AUTHENTICATED:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("hop %1$d: the sender logged in (AUTH, RFC 3848's ESMTPA) to %2$s: that "
                   "provider knows the account that sent it"),
                 hop, a);
        break;
    case HINT_CLOCK_SKEW: {
        /* "1 h 36 min", as the hop table says it, without its sign */
        char span[64];
        trace_delay_text(-atoll(a + (a[0] == '-')), span);
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("hop %1$d is dated %2$s before the hop before it: the two servers' clocks "
                   "disagree (clock skew); the order of the lines, not their dates, tells the "
                   "way the mail went"),
                 hop, span + 1);
        break;
    }
    case HINT_TRUST_ENDS:
        if (!a[0]) {
            fmt_snprintf(out, TRACE_TEXT_MAX,
                     _("hop %1$d does not say which server wrote it, and the server of the hop "
                       "above got the mail from %2$s: from this line down, the lines may have "
                       "been made up by the sender"),
                     hop, b);
            break;
        }
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("hop %1$d says %2$s wrote it, but the server of the hop above got the mail "
                   "from %3$s: from this line down, the lines may have been made up by the "
                   "sender"),
                 hop, a, b);
        break;
    case HINT_ORIGINATING_IP:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("X-Originating-IP: %1$s: the web mail service wrote down the address of the "
                   "terminal its user sent from"),
                 a);
        break;
    case HINT_MESSAGE_ID:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("the Message-Id was made at %1$s, but From names %2$s: the Message-Id is "
                   "written by the site that really sent the mail"),
                 a, b);
        break;
    case HINT_MESSAGE_ID_ADDED:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("the Message-Id names %1$s, the server that received the mail last, not "
                   "%2$s of From: the sending program wrote none and that server added one on "
                   "arrival (Postfix does), so it tells nothing of where the mail came from"),
                 a, b);
        break;
    case HINT_ERRORS_TO:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("Errors-To: %1$s: errors go there, not to the From address %2$s: that is "
                   "where the sender reads its bounces"),
                 a, b);
        break;
    case HINT_RETURN_PATH:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("the envelope sender (Return-Path) is %1$s, not the From address %2$s: "
                   "bounces go to the envelope, and the From line may say anything"),
                 a, b);
        break;
    case HINT_MAILER:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("%1$s: %2$s: the program that wrote the mail; an address in it names who "
                   "made the program, not who sent the mail"),
                 a, b);
        break;
    case HINT_SCRIPT:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("%1$s: %2$s: a script (CGI) on a web server sent this mail: that site is "
                   "where the mailer stands"),
                 a, b);
        break;
    case HINT_PROVIDER_SENDER:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("%1$s: %2$s: the provider's own tag for the customer account that handed "
                   "it the mail: the provider knows who sent it, and is the one to tell"),
                 a, b);
        break;
    case HINT_FORGED_FROM:
        fmt_snprintf(out, TRACE_TEXT_MAX,
                 _("From: %1$s: the mail never passed through %2$s, so the From line is "
                   "probably forged: a program may write any From it likes (the Klez virus "
                   "wrote one from its victim's address book)"),
                 a, b);
        break;
    case HINT_NO_HOPS:
        fmt_snprintf(out, TRACE_TEXT_MAX, "%s",
                 _("no Received: line: the mail never left the machine it was written on, or "
                   "its header was cut"));
        break;
    }
}

/* How the origin's host is named: "name [ip]", or "[ip]". */
static void host_and_ip(const char *host, const char *ip, char *out, size_t size)
{
    if (host[0] && ip[0])
        fmt_snprintf(out, size, "%s [%s]", host, ip);
    else if (ip[0])
        snprintf(out, size, "[%s]", ip);
    else
        snprintf(out, size, "%s", host);
}

void trace_origin_short(const struct trace *t, char out[TRACE_TEXT_MAX])
{
    const struct trace_origin *o = &t->origin;
    char hi[600];
    host_and_ip(o->host, o->ip, hi, sizeof hi);
    switch (o->kind) {
    case ORIGIN_NONE: fmt_snprintf(out, TRACE_TEXT_MAX, "%s", _("unknown")); break;
    case ORIGIN_HOP: fmt_snprintf(out, TRACE_TEXT_MAX, "%s", hi); break;
    case ORIGIN_WEB:
    case ORIGIN_ORIGINATING_IP:
        fmt_snprintf(out, TRACE_TEXT_MAX, _("the terminal %1$s (a web mail user)"), hi);
        break;
    case ORIGIN_INSIDE: fmt_snprintf(out, TRACE_TEXT_MAX, _("%1$s itself"), o->host); break;
    }
}

/* Appends to out, a sentence at a time: a space between two, but none
 * in Japanese, which is written without. */
static void add(char out[TRACE_TEXT_MAX], const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(char out[TRACE_TEXT_MAX], const char *fmt, ...)
{
    size_t used = strlen(out);
    if (used && used + 1 < TRACE_TEXT_MAX && strcmp(i18n_lang(), "ja") != 0) {
        out[used++] = ' ';
        out[used] = '\0';
    }
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(out + used, TRACE_TEXT_MAX - used, fmt, ap);
    va_end(ap);
}

void trace_origin_reason(const struct trace *t, char out[TRACE_TEXT_MAX])
{
    const struct trace_origin *o = &t->origin;
    out[0] = '\0';
    const struct received_hop *h = o->hop >= 0 ? &t->hops[o->hop] : NULL;
    /* the name it gave: its HELO, or the address literal it gave instead */
    const char *gave = h ? (h->helo[0] ? h->helo : h->from) : "";
    int hop = o->hop + 1;
    switch (o->kind) {
    case ORIGIN_NONE:
        add(out, "%s", _("The message has no Received: line to follow."));
        return;
    case ORIGIN_HOP:
    case ORIGIN_WEB:
        add(out,
            _("Read from the top (the newest line, written by the receiver's own server) "
              "down, hop %1$d is the oldest line a believable server wrote about a machine "
              "on the Internet: %2$s received the mail from %3$s."),
            hop, o->by, o->ip);
        if (o->kind == ORIGIN_WEB)
            add(out, "%s", _("It came with HTTP, from a web page: that address is the sender's "
                             "own terminal, not a mail server."));
        else if (o->rdns_confirms)
            add(out, _("Its reverse DNS confirms the name it gave, %1$s."), o->host);
        else if (o->host[0] && o->hop >= 0 && t->hops[o->hop].may_be_forged)
            add(out, _("Its reverse DNS names it %1$s, a name that does not lead back to the "
                       "address (unconfirmed); it called itself %2$s."),
                o->host, gave);
        else if (o->host[0])
            add(out, _("Its address belongs to %1$s, though it called itself %2$s."), o->host,
                gave);
        else if (gave[0] && gave[0] != '[' && !strchr(gave, '.'))
            add(out, _("It called itself %1$s, which is no host name, and its address has no "
                       "name in the DNS: a PC on a home line, not a mail server (with a forged "
                       "From, the mark of a virus)."),
                gave);
        else if (gave[0])
            add(out, _("Its address has no name in the DNS; it called itself %1$s."), gave);
        if (o->inside_from >= 0 && o->inside_to == o->inside_from + 1)
            add(out, _("Hops %1$d and %2$d happened inside that host or its network, so the "
                       "mail was made there."),
                o->inside_from + 1, o->inside_to + 1);
        else if (o->inside_from >= 0 && o->inside_to > o->inside_from)
            add(out, _("Hops %1$d to %2$d happened inside that host or its network, so the "
                       "mail was made there."),
                o->inside_from + 1, o->inside_to + 1);
        else if (o->inside_from >= 0)
            add(out, _("Hop %1$d happened inside that host or its network, so the mail was "
                       "made there."),
                o->inside_from + 1);
        if (o->kind == ORIGIN_WEB && t->originating_ip[0])
            add(out, "%s", _("X-Originating-IP says the same."));
        break;
    case ORIGIN_ORIGINATING_IP:
        add(out,
            _("The web mail service wrote X-Originating-IP: %1$s, the address of the terminal "
              "its user typed the mail on; the Received lines stop at the service's own "
              "servers."),
            o->ip);
        break;
    case ORIGIN_INSIDE:
        add(out,
            _("Every line that can be believed happened inside %1$s or its network (no "
              "machine on the Internet is named): the mail was made there."),
            o->host);
        break;
    }
    if (t->believed_from > 0)
        add(out, _("The lines below hop %1$d cannot be believed: anyone can write such lines "
                   "before sending."),
            t->believed_from + 1);
}
