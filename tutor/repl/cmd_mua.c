/* cmd_mua — the student's mail client: login, send, inbox (check), read,
 * headers. Each shows the dialogue the client holds on the student's
 * behalf, so that a mail client is seen to type what the lecture typed. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "headers/headers.h"
#include "headers/trace_animate.h"
#include "mail/trace.h"
#include "mail/compose.h"
#include "mail/redact.h"
#include "util/fsutil.h"
#include "util/i18n.h"
#include "util/idn.h"
#include "mail/maildir.h"
#include "mail/message.h"
#include "mail/mime.h"
#include "clients/mua.h"
#include "repl.h"
#include "clients/resolve.h"
#include "util/term.h"
#include "util/textbuf.h"

/* A run of more lines than this from one side (a long message in DATA or
 * RETR) is folded on screen: the dialogue stays readable. */
#define SHOW_RUN_MAX 24

/* ------------------------------------------------------------------------
 * Showing a dialogue as it happens.
 */
struct show {
    bool from_client;           /* the side of the current run */
    size_t run;                 /* lines in the current run */
    size_t hidden;              /* of which not shown */
};

static void flush_hidden(struct show *v)
{
    if (v->hidden) {
        char note[96];
        snprintf(note, sizeof note, ngettext("... (%1$zu more line)", "... (%1$zu more lines)",
                                             v->hidden), v->hidden);
        if (v->from_client)
            term_client(note, strlen(note), true);
        else
            term_server(note);
    }
    v->hidden = 0;
}

static void show_line(void *ud, bool from_client, const char *line)
{
    struct show *v = ud;
    if (from_client != v->from_client) {
        flush_hidden(v);
        v->from_client = from_client;
        v->run = 0;
    }
    /* the end of a message (".") is always shown */
    if (++v->run > SHOW_RUN_MAX && strcmp(line, ".") != 0) {
        v->hidden++;
        return;
    }
    flush_hidden(v);
    if (from_client)
        term_client(line, strlen(line), true);
    else
        term_server(line);
    fflush(stdout);
}

static void announce(struct runtime *rt, const struct world_user *u, const char *what)
{
    struct mua_route route;
    char err[RT_ERROR_MAX], a[ADDR_IPV4_STRLEN];
    if (mua_route(rt, u, what, &route, err) < 0)
        return;
    term_info(_("%1$s's mail client connects to %2$s[%3$s]:%4$d (%5$s)"), u->localpart,
              route.server->hostname,
              addr_format_ipv4(world_node_addr(route.server), a), route.svc->port,
              route.svc->name);
}

/* ------------------------------------------------------------------------
 * login
 */
static int cmd_login(struct repl *r, int argc, char **argv)
{
    struct runtime *rt = r->rt;
    if (argc > 2) {
        term_error(_("usage: login [USER]"));
        return 2;
    }
    const struct world_user *u = argc == 2 ? repl_find_user(rt->world, argv[1]) : mua_user(rt);
    if (!u)
        return 1;
    char err[RT_ERROR_MAX];
    int rc = 0;
    if (argc == 2 && mua_login(rt, u, err) < 0) {
        /* never a silent fall back to the user before */
        term_error(_("login: %1$s, for this run only: it could not be kept (%2$s)"), u->address,
                   err);
        rc = 1;
    }
    struct mua_route route;
    const char *server = mua_route(rt, u, "fetch", &route, err) == 0 ? route.server->hostname : "-";
    term_say(_("The mail client is set up for %1$s <%2$s>; mail server %3$s."), u->name,
             u->address, server);
    return rc;
}

/* ------------------------------------------------------------------------
 * send
 */
struct send_args {
    const char *subject, *cc, *from, *charset, *text;
    char *to;                   /* the TO words joined, new */
    const char *body;           /* forward's text, as it is (no -m escapes, nothing asked) */
    const char *attach[COMPOSE_ATTACH_MAX];     /* --attach FILE, in order */
    size_t n_attach;
    const char *forwarded;      /* forward --attach: the whole mail, as message/rfc822 */
    size_t forwarded_len;
};

