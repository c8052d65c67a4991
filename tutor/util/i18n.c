/* i18n — see i18n.h. */
#include "i18n.h"

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *current = "en";
static unsigned generation = 1;         /* of i18n_init's choice: a cache of another is stale */

const char *i18n_lang(void) { return current; }

#define STATIC_CACHE 128                /* a power of two */

const char *i18n_static(const char *msgid)
{
    static _Thread_local struct {
        const char *msgid, *text;
        unsigned generation;
    } cache[STATIC_CACHE];
    size_t slot = ((uintptr_t)msgid >> 4 ^ (uintptr_t)msgid >> 11) & (STATIC_CACHE - 1);
    if (cache[slot].msgid != msgid || cache[slot].generation != generation) {
        cache[slot].msgid = msgid;
        cache[slot].text = gettext(msgid);
        cache[slot].generation = generation;
    }
    return cache[slot].text;
}

/* The language as a GNU gettext program picks it: the locale's (LC_ALL,
 * LC_MESSAGES, LANG, the first one set), except that a non-empty LANGUAGE
 * list outranks it unless the locale is C, each entry tried in turn
 * (LANGUAGE=fr:ja: no French, so Japanese); a list with neither language
 * leaves the messages untranslated, that is English. */
static const char *lang_from_locale(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    const char *locale = NULL;
    for (size_t i = 0; i < 3 && !locale; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            locale = v;
    }
    if (!locale || strcmp(locale, "C") == 0 || strcmp(locale, "POSIX") == 0)
        return "en";
    const char *list = getenv("LANGUAGE");
    if (!list || !*list)
        return strncmp(locale, "ja", 2) == 0 ? "ja" : "en";
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ":");
        if (n >= 2 && strncmp(p, "ja", 2) == 0)
            return "ja";
        if ((n >= 2 && strncmp(p, "en", 2) == 0) || (n == 1 && *p == 'C'))
            return "en";
        p += n + (p[n] == ':');
    }
    return "en";
}

int i18n_init(const char *lang, const char *localedir)
{
    if (lang && strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0)
        return -1;
    current = lang ? lang : lang_from_locale();
    generation++;

    /* gettext translates nothing in the C locale, and wcwidth needs UTF-8:
     * fall back to C.UTF-8, which every glibc system has, when the
     * environment's locale is plain C or not installed. */
    const char *l = setlocale(LC_ALL, "");
    if (!l || strcmp(l, "C") == 0 || strcmp(l, "POSIX") == 0)
        setlocale(LC_ALL, "C.UTF-8");
    /* LANGUAGE outranks the locale for messages: it carries the choice. */
    setenv("LANGUAGE", current, 1);
    bindtextdomain("tutor", localedir);
    bind_textdomain_codeset("tutor", "UTF-8");
    textdomain("tutor");
    return 0;
}
