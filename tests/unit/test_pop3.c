/*
 * test_pop3 — the receiver's side through the C host: scripts/pop3.lua on
 * mail.b.example reading the Maildir that delivery writes, with the
 * host's locking, UIDs and UPDATE state; bounces from relay; and the mail
 * client (mua.h) sending and fetching over the same scripts. Every test
 * has a fresh state folder.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <dirent.h>

#include "mail/maildir.h"
#include "mail/message.h"
#include "clients/mua.h"
#include "mail/queue.h"
#include "clients/relay.h"
#include "host/runtime.h"
#include "host/server.h"
#include "host/session.h"
#include "host/world.h"

#define WORLD_FILE "tutor/world/default.json"
#define BOB "bob@b.example"

struct fx {
    struct world *w;
    struct runtime rt;
    bool rt_opened;
    char root[64];
    const struct world_node *mb;        /* mail-b */
    struct vserver *pop3;
};

static void quiet(void *ctx, const char *kind, const char *text)
{
    (void)ctx;
    (void)kind;
    (void)text;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    char err[RT_ERROR_MAX];
    if (!(f->w = world_load(WORLD_FILE, err))) {
        fprintf(stderr, "world_load: %s\n", err);
        return -1;
    }
    snprintf(f->root, sizeof f->root, "/tmp/tutor-test-pop3-XXXXXX");
    if (!mkdtemp(f->root)) {
        f->root[0] = '\0';
        return -1;
    }
    if (rt_open(&f->rt, f->w, ".", f->root, err) < 0) {
        fprintf(stderr, "rt_open: %s\n", err);
        return -1;
    }
    f->rt_opened = true;
    f->rt.notice = quiet;       /* the scripts' logs are not under test */
    f->mb = world_host_by_name(f->w, "mail.b.example");
    f->pop3 = f->mb ? rt_server(&f->rt, f->mb, world_service(f->mb, "pop3"), err) : NULL;
    if (!f->pop3) {
        fprintf(stderr, "rt_server: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (f->rt_opened)
        rt_close(&f->rt);
    world_free(f->w);
    char ferr[FS_ERROR_MAX];
    if (f->root[0])
        fs_remove_tree(f->root, ferr);
    free(f);
    return 0;
}

/* ------------------------------------------------------------------------
 * A POP3 connection: lines in, the replies joined with "\n".
 */
struct conn {
    struct session *s;
    char *out;
};

static const char *drain(struct conn *c)
{
    size_t len = 0;
    char *l;
    free(c->out);
    c->out = calloc(1, 1);
    assert_non_null(c->out);
    while ((l = session_pop(c->s))) {
        size_t n = strlen(l);
        char *o = realloc(c->out, len + n + 2);
        assert_non_null(o);
        c->out = o;
        if (len)
            c->out[len++] = '\n';
        memcpy(c->out + len, l, n + 1);
        len += n;
        free(l);
    }
    return c->out;
}

static const char *say(struct conn *c, const char *line)
{
    if (session_input(c->s, line, strlen(line)) < 0)
        fail_msg("pop3.lua failed: %s", session_failed(c->s));
    return drain(c);
}

static const char *open_conn(struct fx *f, struct conn *c)
{
    const struct world_node *pc = world_node(f->w, "pc1");
    struct session_endpoint client = {
        .addr = world_node_addr(pc),
        .port = 49152,
        .name = pc->hostname,
    };
    struct session_endpoint server = {
        .addr = world_node_addr(f->mb),
        .port = 110,
        .name = f->mb->hostname,
    };
    c->out = NULL;
    c->s = session_open(f->pop3, &client, &server);
    assert_non_null(c->s);
    assert_null(session_failed(c->s));
    return drain(c);
}

/* Ends the connection as a dropped one would, unless QUIT already did. */
static void close_conn(struct conn *c)
{
    session_end(c->s);
    c->s = NULL;
    free(c->out);
    c->out = NULL;
}

static void login_bob(struct fx *f, struct conn *c)
{
    open_conn(f, c);
    assert_string_equal(say(c, "USER bob"), "+OK");
    assert_string_equal(say(c, "PASS bob-pw"), "+OK Logged in.");
}

/* Stores a message in bob's Maildir as delivery does; its unique name in
 * name (may be NULL). */
static void deliver(struct fx *f, const char *text, char name[MAILDIR_NAME_MAX])
{
    char dir[PATH_MAX], err[FS_ERROR_MAX], n[MAILDIR_NAME_MAX];
    rt_mailbox_dir(&f->rt, BOB, dir);
    rt_unique_name(&f->rt, "mail.b.example", n);
    if (maildir_deliver(dir, n, text, strlen(text), err) < 0)
        fail_msg("deliver: %s", err);
    if (name)
        snprintf(name, MAILDIR_NAME_MAX, "%s", n);
}

/* Files in a user's Maildir sub-folder (new or cur). */
static int count_files(struct fx *f, const char *address, const char *sub)
{
    char dir[PATH_MAX], p[PATH_MAX + 8];
    rt_mailbox_dir(&f->rt, address, dir);
    snprintf(p, sizeof p, "%s/%s", dir, sub);
    DIR *d = opendir(p);
    if (!d)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)); )
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static const char *const MSG1 = "From: Alice <alice@a.example>\nSubject: one\n\nfirst\n.dot line\n";
static const char *const MSG2 = "From: Carol <carol@a.example>\nSubject: two\n\nsecond\n";

