/* compose — see compose.h. */
#include "compose.h"

#include "util/i18n.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define COMPOSE_TEXT_LINE_MAX 998       /* RFC 5322 2.1.1, without CR LF */

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

void compose_addr_spec(const char *mailbox, char out[COMPOSE_ADDRESS_MAX + 1])
{
    const char *lt = strrchr(mailbox, '<'), *start = mailbox, *end;
    if (lt && strchr(lt, '>')) {
        start = lt + 1;
        end = strchr(lt, '>');
    } else {
        while (*start == ' ' || *start == '\t')
            start++;
        end = start + strlen(start);
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
    }
    size_t n = (size_t)(end - start);
    if (n > COMPOSE_ADDRESS_MAX)
        n = 0;
    memcpy(out, start, n);
    out[n] = '\0';
}

/* Good enough for what a person types at the prompt: local@domain, no
 * spaces or brackets, one '@', a dot-free domain allowed (localhost). */
static bool address_ok(const char *a)
{
    const char *at = strchr(a, '@');
    if (!at || at == a || !at[1] || strchr(at + 1, '@'))
        return false;
    for (const char *p = a; *p; p++)
        if ((unsigned char)*p <= ' ' || strchr("<>()[],;:\\\"", *p))
            return false;
    return true;
}

/* The end of the list entry that starts at p: a comma inside "..." or
 * <...> does not end it. */
static const char *entry_end(const char *p)
{
    bool quoted = false, angle = false;
    for (; *p && (quoted || angle || *p != ','); p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == '<' && !quoted)
            angle = true;
        else if (*p == '>' && !quoted)
            angle = false;
    }
    return p;
}

int compose_addresses(const char *list, char **out, size_t *n, char err[MIME_ERROR_MAX])
{
    const char *p = list;
    while (*p) {
        const char *q = entry_end(p);
        char entry[512], spec[COMPOSE_ADDRESS_MAX + 1];
        size_t skip = strspn(p, " \t");
        snprintf(entry, sizeof entry, "%.*s", (int)(q - p - (ptrdiff_t)skip), p + skip);
        compose_addr_spec(entry, spec);
        if (spec[0] || strspn(entry, " \t") != strlen(entry)) {
            if (!address_ok(spec)) {
                snprintf(err, MIME_ERROR_MAX, _("\"%1$s\" is not a mail address"), entry);
                return -1;
            }
            if (*n >= COMPOSE_RCPTS_MAX) {
                snprintf(err, MIME_ERROR_MAX, _("more than %1$d recipients"), COMPOSE_RCPTS_MAX);
                return -1;
            }
            if (!(out[*n] = strdup(spec))) {
                snprintf(err, MIME_ERROR_MAX, "%s", _("out of memory"));
                return -1;
            }
            (*n)++;
        }
        p = *q ? q + 1 : q;
    }
    return 0;
}

/* A mailbox for the header: a non-ASCII display name becomes encoded-words
 * (RFC 2047 5(3)), the address stays as it is. New string, or NULL. */
static char *encode_mailbox(const char *mailbox, const char *charset, size_t name_len,
                            char err[MIME_ERROR_MAX])
{
    const char *lt = strrchr(mailbox, '<');
    if (is_ascii(mailbox) || !lt)
        return mime_encode_header(mailbox, charset, name_len, err);
    char phrase[512];
    int len = (int)(lt - mailbox);
    while (len > 0 && mailbox[len - 1] == ' ')
        len--;
    snprintf(phrase, sizeof phrase, "%.*s", len, mailbox);
    char *enc = mime_encode_header(phrase, charset, name_len, err);
    if (!enc)
        return NULL;
    size_t need = strlen(enc) + strlen(lt) + 2;
    char *out = malloc(need);
    if (out)
        snprintf(out, need, "%s %s", enc, lt);
    free(enc);
    return out;
}

/* Each mailbox of a list, its display name encoded when it must be. */
static int add_list(FILE *f, const char *field, const char *list, const char *charset,
                    char err[MIME_ERROR_MAX])
{
    if (is_ascii(list)) {
        fprintf(f, "%s: %s\n", field, list);
        return 0;
    }
    fprintf(f, "%s:", field);
    for (const char *p = list; *p; ) {
        const char *q = entry_end(p);
        char entry[512];
        size_t skip = strspn(p, " ");
        snprintf(entry, sizeof entry, "%.*s", (int)(q - p - (ptrdiff_t)skip), p + skip);
        char *enc = encode_mailbox(entry, charset, strlen(field) + 2, err);
        if (!enc)
            return -1;
        fprintf(f, "%s %s", p == list ? "" : ",\n", enc);
        free(enc);
        p = *q ? q + 1 : q;
    }
    fputc('\n', f);
    return 0;
}

