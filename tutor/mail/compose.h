/*
 * compose — writes a new message as a mail client does (RFC 5322 with
 * MIME): the header fields, non-ASCII text in encoded-words (RFC 2047) and
 * a body in UTF-8 or ISO-2022-JP (RFC 1468), the lecture's era.
 */
#ifndef TUTOR_COMPOSE_H
#define TUTOR_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "mime.h"

#define COMPOSE_RCPTS_MAX 100
#define COMPOSE_ADDRESS_MAX 254         /* RFC 5321 4.5.3.1.3, less the <> */

#define COMPOSE_ATTACH_MAX 8

/* A file sent along (multipart/mixed, RFC 2046 5.1.3), in base64. */
struct draft_attachment {
    const char *name;           /* its file name, UTF-8, without folders */
    const char *type;           /* "application/pdf" */
    const unsigned char *data;
    size_t len;
};

/* What the person wrote. All UTF-8, borrowed; cc may be NULL or "". */
struct draft {
    const char *from;           /* the From field: "Alice <alice@a.example>", or anything */
    const char *to, *cc;        /* address lists as typed: "bob@b.example, Carol <c@b.example>" */
    const char *subject;
    const char *body;           /* lines end in LF */
    const char *charset;        /* "UTF-8" or "ISO-2022-JP" */
    const char *date;           /* RFC 5322 date */
    const char *message_id;     /* "<...@host>" */
    const struct draft_attachment *attach;     /* n_attach of them, or none */
    size_t n_attach;
};

/* The MIME type a mail client gives a file by its name's ending;
 * application/octet-stream when it knows none. */
const char *compose_type_of(const char *name);

/* Whether a file of that name is a program Windows runs when it is
 * opened (.exe, .pif, .scr, .bat, .com, .vbs...): what the Klez virus was
 * sent as. */
bool compose_is_program(const char *name);

/* The message as it goes on the wire (LF line ends): new string and its
 * length, caller frees; NULL with err (a character the charset cannot
 * hold, an empty To). */
char *compose_message(const struct draft *d, size_t *len, char err[MIME_ERROR_MAX]);

/* The addr-specs of an address list ("Bob <bob@b.example>, c@b.example"
 * gives bob@b.example and c@b.example), appended to out[*n] (at most
 * COMPOSE_RCPTS_MAX, each a new string). 0, or -1 with err naming the
 * entry that is not an address. */
int compose_addresses(const char *list, char **out, size_t *n, char err[MIME_ERROR_MAX]);

/* The addr-spec of one mailbox ("Eve <eve@c.example>" gives
 * eve@c.example), into out; "" when there is none. */
void compose_addr_spec(const char *mailbox, char out[COMPOSE_ADDRESS_MAX + 1]);

#endif
