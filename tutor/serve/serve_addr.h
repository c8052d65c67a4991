/*
 * serve_addr — the listener addresses of `tutor serve`: "[HOST=]ADDR:PORT"
 * with ADDR an IPv4 address, "[IPv6]" or "localhost" (127.0.0.1 when left
 * out, so "2525" and ":2525" mean 127.0.0.1:2525), and the text of a peer's
 * address for logs and for the scripts. "localhost" is 127.0.0.1 and ::1
 * both, as /etc/hosts has it: a real "telnet localhost 2525" tries ::1
 * first.
 */
#ifndef TUTOR_SERVE_ADDR_H
#define TUTOR_SERVE_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

#define SERVE_ADDR_TEXT_MAX (INET6_ADDRSTRLEN + 8)     /* "[addr]:65535" */

struct listen_spec {
    char host[256];                     /* "mail.b.example" of HOST=, or "" */
    struct sockaddr_storage sa;
    socklen_t sa_len;
    bool localhost;                     /* "localhost": ::1 is wanted too */
};

/* Parses `text`. 0, or -1 with err saying what is wrong with it. */
int listen_spec_parse(const char *text, struct listen_spec *out, char err[256]);

/* "127.0.0.1" or "::1" into addr (INET6_ADDRSTRLEN), the port into *port,
 * and "127.0.0.1:2525" or "[::1]:2525" into text (SERVE_ADDR_TEXT_MAX). An
 * IPv4 client of an IPv6 socket (::ffff:a.b.c.d) is shown as IPv4. Returns
 * the IPv4 address in host order, 0 for IPv6. */
unsigned long sockaddr_describe(const struct sockaddr *sa, char *addr, int *port, char *text);

#endif
