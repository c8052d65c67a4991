/* received — see received.h. */
#include "received.h"

#include "message.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------------
 * Dates (RFC 5322 3.3, with 4.3's obsolete forms).
 */
static long long days_from_civil(long long y, int m, int d)
{
    /* Howard Hinnant's algorithm: days since 1970-01-01 of a Gregorian date */
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The offset of a zone, in minutes east of UTC; false when it is none. */
static bool zone_offset(const char *z, int *minutes)
{
    if ((z[0] == '+' || z[0] == '-') && strlen(z) == 5 && strspn(z + 1, "0123456789") == 4) {
        int v = atoi(z + 1);
        *minutes = (z[0] == '-' ? -1 : 1) * (v / 100 * 60 + v % 100);
        return true;
    }
    static const struct {
        const char *name;
        int hours;
    } zones[] = {{"UT", 0},   {"UTC", 0},  {"GMT", 0},  {"Z", 0},    {"EST", -5},
                 {"EDT", -4}, {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6},
                 {"PST", -8}, {"PDT", -7}, {"JST", 9}};
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        if (strcasecmp(z, zones[i].name) == 0) {
            *minutes = zones[i].hours * 60;
            return true;
        }
    }
    /* military zones are "-0000", unknown (RFC 5322 4.3) */
    if (strlen(z) == 1 && isalpha((unsigned char)z[0])) {
        *minutes = 0;
        return true;
    }
    return false;
}

int received_date(const char *s, long long *out)
{
    static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec"};
    char buf[RECEIVED_TEXT_MAX];
    snprintf(buf, sizeof buf, "%s", s);
    /* comments ("(JST)") and the day of the week say nothing more */
    char *w[8];
    int n = 0;
    int depth = 0;
    for (char *p = buf; *p; p++) {
        bool in_comment = depth > 0 || *p == '(';
        if (*p == '(')
            depth++;
        else if (*p == ')' && depth > 0)
            depth--;
        if (in_comment || *p == ',')
            *p = ' ';
    }
    for (char *t = strtok(buf, " \t\r\n"); t && n < 8; t = strtok(NULL, " \t\r\n"))
        w[n++] = t;
    int i = 0;
    if (i < n && isalpha((unsigned char)w[i][0]) && strlen(w[i]) == 3)
        i++;                            /* Fri */
    if (n - i < 4)
        return -1;
    int day = atoi(w[i]), mon = -1;
    for (int m = 0; m < 12; m++)
        if (strncasecmp(w[i + 1], months[m], 3) == 0)
            mon = m + 1;
    /* a year of at most four digits: anything longer is not a date (and
     * would overflow the arithmetic below) */
    size_t ylen = strlen(w[i + 2]);
    if (ylen == 0 || ylen > 4 || strspn(w[i + 2], "0123456789") != ylen || mon < 0 || day < 1 ||
        day > 31)
        return -1;
    long year = atol(w[i + 2]);
    if (strlen(w[i + 2]) <= 2)
        year += year < 50 ? 2000 : 1900;
    else if (strlen(w[i + 2]) == 3)
        year += 1900;
    /* hh:mm[:ss], digits only: a sign or a long number is no time (and
     * "-558038586:00" overflowed the arithmetic below once) */
    int hh = 0, mm = 0, ss = 0;
    size_t tlen = strlen(w[i + 3]);
    if (tlen > 8 || strspn(w[i + 3], "0123456789:") != tlen ||
        sscanf(w[i + 3], "%d:%d:%d", &hh, &mm, &ss) < 2 || hh > 23 || mm > 59 || ss > 60)
        return -1;
    int zone = 0;
    if (i + 4 < n && !zone_offset(w[i + 4], &zone))
        return -1;
    *out = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss - zone * 60LL;
    return 0;
}

/* ------------------------------------------------------------------------
 * The lexer.
 */
enum tok_kind { TOK_ATOM, TOK_COMMENT, TOK_LITERAL, TOK_PATH };

struct tok {
    enum tok_kind kind;
    const char *s;                      /* its text, without the ( ) [ ] < > around it */
    size_t len;
};

#define RECEIVED_TOKENS_MAX 64

/* Cuts `s` (up to `end`) into tokens; a comment runs to its matching
 * ")" (nested, with \ escapes), an unclosed one to the end. */
static size_t lex(const char *s, const char *end, struct tok *t, size_t max)
{
    size_t n = 0;
    while (s < end && n < max) {
        if (isspace((unsigned char)*s)) {
            s++;
            continue;
        }
        const char *start = s;
        if (*s == '(') {
            int depth = 0;
            for (; s < end; s++) {
                if (*s == '\\' && s + 1 < end) {
                    s++;
                    continue;
                }
                if (*s == '(')
                    depth++;
                else if (*s == ')' && --depth == 0)
                    break;
            }
            t[n++] = (struct tok){TOK_COMMENT, start + 1, (size_t)(s - start - 1)};
            if (s < end)
                s++;
            continue;
        }
        if (*s == '[' || *s == '<') {
            char close = *s == '[' ? ']' : '>';
            const char *c = memchr(s, close, (size_t)(end - s));
            const char *stop = c ? c : end;
            t[n++] = (struct tok){*s == '[' ? TOK_LITERAL : TOK_PATH, s + 1,
                                  (size_t)(stop - s - 1)};
            s = c ? c + 1 : end;
            continue;
        }
        while (s < end && !isspace((unsigned char)*s) && !strchr("()[]<>", *s))
            s++;
        if (s == start)
            s++;                        /* a stray ] or >: skipped */
        else
            t[n++] = (struct tok){TOK_ATOM, start, (size_t)(s - start)};
    }
    return n;
}

static void put(char *dst, size_t size, const char *s, size_t len)
{
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len >= size)
        len = size - 1;
    /* one line: white space of a folded field is one space */
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        char c = isspace((unsigned char)s[i]) ? ' ' : s[i];
        if (c == ' ' && k && dst[k - 1] == ' ')
            continue;
        dst[k++] = c;
    }
    dst[k] = '\0';
}

