/*
 * idn — internationalised domain names (IDNA2008, RFC 5891, with UTS #46
 * mapping) through GNU libidn2: a name typed in Japanese goes on the wire
 * as its A-label, "メール.b.example" as "xn--zck9awe6d.b.example", as
 * real dig, telnet and mail clients send it.
 */
#ifndef TUTOR_IDN_H
#define TUTOR_IDN_H

#include <stddef.h>

#define IDN_ERROR_MAX 160
#define IDN_NAME_MAX 1024        /* room for any name, A-labels and all */

/* `name` (UTF-8) in ASCII, into out[0..size): names that are ASCII
 * already are copied as they are (so "_dmarc" or "pc1" stay). 0, or -1
 * with why in err (a name IDNA does not allow, or one too long). */
int idn_to_ascii(const char *name, char *out, size_t size, char err[IDN_ERROR_MAX]);

#endif
