/* term — see term.h. */
#include "term.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#define SGR_CLIENT "\033[1;36m"     /* bold cyan: what the student typed */
#define SGR_SERVER "\033[32m"       /* green: the server's words */
#define SGR_INFO   "\033[2m"        /* dim: the tool speaking */
#define SGR_ERROR  "\033[1;31m"
#define SGR_RESET  "\033[0m"

static bool color;

void term_init(int force)
{
    if (force >= 0) {
        color = force;
        return;
    }
    const char *nc = getenv("NO_COLOR"), *t = getenv("TERM");
    color = isatty(STDOUT_FILENO) && !(nc && *nc) && !(t && strcmp(t, "dumb") == 0);
}

bool term_color(void) { return color; }

void term_client(const char *line, bool echo)
{
    if (!echo)
        return;
    if (color)
        printf(SGR_CLIENT "%s" SGR_RESET "\n", line);
    else
        printf(" -> %s\n", line);
}

void term_server(const char *line)
{
    if (color)
        printf(SGR_SERVER "%s" SGR_RESET "\n", line);
    else
        printf("<-  %s\n", line);
}

static void vsay(FILE *f, const char *sgr, const char *marker, const char *fmt, va_list ap)
{
    fputs(color ? sgr : marker, f);
    vfprintf(f, fmt, ap);
    fputs(color ? SGR_RESET "\n" : "\n", f);
}

void term_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(stdout, SGR_INFO, "=== ", fmt, ap);
    va_end(ap);
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
