/* i18n — see i18n.h. */
#include "i18n.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

static const char *current = "en";

const char *i18n_lang(void) { return current; }

static const char *lang_from_locale(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strncmp(v, "ja", 2) == 0 ? "ja" : "en";
    }
    return "en";
}

int i18n_init(const char *lang, const char *localedir)
{
    if (lang && strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0)
        return -1;
    current = lang ? lang : lang_from_locale();

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
