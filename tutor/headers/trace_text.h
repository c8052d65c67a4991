/*
 * trace_text — what a trace (mail/trace.h) finds, said in the student's
 * language: a sentence a hint, with its reason, and the probable origin
 * with the reasoning spelled out, as the lecture analyses its examples.
 */
#ifndef TUTOR_TRACE_TEXT_H
#define TUTOR_TRACE_TEXT_H

#include <stddef.h>

#include "mail/trace.h"

#define TRACE_TEXT_MAX 2048

/* The hint as a sentence ("hop 2: ..."). */
void trace_hint_text(const struct trace_hint *h, char out[TRACE_TEXT_MAX]);

/* The probable origin in a few words ("galaxy.freehosting.example
 * [203.0.113.16]"), and the reasoning that leads there. */
void trace_origin_short(const struct trace *t, char out[TRACE_TEXT_MAX]);
void trace_origin_reason(const struct trace *t, char out[TRACE_TEXT_MAX]);

/* A hop's date in UTC ("2002-04-19 06:21:57 UTC"), and in ISO 8601
 * ("2002-04-19T06:21:57Z"). */
void trace_date_utc(long long when, char out[32]);
void trace_date_iso(long long when, char out[32]);

/* A delay as a person reads it: "+1 min 36 s", "-12 s". */
void trace_delay_text(long long seconds, char out[64]);

#endif
