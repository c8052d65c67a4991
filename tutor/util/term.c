/* term — see term.h. */
#include "term.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#define SGR_RESET  "\033[0m"

/* The colours of the normal theme, and of the projector's: bold and
 * bright, nothing dim, which a projector in a lit room washes out. */
static const char *SGR_CLIENT = "\033[1;36m";     /* bold cyan: what the student typed */
static const char *SGR_SERVER = "\033[32m";       /* green: the server's words */
static const char *SGR_INFO = "\033[2m";          /* dim: the tool speaking */
static const char *SGR_ERROR = "\033[1;31m";
static bool projector;

static bool color;
/* stdout was a terminal at the start: it still is one to the person
 * reading while a pager (pager.h) sits between */
static bool stdout_tty;

void term_init(int force)
{
    stdout_tty = isatty(STDOUT_FILENO);
    const char *theme = getenv("TUTOR_THEME");
    projector = theme && strcmp(theme, "projector") == 0;
    if (projector) {
        SGR_CLIENT = "\033[1;96m";
        SGR_SERVER = "\033[1;92m";
        SGR_INFO = "\033[1;93m";
        SGR_ERROR = "\033[1;91m";
    }
    if (force >= 0) {
        color = force;
        return;
    }
    const char *nc = getenv("NO_COLOR"), *t = getenv("TERM");
    color = isatty(STDOUT_FILENO) && !(nc && *nc) && !(t && strcmp(t, "dumb") == 0);
}

bool term_color(void) { return color; }
bool term_projector(void) { return projector; }

static void mark(const char *word)
{
    static int present = -1;
    if (present < 0)
        present = getenv("TUTOR_PRESENT") != NULL;
    if (present) {
        printf("%s%s%c", TERM_MARK_PREFIX, word, TERM_MARK_END);
        fflush(stdout);
    }
}

void term_mark_ready(void) { mark("ready"); }
void term_mark_keys(void) { mark("keys"); }

void term_client(const char *line, size_t len, bool echo)
{
    if (!echo)
        return;
    fputs(color ? SGR_CLIENT : " -> ", stdout);
    term_text(stdout, line, len);
    fputs(color ? SGR_RESET "\n" : "\n", stdout);
}

void term_server(const char *line)
{
    /* a server's line may hold anything (ISO-2022-JP's ESC, a hostile
     * script's cursor codes): shown, never obeyed */
    fputs(color ? SGR_SERVER : "<-  ", stdout);
    term_text(stdout, line, strlen(line));
    fputs(color ? SGR_RESET "\n" : "\n", stdout);
}

/* The tool's own lines, wrapped on a screen; a continuation is indented
 * past the marker's four columns, where there is a marker (colour takes
 * its place: then the lines start at the margin). */
static void vsay(FILE *f, const char *sgr, const char *marker, const char *fmt, va_list ap)
{
    char text[2048];
    vsnprintf(text, sizeof text, fmt, ap);
    fputs(color ? sgr : marker, f);
    /* a pipe gets one line a message, for whatever greps it */
    if (f == stdout ? stdout_tty : isatty(fileno(f)))
        term_wrap(f, text, color ? 0 : 4, color ? 0 : 4, TERM_LINE_WIDTH);
    else
        fprintf(f, "%s\n", text);
    if (color)
        fputs(SGR_RESET, f);
}

void term_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(stdout, SGR_INFO, "=== ", fmt, ap);
    va_end(ap);
}

bool term_stdout_tty(void) { return stdout_tty; }

void term_say(const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (stdout_tty)
        term_wrap(stdout, text, 0, 0, TERM_LINE_WIDTH);
    else
        printf("%s\n", text);
}

void term_error(const char *fmt, ...)
{
    fflush(stdout);
    va_list ap;
    va_start(ap, fmt);
    vsay(stderr, SGR_ERROR, "*** ", fmt, ap);
    va_end(ap);
}

int term_width(const char *s)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    int w = 0;
    size_t len = strlen(s);
    while (len > 0) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, s, len, &st);
        if (n == (size_t)-1 || n == (size_t)-2) {
            /* invalid bytes show as one replacement column each */
            memset(&st, 0, sizeof st);
            w++;
            s++;
            len--;
            continue;
        }
        if (n == 0)
            break;
        int cw = wcwidth(wc);
        w += cw > 0 ? cw : 0;
        s += n;
        len -= n;
    }
    return w;
}

void term_pad(FILE *f, const char *s, int width)
{
    fputs(s, f);
    for (int w = term_width(s); w < width; w++)
        fputc(' ', f);
}

void term_text(FILE *f, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            fputc('^', f);
            fputc(c == 0x7f ? '?' : c + '@', f);
        } else if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
                   (unsigned char)s[i + 1] <= 0x9f) {
            /* a C1 control in UTF-8: some terminals obey U+009B as CSI */
            fputc('?', f);
            i++;
        } else {
            fputc(c, f);
        }
    }
}

/* The next character of s as term_text shows it: its bytes (*n) and the
 * columns it takes there (^X for a control, ? for a C1 control). */
