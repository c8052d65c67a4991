/*
 * mime_body — see mime.h: mime_render_body. Header fields are read with
 * message.c's msg_header; charsets come from mime_charset.c, encoded-words
 * from mime.c.
 *
 * The input may be hostile (a bounce quotes whatever was sent). Every pass
 * is linear in the slice it reads; a part's slice lies inside its parent's,
 * and nesting stops at MIME_DEPTH_MAX, so a message costs at most
 * MIME_DEPTH_MAX + 1 passes over its bytes. Every read is bounded by a
 * length, never by a NUL, since bodies may hold NULs.
 *
 * Reading forgives what real mail gets wrong, as mail readers do: parts
 * with no empty line after their header, a last part with no closing
 * delimiter, base64 with junk in it, parameters in RFC 2231 form or as
 * encoded-words.
 */
#include "compose.h"
#include "mime.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/i18n.h"
#include "message.h"
#include "mime_charset.h"
#include "util/textbuf.h"

#define MIME_TYPE_MAX 127       /* "type/subtype"; longer is not a media type */
#define PARAM_SEGS_MAX 16       /* RFC 2231 continuations read: name*0 .. name*15 */
/* Parts of one multipart shown; the rest are counted. Past it nobody reads
 * on, and a 10 MB message of empty parts ("--b" lines) is 2.6 million. */
#define MIME_PARTS_MAX 1000

/* ------------------------------------------------------------------------
 * Text for the screen.
 */

/* Appends UTF-8 text for the screen: CR LF (and a lone CR, old Macintosh
 * text) become LF, and a last line gets its LF. Other control characters
 * are left to term_text, which shows them. */
static void add_lines(struct textbuf *out, const char *s, size_t n)
{
    size_t start = 0;
    for (const char *cr; (cr = memchr(s + start, '\r', n - start)) != NULL;) {
        size_t i = (size_t)(cr - s);
        textbuf_add(out, s + start, i - start);
        textbuf_addc(out, '\n');
        start = i + 1 < n && s[i + 1] == '\n' ? i + 2 : i + 1;
    }
    textbuf_add(out, s + start, n - start);
    if (n > 0 && out->len > 0 && out->p[out->len - 1] != '\n')
        textbuf_addc(out, '\n');
}

/* Appends s[0..n) in charset, converted to UTF-8, as lines. */
static void add_text(struct textbuf *out, const char *s, size_t n, const char *charset)
{
    size_t len;
    if (n == 0)
        return;
    char *u = mime_to_utf8(s, n, charset, &len);
    if (!u) {
        out->oom = true;
        return;
    }
    add_lines(out, u, len);
    free(u);
}

/* ------------------------------------------------------------------------
 * Header and parameters.
 */

/* "Name:" (white space allowed before the colon, RFC 5322 4.5.3). */
static bool field_line(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && s[k] > ' ' && s[k] < 0x7F && s[k] != ':')
        k++;
    if (k == 0)
        return false;
    while (k < n && (s[k] == ' ' || s[k] == '\t'))
        k++;
    return k < n && s[k] == ':';
}

/* The header's length, and where the body starts: after the first empty
 * line, or at the first line that is neither a field nor a continuation
 * (a part written without its empty line; Python's email does the same). */
static void split_header(const char *p, size_t n, size_t *hlen, size_t *body)
{
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(p + i, '\n', n - i);
        size_t eol = nl ? (size_t)(nl - p) : n, next = nl ? eol + 1 : n;
        if (eol == i || (eol == i + 1 && p[i] == '\r')) {
            *hlen = i;
            *body = next;
            return;
        }
        bool cont = i > 0 && (p[i] == ' ' || p[i] == '\t');
        if (!cont && !field_line(p + i, eol - i)) {
            *hlen = i;
            *body = i;
            return;
        }
        i = next;
    }
    *hlen = n;
    *body = n;
}

/* "type/subtype" of a Content-Type value, in lower case, and its
 * parameters (after the first ';', borrowed from v). False when there is
 * no media type there. */
