/* completion — see completion.h. */
#include "completion.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/i18n.h"

static const char *const SERVICES[] = {"smtp", "submission", "pop3", "domain", "http", NULL};
static const char *const TYPES[] = {"A",   "AAAA", "CNAME", "MX",  "NS",  "PTR",
                                    "SOA", "TXT",  "SRV",   "CAA", "ANY", NULL};

static void add_list(const char *const *list, completion_add_fn add, void *ud)
{
    for (; *list; list++)
        add(*list, strlen(*list), ud);
}

static bool kind_is(const char *kind, size_t len, const char *name)
{
    return strlen(name) == len && strncmp(kind, name, len) == 0;
}

int completion_kind(const struct world *w, const char *kind, size_t len, completion_add_fn add,
                    void *ud)
{
    if (kind_is(kind, len, "host")) {
        for (size_t i = 0; w && i < w->n_nodes; i++)
            if (w->nodes[i].hostname)
                add(w->nodes[i].hostname, strlen(w->nodes[i].hostname), ud);
    } else if (kind_is(kind, len, "node")) {
        for (size_t i = 0; w && i < w->n_nodes; i++)
            add(w->nodes[i].name, strlen(w->nodes[i].name), ud);
    } else if (kind_is(kind, len, "user")) {
        for (size_t i = 0; w && i < w->n_users; i++)
            add(w->users[i].address, strlen(w->users[i].address), ud);
    } else if (kind_is(kind, len, "service")) {
        add_list(SERVICES, add, ud);
    } else if (kind_is(kind, len, "type")) {
        add_list(TYPES, add, ud);
    } else if (kind_is(kind, len, "command")) {
        for (size_t f = 0; repl_families[f]; f++)
            for (const struct command *c = repl_families[f]; c->name; c++)
                add(c->name, strlen(c->name), ud);
    } else if (!kind_is(kind, len, "file")) {
        return -1;                      /* files are the shell's own to list */
    }
    return 0;
}

/* The spec of position pos: [*at, *at + *len) within c->complete. */
static bool spec_at(const struct command *c, int pos, const char **at, size_t *len)
{
    const char *s = c->complete;
    if (!s)
        return false;
    const char *last = NULL;
    size_t last_len = 0;
    for (int i = 0;; i++) {
        s += strspn(s, " ");
        if (!*s)
            break;
        size_t n = strcspn(s, " ");
        if (i == pos) {
            *at = s;
            *len = n >= 3 && !strncmp(s + n - 3, "...", 3) ? n - 3 : n;
            return true;
        }
        last = s;
        last_len = n;
        s += n;
    }
    /* past the end: the last position again when it repeats */
    if (last && last_len >= 3 && !strncmp(last + last_len - 3, "...", 3)) {
        *at = last;
        *len = last_len - 3;
        return true;
    }
    return false;
}

void completion_arguments(const struct world *w, const struct command *c, int pos,
                          completion_add_fn add, void *ud)
{
    const char *s;
    size_t len;
    if (!spec_at(c, pos, &s, &len))
        return;
    while (len > 0) {
        size_t n = 0;
        while (n < len && s[n] != '|')
            n++;
        if (completion_kind(w, s, n, add, ud) < 0)
            add(s, n, ud);              /* a literal: "on", "/all", "+trace" */
        s += n;
        len -= n;
        if (len > 0) {
            s++;
            len--;
        }
    }
}

static void print_word(const char *word, size_t len, void *ud)
{
    fprintf(ud, "%.*s\n", (int)len, word);
}

