/*
 * transfer — a student's progress in every lesson as one file, to move it
 * to another machine (lesson --export FILE, lesson --import FILE):
 *   {"tutor": "progress", "version": 1,
 *    "lessons": {"01-mail-by-hand": {"recording": "<the JSON lines>"}}}
 * The recordings are what counts: the importing tutor replays them when
 * the lessons resume, and redraws the list from them.
 */
#ifndef TUTOR_TRANSFER_H
#define TUTOR_TRANSFER_H

#include <stddef.h>

#include "lesson.h"

#define TRANSFER_FILE_MAX (64u << 20)

/* 0, or -1 with err. */
int lesson_export(const char *state_root, struct lesson **all, size_t n, const char *file,
                  char err[LESSON_ERROR_MAX]);
/* Replaces the progress of each lesson the file holds (a lesson this
 * tutor does not have is named in err and the rest still imported); the
 * other lessons are left alone. 0, or -1 with err. */
int lesson_import(const char *state_root, struct lesson **all, size_t n, const char *file,
                  char err[LESSON_ERROR_MAX]);

#endif