static bool parse_type(const char *v, char type[MIME_TYPE_MAX + 1], const char **params)
{
    size_t n = 0, slash = 0;
    v += strspn(v, " \t");
    for (; v[n] && v[n] != ';' && v[n] != ' ' && v[n] != '\t' && v[n] != '('; n++) {
        if (n == MIME_TYPE_MAX)
            return false;
        char c = v[n];
        if (c < '!' || c > '~')
            return false;               /* it is shown in notes: ASCII only */
        type[n] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        if (c == '/' && slash == 0)
            slash = n;
    }
    type[n] = '\0';
    if (slash == 0 || slash + 1 == n)
        return false;
    const char *semi = strchr(v + n, ';');
    *params = semi ? semi + 1 : "";
    return true;
}

struct span {
    const char *p;
    size_t n;
    bool set, quoted, ext;      /* ext: RFC 2231 "name*", percent-encoded */
};

/* A value's bytes: a quoted-string unquoted, an extended value
 * percent-decoded, its "charset'language'" (when `first`) put in cs. */
static void span_add(struct textbuf *b, const struct span *v, bool first, char *cs, size_t cs_size)
{
    const char *s = v->p, *end = v->p + v->n;
    if (v->ext && first) {
        const char *q1 = memchr(s, '\'', v->n);
        const char *q2 = q1 ? memchr(q1 + 1, '\'', (size_t)(end - q1 - 1)) : NULL;
        if (q2) {
            snprintf(cs, cs_size, "%.*s", (int)(q1 - s), s);
            s = q2 + 1;
        }
    }
    for (; s < end; s++) {
        if (v->quoted && *s == '\\' && s + 1 < end) {
            textbuf_addc(b, *++s);
        } else if (v->ext && *s == '%' && end - s >= 3 && mime_hex_value(s[1]) >= 0 &&
                   mime_hex_value(s[2]) >= 0) {
            textbuf_addc(b, (char)(mime_hex_value(s[1]) << 4 | mime_hex_value(s[2])));
            s += 2;
        } else {
            textbuf_addc(b, *s);
        }
    }
}

/* The parameter `want` (case-insensitive) of a Content-Type or
 * Content-Disposition, in any of its forms: plain, RFC 2231 extended
 * (want*=charset'lang'%XX) or continued (want*0, want*1*, ...). With
 * `text`, the value is for a person (UTF-8, encoded-words decoded, as
 * clients write file names); without, its bytes as written (a boundary).
 * New string (caller frees), or NULL when absent or out of memory. */
static char *param_get(const char *params, const char *want, bool text)
{
    size_t wlen = strlen(want);
    struct span plain = {0}, ext = {0}, seg[PARAM_SEGS_MAX] = {{0}};
    for (const char *s = params; *s;) {
        s += strspn(s, "; \t");
        const char *name = s;
        s += strcspn(s, "=; \t");
        size_t nlen = (size_t)(s - name);
        s += strspn(s, " \t");
        if (*s != '=') {
            s += strcspn(s, ";");
            continue;
        }
        s += 1 + strspn(s + 1, " \t");
        struct span v = {.p = s, .set = true, .quoted = *s == '"'};
        if (v.quoted) {
            v.p = ++s;
            while (*s && *s != '"')
                s += s[0] == '\\' && s[1] ? 2 : 1;
            v.n = (size_t)(s - v.p);
        } else {
            s += strcspn(s, "; \t");
            v.n = (size_t)(s - v.p);
        }
        s += strcspn(s, ";");           /* a comment, or junk */
        if (nlen < wlen || strncasecmp(name, want, wlen) != 0)
            continue;
        const char *rest = name + wlen;
        size_t rlen = nlen - wlen, digits = rlen > 0 ? strspn(rest + 1, "0123456789") : 0;
        if (rlen == 0 && !plain.set) {
            plain = v;
        } else if (rlen == 1 && rest[0] == '*' && !ext.set) {
            ext = v;
            ext.ext = true;
        } else if (rest[0] == '*' && digits > 0 && digits <= 2 &&
                   (rlen == 1 + digits || (rlen == 2 + digits && rest[rlen - 1] == '*'))) {
            int k = atoi(rest + 1);
            if (k < PARAM_SEGS_MAX && !seg[k].set) {
                seg[k] = v;
                seg[k].ext = rest[rlen - 1] == '*';
            }
        }
    }
    struct textbuf b = {0};
    char cs[64] = "";
    if (ext.set)
        span_add(&b, &ext, true, cs, sizeof cs);
    else if (seg[0].set)
        for (int k = 0; k < PARAM_SEGS_MAX && seg[k].set; k++)
            span_add(&b, &seg[k], k == 0, cs, sizeof cs);
    else if (plain.set)
        span_add(&b, &plain, false, cs, sizeof cs);
    else
        return NULL;
    size_t len, u_len;
    char *v = textbuf_finish(&b, &len);
    if (!v || !text)
        return v;
    char *u = ext.set || seg[0].set ? mime_to_utf8(v, len, cs[0] ? cs : "UTF-8", &u_len)
                                    : mime_decode_header(v);
    free(v);
    return u;
}