static int shown_width(const char *s, size_t len, size_t *n)
{
    unsigned char c = (unsigned char)s[0];
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
        *n = 1;
        return 2;
    }
    if (c == 0xc2 && len > 1 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9f) {
        *n = 2;
        return 1;
    }
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    size_t k = mbrtowc(&wc, s, len, &st);
    if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
        *n = 1;
        return 1;
    }
    *n = k;
    return wcwidth(wc) > 0 ? wcwidth(wc) : 0;
}

/* Writes s cut to `width` columns; returns the columns written. */
static int cut_to(FILE *f, const char *s, int width)
{
    size_t len = strlen(s), n;
    int total = 0;
    for (size_t i = 0; i < len; i += n)
        total += shown_width(s + i, len - i, &n);
    bool cut = total > width;
    int room = cut ? width - 2 : width, w = 0;
    size_t keep = 0;
    while (keep < len) {
        int cw = shown_width(s + keep, len - keep, &n);
        if (w + cw > room)
            break;
        w += cw;
        keep += n;
    }
    term_text(f, s, keep);
    if (cut) {
        fputs("..", f);
        w += 2;
    }
    return w;
}

void term_fit(FILE *f, const char *s, int width)
{
    for (int w = cut_to(f, s, width); w < width; w++)
        fputc(' ', f);
}

void term_cut(FILE *f, const char *s, int width)
{
    cut_to(f, s, width);
}

void term_lines(FILE *f, const char *s, size_t len)
{
    while (len > 0) {
        const char *nl = memchr(s, '\n', len);
        size_t n = nl ? (size_t)(nl - s) : len;
        term_text(f, s, n);
        fputc('\n', f);
        s += n + (nl ? 1 : 0);
        len -= n + (nl ? 1 : 0);
    }
}

/* Width and length of the character at s (an invalid byte counts as one
 * column, one byte). */
static int char_at(const char *s, size_t len, size_t *n, wchar_t *wc)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t k = mbrtowc(wc, s, len, &st);
    if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
        *n = 1;
        *wc = L'?';
        return 1;
    }
    *n = k;
    return wcwidth(*wc) > 0 ? wcwidth(*wc) : 0;
}

/* Kinsoku: Japanese punctuation and small kana never begin a line; such a
 * character hangs past the margin instead. */
static bool no_line_start(wchar_t wc)
{
    static const wchar_t list[] = L"、。，．・：；？！ー）」』】〕ぁぃぅぇぉっゃゅょァィゥェォッャュョ";
    return wc && wcschr(list, wc) != NULL;
}

/* The width of the characters from s[at] on, up to `end`, that may not
 * start a line: what must stay on the line of the one before them. */
static int tail_width(const char *s, size_t at, size_t end)
{
    int w = 0;
    while (at < end) {
        size_t n;
        wchar_t wc;
        int cw = char_at(s + at, end - at, &n, &wc);
        if (!n || !no_line_start(wc))
            break;
        w += cw;
        at += n;
    }
    return w;
}

void term_wrap(FILE *f, const char *s, int col, int indent, int width)
{
    size_t len = strlen(s), i = 0;
    while (i < len) {
        size_t sp = i;
        while (i < len && s[i] == ' ')
            i++;
        int spaces = (int)(i - sp), w = 0;
        size_t word = i;
        bool wide = false;
        while (i < len && s[i] != ' ') {
            size_t n;
            wchar_t wc;
            int cw = char_at(s + i, len - i, &n, &wc);
            wide |= cw > 1;
            w += cw;
            i += n;
        }
        if (col > indent && col + spaces + (wide ? 0 : w) > width) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
            spaces = 0;
        }
        fprintf(f, "%*s", spaces, "");
        col += spaces;
        if (!wide) {
            fwrite(s + word, 1, i - word, f);
            col += w;
            continue;
        }
        /* Japanese has no spaces between words: fill the line character by
         * character, but keep a run of narrow ones ("ipconfig", "25") whole */
        for (size_t k = word; k < i; ) {
            size_t n;
            wchar_t wc;
            int cw = char_at(s + k, i - k, &n, &wc);
            if (cw == 1) {
                size_t run = k;
                int rw = 0;
                while (run < i) {
                    size_t rn;
                    wchar_t rc;
                    if (char_at(s + run, i - run, &rn, &rc) != 1)
                        break;
                    rw++;
                    run += rn;
                }
                if (col > indent && col + rw + tail_width(s, run, i) > width) {
                    fprintf(f, "\n%*s", indent, "");
                    col = indent;
                }
                fwrite(s + k, 1, run - k, f);
                col += rw;
                k = run;
                continue;
            }
            /* characters that may not start a line ("、", "ー", "。」")
             * go with the one before them: it moves on with them rather
             * than they overhang the edge (oidashi) */
            int run_w = tail_width(s, k + n, i);
            if (col > indent && !no_line_start(wc) &&
                (col + cw > width || (run_w && col + cw + run_w > width))) {
                fprintf(f, "\n%*s", indent, "");
                col = indent;
            }
            fwrite(s + k, 1, n, f);
            col += cw;
            k += n;
        }
    }
    fputc('\n', f);
}
