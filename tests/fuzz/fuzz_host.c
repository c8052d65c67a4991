/* fuzz_host — see fuzz_host.h. */
#include "fuzz_host.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsutil.h"
#include "host/server.h"
#include "host/session.h"

#define DEFAULT_WORLD "tutor/world/default.json"

struct world *fuzz_world;
struct runtime fuzz_rt;

static const char *name = "fuzz";
static char root[64];
static unsigned inputs;

static void quiet(void *ctx, const char *kind, const char *text)
{
    (void)ctx;
    (void)kind;
    (void)text;
}

static void cleanup(void)
{
    rt_close(&fuzz_rt);
    world_free(fuzz_world);
    char ferr[FS_ERROR_MAX];
    fs_remove_tree(root, ferr);
}

static const char *shm_or_tmp(void)
{
    struct stat st;
    return stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
}

void fuzz_host_open(const char *harness)
{
    name = harness;
    char err[RT_ERROR_MAX];
    if (!(fuzz_world = world_load(DEFAULT_WORLD, err))) {
        fprintf(stderr, "%s: %s (run from the repository root)\n", name, err);
        exit(1);
    }
    snprintf(root, sizeof root, "%s/tutor-%s-XXXXXX", shm_or_tmp(), name);
    if (!mkdtemp(root)) {
        perror(name);
        exit(1);
    }
    if (rt_open(&fuzz_rt, fuzz_world, ".", root, err) < 0) {
        fprintf(stderr, "%s: rt_open: %s\n", name, err);
        exit(1);
    }
    fuzz_rt.notice = quiet;
    atexit(cleanup);
}

void fuzz_host_tick(void)
{
    if (++inputs % FUZZ_HOST_RESET_EVERY != 0)
        return;
    char err[RT_ERROR_MAX];
    if (rt_reset(&fuzz_rt, err) < 0) {
        fprintf(stderr, "%s: rt_reset: %s\n", name, err);
        exit(1);
    }
}

uint32_t fuzz_host_addr(const char *node)
{
    const struct world_node *n = world_node(fuzz_world, node);
    uint32_t a = n ? world_node_addr(n) : 0;
    if (!a) {
        fprintf(stderr, "%s: no node %s in %s\n", name, node, DEFAULT_WORLD);
        exit(1);
    }
    return a;
}

struct vserver *fuzz_host_server(const char *host, const char *service)
{
    char err[RT_ERROR_MAX] = "no such host";
    const struct world_node *n = world_host_by_name(fuzz_world, host);
    const struct world_service *svc = n ? world_service(n, service) : NULL;
    struct vserver *srv = svc ? rt_server(&fuzz_rt, n, svc, err) : NULL;
    if (!srv) {
        fprintf(stderr, "%s: %s %s: %s\n", name, host, service, err);
        exit(1);
    }
    return srv;
}

static void script_failed(struct session *s, const char *after)
{
    fprintf(stderr, "%s: the script failed after %s%s%s: %s\n", name, after ? "\"" : "",
            after ? after : "the connection", after ? "\"" : "", session_failed(s));
    abort();
}

/* Takes and checks every line the server has sent since the last call. */
static void replies(struct session *s, const char *after, fuzz_reply_check *check)
{
    char *l;
    int first = 1;
    while ((l = session_pop(s))) {
        check(l, after, first);
        first = 0;
        free(l);
    }
    if (session_failed(s))
        script_failed(s, after);
}

void fuzz_host_dialogue(struct vserver *srv, int server_port, int socket,
                        const uint8_t *data, size_t size, fuzz_reply_check *check)
{
    const struct world_node *pc = world_node(fuzz_world, "pc1");
    const struct world_node *node = srv_node(srv);
    struct session_endpoint client = {
        .addr = socket ? 0x7f000001 : world_node_addr(pc),
        .port = 49152,
        .name = socket ? NULL : pc->hostname,
        .addr_text = socket ? "127.0.0.1" : NULL,
        .socket = socket,
    };
    struct session_endpoint server = {
        .addr = world_node_addr(node), .port = server_port, .name = node->hostname,
    };
    struct session *s = session_open(srv, &client, &server);
    if (!s)
        return;                         /* out of memory */
    replies(s, NULL, check);
    char *line = malloc(size + 1);
    if (!line) {
        session_end(s);
        return;
    }
    size_t at = 0;
    while (at < size && !session_over(s)) {
        const uint8_t *lf = memchr(data + at, '\n', size - at);
        size_t end = lf ? (size_t)(lf - data) : size;
        size_t len = end - at;
        bool bare = lf != NULL;
        if (lf && len && data[end - 1] == '\r') {
            len--;
            bare = false;
        }
        memcpy(line, data + at, len);
        line[len] = '\0';
        session_input_line(s, line, len, bare);
        replies(s, line, check);
        at = lf ? end + 1 : size;
    }
    free(line);
    session_end(s);
}

static char scratch[96];

static void remove_scratch(void)
{
    unlink(scratch);
}

const char *fuzz_scratch_file(const char *harness, const uint8_t *data, size_t size)
{
    if (!scratch[0]) {
        snprintf(scratch, sizeof scratch, "%s/tutor-%s-XXXXXX", shm_or_tmp(), harness);
        int fd = mkstemp(scratch);
        if (fd < 0) {
            perror(harness);
            exit(1);
        }
        close(fd);
        atexit(remove_scratch);
    }
    FILE *f = fopen(scratch, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror(scratch);
        exit(1);
    }
    return scratch;
}

void fuzz_check_refusal(const char *harness, const char *path, const char *err)
{
    const char *why = NULL;
    if (!err[0])
        why = "a refusal without a reason";
    else if (strncmp(err, path, strlen(path)) != 0)
        why = "a message that does not start with the file's name";
    else if (strchr(err, '\n'))
        why = "a message of more than one line";
    if (why) {
        fprintf(stderr, "%s: %s\n--- err: %s\n", harness, why, err);
        abort();
    }
}
