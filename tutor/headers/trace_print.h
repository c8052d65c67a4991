/*
 * trace_print — a trace as the student reads it on an 80-column screen:
 * the message in three lines, its hops oldest first (when, from whom, by
 * which server, the delay), what the header tells, the probable origin
 * and why.
 */
#ifndef TUTOR_TRACE_PRINT_H
#define TUTOR_TRACE_PRINT_H

#include <stdio.h>

#include "mail/trace.h"

/* `title` heads the block ("spam.eml", "inbox:12"). */
void trace_print(FILE *f, const struct trace *t, const char *title);

#endif
