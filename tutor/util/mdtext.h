/*
 * mdtext — a lesson's Markdown as a terminal shows it: headings left out
 * (the caller prints its own title), code fences and ** marks dropped,
 * paragraphs joined again and wrapped to the screen (Japanese without
 * spaces), code blocks, quotes and table rows kept line for line.
 */
#ifndef TUTOR_MDTEXT_H
#define TUTOR_MDTEXT_H

#include <stdio.h>

/* Writes `text` to `f`, without blank lines around it. */
void md_print(FILE *f, const char *text);

#endif