static bool has_long_line(const char *s)
{
    for (const char *nl; *s; s = nl + 1) {
        nl = strchr(s, '\n');
        if ((nl ? (size_t)(nl - s) : strlen(s)) > COMPOSE_TEXT_LINE_MAX)
            return true;
        if (!nl)
            break;
    }
    return false;
}

static void put_base64(FILE *f, const unsigned char *s, size_t n)
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0, col = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? s[i + 2] : 0);
        fputc(b64[v >> 18 & 63], f);
        fputc(b64[v >> 12 & 63], f);
        fputc(i + 1 < n ? b64[v >> 6 & 63] : '=', f);
        fputc(i + 2 < n ? b64[v & 63] : '=', f);
        if ((col += 4) == 76 || i + 3 >= n) {
            fputc('\n', f);
            col = 0;
        }
    }
}

/* The text's own Content-Type and Content-Transfer-Encoding, an empty
 * line and the text: the whole message's body, or its first part. */
static int put_text(FILE *f, const struct draft *d, bool jis, char err[MIME_ERROR_MAX])
{
    char *body = NULL;
    size_t body_len = 0;
    if (jis) {
        if (!(body = mime_from_utf8(d->body, strlen(d->body), "ISO-2022-JP", &body_len, err)))
            return -1;
        fprintf(f, "Content-Type: text/plain; charset=ISO-2022-JP\n");
        fprintf(f, "Content-Transfer-Encoding: 7bit\n\n");
        fwrite(body, 1, body_len, f);
    } else if (is_ascii(d->body) && !has_long_line(d->body)) {
        fprintf(f, "Content-Type: text/plain; charset=US-ASCII\n");
        fprintf(f, "Content-Transfer-Encoding: 7bit\n\n%s", d->body);
    } else if (!has_long_line(d->body)) {
        /* 8bit: the servers offer 8BITMIME, and the text stays readable
         * in the dialogue, which is the point here */
        fprintf(f, "Content-Type: text/plain; charset=UTF-8\n");
        fprintf(f, "Content-Transfer-Encoding: 8bit\n\n%s", d->body);
    } else {
        fprintf(f, "Content-Type: text/plain; charset=UTF-8\n");
        fprintf(f, "Content-Transfer-Encoding: base64\n\n");
        put_base64(f, (const unsigned char *)d->body, strlen(d->body));
    }
    free(body);
    return 0;
}

static const struct {
    const char *ending, *type;
    bool program;
} file_types[] = {
    {".txt", "text/plain", false},        {".html", "text/html", false},
    {".htm", "text/html", false},         {".jpg", "image/jpeg", false},
    {".jpeg", "image/jpeg", false},       {".png", "image/png", false},
    {".gif", "image/gif", false},         {".pdf", "application/pdf", false},
    {".zip", "application/zip", false},   {".doc", "application/msword", false},
    {".exe", "application/x-msdownload", true}, {".pif", "application/octet-stream", true},
    {".scr", "application/octet-stream", true}, {".bat", "application/octet-stream", true},
    {".com", "application/octet-stream", true}, {".vbs", "application/octet-stream", true},
    {".js", "application/octet-stream", true},
};

static int file_kind(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof file_types / sizeof file_types[0]; i++) {
        size_t e = strlen(file_types[i].ending);
        if (n > e && strcasecmp(name + n - e, file_types[i].ending) == 0)
            return (int)i;
    }
    return -1;
}

const char *compose_type_of(const char *name)
{
    int k = file_kind(name);
    return k >= 0 ? file_types[k].type : "application/octet-stream";
}

bool compose_is_program(const char *name)
{
    int k = file_kind(name);
    return k >= 0 && file_types[k].program;
}

/* A file name as a parameter: quoted when it is plain ASCII, else in
 * RFC 2231's form (filename*=UTF-8''%E6%97...), which mail clients read. */
static void put_name_param(FILE *f, const char *param, const char *name)
{
    bool plain = true;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        plain = plain && *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\';
    if (plain) {
        fprintf(f, "%s=\"%s\"", param, name);
        return;
    }
    fprintf(f, "%s*=UTF-8''", param);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            fputc(*p, f);
        else
            fprintf(f, "%%%02X", *p);
    }
}