static int parse_send(int argc, char **argv, struct send_args *a)
{
    size_t to_len = 1;
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;
        if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--subject"))
            slot = &a->subject;
        else if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--cc"))
            slot = &a->cc;
        else if (!strcmp(argv[i], "--from"))
            slot = &a->from;
        else if (!strcmp(argv[i], "--charset"))
            slot = &a->charset;
        else if (!strcmp(argv[i], "-m") || !strcmp(argv[i], "--message"))
            slot = &a->text;
        else if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--attach")) {
            if (a->n_attach == COMPOSE_ATTACH_MAX) {
                term_error(_("send: at most %1$d files can be attached"), COMPOSE_ATTACH_MAX);
                return -1;
            }
            slot = &a->attach[a->n_attach++];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            term_error(_("send: unknown option %1$s"), argv[i]);
            return -1;
        }
        if (slot) {
            if (i + 1 == argc) {
                term_error(_("send: %1$s needs a value"), argv[i]);
                return -1;
            }
            *slot = argv[++i];
            continue;
        }
        char *t = realloc(a->to, to_len + strlen(argv[i]) + 2);
        if (!t)
            return -1;
        if (to_len == 1)
            t[0] = '\0';
        else
            strcat(t, ", ");
        strcat(t, argv[i]);
        to_len = strlen(t) + 1;
        a->to = t;
    }
    return 0;
}

/* One line typed at `prompt`: new string, NULL at end of input. */
static char *ask(struct repl *r, const char *prompt)
{
    static const char *const no_verbs[] = {NULL};
    /* what is typed here is not a command: keep it out of history */
    const char *const *saved = r->verbs;
    r->verbs = no_verbs;
    char *line = repl_read_line(r, r->tty ? prompt : "", NULL);
    r->verbs = saved;
    return line;
}

/* The body, as mail(1) reads it: lines up to one holding only "." or
 * the end of input. New string. */
static char *ask_body(struct repl *r)
{
    char *body = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&body, &size);
    if (!f)
        return NULL;
    if (r->tty)
        printf("%s\n", _("Type the message; end it with a line holding only \".\" (or Ctrl-D)."));
    for (;;) {
        char *line = ask(r, "");
        if (!line || strcmp(line, ".") == 0 || line[0] == '\035') {
            free(line);
            break;
        }
        fprintf(f, "%s\n", line);
        free(line);
    }
    fclose(f);
    return body;
}

static char *lower_dup(const char *s)
{
    char *d = strdup(s);
    for (char *p = d; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return d;
}

/* The address list with each domain as it goes on the wire: a Japanese
 * one as its A-label (util/idn.h), as a mail client without SMTPUTF8
 * sends it, in the envelope and in To: and Cc: alike. New string, or NULL
 * with err. */
static char *ascii_domains(const char *list, char err[MIME_ERROR_MAX])
{
    size_t cap = strlen(list) * 4 + IDN_NAME_MAX, used = 0;
    char *out = malloc(cap);
    if (!out) {
        snprintf(err, MIME_ERROR_MAX, "%s", _("out of memory"));
        return NULL;
    }
    for (const char *p = list; *p;) {
        if (*p != '@') {
            out[used++] = *p++;
            continue;
        }
        out[used++] = *p++;
        size_t n = strcspn(p, ">,; \t\r\n");
        char domain[IDN_NAME_MAX], ascii[IDN_NAME_MAX], ierr[IDN_ERROR_MAX];
        snprintf(domain, sizeof domain, "%.*s", (int)n, p);
        if (idn_to_ascii(domain, ascii, sizeof ascii, ierr) < 0 || used + strlen(ascii) >= cap) {
            snprintf(err, MIME_ERROR_MAX, _("%1$s is not a domain IDNA allows (%2$s)"), domain, ierr);
            free(out);
            return NULL;
        }
        memcpy(out + used, ascii, strlen(ascii));
        used += strlen(ascii);
        p += n;
    }
    out[used] = '\0';
    return out;
}

/* A file to attach, read whole: at most ATTACH_FILE_MAX bytes (the
 * servers take 10 MB; base64 makes a third more). 0, or -1 said. */
#define ATTACH_FILE_MAX (2u << 20)
static int load_attachment(const char *path, struct draft_attachment *out, char **data)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        term_error(_("send: --attach %1$s: %2$s"), path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        term_error(_("send: --attach %1$s: not a file"), path);
        return -1;
    }
    if ((unsigned long long)st.st_size > ATTACH_FILE_MAX) {
        term_error(_("send: --attach %1$s: %2$lld bytes, more than the %3$u a file may have here"),
                   path, (long long)st.st_size, ATTACH_FILE_MAX);
        return -1;
    }
    size_t len;
    if (!(*data = fs_read_file(path, &len))) {
        term_error(_("send: --attach %1$s: %2$s"), path, strerror(errno));
        return -1;
    }
    const char *slash = strrchr(path, '/');
    out->name = slash ? slash + 1 : path;
    out->type = compose_type_of(out->name);
    out->data = (const unsigned char *)*data;
    out->len = len;
    if (compose_is_program(out->name))
        term_info(_("%1$s is a program: opened, it runs. The Klez virus travelled as such an "
                    "attachment"), out->name);
    return 0;
}