static void append(char *dst, size_t size, const char *s, size_t len)
{
    size_t used = strlen(dst);
    if (used && used + 1 < size)
        dst[used++] = ' ';
    dst[used] = '\0';
    put(dst + used, size - used, s, len);
}

static bool looks_like_ip(const char *s, size_t len)
{
    if (len == 0 || len > 45)
        return false;
    bool digit = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (isdigit((unsigned char)c))
            digit = true;
        else if (!(c == '.' || c == ':' || isxdigit((unsigned char)c) || c == 'x' || c == 'X'))
            return false;
    }
    return digit;
}

/* The TCP-info comment of a from clause: "name [ip]", "[ip]", "ip",
 * "user@name [ip]" (ident), "HELO x" (qmail), "helo=x" (Exim), with
 * "(may be forged)" inside (sendmail). */
static void tcp_info(struct received_hop *h, const char *s, size_t len)
{
    struct tok t[16];
    size_t n = lex(s, s + len, t, 16);
    for (size_t i = 0; i < n; i++) {
        if (t[i].kind == TOK_COMMENT) {
            char inner[RECEIVED_TEXT_MAX];
            put(inner, sizeof inner, t[i].s, t[i].len);
            if (strcasecmp(inner, "may be forged") == 0)
                h->may_be_forged = true;
            continue;
        }
        if (t[i].kind == TOK_LITERAL) {
            const char *a = t[i].s;
            size_t l = t[i].len;
            if (l > 5 && strncasecmp(a, "IPv6:", 5) == 0) {
                a += 5;
                l -= 5;
            }
            put(h->ip, sizeof h->ip, a, l);
            continue;
        }
        if (t[i].kind != TOK_ATOM)
            continue;
        if (t[i].len == 4 && strncasecmp(t[i].s, "HELO", 4) == 0 && i + 1 < n) {
            put(h->helo, sizeof h->helo, t[i + 1].s, t[i + 1].len);
            i++;
        } else if (t[i].len > 5 && strncasecmp(t[i].s, "helo=", 5) == 0) {
            put(h->helo, sizeof h->helo, t[i].s + 5, t[i].len - 5);
        } else if (t[i].len == 5 && strncasecmp(t[i].s, "helo=", 5) == 0) {
            /* Exim's "(helo=[192.0.2.1])": the name given was an address literal */
            if (i + 1 < n && t[i + 1].kind == TOK_LITERAL) {
                char lit[RECEIVED_TEXT_MAX];
                int l = snprintf(lit, sizeof lit, "[%.*s]",
                                 (int)(t[i + 1].len < 200 ? t[i + 1].len : 200), t[i + 1].s);
                put(h->helo, sizeof h->helo, lit, (size_t)l);
                i++;
            }
        } else if (looks_like_ip(t[i].s, t[i].len) && !h->ip[0] && n == 1) {
            put(h->ip, sizeof h->ip, t[i].s, t[i].len);
        } else if (!h->rdns[0]) {
            /* "user@name": the ident's user is not the host's name */
            const char *at = memchr(t[i].s, '@', t[i].len);
            const char *name = at ? at + 1 : t[i].s;
            put(h->rdns, sizeof h->rdns, name, t[i].len - (size_t)(name - t[i].s));
        }
    }
}

