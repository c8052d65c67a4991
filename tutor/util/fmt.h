/*
 * fmt — snprintf for the translated sentences of `tutor headers`, which
 * writes several a message for every message of a mailbox: the same
 * result, a fraction of glibc's cost on formats with positions ("%2$s"),
 * which take its slow path (printf_positional) every time.
 *
 * It knows the conversions those sentences use: %s %d %lld %zu and %%,
 * each with or without a position (%1$s), no flags, width or precision.
 * A format with anything else goes to vsnprintf, so the result is always
 * snprintf's; only the cost differs. As with printf, a format mixes
 * positioned and plain conversions at its peril (msgfmt -c forbids it).
 */
#ifndef TUTOR_FMT_H
#define TUTOR_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* snprintf's contract: writes at most size bytes with the NUL, returns
 * the length the whole result has (or -1 on a format error). */
int fmt_snprintf(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int fmt_vsnprintf(char *out, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
