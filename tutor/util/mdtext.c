/* mdtext — see mdtext.h. */
#include "mdtext.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"

/* Markdown is plain text already, but for its paragraphs, whose lines are
 * one text broken anywhere: each is joined again and wrapped to the
 * screen. A paragraph being gathered: */
struct para {
    FILE *f;
    char *text;
    size_t len, cap;
    int indent;                         /* of the lines after the first */
};

/* A line break inside a paragraph is a space, but Japanese is written
 * without them: none before a Japanese character, none after Japanese
 * punctuation (、。「」 and the full-width forms); between a Japanese word
 * and a Latin one there is one, as the texts write "次に tutor の". */
static bool joins_without_space(const char *text, size_t len, const char *next)
{
    if ((unsigned char)next[0] >= 0x80)
        return true;
    size_t i = len;
    while (i > 0 && ((unsigned char)text[i - 1] & 0xc0) == 0x80)
        i--;
    if (i == 0 || i == len)
        return false;
    const unsigned char *c = (const unsigned char *)text + i - 1;
    if (len - (i - 1) != 3 || (c[0] & 0xf0) != 0xe0)
        return false;
    unsigned cp = ((c[0] & 0x0fu) << 12) | ((c[1] & 0x3fu) << 6) | (c[2] & 0x3fu);
    return (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xff00 && cp <= 0xffef);
}

static void para_add(struct para *p, const char *line)
{
    size_t n = strlen(line);
    if (p->len + n + 2 > p->cap) {
        size_t cap = (p->len + n + 2) * 2;
        char *t = realloc(p->text, cap);
        if (!t)
            return;
        p->text = t;
        p->cap = cap;
    }
    if (p->len && !joins_without_space(p->text, p->len, line))
        p->text[p->len++] = ' ';
    memcpy(p->text + p->len, line, n + 1);
    p->len += n;
}

static void para_flush(struct para *p)
{
    if (p->len)
        term_wrap(p->f, p->text, 0, p->indent, TERM_LINE_WIDTH);
    p->len = 0;
    p->indent = 0;
}

static bool is_block_start(const char *line, int *indent)
{
    *indent = 0;
    if ((line[0] == '-' || line[0] == '*') && line[1] == ' ') {
        *indent = 2;
        return true;
    }
    size_t d = strspn(line, "0123456789");
    if (d && d < 3 && line[d] == '.' && line[d + 1] == ' ') {
        *indent = (int)d + 2;
        return true;
    }
    return false;
}

void md_print(FILE *f, const char *text)
{
    bool started = false, fence = false;
    size_t blank = 0;
    struct para para = {.f = f};
    char *line = NULL;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        free(line);
        line = strndup(p, n);
        p += n;
        if (*p == '\n')
            p++;
        if (!line)
            break;
        if (strncmp(line, "```", 3) == 0) {
            para_flush(&para);
            fence = !fence;
            continue;
        }
        if (!started && (n == 0 || line[0] == '#'))
            continue;
        if (n == 0) {
            para_flush(&para);
            blank++;
            continue;
        }
        if (started && blank)
            fputc('\n', f);           /* a paragraph's break, however many */
        blank = 0;
        started = true;
        if (fence) {
            fprintf(f, "%s\n", line);
            continue;
        }
        /* **bold** is plain here: the marks would only be noise; inside
         * `code` every character is the text's */
        char *o = line;
        bool code = false;
        for (const char *i = line; *i; i++) {
            if (*i == '`')
                code = !code;
            if (!code && i[0] == '*' && i[1] == '*') {
                i++;
                continue;
            }
            *o++ = *i;
        }
        *o = '\0';
        int indent;
        if (line[0] == '>' || line[0] == '|' || strncmp(line, "    ", 4) == 0 || line[0] == '<') {
            para_flush(&para);
            fprintf(f, "%s\n", line);
        } else if (is_block_start(line, &indent)) {
            para_flush(&para);
            para.indent = indent;
            para_add(&para, line);
        } else {
            para_add(&para, line + strspn(line, " "));  /* a list item's continuation */
        }
    }
    para_flush(&para);
    free(para.text);
    free(line);
}
