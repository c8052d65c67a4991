/*
 * lesson — a lesson as data: lessons/NN-slug/ holds lesson.json (its id,
 * titles, world and steps, described by lessons/lesson.schema.json), the
 * step texts in en.md and ja.md (a section a step, each opened by a line
 * "<!-- step: ID -->"; what comes before the first is the introduction),
 * and checks.lua for the checks that need code.
 *
 * lesson_load reads and validates all of it: a broken lesson is refused
 * with the file, the JSON path or line, and what is wrong, never half
 * loaded. A loaded lesson is read-only.
 */
#ifndef TUTOR_LESSON_H
#define TUTOR_LESSON_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define LESSON_ERROR_MAX 768
#define LESSON_STEPS_MAX 64
#define LESSON_ID_MAX 64
#define LESSON_FILE_MAX (1u << 20)          /* bytes of lesson.json, a text, checks.lua */
#define LESSON_HASH_LEN 71                  /* "sha256:" and 64 hex digits */
#define LESSON_VARIABLES_MAX 16
#define LESSON_VALUES_MAX 1000              /* choices of one variable */
#define LESSON_VALUE_LEN_MAX 64

struct lesson_step {
    const char *id;                 /* borrowed from the document */
    json_t *spec;                   /* the step's object in lesson.json (borrowed) */
    char *text[2];                  /* its section of en.md and ja.md (new) */
    size_t n_hints;
};

struct lesson {
    char dir[PATH_MAX];
    char id[LESSON_ID_MAX];         /* "01-mail-by-hand" */
    int number;                     /* 1 */
    char world[PATH_MAX];           /* the world file; "" for a built-in one */
    char world_name[64];            /* that built-in world ("nuisance"); "" for the default */
    char *intro[2];                 /* before the first step, en and ja (new) */
    char *checks_lua;               /* checks.lua, or NULL (new) */
    size_t checks_len;
    struct lesson_step *steps;
    size_t n_steps;
    char hash[LESSON_HASH_LEN + 1]; /* of lesson.json, checks.lua and the texts */
    char student[128];              /* whose variant this is (lesson_load_variant) */
    json_t *doc;                    /* owns the strings above */
};

/* Reads the lesson in folder `dir`. New lesson (free with lesson_free), or
 * NULL with err naming the file and what is wrong. */
struct lesson *lesson_load(const char *dir, char err[LESSON_ERROR_MAX]);
void lesson_free(struct lesson *l);

/* The same, with the lesson's variable parts ("variables": {"word":
 * ["sakura", "fuji", ...]}) chosen for `student` ("" or NULL: nobody in
 * particular) and put in place of every {{word}} in lesson.json's texts,
 * checks, solutions and in en.md and ja.md; inside a check's pattern the
 * value is escaped, so it matches itself. The choice is a hash of the
 * student and the lesson: two students' answers differ, and a grade
 * finds the same variant again. */
struct lesson *lesson_load_variant(const char *dir, const char *student, char err[LESSON_ERROR_MAX]);
/* The same from a lesson already loaded (the template, unvaried), in
 * memory: what a grader does for each submission's student. */
struct lesson *lesson_variant(const struct lesson *l, const char *student,
                              char err[LESSON_ERROR_MAX]);

/* Whether the lesson has variable parts. */
bool lesson_varies(const struct lesson *l);

/* The lessons under `root` (DATADIR/lessons), in the order of their
 * folder names; a folder that does not load is reported in err (the
 * first one) and skipped. 0 with *out (free with lesson_list_free), or -1
 * when `root` cannot be read. */
int lesson_list(const char *root, struct lesson ***out, size_t *n, char err[LESSON_ERROR_MAX]);
void lesson_list_free(struct lesson **l, size_t n);

/* The lesson `what` names among `all`: its number ("1", "01"), its id, or
 * its id without the number ("mail-by-hand"). Borrowed, or NULL. */
struct lesson *lesson_find(struct lesson **all, size_t n, const char *what);

/* The index of the current language in text[] and intro[]: 0 en, 1 ja. */
int lesson_lang(void);

/* A text of lesson.json in the current language: `v` is {"en": ..., "ja":
 * ...} (or a plain string, the same in both). Borrowed; "" when absent. */
const char *lesson_say(const json_t *v);

/* The step's title, what the student is to do, its hints (0-based). */
const char *lesson_step_title(const struct lesson_step *s);
const char *lesson_step_do(const struct lesson_step *s);
const char *lesson_step_hint(const struct lesson_step *s, size_t i);

/* The lesson's title and what a student has learnt at its end. */
const char *lesson_title(const struct lesson *l);
const char *lesson_learnt(const struct lesson *l);

/* The index of the step `id`, or -1. */
int lesson_step_index(const struct lesson *l, const char *id);

#endif
