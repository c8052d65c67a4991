/* addr — see addr.h. */
#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int addr_parse_ipv4(const char *s, uint32_t *out)
{
    struct in_addr in;
    /* inet_pton takes only the strict dotted-quad form, unlike inet_aton,
     * which would read "1" or "0x7f.1" as addresses. */
    if (!s || inet_pton(AF_INET, s, &in) != 1)
        return -1;
    *out = ntohl(in.s_addr);
    return 0;
}

int addr_parse_prefix(const char *s, struct ipv4_prefix *out)
{
    char buf[ADDR_PREFIX_STRLEN];
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash || (size_t)(slash - s) >= ADDR_IPV4_STRLEN)
        return -1;
    memcpy(buf, s, (size_t)(slash - s));
    buf[slash - s] = '\0';
    const char *len = slash + 1;
    if (len[0] < '0' || len[0] > '9' || strlen(len) > 2)
        return -1;
    char *end;
    long n = strtol(len, &end, 10);
    if (*end || n < 0 || n > 32)
        return -1;
    if (addr_parse_ipv4(buf, &out->addr) < 0)
        return -1;
    out->len = (int)n;
    return 0;
}

char *addr_format_ipv4(uint32_t a, char buf[ADDR_IPV4_STRLEN])
{
    snprintf(buf, ADDR_IPV4_STRLEN, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
             (a >> 8) & 0xff, a & 0xff);
    return buf;
}

uint32_t addr_mask(int len)
{
    return len <= 0 ? 0 : len >= 32 ? 0xffffffffu : ~(0xffffffffu >> len);
}

bool addr_in_prefix(uint32_t a, const struct ipv4_prefix *p)
{
    uint32_t m = addr_mask(p->len);
    return (a & m) == (p->addr & m);
}