/* What send and forward share: a.to is taken over (freed). */
static int send_mail(struct repl *r, struct send_args a)
{
    struct runtime *rt = r->rt;
    const struct world_user *u = mua_user(rt);
    char *asked_to = NULL, *asked_subject = NULL, *body = NULL, *msg = NULL, *cc = NULL;
    char *rcpts[COMPOSE_RCPTS_MAX];
    size_t n_rcpts = 0;
    int rc = 1;
    if (!u) {
        term_error(_("this world has no users"));
        free(a.to);
        return 1;
    }
    if (!a.to) {
        if (!(asked_to = ask(r, "To: "))) {
            term_error(_("send: the input ended before a recipient was given "
                         "(e.g. send -s Hello -m Hi bob@b.example)"));
            goto done;
        }
        a.to = strdup(asked_to);
    }
    /* the recipients are checked before the text is asked for: a typo
     * in an address should not cost the student a typed message */
    char err[MIME_ERROR_MAX];
    snprintf(err, sizeof err, "%s", _("out of memory"));
    char *to = NULL;
    bool ascii = a.to && (to = ascii_domains(a.to, err)) && (!a.cc || (cc = ascii_domains(a.cc, err)));
    if (ascii) {
        free(a.to);
        a.to = to;
        if (cc)
            a.cc = cc;
    } else {
        free(to);
    }
    if (!ascii || compose_addresses(a.to, rcpts, &n_rcpts, err) < 0 ||
        (a.cc && compose_addresses(a.cc, rcpts, &n_rcpts, err) < 0)) {
        term_error(_("send: %1$s"), err);
        /* "send -s hello there bob@b.example": the subject's second word
         * was taken for a recipient */
        size_t first = a.to ? strcspn(a.to, " \t,") : 0;
        if (a.subject && first && !memchr(a.to, '@', first) && a.to[first])
            term_info(_("a subject of more than one word goes in quotes: "
                        "send -s \"%1$s ...\" ADDRESS"),
                      a.subject);
        goto done;
    }
    if (n_rcpts == 0) {
        term_error(_("send: no recipient; give at least one address"));
        goto done;
    }
    /* mail to a domain outside the world will wait in the queue: say why
     * now, before the student writes it */
    for (size_t i = 0; i < n_rcpts; i++) {
        const char *at = strrchr(rcpts[i], '@');
        if (at)
            resolve_say_offline(rt->world, at + 1);
    }
    if (!a.subject) {
        if (!(asked_subject = ask(r, "Subject: "))) {
            term_error(_("send: the input ended before the subject was given"));
            goto done;
        }
        a.subject = asked_subject;
    }
    body = a.text || a.body ? NULL : ask_body(r);
    if (!a.text && !a.body && !body)
        goto done;

    char from[512], date[40], mid[128], text_id[16];
    snprintf(from, sizeof from, "%s <%s>", u->name, u->address);
    rt_format_date(rt, rt_now(rt), date);
    rt_new_id(rt, text_id);
    const struct world_node *pc = world_node(rt->world, rt->world->student);
    snprintf(mid, sizeof mid, "<%lld.%s@%s>", rt_now(rt), text_id,
             pc && pc->hostname ? pc->hostname : "localhost");
    /* text from -m arrives on one line: "\n" in it starts a new one */
    char *text = NULL;
    if (a.text) {
        text = malloc(strlen(a.text) + 2);
        if (!text)
            goto done;
        char *o = text;
        for (const char *p = a.text; *p; p++) {
            if (p[0] == '\\' && p[1] == 'n') {
                *o++ = '\n';
                p++;
            } else {
                *o++ = *p;
            }
        }
        *o++ = '\n';
        *o = '\0';
    }
    struct draft_attachment files[COMPOSE_ATTACH_MAX + 1];
    char *file_data[COMPOSE_ATTACH_MAX] = {NULL};
    size_t n_files = 0;
    for (; n_files < a.n_attach; n_files++) {
        if (load_attachment(a.attach[n_files], &files[n_files], &file_data[n_files]) < 0)
            break;
    }
    if (n_files < a.n_attach) {
        for (size_t i = 0; i < n_files; i++)
            free(file_data[i]);
        free(text);
        goto done;
    }
    if (a.forwarded)
        files[n_files++] = (struct draft_attachment){"forwarded.eml", "message/rfc822",
                                                     (const unsigned char *)a.forwarded,
                                                     a.forwarded_len};
    struct draft d = {.from = a.from ? a.from : from, .to = a.to, .cc = a.cc,
                      .subject = a.subject, .body = a.body ? a.body : text ? text : body,
                      .charset = a.charset ? a.charset : "UTF-8", .date = date,
                      .message_id = mid, .attach = files, .n_attach = n_files};
    size_t len;
    msg = compose_message(&d, &len, err);
    free(text);
    for (size_t i = 0; i < a.n_attach; i++)
        free(file_data[i]);
    if (!msg) {
        term_error(_("send: %1$s"), err);
        goto done;
    }

    /* the lesson of forged senders: two "from"s, and only one is checked */
    char header_from[COMPOSE_ADDRESS_MAX + 1];
    compose_addr_spec(d.from, header_from);
    char *hl = lower_dup(header_from), *el = lower_dup(u->address);
    if (hl && el && strcmp(hl, el) != 0) {
        term_info(_("the header says From: %1$s"), d.from);
        term_info(_("the envelope says MAIL FROM:<%1$s>"), u->address);
        term_info(_("the receiver reads the first; servers route and bounce by the second"));
    }
    free(hl);
    free(el);

    announce(rt, u, "send");
    struct show view = {0};
    struct mua_outcome out;
    int started = mua_send(rt, u, (const char *const *)rcpts, n_rcpts, msg, len, show_line,
                           &view, &out);
    flush_hidden(&view);
    if (started < 0 || !out.ok) {
        term_error(_("the message was not sent: %1$s"), out.text);
        goto done;
    }
    term_info(_("sent: %1$s"), out.text);
    rc = 0;
done:
    for (size_t i = 0; i < n_rcpts; i++)
        free(rcpts[i]);
    free(a.to);
    free(cc);
    free(asked_to);
    free(asked_subject);
    free(body);
    free(msg);
    return rc;
}