/* ------------------------------------------------------------------------
 * The dialogue.
 */
static void test_apop_digest_from_md5sum(void **state)
{
    struct fx *f = *state;
    struct conn c;
    const char *greeting = open_conn(f, &c);
    const char *lt = strchr(greeting, '<'), *gt = strrchr(greeting, '>');
    assert_true(strncmp(greeting, "+OK Dovecot ready. <", 20) == 0);
    assert_non_null(lt);
    assert_non_null(gt);
    /* RFC 1939 7: MD5 of the timestamp and the password, computed here by
     * coreutils, not by the library the host uses */
    char cmd[512], digest[64] = "";
    snprintf(cmd, sizeof cmd, "printf '%%s' '%.*sbob-pw' | md5sum", (int)(gt - lt + 1), lt);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%32s", digest), 1);
    pclose(p);
    char line[128];
    snprintf(line, sizeof line, "APOP bob %.31sf", digest);      /* one digit wrong */
    if (digest[31] == 'f')
        line[strlen(line) - 1] = 'e';
    assert_string_equal(say(&c, line), "-ERR [AUTH] Authentication failed.");
    snprintf(line, sizeof line, "APOP bob %s", digest);
    assert_string_equal(say(&c, line), "+OK Logged in.");
    close_conn(&c);
}

static void test_users_of_other_domains_are_refused(void **state)
{
    struct fx *f = *state;
    struct conn c;
    open_conn(f, &c);
    assert_string_equal(say(&c, "USER alice@a.example"), "+OK");
    assert_string_equal(say(&c, "PASS alice-pw"), "-ERR [AUTH] Authentication failed.");
    assert_string_equal(say(&c, "USER bob@b.example"), "+OK");
    assert_string_equal(say(&c, "PASS wrong"), "-ERR [AUTH] Authentication failed.");
    assert_string_equal(say(&c, "USER bob@b.example"), "+OK");
    assert_string_equal(say(&c, "PASS bob-pw"), "+OK Logged in.");
    close_conn(&c);
}

static void test_stat_list_retr_sizes_count_crlf(void **state)
{
    struct fx *f = *state;
    deliver(f, MSG1, NULL);
    deliver(f, MSG2, NULL);
    struct conn c;
    login_bob(f, &c);
    size_t s1 = strlen(MSG1) + 5, s2 = strlen(MSG2) + 4;   /* one CR per line */
    char want[128];
    snprintf(want, sizeof want, "+OK 2 %zu", s1 + s2);
    assert_string_equal(say(&c, "STAT"), want);
    snprintf(want, sizeof want, "+OK 2 messages:\n1 %zu\n2 %zu\n.", s1, s2);
    assert_string_equal(say(&c, "LIST"), want);
    /* RETR sends what LIST counted, the dot line stuffed */
    snprintf(want, sizeof want, "+OK %zu octets\nFrom: Alice <alice@a.example>\nSubject: one\n\n"
             "first\n..dot line\n.", s1);
    assert_string_equal(say(&c, "RETR 1"), want);
    assert_string_equal(say(&c, "TOP 2 0"), "+OK\nFrom: Carol <carol@a.example>\nSubject: two\n\n.");
    close_conn(&c);
}