int completion_words(const struct world *w, int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "%s",
                _("usage: tutor completion words host|node|user|service|type|command\n"));
        return 2;
    }
    if (completion_kind(w, argv[2], strlen(argv[2]), print_word, stdout) < 0) {
        fprintf(stderr, _("tutor completion words: there is no kind \"%1$s\"\n"), argv[2]);
        return 2;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * The bash script. Its words come from the tables at the time it is
 * written; the world's (hosts, users) from `tutor completion words` at
 * each Tab, so a --world on the line is heeded.
 */
static void word_list(FILE *f, const char *const *list)
{
    for (; *list; list++)
        fprintf(f, " %s", *list);
}

/* "-s= --subject= --delete": every option (all), or those taking a value */
static void options_of(FILE *f, const char *opts, bool values_only)
{
    for (const char *s = opts; s && *s;) {
        s += strspn(s, " ");
        size_t n = strcspn(s, " ");
        bool value = n > 0 && s[n - 1] == '=';
        if (n && (!values_only || value))
            fprintf(f, " %.*s", (int)(value ? n - 1 : n), s);
        s += n;
    }
}

static void long_options(FILE *f, const struct option *o, bool values_only)
{
    for (; o && o->name; o++)
        if (!values_only || o->has_arg == required_argument)
            fprintf(f, " --%s", o->name);
}

static void bash_script(FILE *f, const struct option *top, const struct option *serve)
{
    fputs("# bash completion for tutor(1), written by `tutor completion bash` from\n"
          "# the command table that `help` prints. Source it, or install it as\n"
          "# /usr/share/bash-completion/completions/tutor (make install does).\n\n"
          "# The world's words of one kind, for the --world on the line, if any.\n"
          "_tutor_world() {\n"
          "    local i world=()\n"
          "    for ((i = 1; i + 1 < ${#_tutor_words[@]}; i++)); do\n"
          "        [[ ${_tutor_words[i]} == --world ]] && world=(--world \"${_tutor_words[i+1]}\")\n"
          "    done\n"
          "    \"${_tutor_words[0]}\" \"${world[@]}\" completion words \"$1\" 2>/dev/null\n"
          "}\n\n"
          "# The candidates of one argument: kinds and literals joined by |.\n"
          "_tutor_add() {\n"
          "    local alt words= IFS='|'\n"
          "    for alt in $1; do\n"
          "        case $alt in\n"
          "            host|node|user) words+=\" $(_tutor_world \"$alt\")\" ;;\n", f);
    fputs("            service) words+=\"", f);
    word_list(f, SERVICES);
    fputs("\" ;;\n            type) words+=\"", f);
    word_list(f, TYPES);
    fputs("\" ;;\n            command) words+=\"", f);
    for (size_t fam = 0; repl_families[fam]; fam++)
        for (const struct command *c = repl_families[fam]; c->name; c++)
            fprintf(f, " %s", c->name);
    fputs("\" ;;\n"
          "            file) COMPREPLY+=($(compgen -f -- \"$_tutor_cur\")) ;;\n"
          "            *) words+=\" $alt\" ;;\n"
          "        esac\n"
          "    done\n"
          "    IFS=$' \\t\\n'\n"
          "    COMPREPLY+=($(compgen -W \"$words\" -- \"$_tutor_cur\"))\n"
          "}\n\n"
          "_tutor() {\n"
          "    # the words as typed, split at spaces only: bash's own split breaks\n"
          "    # bob@b.example and dig's @SERVER apart\n"
          "    local line=${COMP_LINE:0:COMP_POINT}\n"
          "    local -a _tutor_words\n"
          "    read -ra _tutor_words <<<\"$line\"\n"
          "    [[ -z $line || $line == *[[:space:]] ]] && _tutor_words+=(\"\")\n"
          "    local n_words=${#_tutor_words[@]}\n"
          "    local _tutor_cur=${_tutor_words[n_words-1]} prev=${_tutor_words[n_words-2]}\n"
          "    local i=1 cmd=\n"
          "    COMPREPLY=()\n"
          "    while ((i < n_words - 1)); do\n"
          "        case ${_tutor_words[i]} in\n", f);
    fputs("           ", f);
    const char *sep = "";
    for (const struct option *o = top; o->name; o++)
        if (o->has_arg == required_argument) {
            fprintf(f, "%s --%s", sep, o->name);
            sep = " |";
        }
    fputs(") ((i += 2)) ;;\n"
          "            -*) ((i++)) ;;\n"
          "            *) cmd=${_tutor_words[i]}; break ;;\n"
          "        esac\n"
          "    done\n"
          "    if [[ -z $cmd ]]; then\n"
          "        case $prev in\n"
          "            --world) COMPREPLY=($(compgen -f -- \"$_tutor_cur\")) ;;\n"
          "            --lang) COMPREPLY=($(compgen -W \"ja en\" -- \"$_tutor_cur\")) ;;\n"
          "            *) COMPREPLY=($(compgen -W \"", f);
    long_options(f, top, false);
    for (size_t fam = 0; repl_families[fam]; fam++)
        for (const struct command *c = repl_families[fam]; c->name; c++)
            fprintf(f, " %s", c->name);
    fputs(" serve watch grade present replay completion\" -- \"$_tutor_cur\")) ;;\n"
          "        esac\n"
          "        return\n"
          "    fi\n"
          "    local opts= valopts= specs=()\n"
          "    case $cmd in\n", f);
    for (size_t fam = 0; repl_families[fam]; fam++)
        for (const struct command *c = repl_families[fam]; c->name; c++) {
            fprintf(f, "        %s) opts=\"", c->name);
            options_of(f, c->opts, false);
            fputs("\" valopts=\"", f);
            options_of(f, c->opts, true);
            fputs("\" specs=(", f);
            const char *s = c->complete ? c->complete : "";
            for (const char *p = s; *p;) {
                p += strspn(p, " ");
                size_t n = strcspn(p, " ");
                if (n)
                    fprintf(f, "%s'%.*s'", p == s ? "" : " ", (int)n, p);
                p += n;
            }
            fputs(") ;;\n", f);
        }
    fputs("        serve) opts=\"", f);
    long_options(f, serve, false);
    fputs("\" valopts=\"", f);
    long_options(f, serve, true);
    fputs("\" ;;\n"
          "        completion) specs=('bash|zsh|words' 'host|node|user|service|type|command') ;;\n"
          "    esac\n"
          "    # an option's value\n"
          "    if [[ -n $prev && \" $valopts \" == *\" $prev \"* ]]; then\n"
          "        case \"$cmd $prev\" in\n"
          "            \"host -t\") _tutor_add type ;;\n"
          "            \"relay --topology\" | \"serve --world\" | \"serve --log\")\n"
          "                COMPREPLY=($(compgen -f -- \"$_tutor_cur\")) ;;\n"
          "        esac\n"
          "    elif [[ $_tutor_cur == -* ]]; then\n"
          "        COMPREPLY=($(compgen -W \"$opts --help\" -- \"$_tutor_cur\"))\n"
          "    else\n"
          "        # which argument this is: options and their values do not count\n"
          "        local n=0 j w spec=\n"
          "        for ((j = i + 1; j < n_words - 1; j++)); do\n"
          "            w=${_tutor_words[j]}\n"
          "            if [[ \" $valopts \" == *\" $w \"* ]]; then ((j++)); continue; fi\n"
          "            [[ $w == -* ]] || ((n++))\n"
          "        done\n"
          "        if ((n < ${#specs[@]})); then spec=${specs[n]}\n"
          "        elif ((${#specs[@]})) && [[ ${specs[${#specs[@]}-1]} == *... ]]; then\n"
          "            spec=${specs[${#specs[@]}-1]}\n"
          "        fi\n"
          "        spec=${spec%...}\n"
          "        [[ -n $spec ]] && _tutor_add \"$spec\"\n"
          "    fi\n"
          "    # bash replaces only the part after its last word break (@ : =)\n"
          "    local part=${COMP_WORDS[COMP_CWORD]}\n"
          "    local pre=${_tutor_cur%\"$part\"}\n"
          "    [[ -n $pre && $pre != \"$_tutor_cur\" ]] && COMPREPLY=(\"${COMPREPLY[@]#\"$pre\"}\")\n"
          "    return 0\n"
          "}\n"
          "complete -F _tutor tutor\n", f);
}

int completion_script(int argc, char **argv, const struct option *top,
                      const struct option *serve)
{
    if (argc == 2 && strcmp(argv[1], "bash") == 0) {
        bash_script(stdout, top, serve);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "zsh") == 0) {
        fputs("#compdef tutor\n"
              "# zsh completion for tutor(1), written by `tutor completion zsh`: the\n"
              "# bash completion, through zsh's bashcompinit.\n"
              "autoload -U +X bashcompinit && bashcompinit\n", stdout);
        bash_script(stdout, top, serve);
        return 0;
    }
    fprintf(stderr, "%s", _("usage: tutor completion bash|zsh|words KIND\n"));
    return 2;
}