/* ------------------------------------------------------------------------
 * Transfer encodings (RFC 2045 6). Both decoders write at most as many
 * bytes as they read, so the caller allocates n.
 */
/* Line breaks and anything outside the alphabet are skipped, as RFC 2045
 * asks; '=' ends a quantum, so base64 glued from padded pieces reads. */
static size_t b64_lenient(const char *s, size_t n, char *out)
{
    uint32_t acc = 0;
    int k = 0;
    size_t o = 0;
    for (size_t i = 0; i <= n; i++) {
        int v = i < n ? mime_b64_value(s[i]) : -1;
        if (v >= 0) {
            acc = acc << 6 | (uint32_t)v;
            if (++k == 4) {
                out[o++] = (char)(acc >> 16);
                out[o++] = (char)(acc >> 8 & 0xFF);
                out[o++] = (char)(acc & 0xFF);
                acc = 0;
                k = 0;
            }
        } else if (i == n || s[i] == '=') {
            if (k >= 2)
                out[o++] = (char)(acc >> (6 * k - 8) & 0xFF);
            if (k == 3)
                out[o++] = (char)(acc >> 2 & 0xFF);
            acc = 0;
            k = 0;
        }
    }
    return o;
}

/* Soft line breaks ("=" at a line's end, white space after it forgiven)
 * are removed; white space at a line's end is dropped, since only a
 * transport can have put it there (RFC 2045 6.7 (3)); a "=" that starts
 * no escape stays. */
static size_t qp_decode(const char *s, size_t n, char *out)
{
    size_t o = 0, keep = 0;     /* out[0..keep) is not trailing white space */
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '=') {
            size_t j = i + 1;
            while (j < n && (s[j] == ' ' || s[j] == '\t'))
                j++;
            if (j == n || s[j] == '\n' || (s[j] == '\r' && j + 1 < n && s[j + 1] == '\n')) {
                i = j < n && s[j] == '\r' ? j + 1 : j;
                keep = o;
                continue;
            }
            if (n - i >= 3 && mime_hex_value(s[i + 1]) >= 0 && mime_hex_value(s[i + 2]) >= 0) {
                out[o++] = (char)(mime_hex_value(s[i + 1]) << 4 | mime_hex_value(s[i + 2]));
                i += 2;
            } else {
                out[o++] = '=';
            }
            keep = o;
        } else if (c == '\n') {
            bool cr = o > keep && out[o - 1] == '\r';
            if (cr)
                o--;
            while (o > keep && (out[o - 1] == ' ' || out[o - 1] == '\t'))
                o--;
            if (cr)
                out[o++] = '\r';
            out[o++] = '\n';
            keep = o;
        } else {
            out[o++] = c;
        }
    }
    return o;
}

/* A body undone from its transfer encoding: borrowed (p) or owned. */
struct data {
    const char *p;
    size_t n;
    char *owned;
};

