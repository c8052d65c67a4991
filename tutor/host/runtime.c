/* runtime — see runtime.h. */
#include "runtime.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "server.h"
#include "mail/state_sweep.h"
#include "util/term.h"

static void clock_path(const struct runtime *rt, char out[PATH_MAX])
{
    snprintf(out, PATH_MAX, "%s/clock", rt->state);
}

/* The clock file: "CLOCK COUNTER". false when missing or unreadable. */
static bool read_clock_file(const struct runtime *rt, long long *clock, unsigned long *id)
{
    char p[PATH_MAX];
    clock_path(rt, p);
    char *text = fs_read_file(p, NULL);
    bool ok = text && sscanf(text, "%lld %lu", clock, id) == 2;
    free(text);
    return ok;
}

/* The counter is shared: the REPL and tutor serve may run on one state
 * folder, each claiming its numbers from the clock file. An exclusive
 * lock on STATE/lock makes each claim a whole read-and-write. The open
 * lock file, or -1 (then the claim goes on unlocked). */
static int lock_counter(const struct runtime *rt)
{
    char p[PATH_MAX + 8];
    snprintf(p, sizeof p, "%s/lock", rt->state);
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void unlock_counter(int fd)
{
    if (fd >= 0)
        close(fd);      /* the lock goes with the descriptor */
}

static void close_log(struct runtime *rt)
{
    if (rt->log)
        fclose(rt->log);
    rt->log = NULL;
}

/* The highest counter in the Maildir names ("TIME.NCOUNTER.HOST") found
 * under `dir`, `depth` folders down: from STATE/mail, USER/new/NAME is 2. */
static unsigned long highest_name_id(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    unsigned long high = 0;
    for (struct dirent *e; (e = readdir(d)); ) {
        if (e->d_name[0] == '.')
            continue;
        unsigned long id = 0;
        if (depth > 0) {
            char sub[PATH_MAX];
            if (snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) < (int)sizeof sub)
                id = highest_name_id(sub, depth - 1);
        } else {
            long long t;
            int end = 0;
            if (sscanf(e->d_name, "%lld.N%lu.%n", &t, &id, &end) < 2 || end == 0)
                id = 0;
        }
        if (id > high)
            high = id;
    }
    closedir(d);
    return high;
}

static void rt_start_clock(struct runtime *rt)
{
    rt->clock = rt->world->clock_start >= 0 ? rt->world->clock_start : (long long)time(NULL);
    rt->next_id = 1;
    rt->ids_saved_up_to = 0;
    long long c;
    unsigned long id;
    if (read_clock_file(rt, &c, &id) && c >= rt->clock) {
        rt->clock = c;
        rt->next_id = id;
    }
    if (rt->next_id == 1) {
        /* No counter on disk (a fresh world, or its clock file was lost):
         * start above every Maildir name already here, so that no name is
         * ever handed out twice. Delivery relies on it: a name is a
         * message's UIDL, and a link into new/ cannot see one in cur/. */
        char p2[PATH_MAX];
        static const char *const parts[] = {"mail", "client"};
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
            snprintf(p2, sizeof p2, "%s/%s", rt->state, parts[i]);
            unsigned long high = highest_name_id(p2, 2);
            if (high >= rt->next_id)
                rt->next_id = high + 1;
        }
    }
}

/* STATE_ROOT/worlds/NAME, made. 0, or -1 with err. */
static int set_state(struct runtime *rt, const char *state_root, char err[RT_ERROR_MAX])
{
    if (snprintf(rt->state, sizeof rt->state, "%s/worlds/%s", state_root, rt->world->name)
        >= (int)sizeof rt->state) {
        snprintf(err, RT_ERROR_MAX, "%s: path too long", state_root);
        return -1;
    }
    char ferr[FS_ERROR_MAX];
    if (fs_mkdirs(rt->state, ferr) < 0) {
        snprintf(err, RT_ERROR_MAX, "cannot make the state folder: %s", ferr);
        return -1;
    }
    return 0;
}

int rt_open(struct runtime *rt, struct world *w, const char *datadir,
            const char *state_root, char err[RT_ERROR_MAX])
{
    memset(rt, 0, sizeof *rt);
    rt->world = w;
    rt->net_tap = -1;
    snprintf(rt->datadir, sizeof rt->datadir, "%s", datadir);
    if (set_state(rt, state_root, err) < 0)
        return -1;
    rt_start_clock(rt);
    /* what a kill -9 left half written, once it is old enough to be
     * nobody's write in progress */
    state_sweep(rt->state, time(NULL));
    return 0;
}

