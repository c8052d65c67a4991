/*
 * grade_report — a class's grades in the form its reader wants:
 *   plain  per submission and step, PASS or EXPECTED vs GOT, in the
 *          student's language, ending "N passed, N failed";
 *   json   one results.json a line (Exercism's test-runner interface v3:
 *          version, status, message, tests[] with name, status, message,
 *          output, task_id), with score and max_score per test and
 *          overall as Gradescope's results.json has them;
 *   tap    TAP version 14, a subtest a submission;
 *   junit  JUnit XML, a testsuite a submission;
 *   csv    a row a submission: student, lesson, score, steps passed,
 *          hints used (RFC 4180).
 *
 * A result is the JSON a grading child sends back (grade.c):
 *   {"submission": FILE, "student": ID|null, "status": "pass"|"fail"|"error",
 *    "message": TEXT|null, "hints": N,
 *    "steps": [{"id", "title", "passed", "reached", "hints", "checks": [{"ok",
 *               "expect", "actual", "rule"}]}]}
 * where "steps" holds the steps that have checks, in order.
 */
#ifndef TUTOR_GRADE_REPORT_H
#define TUTOR_GRADE_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "lesson/lesson.h"

enum grade_format { GRADE_PLAIN, GRADE_JSON, GRADE_TAP, GRADE_JUNIT, GRADE_CSV };

/* "plain", "json", ...: 0 with *out, or -1. */
int grade_format_parse(const char *name, enum grade_format *out);

/* Writes the results (an array, borrowed) of lesson `l` to `f`. */
void grade_report(FILE *f, enum grade_format fmt, const struct lesson *l, const json_t *results);

#endif
