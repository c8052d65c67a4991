/* trace_print — see trace_print.h. */
#include "trace_print.h"

#include <stdlib.h>
#include <string.h>

#include "mail/mime.h"
#include "trace_text.h"
#include "util/i18n.h"
#include "util/term.h"

/* term_wrap for text that holds what a message says: its control
 * characters shown as ^X (as term_text does), so that a header cannot
 * move the cursor or retitle the terminal. */
static void wrap(FILE *f, const char *s, int col, int indent)
{
    char safe[TRACE_TEXT_MAX * 2];
    size_t o = 0;
    for (const char *p = s; *p && o + 3 < sizeof safe; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f) {
            safe[o++] = '^';
            safe[o++] = (char)(c ^ 0x40);
        } else {
            safe[o++] = (char)c;
        }
    }
    safe[o] = '\0';
    term_wrap(f, safe, col, indent, TERM_LINE_WIDTH);
}

/* A field of the message, decoded (RFC 2047, Japanese charsets). */
static void show_field(FILE *f, const char *label, const char *value)
{
    if (!value[0])
        return;
    char *v = mime_decode_header(value);
    fprintf(f, "  %-9s", label);
    term_text(f, v ? v : value, strlen(v ? v : value));
    fputc('\n', f);
    free(v);
}

/* "name  HELO x  rDNS y  [ip]  (may be forged)", each part when it says
 * something the one before did not. */
static void show_from(FILE *f, const struct received_hop *h)
{
    char line[1200];
    int n = snprintf(line, sizeof line, "%s", h->from[0] ? h->from : "-");
    if (h->helo[0] && strcmp(h->helo, h->from) != 0)
        n += snprintf(line + n, sizeof line - (size_t)n, "  HELO %s", h->helo);
    if (h->rdns[0] && strcmp(h->rdns, h->from) != 0 && strcmp(h->rdns, h->ip) != 0)
        n += snprintf(line + n, sizeof line - (size_t)n, "  rDNS %s", h->rdns);
    if (h->ip[0])
        n += snprintf(line + n, sizeof line - (size_t)n, "  [%s]", h->ip);
    if (h->may_be_forged)
        snprintf(line + n, sizeof line - (size_t)n, "  (may be forged)");
    fprintf(f, "     from  ");
    wrap(f, line, 11, 11);
}

static void show_by(FILE *f, const struct received_hop *h)
{
    char line[1200];
    int n = snprintf(line, sizeof line, "%s", h->by[0] ? h->by : "-");
    if (h->with[0])
        n += snprintf(line + n, sizeof line - (size_t)n, "  with %s", h->with);
    if (h->id[0])
        n += snprintf(line + n, sizeof line - (size_t)n, "  id %s", h->id);
    if (h->for_[0])
        snprintf(line + n, sizeof line - (size_t)n, "  for %s", h->for_);
    fprintf(f, "     by    ");
    wrap(f, line, 11, 11);
}

static void show_hop(FILE *f, const struct trace *t, size_t i)
{
    const struct received_hop *h = &t->hops[i];
    fprintf(f, "  %2zu ", i + 1);
    if (!h->parsed) {
        char line[RECEIVED_RAW_MAX + 64];
        char text[RECEIVED_RAW_MAX];
        received_text(h, text);
        snprintf(line, sizeof line, "%s %s", _("(not read as a hop)"), text);
        wrap(f, line, 5, 5);
        return;
    }
    if (h->has_date) {
        char d[32], delay[64];
        trace_date_utc(h->when, d);
        fputs(d, f);
        long long s;
        if (trace_delay(t, i, &s)) {
            trace_delay_text(s, delay);
            fprintf(f, "  %s", delay);
            if (s < 0)
                fprintf(f, "  %s", _("(clock skew)"));
        }
    } else {
        const char *d = h->date[0] ? h->date : _("(no date)");
        term_text(f, d, strlen(d));
    }
    fputc('\n', f);
    show_from(f, h);
    show_by(f, h);
}

void trace_print(FILE *f, const struct trace *t, const char *title)
{
    fprintf(f, "== %s\n", title);
    show_field(f, "From:", t->from);
    show_field(f, "Subject:", t->subject);
    show_field(f, "Date:", t->date);
    if (t->n) {
        fprintf(f, "\n%s\n", _("Hops, oldest first (each server adds its line on top):"));
        for (size_t i = 0; i < t->n; i++)
            show_hop(f, t, i);
    }
    char text[TRACE_TEXT_MAX];
    if (t->nhints) {
        fprintf(f, "\n%s\n", _("What the header tells:"));
        for (size_t i = 0; i < t->nhints; i++) {
            trace_hint_text(&t->hints[i], text);
            fputs("  - ", f);
            wrap(f, text, 4, 4);
        }
    }
    trace_origin_short(t, text);
    fprintf(f, "\n%s ", _("Probable origin:"));
    wrap(f, text, term_width(_("Probable origin:")) + 1, 2);
    trace_origin_reason(t, text);
    fputs("  ", f);
    wrap(f, text, 2, 2);
}
