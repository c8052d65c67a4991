/* redact — see redact.h. */
#include "redact.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trace.h"
#include "util/textbuf.h"

/* ------------------------------------------------------------------------
 * Masks, numbered as they first appear: a small hash table a kind.
 */
enum kind { K_ORG, K_HOST, K_USER, K_IP4, K_IP6, K_NAME, K_KINDS };

struct entry {
    struct entry *next;
    unsigned number;
    char key[];
};

#define BUCKETS 1024

struct redactor {
    struct entry *table[K_KINDS][BUCKETS];
    unsigned count[K_KINDS];
};

struct redactor *redact_new(void) { return calloc(1, sizeof(struct redactor)); }

void redact_free(struct redactor *r)
{
    if (!r)
        return;
    for (int k = 0; k < K_KINDS; k++)
        for (size_t b = 0; b < BUCKETS; b++)
            for (struct entry *e = r->table[k][b], *next; e; e = next) {
                next = e->next;
                free(e);
            }
    free(r);
}

/* The number of key (case-insensitive) among its kind: new ones get the
 * next; 0 when memory ran out. */
static unsigned number_of(struct redactor *r, enum kind k, const char *key, size_t len)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)tolower((unsigned char)key[i])) * 16777619u;
    struct entry **b = &r->table[k][h % BUCKETS];
    for (struct entry *e = *b; e; e = e->next)
        if (strlen(e->key) == len && strncasecmp(e->key, key, len) == 0)
            return e->number;
    struct entry *e = malloc(sizeof *e + len + 1);
    if (!e)
        return 0;
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    e->number = ++r->count[k];
    e->next = *b;
    *b = e;
    return e->number;
}

/* ------------------------------------------------------------------------
 * Tokens: what may be a name or an address.
 */
static bool token_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_' || c == '@' ||
           c == ':' || c == '+' || c == '%' || c == '=';
}

/* A host name: two labels or more, letters, digits and hyphens, the last
 * label letters only (so "8.9.1a" and "3.7W" are versions, not names). */
static bool is_host(const char *s, size_t n)
{
    if (n < 3 || s[0] == '.' || s[n - 1] == '.' || s[0] == '-')
        return false;
    size_t last = 0;
    int dots = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (i + 1 < n && s[i + 1] == '.')
                return false;
            dots++;
            last = i + 1;
        } else if (!(isalnum((unsigned char)s[i]) || s[i] == '-')) {
            return false;
        }
    }
    if (dots == 0 || n - last < 2)
        return false;
    for (size_t i = last; i < n; i++)
        if (!isalpha((unsigned char)s[i]))
            return false;
    return true;
}

static void add_host(struct redactor *r, struct textbuf *out, const char *s, size_t n)
{
    char name[TRACE_FIELD_MAX];
    snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), s);
    const char *org = trace_org_domain(name);
    if (strcasecmp(name, "localhost.localdomain") == 0) {
        textbuf_add(out, s, n);
        return;
    }
    if (org != name)
        textbuf_printf(out, "h%u.", number_of(r, K_HOST, name, (size_t)(org - name) - 1));
    textbuf_printf(out, "org%u.example", number_of(r, K_ORG, org, strlen(org)));
}

/* An IPv4 address: a loopback or private one as it is, a public one as the
 * next of the documentation ranges (RFC 5737, then RFC 6676's 233.252.0/24). */
static bool add_ip4(struct redactor *r, struct textbuf *out, const char *s, size_t n)
{
    char ip[INET_ADDRSTRLEN];
    unsigned char a[4];
    if (n >= sizeof ip)
        return false;
    memcpy(ip, s, n);
    ip[n] = '\0';
    if (inet_pton(AF_INET, ip, a) != 1)
        return false;
    if (trace_addr_kind(ip) != ADDR_PUBLIC) {
        textbuf_add(out, s, n);
        return true;
    }
    static const char *const nets[] = {"192.0.2", "198.51.100", "203.0.113", "233.252.0"};
    unsigned k = number_of(r, K_IP4, ip, n);
    unsigned net = (k - 1) / 254, host = (k - 1) % 254 + 1;
    if (net > 3)
        textbuf_printf(out, "233.252.%u.%u", net - 3, host);
    else
        textbuf_printf(out, "%s.%u", nets[net], host);
    return true;
}