/* A comment anywhere may be "envelope-from <a@b>" (Exim, the lecture's
 * mail server). */
static bool envelope(struct received_hop *h, const char *s, size_t len)
{
    if (len < 14 || strncasecmp(s, "envelope-from", 13) != 0)
        return false;
    const char *v = s + 13;
    size_t l = len - 13;
    while (l && (isspace((unsigned char)*v) || *v == '<')) {
        v++;
        l--;
    }
    while (l && v[l - 1] == '>')
        l--;
    put(h->envelope_from, sizeof h->envelope_from, v, l);
    return true;
}

static bool with_is(const char *with, const char *suffix_class)
{
    /* RFC 3848: (E)SMTP or LMTP, then S for TLS, then A for AUTH */
    size_t n = strlen(with), base;
    if (strncasecmp(with, "ESMTP", 5) == 0)
        base = 5;
    else if (strncasecmp(with, "LMTP", 4) == 0 || strncasecmp(with, "SMTP", 4) == 0)
        base = 4;
    else if (strncasecmp(with, "UTF8SMTP", 8) == 0)
        base = 8;
    else
        return false;
    /* the first word only: Exim goes on "esmtpsa (TLS1.3) tls TLS_AES_..." */
    n = strcspn(with, " ");
    for (size_t i = base; i < n; i++)
        if (!strchr("SAsa", with[i]))
            return false;
    return strpbrk(with + base, suffix_class) != NULL;
}

/* ------------------------------------------------------------------------
 * The hop.
 */
enum clause { C_NONE, C_FROM, C_BY, C_VIA, C_WITH, C_ID, C_FOR };

static enum clause keyword(const struct tok *t)
{
    static const struct {
        const char *word;
        enum clause c;
    } words[] = {{"from", C_FROM}, {"by", C_BY},   {"via", C_VIA},
                 {"with", C_WITH}, {"id", C_ID},   {"for", C_FOR}};
    if (t->kind != TOK_ATOM)
        return C_NONE;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (t->len == strlen(words[i].word) && strncasecmp(t->s, words[i].word, t->len) == 0)
            return words[i].c;
    return C_NONE;
}