static int cmd_send(struct repl *r, int argc, char **argv)
{
    struct send_args a = {0};
    if (parse_send(argc, argv, &a) < 0) {
        free(a.to);
        return 1;
    }
    return send_mail(r, a);
}

/* ------------------------------------------------------------------------
 * inbox, read, headers: the client's own folder.
 */

/* "Wed, 29 May 2002 10:00:03 +0900" as "May 29 10:00"; "" when unreadable. */
static void short_date(const char *date, char out[16])
{
    int day, hh, mm;
    char mon[4];
    const char *p = date ? strchr(date, ',') : NULL;
    p = p ? p + 1 : date;
    if (p && sscanf(p, "%d %3s %*d %d:%d", &day, mon, &hh, &mm) == 4)
        snprintf(out, 16, "%s %2d %02d:%02d", mon, day, hh, mm);
    else
        out[0] = '\0';
}

static int list_folder(struct runtime *rt, const struct world_user *u, size_t fresh)
{
    char dir[PATH_MAX], err[FS_ERROR_MAX];
    mua_folder(rt, u, dir);
    struct maildir_entry *m;
    size_t n;
    if (maildir_list(dir, &m, &n, err) < 0) {
        term_error("%s", err);
        return 1;
    }
    if (n == 0) {
        printf(_("No mail for %1$s.\n"), u->address);
        maildir_list_free(m, n);
        return 0;
    }
    printf(ngettext("%1$s has %2$zu message (%3$zu new):\n",
                    "%1$s has %2$zu messages (%3$zu new):\n", n), u->address, n, fresh);
    printf("   # ");
    term_fit(stdout, _("DATE"), 12);
    putchar(' ');
    term_fit(stdout, _("FROM"), 26);
    printf(" %s\n", _("SUBJECT"));
    for (size_t i = 0; i < n; i++) {
        size_t len;
        char *text = fs_read_file(m[i].path, &len);
        char *date = text ? msg_header(text, len, "Date") : NULL;
        char *from = mime_decode_header(m[i].from);
        char *subject = mime_decode_header(m[i].subject);
        char when[16];
        short_date(date, when);
        printf("%c%3zu ", i + fresh >= n ? '*' : ' ', i + 1);
        term_fit(stdout, when, 12);
        putchar(' ');
        term_fit(stdout, from ? from : "", 26);
        putchar(' ');
        term_cut(stdout, subject ? subject : "", 36);
        putchar('\n');
        free(text);
        free(date);
        free(from);
        free(subject);
    }
    maildir_list_free(m, n);
    return 0;
}