static void test_retr_marks_seen_in_cur(void **state)
{
    struct fx *f = *state;
    char name[MAILDIR_NAME_MAX];
    deliver(f, MSG1, name);
    struct conn c;
    login_bob(f, &c);
    say(&c, "TOP 1 1");
    assert_int_equal(count_files(f, BOB, "new"), 1);      /* TOP is not reading */
    say(&c, "RETR 1");
    assert_int_equal(count_files(f, BOB, "new"), 0);
    char dir[PATH_MAX], p[PATH_MAX + MAILDIR_NAME_MAX + 16];
    rt_mailbox_dir(&f->rt, BOB, dir);
    snprintf(p, sizeof p, "%s/cur/%s:2,S", dir, name);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    /* and RETR again still reads it, from its new place */
    assert_true(strncmp(say(&c, "RETR 1"), "+OK", 3) == 0);
    close_conn(&c);
}

static void test_uidl_is_the_maildir_name_across_sessions(void **state)
{
    struct fx *f = *state;
    char n1[MAILDIR_NAME_MAX], n2[MAILDIR_NAME_MAX], want[256];
    deliver(f, MSG1, n1);
    deliver(f, MSG2, n2);
    struct conn c;
    login_bob(f, &c);
    snprintf(want, sizeof want, "+OK\n1 %s\n2 %s\n.", n1, n2);
    assert_string_equal(say(&c, "UIDL"), want);
    say(&c, "RETR 1");
    say(&c, "DELE 1");
    assert_string_equal(say(&c, "QUIT"), "+OK Logging out, messages deleted.");
    close_conn(&c);
    /* the second message keeps its UID though it is now number 1 */
    login_bob(f, &c);
    snprintf(want, sizeof want, "+OK 1 %s", n2);
    assert_string_equal(say(&c, "UIDL 1"), want);
    close_conn(&c);
}

static void test_dropped_session_deletes_nothing(void **state)
{
    struct fx *f = *state;
    deliver(f, MSG1, NULL);
    struct conn c;
    login_bob(f, &c);
    assert_string_equal(say(&c, "DELE 1"), "+OK Marked to be deleted.");
    assert_string_equal(say(&c, "RETR 1"), "-ERR Message is deleted.");
    close_conn(&c);                         /* no QUIT: the line dropped */
    assert_int_equal(count_files(f, BOB, "new"), 1);
    login_bob(f, &c);
    assert_string_equal(say(&c, "STAT"), "+OK 1 65");
    close_conn(&c);
}

static void test_quit_commits_deletions(void **state)
{
    struct fx *f = *state;
    deliver(f, MSG1, NULL);
    deliver(f, MSG2, NULL);
    struct conn c;
    login_bob(f, &c);
    say(&c, "DELE 2");
    assert_string_equal(say(&c, "QUIT"), "+OK Logging out, messages deleted.");
    assert_true(session_over(c.s));
    close_conn(&c);
    assert_int_equal(count_files(f, BOB, "new"), 1);
    login_bob(f, &c);
    assert_string_equal(say(&c, "LIST"), "+OK 1 messages:\n1 65\n.");
    assert_string_equal(say(&c, "TOP 1 0"),
                        "+OK\nFrom: Alice <alice@a.example>\nSubject: one\n\n.");
    close_conn(&c);
}

static void test_in_use_until_the_first_session_ends(void **state)
{
    struct fx *f = *state;
    struct conn a, b;
    login_bob(f, &a);
    open_conn(f, &b);
    say(&b, "USER bob");
    assert_string_equal(say(&b, "PASS bob-pw"),
                        "-ERR [IN-USE] Mailbox is locked by another POP3 session.");
    /* a dropped first session releases the lock as surely as QUIT */
    close_conn(&a);
    say(&b, "USER bob");
    assert_string_equal(say(&b, "PASS bob-pw"), "+OK Logged in.");
    close_conn(&b);
}

static void test_mail_arriving_during_a_session_waits(void **state)
{
    struct fx *f = *state;
    deliver(f, MSG1, NULL);
    struct conn c;
    login_bob(f, &c);
    deliver(f, MSG2, NULL);
    assert_string_equal(say(&c, "STAT"), "+OK 1 65");
    say(&c, "QUIT");
    close_conn(&c);
    login_bob(f, &c);
    assert_string_equal(say(&c, "STAT"), "+OK 2 120");
    close_conn(&c);
}

/* ------------------------------------------------------------------------
 * Bounces: relay settles each recipient.
 */