/* A boundary that no line of the text holds (RFC 2046 5.1.1); base64
 * never holds "=_". */
static void make_boundary(const struct draft *d, char out[64])
{
    unsigned long long h = 1469598103934665603ULL;          /* FNV-1a of the Message-ID */
    for (const char *p = d->message_id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    for (int extra = 0;; extra++, h = h * 31 + 7) {
        snprintf(out, 64, "=_tutor_%016llx", h);
        if (!strstr(d->body, out))
            return;
    }
}

/* multipart/mixed: the text first, then each file in base64. */
static int put_parts(FILE *f, const struct draft *d, bool jis, char err[MIME_ERROR_MAX])
{
    char boundary[64];
    make_boundary(d, boundary);
    fprintf(f, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n", boundary);
    fprintf(f, "This is a multi-part message in MIME format.\n\n--%s\n", boundary);
    if (put_text(f, d, jis, err) < 0)
        return -1;
    for (size_t i = 0; i < d->n_attach; i++) {
        const struct draft_attachment *a = &d->attach[i];
        fprintf(f, "\n--%s\nContent-Type: %s; ", boundary, a->type);
        put_name_param(f, "name", a->name);
        /* a mail forwarded whole stays readable: RFC 2046 5.2.1 allows no
         * base64 for message/rfc822 */
        bool mail = strcasecmp(a->type, "message/rfc822") == 0;
        fprintf(f, "\nContent-Transfer-Encoding: %s\nContent-Disposition: attachment; ",
                mail ? "8bit" : "base64");
        put_name_param(f, "filename", a->name);
        fprintf(f, "\n\n");
        if (mail) {
            fwrite(a->data, 1, a->len, f);
            if (a->len && a->data[a->len - 1] != '\n')
                fputc('\n', f);
        } else {
            put_base64(f, a->data, a->len);
        }
    }
    fprintf(f, "\n--%s--\n", boundary);
    return 0;
}

char *compose_message(const struct draft *d, size_t *len, char err[MIME_ERROR_MAX])
{
    bool jis = strcasecmp(d->charset, "ISO-2022-JP") == 0;
    if (!jis && strcasecmp(d->charset, "UTF-8") != 0) {
        snprintf(err, MIME_ERROR_MAX, "%s: the charsets are UTF-8 and ISO-2022-JP", d->charset);
        return NULL;
    }
    const char *charset = jis ? "ISO-2022-JP" : "UTF-8";
    if (!d->to[strspn(d->to, " \t")]) {
        snprintf(err, MIME_ERROR_MAX, "no recipient in To");
        return NULL;
    }
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f) {
        snprintf(err, MIME_ERROR_MAX, "out of memory");
        return NULL;
    }
    int rc = -1;
    char *subject = NULL;
    fprintf(f, "Date: %s\n", d->date);
    if (add_list(f, "From", d->from, charset, err) < 0 || add_list(f, "To", d->to, charset, err) < 0)
        goto done;
    if (d->cc && d->cc[0] && add_list(f, "Cc", d->cc, charset, err) < 0)
        goto done;
    if (!(subject = mime_encode_header(d->subject, charset, strlen("Subject: "), err)))
        goto done;
    fprintf(f, "Subject: %s\n", subject);
    fprintf(f, "Message-ID: %s\n", d->message_id);
    fprintf(f, "User-Agent: tutor/%s\n", TUTOR_VERSION);
    fprintf(f, "MIME-Version: 1.0\n");

    if (d->n_attach == 0) {
        if (put_text(f, d, jis, err) < 0)
            goto done;
    } else if (put_parts(f, d, jis, err) < 0) {
        goto done;
    }
    rc = 0;
done:
    free(subject);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, MIME_ERROR_MAX, "out of memory");
        rc = -1;
    }
    if (rc < 0) {
        free(text);
        return NULL;
    }
    /* a body without a last line end gets one, as every client does */
    if (size && text[size - 1] != '\n') {
        char *t = realloc(text, size + 2);
        if (!t) {
            free(text);
            snprintf(err, MIME_ERROR_MAX, "out of memory");
            return NULL;
        }
        text = t;
        text[size++] = '\n';
        text[size] = '\0';
    }
    *len = size;
    return text;
}