/* Any other encoding (7bit, 8bit, binary, or one unknown) is shown as it
 * is. False only when out of memory. */
static bool decode_body(const char *cte, const char *s, size_t n, struct data *d)
{
    *d = (struct data){.p = s, .n = n};
    bool b64 = cte && strcasecmp(cte, "base64") == 0;
    if (!b64 && !(cte && strcasecmp(cte, "quoted-printable") == 0))
        return true;
    if (!(d->owned = malloc(n ? n : 1)))
        return false;
    d->p = d->owned;
    d->n = b64 ? b64_lenient(s, n, d->owned) : qp_decode(s, n, d->owned);
    return true;
}

/* ------------------------------------------------------------------------
 * Multipart (RFC 2046 5.1).
 */
struct parts {
    const char *p;
    size_t n;
    const char *bnd;
    size_t blen;
    size_t pos;                 /* where the next part starts */
    bool done;
};

/* Is the line p[i..eol) "--boundary", or "--boundary--" (*close)? White
 * space may follow (RFC 2046's transport padding), nothing else. */
static bool delimiter(const struct parts *it, size_t i, size_t eol, bool *close)
{
    const char *p = it->p;
    if (eol - i < 2 + it->blen || p[i] != '-' || p[i + 1] != '-' ||
        memcmp(p + i + 2, it->bnd, it->blen) != 0)
        return false;
    size_t k = i + 2 + it->blen;
    *close = eol - k >= 2 && p[k] == '-' && p[k + 1] == '-';
    for (k += *close ? 2 : 0; k < eol && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r'); k++)
        ;
    return k == eol;
}

/* The next delimiter line at or after i: its start (n when none), the
 * start of what follows it in *after. */
static size_t next_delimiter(const struct parts *it, size_t i, size_t *after, bool *close)
{
    while (i < it->n) {
        const char *nl = memchr(it->p + i, '\n', it->n - i);
        size_t eol = nl ? (size_t)(nl - it->p) : it->n;
        *after = nl ? eol + 1 : eol;
        if (delimiter(it, i, eol, close))
            return i;
        i = *after;
    }
    return it->n;
}

/* Skips the preamble. False when no delimiter is there at all. */
static bool parts_init(struct parts *it, const char *p, size_t n, const char *bnd)
{
    *it = (struct parts){.p = p, .n = n, .bnd = bnd, .blen = strlen(bnd)};
    size_t after;
    bool close;
    if (next_delimiter(it, 0, &after, &close) == n)
        return false;
    it->pos = after;
    it->done = close;
    return true;
}

/* The next part; the line break before a delimiter belongs to it, not to
 * the part. A part with no delimiter after it runs to the end. */
static bool parts_next(struct parts *it, const char **part, size_t *len)
{
    if (it->done)
        return false;
    size_t after, end;
    bool close = false;
    size_t d = next_delimiter(it, it->pos, &after, &close);
    end = d;
    if (d < it->n) {
        if (end > it->pos && it->p[end - 1] == '\n')
            end--;
        if (end > it->pos && it->p[end - 1] == '\r')
            end--;
    }
    *part = it->p + it->pos;
    *len = end - it->pos;
    it->done = d == it->n || close;
    it->pos = after;
    return true;
}

/* ------------------------------------------------------------------------
 * Rendering.
 */
static void render_entity(struct textbuf *out, const char *p, size_t n, int depth,
                          const char *dflt);

/* The media type of an entity, `dflt` when it names none (RFC 2045 5.2
 * makes an unreadable one text/plain). New Content-Type value (caller
 * frees) or NULL; *params borrowed from it. */
static char *entity_type(const char *p, size_t hlen, const char *dflt,
                         char type[MIME_TYPE_MAX + 1], const char **params)
{
    char *ct = msg_header(p, hlen, "Content-Type");
    *params = "";
    if (!ct)
        strcpy(type, dflt);             /* a short literal */
    else if (!parse_type(ct, type, params))
        strcpy(type, "text/plain");
    return ct;
}

/* A part's file name: Content-Disposition's filename, else Content-Type's
 * name. With `only_attachment`, NULL unless the part says "attachment". */
static char *attached_name(const char *p, size_t hlen, const char *params, bool only_attachment)
{
    char *disp = msg_header(p, hlen, "Content-Disposition");
    if (only_attachment && (!disp || strncasecmp(disp + strspn(disp, " \t"), "attachment", 10) != 0)) {
        free(disp);
        return NULL;
    }
    const char *dparams = disp ? strchr(disp, ';') : NULL;
    char *name = dparams ? param_get(dparams + 1, "filename", true) : NULL;
    if (!name && *params)
        name = param_get(params, "name", true);
    free(disp);
    return name;
}

static void add_note(struct textbuf *out, const char *type, const char *name, size_t size)
{
    if (name && *name) {
        /* a name could hold line breaks: keep the note on one line */
        struct textbuf one = {0};
        for (const char *s = name; *s; s++)
            textbuf_addc(&one, *s == '\n' || *s == '\r' ? ' ' : *s);
        char *flat = textbuf_finish(&one, NULL);
        if (flat)
            textbuf_printf(out, ngettext("[attachment: %1$s, %2$s, %3$zu byte]\n",
                                         "[attachment: %1$s, %2$s, %3$zu bytes]\n", size),
                           type, flat, size);
        if (flat && compose_is_program(flat))
            textbuf_printf(out, "%s\n", _("  (a program: opened, it runs. Never open one you "
                                         "did not expect)"));
        else if (!flat)
            out->oom = true;
        free(flat);
    } else {
        textbuf_printf(out, ngettext("[attachment: %1$s, %2$zu byte]\n",
                                     "[attachment: %1$s, %2$zu bytes]\n", size), type, size);
    }
}

/* The header fields of an enclosed message, unfolded, encoded-words
 * decoded, one per line (a line break decoded from a word is a space). */
static void add_header(struct textbuf *out, const char *p, size_t hlen)
{
    struct textbuf f = {0};
    for (size_t i = 0; i < hlen;) {
        f.len = 0;
        do {
            const char *nl = memchr(p + i, '\n', hlen - i);
            size_t eol = nl ? (size_t)(nl - p) : hlen;
            for (size_t k = i; k < eol; k++)
                if (p[k] != '\r')
                    textbuf_addc(&f, p[k]);
            i = nl ? eol + 1 : hlen;
        } while (i < hlen && (p[i] == ' ' || p[i] == '\t'));
        textbuf_addc(&f, '\0');
        if (f.oom)
            break;
        char *colon = strchr(f.p, ':');
        if (!colon) {
            add_text(out, f.p, f.len - 1, "UTF-8");
            continue;
        }
        *colon = '\0';
        char *value = colon + 1 + strspn(colon + 1, " \t");
        char *dec = mime_decode_header(value);
        if (!dec) {
            out->oom = true;
            break;
        }
        /* an encoded line break would show as a field of its own */
        for (char *c = dec; (c = strpbrk(c, "\r\n")) != NULL;)
            *c = ' ';
        textbuf_printf(out, "%s: %s\n", f.p, dec);
        free(dec);
    }
    out->oom |= f.oom;
    free(f.p);
}

/* A multipart body, part by part with a blank line between them. False
 * when no delimiter is found, for the caller to show the body as it is. */
static bool render_multipart(struct textbuf *out, const struct data *d, const char *type,
                             const char *params, int depth)
{
    char *bnd = param_get(params, "boundary", false);
    struct parts it;
    if (!bnd || !*bnd || !parts_init(&it, d->p, d->n, bnd)) {
        free(bnd);
        return false;
    }
    const char *sub = strchr(type, '/') + 1;
    const char *dflt = strcmp(sub, "digest") == 0 ? "message/rfc822" : "text/plain";
    const char *part;
    size_t len;
    if (strcmp(sub, "alternative") == 0) {
        /* one version is enough: the plain text one, else the first */
        const char *chosen = NULL;
        size_t chosen_len = 0;
        for (size_t k = 0; k < MIME_PARTS_MAX && parts_next(&it, &part, &len); k++) {
            size_t hlen, body;
            char t[MIME_TYPE_MAX + 1];
            const char *unused;
            split_header(part, len, &hlen, &body);
            free(entity_type(part, hlen, dflt, t, &unused));
            if (!chosen || strcmp(t, "text/plain") == 0) {
                chosen = part;
                chosen_len = len;
            }
            if (strcmp(t, "text/plain") == 0)
                break;
        }
        if (chosen)
            render_entity(out, chosen, chosen_len, depth + 1, dflt);
    } else {
        bool any = false;
        size_t shown = 0, more = 0;
        while (parts_next(&it, &part, &len)) {
            if (shown == MIME_PARTS_MAX) {
                more++;
                continue;
            }
            shown++;
            size_t mark = out->len;
            if (any)
                textbuf_addc(out, '\n');
            size_t start = out->len;
            render_entity(out, part, len, depth + 1, dflt);
            if (out->len == start && !out->oom)
                out->len = mark;        /* an empty part: no blank line for it */
            else
                any = true;
        }
        if (more > 0) {
            if (any)
                textbuf_addc(out, '\n');
            textbuf_printf(out, ngettext("[%zu more part not shown]\n",
                                         "[%zu more parts not shown]\n", more), more);
        }
    }
    free(bnd);
    return true;
}

/* The body of the entity p[0..n) (header and body), by its Content-Type;
 * `depth` counts the multiparts and messages around it. */
static void render_entity(struct textbuf *out, const char *p, size_t n, int depth,
                          const char *dflt)
{
    size_t hlen, boff;
    split_header(p, n, &hlen, &boff);
    char type[MIME_TYPE_MAX + 1];
    const char *params;
    char *ct = entity_type(p, hlen, dflt, type, &params);
    char *cte = msg_header(p, hlen, "Content-Transfer-Encoding");
    struct data d;
    if (!decode_body(cte, p + boff, n - boff, &d)) {
        out->oom = true;
        goto done;
    }
    bool multi = strncmp(type, "multipart/", 10) == 0;
    bool message = strcmp(type, "message/rfc822") == 0 || strcmp(type, "message/global") == 0;
    if ((multi || message) && depth >= MIME_DEPTH_MAX) {
        textbuf_printf(out, _("[%1$s nested more than %2$d deep: not shown]\n"), type,
                       MIME_DEPTH_MAX);
    } else if (multi) {
        if (!render_multipart(out, &d, type, params, depth))
            add_text(out, d.p, d.n, "UTF-8");
    } else if (message) {
        size_t inner_hlen, inner_body;
        split_header(d.p, d.n, &inner_hlen, &inner_body);
        add_header(out, d.p, inner_hlen);
        size_t mark = out->len;
        textbuf_addc(out, '\n');
        size_t start = out->len;
        render_entity(out, d.p, d.n, depth + 1, "text/plain");
        if (out->len == start && !out->oom)
            out->len = mark;
    } else if (strncmp(type, "text/", 5) == 0 || strcmp(type, "message/delivery-status") == 0 ||
               strcmp(type, "message/global-delivery-status") == 0 ||
               strcmp(type, "message/global-headers") == 0) {
        /* a text sent as a file is shown too, under its note */
        char *name = attached_name(p, hlen, params, true);
        if (name)
            add_note(out, type, name, d.n);
        free(name);
        char *cs = *params ? param_get(params, "charset", false) : NULL;
        add_text(out, d.p, d.n, cs ? cs : "us-ascii");
        free(cs);
    } else {
        char *name = attached_name(p, hlen, params, false);
        add_note(out, type, name, d.n);
        free(name);
    }
done:
    free(d.owned);
    free(cte);
    free(ct);
}

char *mime_render_body(const char *msg, size_t len)
{
    struct textbuf out = {0};
    render_entity(&out, msg, len, 0, "text/plain");
    return textbuf_finish(&out, NULL);
}
