/*
 * serve_who — who a client says it is, for the watchers' --user filter and
 * their list: the name it logs in with (SMTP AUTH PLAIN or LOGIN, POP3
 * USER or APOP, a web mail form's user=), else the envelope's sender
 * (MAIL FROM). A claim, not a proof: a wrong password still names whom
 * the client tried to be, which is what an instructor looks for.
 *
 * Read here from the lines rather than from the script's data, so that
 * an instructor's own script, whatever it keeps, is watched the same
 * (rejected: a host call reading s.data.user, which every script would
 * have to keep). The script's state says only where a message's text is
 * (DATA), so that a line of a message is never taken for a command.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/mime_charset.h"
#include "serve_internal.h"

enum who_next { WHO_COMMAND, WHO_PLAIN, WHO_LOGIN_USER };

/* Base64 (RFC 4648 4) into out: the bytes decoded, or -1 when it is not
 * base64 or does not fit. */
static int b64_decode(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    while (len > 0 && (s[len - 1] == '=' || s[len - 1] == ' '))
        len--;
    for (size_t i = 0; i < len; i++) {
        int v = mime_b64_value(s[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == cap)
                return -1;
            out[o++] = (char)(acc >> bits & 0xff);
        }
    }
    return (int)o;
}

/* A name worth showing: printable, no spaces, not empty. */
static bool set_user(struct conn *c, const char *name, size_t len, bool from_auth)
{
    if (len == 0 || len >= sizeof c->user)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] <= 0x20 || name[i] == 0x7f)
            return false;
    if (!from_auth && c->user_from_auth)
        return false;           /* the login outranks the envelope */
    c->user_from_auth |= from_auth;
    if (strlen(c->user) == len && memcmp(c->user, name, len) == 0)
        return false;
    memcpy(c->user, name, len);
    c->user[len] = '\0';
    return true;
}

/* PLAIN's message: authzid NUL authcid NUL password (RFC 4616 2); the
 * authentication identity is the one the password belongs to. */
static bool from_plain(struct conn *c, const char *b64, size_t len)
{
    char buf[3 * SERVE_USER_MAX];
    int n = b64_decode(b64, len, buf, sizeof buf);
    if (n < 0)
        return false;
    char *a = memchr(buf, '\0', (size_t)n);
    if (!a)
        return false;
    char *pw = memchr(a + 1, '\0', (size_t)(buf + n - (a + 1)));
    if (!pw)
        return false;
    if (pw > a + 1)
        return set_user(c, a + 1, (size_t)(pw - (a + 1)), true);
    return set_user(c, buf, (size_t)(a - buf), true);
}

static bool from_login(struct conn *c, const char *b64, size_t len)
{
    char buf[SERVE_USER_MAX];
    int n = b64_decode(b64, len, buf, sizeof buf);
    return n > 0 && set_user(c, buf, (size_t)n, true);
}

/* The word after `verb` and a space, if the line starts so (either case). */
static const char *after(const char *line, size_t len, const char *verb, size_t *rest)
{
    size_t n = strlen(verb);
    if (len <= n || strncasecmp(line, verb, n) != 0 || line[n] != ' ')
        return NULL;
    const char *p = line + n;
    while (p < line + len && *p == ' ')
        p++;
    *rest = (size_t)(line + len - p);
    return p;
}

static size_t word_len(const char *p, size_t len)
{
    size_t n = 0;
    while (n < len && p[n] != ' ')
        n++;
    return n;
}

static bool smtp_line(struct conn *c, const char *line, size_t len)
{
    size_t rest;
    const char *p;
    if ((p = after(line, len, "AUTH", &rest))) {
        size_t mech = word_len(p, rest);
        const char *init = p + mech;
        size_t ilen = rest - mech;
        while (ilen > 0 && *init == ' ') {
            init++;
            ilen--;
        }
        bool initial = ilen > 0 && !(ilen == 1 && *init == '=');
        if (mech == 5 && strncasecmp(p, "PLAIN", 5) == 0) {
            if (initial)
                return from_plain(c, init, ilen);
            c->who_next = WHO_PLAIN;
        } else if (mech == 5 && strncasecmp(p, "LOGIN", 5) == 0) {
            if (initial)
                return from_login(c, init, ilen);
            c->who_next = WHO_LOGIN_USER;
        }
        return false;
    }
    if (len > 10 && strncasecmp(line, "MAIL FROM:", 10) == 0) {
        const char *lt = memchr(line + 10, '<', len - 10);
        const char *gt = lt ? memchr(lt, '>', (size_t)(line + len - lt)) : NULL;
        if (lt && gt && gt > lt + 1)
            return set_user(c, lt + 1, (size_t)(gt - lt - 1), false);
    }
    return false;
}

static bool pop3_line(struct conn *c, const char *line, size_t len)
{
    size_t rest;
    const char *p = after(line, len, "USER", &rest);
    if (!p)
        p = after(line, len, "APOP", &rest);
    if (p)
        return set_user(c, p, word_len(p, rest), true);
    return false;
}

/* "GET /send?user=carol&..." : the form's user, %-escapes decoded. */
static bool http_line(struct conn *c, const char *line, size_t len)
{
    const char *q = memchr(line, '?', len);
    if (!q || strncmp(line, "GET ", 4) != 0)
        return false;
    const char *end = line + len;
    for (const char *p = q + 1; p < end;) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : memchr(p, ' ', (size_t)(end - p));
        if (!stop)
            stop = end;
        if (stop - p > 5 && strncmp(p, "user=", 5) == 0) {
            char name[SERVE_USER_MAX];
            size_t n = 0;
            for (const char *s = p + 5; s < stop && n + 1 < sizeof name; s++) {
                if (*s == '%' && stop - s >= 3 && isxdigit((unsigned char)s[1]) &&
                    isxdigit((unsigned char)s[2])) {
                    char hex[3] = {s[1], s[2], '\0'};
                    name[n++] = (char)strtol(hex, NULL, 16);
                    s += 2;
                } else {
                    name[n++] = *s == '+' ? ' ' : *s;
                }
            }
            return set_user(c, name, n, true);
        }
        if (!amp)
            break;
        p = amp + 1;
    }
    return false;
}

bool who_line(struct conn *c, const char *state, const char *line, size_t len)
{
    if (strcmp(state, "DATA") == 0) {
        c->who_next = WHO_COMMAND;
        return false;           /* a message's text */
    }
    enum who_next next = (enum who_next)c->who_next;
    c->who_next = WHO_COMMAND;
    /* the line after "AUTH PLAIN" or "AUTH LOGIN", if the script took it
     * (its state says so), else a command after all */
    if ((next == WHO_PLAIN || strcmp(state, "AUTH_PLAIN") == 0) && from_plain(c, line, len))
        return true;
    if ((next == WHO_LOGIN_USER || strcmp(state, "AUTH_USERNAME") == 0) && from_login(c, line, len))
        return true;
    switch (c->l->kind) {
    case SERVE_SMTP: return smtp_line(c, line, len);
    case SERVE_POP3: return pop3_line(c, line, len);
    case SERVE_HTTP: return http_line(c, line, len);
    case SERVE_DNS: break;
    }
    return false;
}