static void smtp_to(struct fx *f, const char *const *rcpts, size_t n)
{
    char err[RT_ERROR_MAX];
    const struct world_node *ma = world_host_by_name(f->w, "mail.a.example");
    struct vserver *smtp = rt_server(&f->rt, ma, world_service(ma, "smtp"), err);
    assert_non_null(smtp);
    const struct world_node *pc = world_node(f->w, "pc1");
    struct session_endpoint client = {
        .addr = world_node_addr(pc),
        .port = 49152,
        .name = pc->hostname,
    };
    struct session_endpoint server = {
        .addr = world_node_addr(ma),
        .port = 25,
        .name = ma->hostname,
    };
    struct conn c = {session_open(smtp, &client, &server), NULL};
    drain(&c);
    say(&c, "EHLO pc1.a.example");
    say(&c, "AUTH PLAIN AGFsaWNlAGFsaWNlLXB3");
    assert_string_equal(say(&c, "MAIL FROM:<alice@a.example>"), "250 2.1.0 Ok");
    for (size_t i = 0; i < n; i++) {
        char line[128];
        snprintf(line, sizeof line, "RCPT TO:<%s>", rcpts[i]);
        assert_string_equal(say(&c, line), "250 2.1.5 Ok");
    }
    say(&c, "DATA");
    say(&c, "From: Alice <alice@a.example>");
    say(&c, "Subject: to many");
    say(&c, "");
    say(&c, "hello");
    assert_true(strncmp(say(&c, "."), "250 2.0.0 Ok: queued as", 23) == 0);
    say(&c, "QUIT");
    close_conn(&c);
}

static char *only_message(struct fx *f, const char *address, size_t *len)
{
    char dir[PATH_MAX], err[FS_ERROR_MAX];
    rt_mailbox_dir(&f->rt, address, dir);
    struct maildir_entry *e;
    size_t n;
    assert_int_equal(maildir_list(dir, &e, &n, err), 0);
    assert_int_equal(n, 1);
    char *text = fs_read_file(e[0].path, len);
    maildir_list_free(e, n);
    assert_non_null(text);
    return text;
}

static void test_unknown_user_bounces_to_sender(void **state)
{
    struct fx *f = *state;
    const char *rcpts[] = {"bob@b.example", "carol@b.example"};
    smtp_to(f, rcpts, 2);
    struct relay_stats st;
    char err[RT_ERROR_MAX];
    assert_int_equal(relay_run(&f->rt, &st, err), 0);
    assert_int_equal(st.sent, 1);
    assert_int_equal(st.bounced, 1);
    assert_int_equal(st.deferred, 0);

    size_t len;
    char *msg = only_message(f, BOB, &len);             /* bob got his copy */
    free(msg);
    msg = only_message(f, "alice@a.example", &len);     /* alice the report */
    char *subject = msg_header(msg, len, "Subject"), *rp = msg_header(msg, len, "Return-Path");
    char *ct = msg_header(msg, len, "Content-Type");
    bool carol = strstr(msg, "Final-Recipient: rfc822; carol@b.example\n") != NULL;
    bool status = strstr(msg, "Status: 5.1.1\n") != NULL;
    bool remote = strstr(msg, "<carol@b.example>: host mail.b.example[198.51.100.25] said: 550 5.1.1") != NULL;
    bool not_bob = strstr(msg, "Final-Recipient: rfc822; bob@b.example") == NULL;
    bool headers = strstr(msg, "Content-Type: text/rfc822-headers\n\nReturn-Path:") == NULL &&
                   strstr(msg, "Subject: to many\n") != NULL && strstr(msg, "\nhello\n") == NULL;
    if (!(carol && status && remote && not_bob && headers))
        fprintf(stderr, "the report:\n%s\n", msg);
    assert_string_equal(subject, "Undelivered Mail Returned to Sender");
    assert_string_equal(rp, "<>");
    assert_true(strncmp(ct, "multipart/report; report-type=delivery-status;", 46) == 0);
    assert_true(carol);
    assert_true(status);
    assert_true(remote);
    assert_true(not_bob);
    assert_true(headers);
    free(subject);
    free(rp);
    free(ct);
    free(msg);

    /* nothing waits, nothing more happens */
    assert_int_equal(relay_run(&f->rt, &st, err), 0);
    assert_int_equal(st.sent + st.bounced + st.deferred, 0);
}

static void test_unknown_domain_bounces(void **state)
{
    struct fx *f = *state;
    const char *rcpts[] = {"someone@nowhere.example"};
    smtp_to(f, rcpts, 1);
    struct relay_stats st;
    char err[RT_ERROR_MAX];
    assert_int_equal(relay_run(&f->rt, &st, err), 0);
    assert_int_equal(st.bounced, 1);
    size_t len;
    char *msg = only_message(f, "alice@a.example", &len);
    bool why = strstr(msg, "<someone@nowhere.example>: Host or domain name not found.") != NULL;
    free(msg);
    assert_true(why);
}

