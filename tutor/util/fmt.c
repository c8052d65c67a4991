/* fmt — see fmt.h. */
#include "fmt.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define ARGS_MAX 9                      /* %1$ to %9$ */

enum kind { K_NONE, K_STR, K_INT, K_LLONG, K_SIZE };

union arg {
    const char *s;
    long long ll;
    size_t z;
};

/* The conversion at p (just after its %): its argument's position and
 * kind, and where the format goes on. False for one fmt does not know. */
static bool conversion(const char **p, int *next, int *pos, enum kind *kind)
{
    const char *c = *p;
    if (c[0] >= '1' && c[0] <= '9' && c[1] == '$') {
        *pos = c[0] - '1';
        c += 2;
    } else {
        *pos = (*next)++;
    }
    if (c[0] == 's') {
        *kind = K_STR;
        c += 1;
    } else if (c[0] == 'd') {
        *kind = K_INT;
        c += 1;
    } else if (c[0] == 'l' && c[1] == 'l' && c[2] == 'd') {
        *kind = K_LLONG;
        c += 3;
    } else if (c[0] == 'z' && c[1] == 'u') {
        *kind = K_SIZE;
        c += 2;
    } else {
        return false;
    }
    *p = c;
    return *pos < ARGS_MAX;
}

/* n bytes of s, as far as out[size] holds them with its NUL; *len counts
 * them all, as snprintf's result does. */
static void emit(char *out, size_t size, size_t *len, const char *s, size_t n)
{
    if (*len + 1 < size) {
        size_t room = size - 1 - *len;
        memcpy(out + *len, s, n < room ? n : room);
    }
    *len += n;
}

static void emit_number(char *out, size_t size, size_t *len, unsigned long long u, bool minus)
{
    char d[24], *e = d + sizeof d, *p = e;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (minus)
        *--p = '-';
    emit(out, size, len, p, (size_t)(e - p));
}

int fmt_snprintf(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = fmt_vsnprintf(out, size, fmt, ap);
    va_end(ap);
    return r;
}

int fmt_vsnprintf(char *out, size_t size, const char *fmt, va_list ap)
{
    enum kind kinds[ARGS_MAX] = {K_NONE};
    union arg args[ARGS_MAX];
    int nargs = 0, next = 0;
    for (const char *p = fmt; (p = strchr(p, '%'));) {
        p++;
        if (*p == '%') {
            p++;
            continue;
        }
        int pos;
        enum kind k;
        if (!conversion(&p, &next, &pos, &k) || (kinds[pos] && kinds[pos] != k))
            goto slow;
        kinds[pos] = k;
        if (pos + 1 > nargs)
            nargs = pos + 1;
    }
    /* the arguments read in their positions' order, as printf does */
    va_list in;
    va_copy(in, ap);
    for (int i = 0; i < nargs; i++) {
        switch (kinds[i]) {
        case K_STR: args[i].s = va_arg(in, const char *); break;
        case K_INT: args[i].ll = va_arg(in, int); break;
        case K_LLONG: args[i].ll = va_arg(in, long long); break;
        case K_SIZE: args[i].z = va_arg(in, size_t); break;
        case K_NONE:                    /* a position skipped: printf's undefined case */
            va_end(in);
            goto slow;
        }
    }
    va_end(in);

    size_t len = 0;
    next = 0;
    for (const char *p = fmt;;) {
        const char *pc = strchr(p, '%');
        emit(out, size, &len, p, pc ? (size_t)(pc - p) : strlen(p));
        if (!pc)
            break;
        p = pc + 1;
        if (*p == '%') {
            emit(out, size, &len, "%", 1);
            p++;
            continue;
        }
        int pos;
        enum kind k;
        conversion(&p, &next, &pos, &k);        /* known good: read above */
        const union arg *a = &args[pos];
        if (k == K_STR) {
            const char *s = a->s ? a->s : "(null)";
            emit(out, size, &len, s, strlen(s));
        } else if (k == K_SIZE) {
            emit_number(out, size, &len, a->z, false);
        } else {
            unsigned long long u = a->ll < 0 ? 0ULL - (unsigned long long)a->ll
                                             : (unsigned long long)a->ll;
            emit_number(out, size, &len, u, a->ll < 0);
        }
    }
    if (size)
        out[len < size ? len : size - 1] = '\0';
    return (int)len;

slow:
    return vsnprintf(out, size, fmt, ap);
}
