/*
 * demo — what `tutor present` plays: a demo script a teacher writes, or a
 * lesson (its steps and their model solutions), as one list of steps.
 *
 * A demo script is plain text (lessons/demos/README.md):
 *
 *     # a comment
 *     :title The lecture's SMTP dialogue
 *     :heading Mail server 1 says hello
 *     :note Ask the room which port SMTP listens on.
 *     :note@ja SMTP が何番ポートで待っているか、教室に聞く。
 *     telnet mail.a.example smtp
 *     :predict What will it answer to EHLO?
 *     EHLO pc1.a.example
 *     :trap RCPT before MAIL: 503
 *     :pause Let the room read the 250 lines.
 *     :enter
 *     :relay pc1 mail.b.example
 *
 * Every other line is a command, typed out as it stands. :note, :trap and
 * :predict belong to the command after them, :heading to every step after
 * it up to the next heading; :pause is a step of its own (a key goes on),
 * :enter an empty line typed (a mail's header ends with one), :relay a
 * command (`relay --animate ...`), :world the tutor's world to start in. A directive ending in @ja or
 * @en is read in that language only: one file serves both.
 */
#ifndef TUTOR_DEMO_H
#define TUTOR_DEMO_H

#include <stdbool.h>
#include <stddef.h>

#include "lesson/lesson.h"

#define DEMO_ERROR_MAX 768
#define DEMO_FILE_MAX (256u * 1024)     /* bytes of a demo script */
#define DEMO_LINE_MAX 1000              /* bytes of one of its lines */
#define DEMO_STEPS_MAX 1000
#define DEMO_TEXT_MAX 4000              /* bytes of a step's notes, or its traps */

enum demo_kind { DEMO_COMMAND, DEMO_PAUSE };

struct demo_step {
    enum demo_kind kind;
    char *command;                      /* what is typed (DEMO_COMMAND), one line */
    char *heading;                      /* the section's, "" for none */
    char *notes;                        /* for the notes screen, lines joined by \n; "" */
    char *traps;                        /* mistakes worth provoking here; "" */
    char *predict;                      /* the question before the reply is shown, or NULL */
    int line;                           /* in the script, 0 for a lesson's step */
};

struct demo {
    char title[256];
    struct demo_step *steps;            /* owns every string in them */
    size_t n;
    char world[64];                     /* a built-in world to start in ("nuisance"); "" */
};

/* Reads the script at path in the language lang ("ja" or "en"). 0, or -1
 * with err naming the file, the line and what is wrong (d left empty). */
int demo_load(const char *path, const char *lang, struct demo *d, char err[DEMO_ERROR_MAX]);

/* The lesson as a demo: `lesson N` first, then each step's model
 * solution, a command a step, with the step's title as heading, its notes
 * and its typical wrong answers (the traps). 0, or -1 with err. */
int demo_from_lesson(const struct lesson *l, struct demo *d, char err[DEMO_ERROR_MAX]);

void demo_free(struct demo *d);

#endif