static int cmd_inbox(struct repl *r, int argc, char **argv)
{
    struct runtime *rt = r->rt;
    bool delete = argc == 2 && strcmp(argv[1], "--delete") == 0;
    if (argc > 2 || (argc == 2 && !delete)) {
        term_error(_("usage: inbox [--delete]"));
        return 2;
    }
    const struct world_user *u = mua_user(rt);
    if (!u) {
        term_error(_("this world has no users"));
        return 1;
    }
    announce(rt, u, "fetch");
    struct show view = {0};
    struct mua_outcome out;
    int started = mua_fetch(rt, u, delete, show_line, &view, &out);
    flush_hidden(&view);
    if (started < 0 || !out.ok) {
        term_error(_("could not fetch mail: %1$s"), out.text);
        /* what did arrive is kept: show it */
        list_folder(rt, u, out.fetched);
        return 1;
    }
    return list_folder(rt, u, out.fetched);
}

/* Message N of the logged-in user's folder: new text and its length. */
static char *folder_message(struct runtime *rt, const char *arg, size_t *len)
{
    const struct world_user *u = mua_user(rt);
    if (!u)
        return NULL;
    char dir[PATH_MAX], err[FS_ERROR_MAX];
    mua_folder(rt, u, dir);
    struct maildir_entry *m;
    size_t n;
    if (maildir_list(dir, &m, &n, err) < 0) {
        term_error("%s", err);
        return NULL;
    }
    char *end;
    long k = strtol(arg, &end, 10);
    char *text = NULL;
    if (*end || end == arg) {
        term_error(_("%1$s is not a message number"), arg);
    } else if (k < 1 || (size_t)k > n) {
        if (n == 0)
            term_error(_("%1$s has no message %2$s: the folder is empty (\"inbox\" fetches mail)"),
                       u->address, arg);
        else
            term_error(_("%1$s has no message %2$s (there are %3$zu)"), u->address, arg, n);
    } else if (!(text = fs_read_file(m[k - 1].path, len))) {
        term_error("%s", m[k - 1].path);
    }
    maildir_list_free(m, n);
    return text;
}

/* The header as stored: every line, from the first to the empty one. */
static size_t header_length(const char *msg, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (msg[i] == '\n' && msg[i + 1] == '\n')
            return i + 1;
    return len;
}

static void show_field(const char *msg, size_t len, const char *name)
{
    char *v = msg_header(msg, len, name);
    if (!v)
        return;
    char *d = mime_decode_header(v);
    printf("%s: ", name);
    term_text(stdout, d ? d : v, strlen(d ? d : v));
    putchar('\n');
    free(d);
    free(v);
}

/* How much of a message to show. */
enum view {
    VIEW_READ,          /* chosen fields decoded, the body decoded */
    VIEW_HEADERS,       /* the header as stored, the body decoded */
    VIEW_HEADER_ONLY,   /* the header as stored */
    VIEW_RAW,           /* everything as stored: MIME parts, encodings */
};