void received_parse(const char *value, size_t len, struct received_hop *h)
{
    memset(h, 0, sizeof *h);
    put(h->raw, sizeof h->raw, value, len);
    const char *end = value + len;
    /* the date follows the last ";" outside comments */
    const char *semi = NULL;
    int depth = 0;
    for (const char *p = value; p < end; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')' && depth > 0)
            depth--;
        else if (*p == ';' && depth == 0)
            semi = p;
    }
    struct tok t[RECEIVED_TOKENS_MAX];
    size_t n = lex(value, semi ? semi : end, t, RECEIVED_TOKENS_MAX);
    enum clause at = C_NONE;
    bool seen_from = false, seen_by = false;
    for (size_t i = 0; i < n; i++) {
        enum clause k = keyword(&t[i]);
        /* "id" and "for" are words in a from clause's value too ("mail
         * pickup service"): a keyword counts once its clause is new */
        if (k != C_NONE && !(k == at)) {
            at = k;
            seen_from = seen_from || k == C_FROM;
            seen_by = seen_by || k == C_BY;
            continue;
        }
        const struct tok *x = &t[i];
        if (x->kind == TOK_COMMENT) {
            if (envelope(h, x->s, x->len))
                continue;
            if (at == C_FROM) {
                tcp_info(h, x->s, x->len);
            } else if (at == C_NONE && x->len > 5 && strncasecmp(x->s, "from ", 5) == 0) {
                /* sendmail's local submission: "(from user@host) by ..." */
                put(h->from, sizeof h->from, x->s + 5, x->len - 5);
                seen_from = true;
            }
            continue;
        }
        switch (at) {
        case C_FROM:
            if (x->kind == TOK_LITERAL) {
                /* "from [192.0.2.1]": a name that is an address */
                char lit[RECEIVED_TEXT_MAX];
                int l = snprintf(lit, sizeof lit, "[%.*s]", (int)(x->len < 200 ? x->len : 200), x->s);
                if (!h->ip[0])
                    put(h->ip, sizeof h->ip, x->s, x->len);
                append(h->from, sizeof h->from, lit, (size_t)l);
            } else {
                append(h->from, sizeof h->from, x->s, x->len);
            }
            break;
        case C_BY: append(h->by, sizeof h->by, x->s, x->len); break;
        case C_VIA: append(h->via, sizeof h->via, x->s, x->len); break;
        case C_WITH: append(h->with, sizeof h->with, x->s, x->len); break;
        case C_ID: append(h->id, sizeof h->id, x->s, x->len); break;
        case C_FOR: append(h->for_, sizeof h->for_, x->s, x->len); break;
        case C_NONE: break;
        }
    }
    /* "ocn.ne.jp." is the DNS's absolute form of "ocn.ne.jp" */
    char *names[] = {h->from, h->helo, h->rdns, h->by};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t l = strlen(names[i]);
        if (l > 1 && names[i][l - 1] == '.')
            names[i][l - 1] = '\0';
    }
    if (!h->helo[0] && h->from[0] && h->from[0] != '[')
        snprintf(h->helo, sizeof h->helo, "%s", h->from);
    h->authenticated = with_is(h->with, "Aa");
    h->tls = with_is(h->with, "Ss");
    h->parsed = seen_from || seen_by;
    if (semi) {
        /* the date, and an "(envelope-from ...)" written after it */
        struct tok d[8];
        size_t nd = lex(semi + 1, end, d, 8);
        for (size_t i = 0; i < nd; i++)
            if (d[i].kind == TOK_COMMENT)
                envelope(h, d[i].s, d[i].len);
        put(h->date, sizeof h->date, semi + 1, (size_t)(end - semi - 1));
        long long when;
        if (received_date(h->date, &when) == 0) {
            h->when = when;
            h->has_date = true;
        }
    }
}

/* ------------------------------------------------------------------------
 * A message's hops.
 */
struct gather {
    struct received_hop *hops;
    size_t n, max;
};

static bool take_hop(const char *v, size_t len, void *ud)
{
    struct gather *g = ud;
    if (g->n == g->max)
        return true;
    received_parse(v, len, &g->hops[g->n++]);
    return false;
}

struct received_hop *received_hops(const char *msg, size_t len, size_t *n)
{
    *n = 0;
    /* counted first: most messages have a few hops, and a mailbox many messages */
    int count = msg_header_count(msg, len, "Received");
    if (count == 0)
        return NULL;
    if (count > RECEIVED_HOPS_MAX)
        count = RECEIVED_HOPS_MAX;
    struct gather g = {calloc((size_t)count, sizeof *g.hops), 0, (size_t)count};
    if (!g.hops)
        return NULL;
    msg_each_field(msg, len, "Received", take_hop, &g);
    /* the top field is the last hop: reverse into the order they happened */
    for (size_t i = 0; i < g.n / 2; i++) {
        struct received_hop t = g.hops[i];
        g.hops[i] = g.hops[g.n - 1 - i];
        g.hops[g.n - 1 - i] = t;
    }
    *n = g.n;
    return g.hops;
}
