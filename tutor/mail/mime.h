/*
 * mime — what a mail client needs of MIME: RFC 2047 encoded-words in header
 * fields, charsets through iconv (UTF-8, and ISO-2022-JP, the Japanese mail
 * of the lecture's era), and bodies in their transfer encodings, multipart
 * included.
 *
 * Every function takes UTF-8 in and gives UTF-8 out, except the two that
 * make text for the wire (mime_encode_header, mime_from_utf8).
 */
#ifndef TUTOR_MIME_H
#define TUTOR_MIME_H

#include <stddef.h>

#define MIME_ERROR_MAX 256
#define MIME_WORD_MAX 75        /* an encoded-word's length (RFC 2047 2) */
#define MIME_LINE_MAX 78        /* a header line's length (RFC 5322 2.1.1) */
#define MIME_DEPTH_MAX 8        /* multipart nesting followed when rendering */

/* A header field's value for the wire. Printable ASCII comes back as it
 * is (unless it holds "=?", which a reader would take for an encoded-word);
 * otherwise the text becomes B-encoded words in `charset` ("UTF-8" or
 * "ISO-2022-JP", any case; each ISO-2022-JP word ends in ASCII), each at
 * most MIME_WORD_MAX characters, split on whole characters, on lines folded
 * with LF SPACE so that no line passes MIME_LINE_MAX; `name_len` is the
 * length of the field name and ": " before the value (when not even one
 * word fits after it, the value starts with the fold). ASCII words before
 * and after the non-ASCII span stay as they are ("Re: =?...?="). New
 * string (caller frees), or NULL with err naming the first character the
 * charset cannot hold (or the byte where `value` stops being UTF-8). */
char *mime_encode_header(const char *value, const char *charset, size_t name_len,
                         char err[MIME_ERROR_MAX]);

/* A header field's value (already unfolded) as a person reads it: encoded
 * words (B and Q, any charset iconv knows, RFC 2231's "charset*lang" too)
 * decoded to UTF-8, the white space between two adjacent encoded-words
 * dropped (RFC 2047 6.2). A malformed or unknown word is left as it is.
 * Text outside words is read as UTF-8 (a bad byte becomes U+FFFD), or as
 * ISO-2022-JP when it holds that charset's escapes, as old Japanese clients
 * sent it. Control characters are kept, for term_text to show. New string
 * (caller frees); NULL only when out of memory. */
char *mime_decode_header(const char *value);

/* `text` (UTF-8) in `charset`, for a message body: new string with its
 * length in *out_len, or NULL with err naming the line and column of the
 * first character the charset cannot hold. Each line of ISO-2022-JP ends
 * back in ASCII (RFC 1468). */
char *mime_from_utf8(const char *text, size_t len, const char *charset, size_t *out_len,
                     char err[MIME_ERROR_MAX]);

/* `s` (len bytes) read in `charset` and written in UTF-8, the way a body
 * part or a parameter is shown: a byte the charset does not define becomes
 * U+FFFD, as does NUL; a charset iconv does not know, and US-ASCII (8-bit
 * text under that label is UTF-8 in practice), are read as UTF-8. Japanese
 * labels fall back to Microsoft's supersets (CP932, EUC-JP-MS) for text
 * they cannot read. New string (caller frees) with its length in *out_len;
 * NULL only when out of memory. (mime_body.c reads bodies with it.) */
char *mime_to_utf8(const char *s, size_t len, const char *charset, size_t *out_len);

/* The body of a whole message (RFC 5322 text, LF or CR LF line ends) as a
 * person reads it, in UTF-8: undone from its Content-Transfer-Encoding
 * (7bit, 8bit, binary, base64, quoted-printable) and converted from its
 * charset. Multipart bodies are shown part by part: text/ parts,
 * message/delivery-status and text/rfc822-headers as text, message/rfc822
 * as its header and body, anything else as a one-line note
 * "[attachment: TYPE, NAME, N bytes]" (N decoded; without NAME when the
 * part has none). Parts are separated by an empty line; of a
 * multipart/alternative only the text/plain part is shown (else the
 * first); nesting deeper than MIME_DEPTH_MAX and parts past the 1000th of
 * one multipart are noted, not shown. No Content-Type is text/plain in
 * US-ASCII. Lines end in LF, the last one too. A body that cannot be
 * decoded is shown as it is. New string (caller frees); NULL only when out
 * of memory. */
char *mime_render_body(const char *msg, size_t len);

#endif