static bool add_ip6(struct redactor *r, struct textbuf *out, const char *s, size_t n)
{
    char ip[INET6_ADDRSTRLEN];
    unsigned char a[16];
    size_t colons = 0;
    for (size_t i = 0; i < n; i++)
        colons += s[i] == ':';
    if (n >= sizeof ip)
        return false;
    memcpy(ip, s, n);
    ip[n] = '\0';
    /* "15:29:24" is a time: an address has three colons, or "::" */
    if ((colons < 3 && !strstr(ip, "::")) || inet_pton(AF_INET6, ip, a) != 1)
        return false;
    if (trace_addr_kind(ip) != ADDR_PUBLIC)
        textbuf_add(out, s, n);
    else
        textbuf_printf(out, "2001:db8::%x", number_of(r, K_IP6, ip, n));
    return true;
}

/* One token: an e-mail address, an address, a host name, or kept. */
static void add_token(struct redactor *r, struct textbuf *out, const char *s, size_t n)
{
    /* "IPv6:2001:db8::1" of an address literal */
    if (n > 5 && strncasecmp(s, "IPv6:", 5) == 0) {
        textbuf_add(out, s, 5);
        s += 5;
        n -= 5;
    }
    const char *at = memchr(s, '@', n);
    size_t dlen = at ? n - (size_t)(at - s) - 1 : 0;
    if (at && at > s && dlen && (is_host(at + 1, dlen) || !memchr(at + 1, '.', dlen))) {
        /* the user is masked at a one-label host too ("taro@localhost") */
        textbuf_printf(out, "user%u@", number_of(r, K_USER, s, (size_t)(at - s)));
        if (is_host(at + 1, dlen))
            add_host(r, out, at + 1, dlen);
        else
            textbuf_add(out, at + 1, dlen);
        return;
    }
    if (add_ip4(r, out, s, n) || add_ip6(r, out, s, n))
        return;
    if (is_host(s, n)) {
        add_host(r, out, s, n);
        return;
    }
    /* "by=mail.example" or a URL's "host:port": the part after = or : */
    const char *sep = NULL;
    for (size_t i = n; i > 0 && !sep; i--)
        if (s[i - 1] == '=' || s[i - 1] == ':')
            sep = s + i - 1;
    if (sep && sep + 1 < s + n && (size_t)(sep - s) + 1 < n) {
        add_token(r, out, s, (size_t)(sep - s));
        textbuf_addc(out, *sep);
        add_token(r, out, sep + 1, n - (size_t)(sep - s) - 1);
        return;
    }
    textbuf_add(out, s, n);
}

/* Text with every token in it masked, the rest (folding too) kept. */
static void add_masked(struct redactor *r, struct textbuf *out, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (!token_char(s[i])) {
            textbuf_addc(out, s[i++]);
            continue;
        }
        size_t start = i;
        while (i < n && token_char(s[i]))
            i++;
        /* a path's part ("/pmail/pmail.cgi") is no host; a URL's host
         * ("http://www...") comes after two slashes */
        if (start > 0 && s[start - 1] == '/' && !(start > 1 && s[start - 2] == '/')) {
            textbuf_add(out, s + start, i - start);
            continue;
        }
        /* a sentence's last dot, a list's colon: not part of the name */
        size_t end = i;
        while (end > start && (s[end - 1] == '.' || s[end - 1] == ':' || s[end - 1] == '-' ||
                               s[end - 1] == '='))
            end--;
        add_token(r, out, s + start, end - start);
        textbuf_add(out, s + end, i - end);
    }
}

/* ------------------------------------------------------------------------
 * Fields.
 */
static bool field_is(const char *name, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && strncasecmp(name, *list, n) == 0)
            return true;
    return false;
}

static const char *const free_text[] = {"Subject", "Thread-Topic", "Comments", "Keywords",
                                        "Summary", "Organization", "X-Face", "Face", NULL};
static const char *const address_fields[] = {
    "From", "To", "Cc", "Bcc", "Reply-To", "Sender", "Resent-From", "Resent-To", "Resent-Cc",
    "Resent-Sender", "Disposition-Notification-To", "Mail-Followup-To", NULL};