static void rt_close_servers(struct runtime *rt)
{
    for (size_t i = 0; i < rt->n_servers; i++)
        srv_free(rt->servers[i]);
    free(rt->servers);
    rt->servers = NULL;
    rt->n_servers = 0;
}

const struct world_node *rt_here(const struct runtime *rt)
{
    return rt->here ? rt->here : world_node(rt->world, rt->world->student);
}

void rt_close(struct runtime *rt)
{
    char err[RT_ERROR_MAX];
    if (rt->world && rt_save(rt, err) < 0 && !rt->clock_unsaved)
        rt_notice(rt, "error", "%s", err);
    rt_close_servers(rt);
    close_log(rt);
    free(rt->congested);
    rt->congested = NULL;
    rt->n_congested = 0;
}

int rt_reset(struct runtime *rt, char err[RT_ERROR_MAX])
{
    static const char *const parts[] = {"mail", "queue", "client", "clock", "last-relay.txt",
                                        "server.log", "server.log.1"};
    rt_close_servers(rt);
    close_log(rt);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char p[PATH_MAX], ferr[FS_ERROR_MAX];
        snprintf(p, sizeof p, "%s/%s", rt->state, parts[i]);
        if (fs_remove_tree(p, ferr) < 0) {
            snprintf(err, RT_ERROR_MAX, "%s", ferr);
            return -1;
        }
    }
    rt_start_clock(rt);
    if (rt->real_time) {
        rt->real_time = false;
        rt_follow_real_time(rt);            /* on from the fresh start */
    }
    /* session numbers and query IDs show (APOP stamps, dig's id): a reset
     * world repeats them as a fresh start does */
    rt->next_session = 0;
    rt->next_query = 0;
    return 0;
}

static int remove_part(const char *path, char err[RT_ERROR_MAX])
{
    char ferr[FS_ERROR_MAX];
    if (fs_remove_tree(path, ferr) < 0) {
        snprintf(err, RT_ERROR_MAX, "%s", ferr);
        return -1;
    }
    return 0;
}

int rt_reset_mailbox(struct runtime *rt, const char *address, char err[RT_ERROR_MAX])
{
    char p[PATH_MAX];
    rt_mailbox_dir(rt, address, p);
    return remove_part(p, err);
}

int rt_reset_queues(struct runtime *rt, char err[RT_ERROR_MAX])
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/queue", rt->state);
    if (remove_part(p, err) < 0)
        return -1;
    snprintf(p, sizeof p, "%s/last-relay.txt", rt->state);
    return remove_part(p, err);
}

long long rt_now(const struct runtime *rt)
{
    if (rt->real_time) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        return rt->real_base + (long long)(now.tv_sec - rt->real_origin.tv_sec) -
               (now.tv_nsec < rt->real_origin.tv_nsec ? 1 : 0);
    }
    return rt->world->clock_start >= 0 ? rt->clock : (long long)time(NULL);
}

void rt_tick(struct runtime *rt, int seconds)
{
    if (!rt->real_time)
        rt->clock += seconds;
}

void rt_follow_real_time(struct runtime *rt)
{
    rt->real_base = rt_now(rt);
    clock_gettime(CLOCK_MONOTONIC, &rt->real_origin);
    rt->real_time = true;
}

/* The clock as the clock file keeps it. */
static long long clock_to_save(const struct runtime *rt)
{
    return rt->real_time ? rt_now(rt) : rt->clock;
}

void rt_format_date(const struct runtime *rt, long long t, char out[40])
{
    int tz = rt->world->tz_minutes;
    time_t local = (time_t)(t + tz * 60LL);
    struct tm tm;
    gmtime_r(&local, &tm);
    /* English names whatever the locale: RFC 5322 3.3 fixes them. */
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int a = tz < 0 ? -tz : tz;
    snprintf(out, 40, "%s, %d %s %d %02d:%02d:%02d %c%02d%02d", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec, tz < 0 ? '-' : '+', a / 60, a % 60);
}

/* The next number of the world's counter. The counter on disk is kept a
 * block ahead of the one in use, so that a process killed before its
 * rt_save() never hands out a number twice after a restart: a Maildir name
 * or a queue ID used again would refuse a delivery. */
