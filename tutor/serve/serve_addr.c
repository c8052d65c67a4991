/* serve_addr — see serve_addr.h. */
#include "serve_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *p, char err[256])
{
    char *end;
    errno = 0;
    long n = strtol(p, &end, 10);
    /* port 0 lets the system choose; the ready line then tells which */
    if (!*p || *end || errno || n < 0 || n > 65535) {
        snprintf(err, 256, "\"%s\" is not a port (0 to 65535)", p);
        return -1;
    }
    return (int)n;
}

int listen_spec_parse(const char *text, struct listen_spec *out, char err[256])
{
    memset(out, 0, sizeof *out);
    const char *eq = strchr(text, '=');
    if (eq) {
        size_t n = (size_t)(eq - text);
        if (n == 0 || n >= sizeof out->host) {
            snprintf(err, 256, "\"%s\": HOST= wants a host name of the world", text);
            return -1;
        }
        memcpy(out->host, text, n);
        out->host[n] = '\0';
        text = eq + 1;
    }
    char addr[INET6_ADDRSTRLEN + 2] = "127.0.0.1";
    const char *port;
    bool v6 = false;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof addr) {
            snprintf(err, 256, "\"%s\": an IPv6 address is written [ADDR]:PORT", text);
            return -1;
        }
        memcpy(addr, text + 1, (size_t)(close - text - 1));
        addr[close - text - 1] = '\0';
        port = close + 2;
        v6 = true;
    } else {
        const char *colon = strrchr(text, ':');
        if (colon && strchr(text, ':') != colon) {
            snprintf(err, 256, "\"%s\": an IPv6 address is written [ADDR]:PORT", text);
            return -1;
        }
        if (colon && colon != text) {
            if ((size_t)(colon - text) >= sizeof addr) {
                snprintf(err, 256, "\"%s\": no such address", text);
                return -1;
            }
            memcpy(addr, text, (size_t)(colon - text));
            addr[colon - text] = '\0';
        }
        port = colon ? colon + 1 : text;
        if (strcmp(addr, "localhost") == 0) {
            strcpy(addr, "127.0.0.1");
            out->localhost = true;
        }
    }
    int p = parse_port(port, err);
    if (p < 0)
        return -1;
    if (v6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->sa;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)p);
        if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1) {
            snprintf(err, 256, "\"%s\" is not an IPv6 address", addr);
            return -1;
        }
        out->sa_len = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&out->sa;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)p);
        if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1) {
            snprintf(err, 256, "\"%s\" is not an IPv4 address (an IPv6 one goes in [ ])", addr);
            return -1;
        }
        out->sa_len = sizeof *s4;
    }
    return 0;
}

unsigned long sockaddr_describe(const struct sockaddr *sa, char *addr, int *port, char *text)
{
    unsigned long v4 = 0;
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        *port = ntohs(s6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
            const unsigned char *b = s6->sin6_addr.s6_addr + 12;
            v4 = (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 | (unsigned long)b[2] << 8 | b[3];
            inet_ntop(AF_INET, b, addr, INET6_ADDRSTRLEN);
            snprintf(text, SERVE_ADDR_TEXT_MAX, "%s:%d", addr, *port);
        } else {
            inet_ntop(AF_INET6, &s6->sin6_addr, addr, INET6_ADDRSTRLEN);
            snprintf(text, SERVE_ADDR_TEXT_MAX, "[%s]:%d", addr, *port);
        }
        return v4;
    }
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
    *port = ntohs(s4->sin_port);
    inet_ntop(AF_INET, &s4->sin_addr, addr, INET6_ADDRSTRLEN);
    snprintf(text, SERVE_ADDR_TEXT_MAX, "%s:%d", addr, *port);
    return ntohl(s4->sin_addr.s_addr);
}