static int show_message(struct repl *r, const char *arg, enum view view)
{
    size_t len;
    char *msg = folder_message(r->rt, arg, &len);
    if (!msg)
        return 1;
    if (view == VIEW_RAW) {
        term_lines(stdout, msg, len);
        free(msg);
        return 0;
    }
    if (view != VIEW_READ) {
        term_lines(stdout, msg, header_length(msg, len));
    } else {
        static const char *const fields[] = {"Date", "From", "To", "Cc", "Subject"};
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            show_field(msg, len, fields[i]);
        char *rp = msg_header(msg, len, "Return-Path"), *from = msg_header(msg, len, "From");
        char a[COMPOSE_ADDRESS_MAX + 1], b[COMPOSE_ADDRESS_MAX + 1];
        compose_addr_spec(rp ? rp : "", a);
        compose_addr_spec(from ? from : "", b);
        /* a bounce is a delivery report (RFC 3464); an abuse desk's answer
         * is only Auto-Submitted (RFC 3834) */
        char *auto_sub = msg_header(msg, len, "Auto-Submitted");
        char *ct = msg_header(msg, len, "Content-Type");
        bool report = false;
        for (const char *c = ct; c && *c && !report; c++)
            report = strncasecmp(c, "delivery-status", 15) == 0;
        free(ct);
        if (rp && !a[0] && !report && auto_sub && strcasecmp(auto_sub, "no") != 0)
            term_info(_("the envelope sender is empty (<>): an automatic answer (Auto-Submitted), "
                        "which nothing answers or bounces"));
        else if (rp && !a[0])
            term_info(_("the envelope sender is empty (<>): a bounce, which is never bounced"));
        else if (rp && strcasecmp(a, b) != 0)
            term_info(_("the envelope sender (Return-Path) is <%1$s>, not the From address"), a);
        free(auto_sub);
        free(rp);
        free(from);
    }
    if (view != VIEW_HEADER_ONLY) {
        putchar('\n');
        char *body = mime_render_body(msg, len);
        if (body)
            term_lines(stdout, body, strlen(body));
        free(body);
    }
    free(msg);
    return 0;
}

static int cmd_read(struct repl *r, int argc, char **argv)
{
    enum view view = VIEW_READ;
    if (argc == 3 && strcmp(argv[2], "--headers") == 0)
        view = VIEW_HEADERS;
    else if (argc == 3 && strcmp(argv[2], "--raw") == 0)
        view = VIEW_RAW;
    if (argc < 2 || argc > 3 || (argc == 3 && view == VIEW_READ)) {
        term_error(_("usage: read N [--headers|--raw]"));
        return 2;
    }
    return show_message(r, argv[1], view);
}

/* The header as stored, then where the mail came from (headers/):
 * message N of the folder (--redact: names and addresses masked first),
 * or a file or a sample, as `tutor headers` reads them. */
static int cmd_headers(struct repl *r, int argc, char **argv)
{
    bool numbered = argc >= 2 && argv[1][0] && strspn(argv[1], "0123456789") == strlen(argv[1]);
    bool redact = numbered && argc == 3 && strcmp(argv[2], "--redact") == 0;
    bool animate = numbered && argc == 3 && strcmp(argv[2], "--animate") == 0;
    if (argc < 2 || (numbered && argc > 2 && !redact && !animate)) {
        term_error(_("usage: headers N [--redact|--animate] | headers FILE... | headers --sample NAME"));
        return 2;
    }
    if (!numbered) {
        /* the prompt's input is the student's commands, not a mail: a FILE
         * or a sample must be named */
        bool named = false;
        for (int i = 1; i < argc; i++) {
            if (strcmp(argv[i], "-") == 0) {
                term_error("%s", _("headers: - (standard input) is for the shell's "
                                   "\"tutor headers\"; give a FILE here"));
                return 2;
            }
            named |= argv[i][0] != '-' || strncmp(argv[i], "--sample", 8) == 0;
        }
        if (!named) {
            term_error(_("usage: headers N [--redact|--animate] | headers FILE... | headers --sample NAME"));
            return 2;
        }
        struct headers_env env = {r->datadir};
        return headers_main(&env, argc, argv) == 0 ? 0 : 1;
    }
    size_t len;
    char *msg = folder_message(r->rt, argv[1], &len);
    if (!msg)
        return 1;
    size_t hlen = header_length(msg, len);
    if (animate) {
        struct trace t;
        int rc = trace_message(msg, hlen, &t) < 0 ? 1 : trace_animate(&t, true) != 0;
        trace_free(&t);
        free(msg);
        return rc;
    }
    char *shown = msg;
    struct redactor *rd = redact ? redact_new() : NULL;
    if (redact && (!rd || !(shown = redact_header(rd, msg, hlen, &hlen)))) {
        term_error("%s", _("out of memory"));
        redact_free(rd);
        free(msg);
        return 1;
    }
    term_lines(stdout, shown, hlen);
    putchar('\n');
    char title[64];
    snprintf(title, sizeof title, _("message %1$s"), argv[1]);
    int rc = repl_show_trace(shown, hlen, title);
    if (shown != msg)
        free(shown);
    redact_free(rd);
    free(msg);
    return rc;
}