/* An address list, each display name and comment a mask of its own:
 * "Taro Yamada <taro@a.jp>, b@c.jp (Hanako)" -> "name1 <user1@org1.example>,
 * user2@org2.example (name2)". Quotes, <> and () are followed; a comma
 * inside them does not part two addresses. */
static void add_addresses(struct redactor *r, struct textbuf *out, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* one element, to the next comma outside quotes, <> and () */
        size_t start = i;
        int depth = 0;
        bool quoted = false, angle = false;
        for (; i < n; i++) {
            char c = s[i];
            if (c == '\\' && i + 1 < n) {
                i++;
            } else if (quoted) {
                quoted = c != '"';
            } else if (c == '"') {
                quoted = true;
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && depth) {
                depth--;
            } else if (!depth && c == '<') {
                angle = true;
            } else if (!depth && c == '>') {
                angle = false;
            } else if (!depth && !angle && c == ',') {
                break;
            }
        }
        const char *e = s + start, *end = s + i;
        const char *lt = memchr(e, '<', (size_t)(end - e));
        const char *gt = lt ? memchr(lt, '>', (size_t)(end - lt)) : NULL;
        size_t lead = strspn(e, " \t\r\n");
        if (lead > (size_t)(end - e))
            lead = (size_t)(end - e);
        textbuf_add(out, e, lead);
        e += lead;
        if (lt && gt) {
            /* the phrase before <...> */
            const char *p = e, *q = lt;
            while (q > p && isspace((unsigned char)q[-1]))
                q--;
            if (q > p)
                textbuf_printf(out, "name%u ", number_of(r, K_NAME, p, (size_t)(q - p)));
            textbuf_addc(out, '<');
            add_masked(r, out, lt + 1, (size_t)(gt - lt - 1));
            textbuf_addc(out, '>');
        } else {
            /* "addr (Comment)": the comments are names */
            const char *p = e;
            while (p < end) {
                const char *open = memchr(p, '(', (size_t)(end - p));
                const char *stop = open ? open : end;
                add_masked(r, out, p, (size_t)(stop - p));
                if (!open)
                    break;
                const char *close = memchr(open, ')', (size_t)(end - open));
                size_t clen = close ? (size_t)(close - open - 1) : (size_t)(end - open - 1);
                textbuf_printf(out, "(name%u)", number_of(r, K_NAME, open + 1, clen));
                p = close ? close + 1 : end;
            }
        }
        if (i < n)
            textbuf_addc(out, s[i++]);          /* the comma */
    }
}

char *redact_header(struct redactor *r, const char *hdr, size_t len, size_t *out_len)
{
    struct textbuf out = {0};
    size_t i = 0;
    while (i < len) {
        /* a field: its first line and its continuation lines */
        size_t start = i;
        const char *nl = memchr(hdr + i, '\n', len - i);
        i = nl ? (size_t)(nl - hdr) + 1 : len;
        while (i < len && (hdr[i] == ' ' || hdr[i] == '\t')) {
            nl = memchr(hdr + i, '\n', len - i);
            i = nl ? (size_t)(nl - hdr) + 1 : len;
        }
        const char *f = hdr + start;
        size_t flen = i - start;
        const char *colon = memchr(f, ':', flen);
        if (!colon) {
            add_masked(r, &out, f, flen);
            continue;
        }
        size_t nlen = (size_t)(colon - f);
        /* the value without its line end, which is kept as written */
        size_t vend = flen;
        while (vend > nlen + 1 && (f[vend - 1] == '\n' || f[vend - 1] == '\r'))
            vend--;
        textbuf_add(&out, f, nlen + 1);
        const char *v = colon + 1;
        size_t vlen = vend - nlen - 1;
        if (field_is(f, nlen, free_text))
            textbuf_add(&out, " (redacted)", 11);
        else if (field_is(f, nlen, address_fields))
            add_addresses(r, &out, v, vlen);
        else
            add_masked(r, &out, v, vlen);
        textbuf_add(&out, f + vend, flen - vend);
    }
    return textbuf_finish(&out, out_len);
}
