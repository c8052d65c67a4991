/*
 * mime_charset — internal to the mime module (mime.c, mime_body.c and
 * mime_charset.c include it; nothing else should): UTF-8 checked by hand,
 * every other charset read through iconv, and charset labels as messages
 * write them. The public face is mime.h, where mime_to_utf8 is.
 *
 * Also here, though defined in mime.c with the encoded-words: the digit
 * values of the transfer encodings, which mime_body.c reads as well.
 */
#ifndef TUTOR_MIME_CHARSET_H
#define TUTOR_MIME_CHARSET_H

#include <iconv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/textbuf.h"

#define MIME_CHARSET_NAME_MAX 40        /* longer names are no charset iconv knows */
#define MIME_CHAR_NAME_MAX 32           /* mime_describe_char's text, NUL included */
#define MIME_NO_ICONV ((iconv_t)-1)     /* what iconv_open returns on failure */

/* ------------------------------------------------------------------------
 * UTF-8.
 */

/* Length (1 to 4) of the well-formed UTF-8 character at s, its code point
 * in *cp; 0 for anything else: overlong forms, surrogates, past U+10FFFF,
 * cut short. */
size_t mime_utf8_char(const char *s, size_t n, uint32_t *cp);

/* Offset of the first byte that does not start a well-formed character;
 * n when there is none. */
size_t mime_utf8_check(const char *s, size_t n);

/* Appends s[0..n) (borrowed; may be NULL when n is 0) as UTF-8: each byte
 * that does not fit, and each NUL, becomes U+FFFD. */
void mime_add_utf8(struct textbuf *b, const char *s, size_t n);

/* The character at s for an error message: "é" (U+00E9); the bare code
 * point for a control; "byte 0xFF" when s does not start one. */
void mime_describe_char(const char *s, size_t n, char out[MIME_CHAR_NAME_MAX]);

/* ------------------------------------------------------------------------
 * Charsets.
 */

/* A charset label as iconv spells it, in upper case, with RFC 2231's
 * "*language" dropped. False for what cannot be a label: iconv_open
 * also reads "//IGNORE"-like suffixes, which a message must not choose. */
bool mime_charset_name(const char *s, size_t n, char out[MIME_CHARSET_NAME_MAX + 1]);

/* Whether the label (as mime_charset_name gives it) is read as UTF-8,
 * with no iconv: UTF-8 itself, and the names of US-ASCII. */
bool mime_charset_is_utf8(const char *cs);

/* The charset a label means in practice, NULL when it means itself. With
 * `always`, one used in its place (Latin-1 read as Windows-1252); without,
 * the one for a second try when the label left bytes unread (the Japanese
 * labels and Microsoft's supersets). Borrowed, static. */
const char *mime_charset_lookup(const char *cs, bool always);

/* A descriptor converting from the label (as mime_charset_lookup(cs, true)
 * means it) to UTF-8; MIME_NO_ICONV when iconv does not know it. The
 * caller closes it with iconv_close. */
iconv_t mime_open_from(const char *cs);

/* The same, from this thread's few kept open (in its initial shift state)
 * when it has one for cs; mime_reader_give hands it back when done, to be
 * kept or closed. A descriptor taken is the caller's alone until then. */
iconv_t mime_reader_take(const char *cs);
void mime_reader_give(const char *cs, iconv_t cd);

/* Appends to b what cd makes of *in (*left bytes, borrowed), then what
 * takes cd back to its initial shift state (so ISO-2022-JP ends in ASCII);
 * b grows as iconv asks, from room for `room` bytes. 0 when done; -1 when
 * memory ran out (b->oom), or when iconv stopped: at a byte it cannot
 * convert (*in and *left moved up to it) or, with *left 0, in the flush.
 * Where cd starts from is the caller's choice (iconv(cd, NULL, ...) resets
 * it). */
int mime_iconv_append(iconv_t cd, char **in, size_t *left, size_t room, struct textbuf *b);

/* Appends s[0..n) converted by cd (to UTF-8), from the initial state; each
 * byte cd cannot read becomes U+FFFD. How many did. */
size_t mime_iconv_into(iconv_t cd, const char *s, size_t n, struct textbuf *b);

/* ------------------------------------------------------------------------
 * Transfer-encoding digits (defined in mime.c).
 */

/* The value of a hexadecimal digit (either case), -1 for anything else. */
int mime_hex_value(char c);

/* The value of a base64 digit (RFC 2045 6.8), -1 for anything else ('='
 * included). */
int mime_b64_value(char c);

#endif