/* forward N [-m NOTE] [--attach] TO...: message N of the folder sent on,
 * as a mail client forwards it: inline (a note, the original's header
 * lines a reader needs, its text decoded), or with --attach whole, every
 * header line, as a message/rfc822 attachment (what an abuse desk asks
 * for). A chain letter is forwarded so, and its Subject gathers a "Fwd: "
 * at each generation. */
static int cmd_forward(struct repl *r, int argc, char **argv)
{
    const char *note = NULL;
    bool whole = false;
    int first_to = 2;
    while (first_to < argc) {
        if (first_to + 1 < argc &&
            (strcmp(argv[first_to], "-m") == 0 || strcmp(argv[first_to], "--message") == 0)) {
            note = argv[first_to + 1];
            first_to += 2;
        } else if (strcmp(argv[first_to], "--attach") == 0) {
            whole = true;
            first_to++;
        } else {
            break;
        }
    }
    if (argc < 2 || first_to >= argc) {
        term_error(_("usage: forward N [-m NOTE] [--attach] TO..."));
        return 2;
    }
    size_t len;
    char *msg = folder_message(r->rt, argv[1], &len);
    if (!msg)
        return 1;
    struct textbuf b = {0};
    if (note) {
        /* -m's "\n" starts a new line, as send's does */
        for (const char *p = note; *p; p++) {
            if (p[0] == '\\' && p[1] == 'n') {
                textbuf_addc(&b, '\n');
                p++;
            } else {
                textbuf_addc(&b, *p);
            }
        }
        textbuf_add(&b, "\n\n", 2);
    }
    char *subject = NULL, *v = msg_header(msg, len, "Subject");
    if (v) {
        char *d = mime_decode_header(v);
        subject = d ? d : strdup(v);
        free(v);
    }
    if (whole) {
        if (!note)
            textbuf_printf(&b, "%s\n", _("The mail is attached, whole, every header line as it came."));
    } else {
        textbuf_printf(&b, "%s\n", _("---------- Forwarded message ----------"));
        static const char *const fields[] = {"From", "Date", "Subject", "To"};
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            char *f = msg_header(msg, len, fields[i]);
            char *d = f ? mime_decode_header(f) : NULL;
            if (f)
                textbuf_printf(&b, "%s: %s\n", fields[i], d ? d : f);
            free(d);
            free(f);
        }
        textbuf_addc(&b, '\n');
        char *text = mime_render_body(msg, len);
        if (text)
            textbuf_add(&b, text, strlen(text));
        free(text);
    }
    char *body = textbuf_finish(&b, NULL);
    size_t slen = (subject ? strlen(subject) : 0) + 8;
    char *fwd_subject = malloc(slen);
    struct send_args a = {0};
    for (int i = first_to; body && fwd_subject && i < argc; i++) {
        char *t = realloc(a.to, (a.to ? strlen(a.to) : 0) + strlen(argv[i]) + 3);
        if (!t)
            break;
        if (!a.to)
            t[0] = '\0';
        else
            strcat(t, ", ");
        a.to = strcat(t, argv[i]);
    }
    int rc = 1;
    if (body && fwd_subject && a.to) {
        snprintf(fwd_subject, slen, "Fwd: %s", subject ? subject : "");
        a.subject = fwd_subject;
        a.body = body;
        if (whole) {
            a.forwarded = msg;
            a.forwarded_len = len;
        }
        rc = send_mail(r, a);
    } else {
        term_error("%s", _("out of memory"));
        free(a.to);
    }
    free(fwd_subject);
    free(subject);
    free(body);
    free(msg);
    return rc;
}

