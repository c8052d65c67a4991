/* idn — see idn.h. */
#include "idn.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

static bool ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

int idn_to_ascii(const char *name, char *out, size_t size, char err[IDN_ERROR_MAX])
{
    if (ascii(name)) {
        if (strlen(name) >= size) {
            snprintf(err, IDN_ERROR_MAX, "the name is too long");
            return -1;
        }
        memcpy(out, name, strlen(name) + 1);
        return 0;
    }
    char *a = NULL;
    int rc = idn2_to_ascii_8z(name, &a, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc != IDN2_OK) {
        snprintf(err, IDN_ERROR_MAX, "%s", idn2_strerror(rc));
        return -1;
    }
    bool fits = strlen(a) < size;
    if (fits)
        memcpy(out, a, strlen(a) + 1);
    else
        snprintf(err, IDN_ERROR_MAX, "the name is too long");
    idn2_free(a);
    return fits ? 0 : -1;
}
