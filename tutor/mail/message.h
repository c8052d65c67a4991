/*
 * message — reading RFC 5322 messages: header fields, unfolded.
 */
#ifndef TUTOR_MESSAGE_H
#define TUTOR_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>

/* The value of the first header field called `name` (case-insensitive),
 * unfolded (RFC 5322 2.2.3: CRLF before white space removed) and trimmed.
 * New string, caller frees; NULL when the field is absent. The header ends
 * at the first empty line. */
char *msg_header(const char *msg, size_t len, const char *name);

/* Calls `fn` for each header field called `name` (case-insensitive), in
 * the order they stand, with its raw value (folded, line ends and all)
 * after the colon; stops when fn returns true. Borrowed for the call. */
typedef bool (*msg_field_fn)(const char *value, size_t len, void *ud);
void msg_each_field(const char *msg, size_t len, const char *name, msg_field_fn fn, void *ud);

/* Calls `fn` for every header field, in the order they stand, with its
 * name (before the colon) and raw value as msg_each_field gives it; one
 * pass over the header, for a reader that wants many fields of it. A line
 * with no colon is no field and is skipped; stops when fn returns true. */
typedef bool (*msg_any_field_fn)(const char *name, size_t nlen, const char *value, size_t len,
                                 void *ud);
void msg_each_any_field(const char *msg, size_t len, msg_any_field_fn fn, void *ud);

/* A raw value unfolded as msg_header gives it (line ends removed,
 * trimmed) into out, cut at size - 1 bytes. */
void msg_unfold(const char *value, size_t len, char *out, size_t size);

/* How many header fields called `name` the message has. */
int msg_header_count(const char *msg, size_t len, const char *name);

#endif