const struct command mua_commands[] = {
    {.name = "login", .complete = "user", .on_pc = true, .args = "[USER]", .help = N_("use the mail client as USER, or show who"), .run = cmd_login},
    {.name = "send", .complete = "user...", .on_pc = true, .opts = "-s= --subject= -c= --cc= --from= --charset= -m= --message= -a= --attach=", .args = "[OPTIONS] [TO...]", .help = N_("write and send a message (\"help send\" for the options)"),
     .more = N_("Options: -s SUBJECT, -c CC, --from FROM, --charset CHARSET, -m TEXT, -a FILE.\n"
                "What is not given is asked for: To, Subject, then the text, which ends with a line holding only \".\".\n"
                "-s SUBJECT, -c CC: the Subject and Cc. -m TEXT: the text, where \\n starts a new line.\n"
                "--from FROM: the From line the receiver sees; it may say anything, as real mail allows. The envelope (MAIL FROM) stays yours.\n"
                "--charset iso-2022-jp: write the message as Japanese mail was written in 2002 (the default is UTF-8).\n"
                "-a FILE, --attach FILE: send a file of this computer along (multipart/mixed, base64; up to 8 files of 2 MiB each); \"read N\" shows what a message carries.\n"
                "The message goes to your own mail server on port 587, after AUTH, and that server relays it."),
     .run = cmd_send},
    {.name = "forward", .complete = "user...", .on_pc = true, .opts = "-m= --message= --attach", .args = "N [-m NOTE] [--attach] TO...", .help = N_("send message N on to others, as a chain letter asks"),
     .more = N_("The message goes out as your mail client forwards it: your NOTE (-m, where \\n starts a new line), then the original's From, Date, Subject and To lines and its text. The Subject gets \"Fwd: \" in front: a chain letter forwarded ten times carries ten.\n"
                "--attach forwards it whole instead, every header line as it came (message/rfc822), as an abuse desk asks a spam to be sent: abuse@ and postmaster@ are a provider's addresses for complaints."),
     .run = cmd_forward},
    {.name = "inbox", .on_pc = true, .opts = "--delete", .args = "[--delete]", .help = N_("fetch your mail over POP3 and list it"),
     .more = N_("The client logs in to your mail server with USER and PASS, and fetches (RETR) what it does not have yet, which it knows by UIDL.\n"
                "Mail stays on the server, unless --delete: then every message the client has is deleted there (DELE), fetched now or before.\n"
                "New messages are marked with *. \"read N\" shows one."),
     .run = cmd_inbox},
    {.name = "check", .on_pc = true, .opts = "--delete", .args = "[--delete]", .help = N_("the same as inbox"), .run = cmd_inbox},
    {.name = "read", .paged = "", .on_pc = true, .opts = "--headers --raw", .args = "N [--headers|--raw]", .help = N_("show message N decoded; --headers: its whole header too"),
     .more = N_("read N shows the Date, From, To, Cc and Subject lines and the text, decoded (MIME, RFC 2047, charsets), and says when the envelope sender differs from From.\n"
                "--headers shows every header line as stored (Received, Return-Path, Message-ID...) before the decoded text.\n"
                "--raw shows the whole message as stored: encoded words, MIME parts and their boundaries."),
     .run = cmd_read},
    {.name = "headers", .paged = "", .on_pc = true, .opts = "--redact --animate --sample= --json", .args = "N [--redact|--animate] | FILE...", .help = N_("the header of message N, and where the mail came from"),
     .more = N_("Shows every header line of message N as stored, then reads them: the Received: lines oldest first (who handed the mail to which server, when), what the other lines give away (X-Originating-IP, Message-Id, Return-Path, X-Mailer), and the probable origin, with the reasoning.\n"
                "--redact masks the names and addresses first (the same one the same way), for a report. --animate replays the mail's path as the bucket relay, each server a node.\n"
                "headers FILE reads a mail of your own saved from your mail client (a message, an mbox or a Maildir), as \"tutor headers FILE\" does in the shell; --sample spam|virus|freemail the lecture's examples; --json, --redact as there.\n"
                "\"mailbox USER N --trace\" reads a message where the server keeps it."),
     .run = cmd_headers},
    {NULL},
};