static unsigned long take_id(struct runtime *rt)
{
    if (rt->next_id >= rt->ids_saved_up_to) {
        /* a new block, above whatever another process has claimed */
        char p[PATH_MAX], text[64], ferr[FS_ERROR_MAX];
        int lock = lock_counter(rt);
        long long c;
        unsigned long claimed;
        if (read_clock_file(rt, &c, &claimed) && claimed > rt->next_id)
            rt->next_id = claimed;
        unsigned long ahead = rt->next_id + RT_ID_BLOCK;
        clock_path(rt, p);
        int n = snprintf(text, sizeof text, "%lld %lu\n", clock_to_save(rt), ahead);
        if (fs_write_atomic(p, text, (size_t)n, ferr) == 0) {
            rt->ids_saved_up_to = ahead;
            rt->clock_unsaved = false;
        } else if (!rt->clock_unsaved) {
            /* said once, not at every ID (a full disk): the counter goes
             * on in memory and is written again at the next block */
            rt->clock_unsaved = true;
            rt_notice(rt, "error", "%s", ferr);
        }
        unlock_counter(lock);
    }
    return rt->next_id++;
}

void rt_new_id(struct runtime *rt, char out[16])
{
    /* Five hex digits of the clock and five of a counter: unique within a
     * world, ordered, and as opaque-looking as Postfix's. */
    snprintf(out, 16, "%05llX%05lX", (unsigned long long)rt_now(rt) & 0xFFFFF,
             take_id(rt) & 0xFFFFF);
}

void rt_unique_name(struct runtime *rt, const char *host, char out[MAILDIR_NAME_MAX])
{
    /* The Maildir spec's "time.unique.host": the simulated clock and the
     * world's counter make it unique and repeatable; fixed widths make
     * names sort in delivery order. */
    int n = snprintf(out, MAILDIR_NAME_MAX, "%010lld.N%06lu.%s", rt_now(rt), take_id(rt), host);
    for (char *p = out + (n > 0 ? n - (int)strlen(host) : 0); *p; p++)
        if (*p == '/' || *p == ':' || (unsigned char)*p <= ' ' || (unsigned char)*p > '~')
            *p = '_';
}

void rt_append_log(struct runtime *rt, const char *text)
{
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/server.log", rt->state);
    if (rt->log && rt->log_size > RT_LOG_MAX) {
        char old[PATH_MAX + 16];
        snprintf(old, sizeof old, "%s.1", p);
        close_log(rt);
        rename(p, old);
    }
    if (!rt->log) {
        rt->log = fopen(p, "a");
        if (!rt->log)
            return;
        rt->log_size = ftell(rt->log);
    }
    int n = fprintf(rt->log, "%s\n", text);
    if (n > 0)
        rt->log_size += n;
    if (!rt->log_held)
        fflush(rt->log);        /* `tail -f` sees each line as it comes */
}

void rt_flush_log(struct runtime *rt)
{
    if (rt->log)
        fflush(rt->log);
}

int rt_save(struct runtime *rt, char err[RT_ERROR_MAX])
{
    char p[PATH_MAX], text[64], ferr[FS_ERROR_MAX];
    int lock = lock_counter(rt);
    /* The counter where this process stopped, so that a replay repeats its
     * numbers; unless another process has claimed numbers since this one
     * last wrote: then its claim stays. */
    unsigned long id = rt->next_id;
    long long c;
    unsigned long claimed;
    if (read_clock_file(rt, &c, &claimed) && claimed != rt->ids_saved_up_to && claimed > id)
        id = claimed;
    clock_path(rt, p);
    int n = snprintf(text, sizeof text, "%lld %lu\n", clock_to_save(rt), id);
    int rc = fs_write_atomic(p, text, (size_t)n, ferr);
    unlock_counter(lock);
    if (rc < 0) {
        snprintf(err, RT_ERROR_MAX, "%s", ferr);
        return -1;
    }
    rt->ids_saved_up_to = rt->next_id;
    return 0;
}

/* STATE/PART/address, the address in lower case. Addresses were checked
 * by the world loader or the host API: no '/'. */
static void user_dir(const struct runtime *rt, const char *part, const char *address,
                     char out[PATH_MAX])
{
    char lower[256];
    size_t i;
    for (i = 0; address[i] && i < sizeof lower - 1; i++)
        lower[i] = (char)tolower((unsigned char)address[i]);
    lower[i] = '\0';
    snprintf(out, PATH_MAX, "%s/%s/%s", rt->state, part, lower);
}