/* ------------------------------------------------------------------------
 * The mail client over the same scripts.
 */
static void collect(void *ud, bool from_client, const char *line)
{
    FILE *f = ud;
    fprintf(f, "%s%s\n", from_client ? " -> " : "<-  ", line);
}

static void test_mua_send_and_fetch_keeps_mail_on_server(void **state)
{
    struct fx *f = *state;
    const struct world_user *alice = world_user(f->w, "alice@a.example");
    const struct world_user *bob = world_user(f->w, BOB);
    char *log = NULL;
    size_t log_len = 0;
    FILE *lf = open_memstream(&log, &log_len);
    assert_non_null(lf);

    const char *rcpt[] = {BOB};
    const char *msg = "From: Alice <alice@a.example>\nTo: bob@b.example\nSubject: hi\n\nhello\n";
    struct mua_outcome out;
    assert_int_equal(mua_send(&f->rt, alice, rcpt, 1, msg, strlen(msg), collect, lf, &out), 0);
    assert_true(out.ok);
    struct relay_stats st;
    char err[RT_ERROR_MAX];
    assert_int_equal(relay_run(&f->rt, &st, err), 0);
    assert_int_equal(st.sent, 1);

    assert_int_equal(mua_fetch(&f->rt, bob, false, collect, lf, &out), 0);
    assert_true(out.ok);
    assert_int_equal(out.fetched, 1);
    /* kept on the server, and known by UIDL: not fetched twice */
    assert_int_equal(mua_fetch(&f->rt, bob, false, collect, lf, &out), 0);
    assert_int_equal(out.fetched, 0);
    assert_int_equal(count_files(f, BOB, "cur"), 1);
    /* --delete fetches the new one and deletes both: the client has them */
    assert_int_equal(mua_send(&f->rt, alice, rcpt, 1, msg, strlen(msg), collect, lf, &out), 0);
    relay_run(&f->rt, &st, err);
    assert_int_equal(mua_fetch(&f->rt, bob, true, collect, lf, &out), 0);
    assert_int_equal(out.fetched, 1);
    fclose(lf);

    bool auth = strstr(log, " -> AUTH PLAIN ") != NULL;
    bool user = strstr(log, " -> USER bob\n<-  +OK\n -> PASS bob-pw\n<-  +OK Logged in.\n") != NULL;
    bool dele = strstr(log, " -> DELE 1\n<-  +OK Marked to be deleted.\n -> RETR 2\n") &&
                strstr(log, " -> DELE 2\n<-  +OK Marked to be deleted.\n");
    if (!(auth && user && dele))
        fprintf(stderr, "dialogues:\n%s\n", log);
    free(log);
    assert_true(auth);
    assert_true(user);
    assert_true(dele);
    assert_int_equal(count_files(f, BOB, "cur") + count_files(f, BOB, "new"), 0);
    char dir[PATH_MAX];
    mua_folder(&f->rt, bob, dir);
    struct maildir_entry *e;
    size_t n;
    assert_int_equal(maildir_list(dir, &e, &n, err), 0);
    assert_int_equal(n, 2);
    maildir_list_free(e, n);
}

static void test_mua_wrong_password_fails(void **state)
{
    struct fx *f = *state;
    struct world_user bob = *world_user(f->w, BOB);
    bob.password = "not-bobs";
    struct mua_outcome out;
    assert_int_equal(mua_fetch(&f->rt, &bob, false, NULL, NULL, &out), 0);
    assert_false(out.ok);
    assert_non_null(strstr(out.text, "-ERR [AUTH] Authentication failed."));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_apop_digest_from_md5sum),
        T(test_users_of_other_domains_are_refused),
        T(test_stat_list_retr_sizes_count_crlf),
        T(test_retr_marks_seen_in_cur),
        T(test_uidl_is_the_maildir_name_across_sessions),
        T(test_dropped_session_deletes_nothing),
        T(test_quit_commits_deletions),
        T(test_in_use_until_the_first_session_ends),
        T(test_mail_arriving_during_a_session_waits),
        T(test_unknown_user_bounces_to_sender),
        T(test_unknown_domain_bounces),
        T(test_mua_send_and_fetch_keeps_mail_on_server),
        T(test_mua_wrong_password_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
