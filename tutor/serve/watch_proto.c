/* watch_proto — see watch_proto.h. */
#include "watch_proto.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void wproto_path(const char *state_root, char out[PATH_MAX])
{
    snprintf(out, PATH_MAX, "%s/%s", state_root, WATCH_SOCKET_NAME);
}

int wproto_address(const char *state_root, struct sockaddr_un *sa, socklen_t *len, int *dirfd)
{
    char path[PATH_MAX];
    wproto_path(state_root, path);
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    *dirfd = -1;
    if (strlen(path) >= sizeof sa->sun_path) {
        /* a deep home folder: Linux follows /proc/self/fd/N to the folder
         * itself, so the name is short whatever the folder's is (rejected:
         * chdir, which would move a process that has relative paths) */
        *dirfd = open(state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (*dirfd < 0)
            return -1;
        snprintf(path, sizeof path, "/proc/self/fd/%d/%s", *dirfd, WATCH_SOCKET_NAME);
    }
    memcpy(sa->sun_path, path, strlen(path) + 1);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
    return 0;
}