void rt_mailbox_dir(const struct runtime *rt, const char *address, char out[PATH_MAX])
{
    user_dir(rt, "mail", address, out);
}

void rt_client_dir(const struct runtime *rt, const char *address, char out[PATH_MAX])
{
    user_dir(rt, "client", address, out);
}

void rt_queue_dir(const struct runtime *rt, const char *node, char out[PATH_MAX])
{
    snprintf(out, PATH_MAX, "%s/queue/%s", rt->state, node);
}

void rt_world_path(const struct runtime *rt, const char *name, char out[PATH_MAX])
{
    const char *wp = rt->world->path;
    const char *slash = strrchr(wp, '/');
    if (name[0] == '/' || !slash)
        snprintf(out, PATH_MAX, "%s", name);
    else
        snprintf(out, PATH_MAX, "%.*s/%s", (int)(slash - wp), wp, name);
}

void rt_script_path(const struct runtime *rt, const char *script, char out[PATH_MAX])
{
    if (!strchr(script, '/'))
        snprintf(out, PATH_MAX, "%s/scripts/%s", rt->datadir, script);
    else
        rt_world_path(rt, script, out);
}

static struct vserver *server_for(struct runtime *rt, const struct world_node *node,
                                  const struct world_service *svc, const char *client,
                                  char err[RT_ERROR_MAX])
{
    for (size_t i = 0; i < rt->n_servers; i++) {
        struct vserver *v = rt->servers[i];
        if (srv_node(v) == node && srv_service(v) == svc &&
            (svc || strcmp(srv_script(v), client) == 0))
            return v;
    }
    struct vserver **v = realloc(rt->servers, (rt->n_servers + 1) * sizeof *v);
    if (!v) {
        snprintf(err, RT_ERROR_MAX, "out of memory");
        return NULL;
    }
    rt->servers = v;
    struct vserver *s = srv_new(rt, node, svc, client, err);
    if (!s)
        return NULL;
    rt->servers[rt->n_servers++] = s;
    return s;
}

struct vserver *rt_server(struct runtime *rt, const struct world_node *node,
                          const struct world_service *svc, char err[RT_ERROR_MAX])
{
    return server_for(rt, node, svc, NULL, err);
}

struct vserver *rt_client(struct runtime *rt, const struct world_node *node,
                          const char *script, char err[RT_ERROR_MAX])
{
    return server_for(rt, node, NULL, script, err);
}

int rt_start_all(struct runtime *rt, char err[RT_ERROR_MAX])
{
    const struct world *w = rt->world;
    for (size_t i = 0; i < w->n_nodes; i++) {
        const struct world_node *n = &w->nodes[i];
        bool mail = false;
        for (size_t k = 0; k < n->n_services; k++) {
            if (!rt_server(rt, n, &n->services[k], err))
                return -1;
            mail = mail || strcmp(n->services[k].name, "smtp") == 0;
        }
        /* a mail server relays, the student's PC sends and fetches */
        bool pc = w->student && strcmp(n->name, w->student) == 0;
        if ((mail || pc) && !rt_client(rt, n, "smtp_client.lua", err))
            return -1;
        if (pc && !rt_client(rt, n, "pop3_client.lua", err))
            return -1;
    }
    return 0;
}

int rt_rebase(struct runtime *rt, const char *state_root, char err[RT_ERROR_MAX])
{
    close_log(rt);
    rt->log_size = 0;
    rt->ids_saved_up_to = 0;            /* nothing of the counter is on this disk */
    return set_state(rt, state_root, err);
}

/* Scripts' tutor.log lines go to STATE/server.log, like a real server's
 * maillog, so they do not interrupt a dialogue; errors go to the screen. */
static void notice_to_screen(void *ctx, const char *kind, const char *text)
{
    struct runtime *rt = ctx;
    if (strcmp(kind, "log") != 0)
        term_error("%s", text);
    else
        rt_append_log(rt, text);
}

void rt_notices_to_screen(struct runtime *rt)
{
    rt->notice = notice_to_screen;
    rt->notice_ctx = rt;
}

void rt_notice(struct runtime *rt, const char *kind, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (rt->notice)
        rt->notice(rt->notice_ctx, kind, text);
    else
        fprintf(stderr, "tutor: %s\n", text);
}
