/*
 * fsutil — files that survive a crash: directories made as needed, and
 * whole files written to a temporary name, fsync'd and renamed into place,
 * so a reader sees the old file or the new one, never half of either.
 */
#ifndef TUTOR_FSUTIL_H
#define TUTOR_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

#define FS_ERROR_MAX 256

/* mkdir -p with mode 0700. 0, or -1 with the reason in err. */
int fs_mkdirs(const char *path, char err[FS_ERROR_MAX]);

/* Writes `len` bytes to `path` atomically and durably (temporary file in the
 * same folder, fsync, rename, fsync of the folder). 0, or -1 with err. */
int fs_write_atomic(const char *path, const void *data, size_t len, char err[FS_ERROR_MAX]);

/* fsync(2), unless durability is off: a replay for grading writes a
 * world nobody keeps, and a disk flush per command would be most of its
 * cost. On by default. */
void fs_set_durable(bool on);
int fs_fsync(int fd);

/* fsync a directory, so a rename into it is on disk. */
int fs_sync_dir(const char *dir);

/* Reads a whole file. New buffer (caller frees), NUL-terminated; NULL with
 * errno set when it cannot. `len` may be NULL. */
char *fs_read_file(const char *path, size_t *len);

/* rm -r; 0, or -1 with err. A missing path is not an error. */
int fs_remove_tree(const char *path, char err[FS_ERROR_MAX]);

#endif
