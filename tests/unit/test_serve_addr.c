/* test_serve_addr — the listener addresses of `tutor serve`, as typed. */
#include "unit.h"

#include <arpa/inet.h>
#include <string.h>

#include "serve/serve_addr.h"

/* Parses `text` and describes what came out: "127.0.0.1:2525". */
static void parsed(const char *text, const char *want_host, const char *want)
{
    struct listen_spec s;
    char err[256], addr[INET6_ADDRSTRLEN], desc[SERVE_ADDR_TEXT_MAX];
    int port;
    assert_int_equal(listen_spec_parse(text, &s, err), 0);
    assert_string_equal(s.host, want_host);
    sockaddr_describe((struct sockaddr *)&s.sa, addr, &port, desc);
    assert_string_equal(desc, want);
}

static void refused(const char *text, const char *says)
{
    struct listen_spec s;
    char err[256] = "";
    assert_int_equal(listen_spec_parse(text, &s, err), -1);
    if (!strstr(err, says))
        fail_msg("\"%s\": error \"%s\" does not say \"%s\"", text, err, says);
}

static void test_forms(void **state)
{
    (void)state;
    parsed("127.0.0.1:2525", "", "127.0.0.1:2525");
    parsed("2525", "", "127.0.0.1:2525");          /* ADDR defaults to loopback */
    parsed(":2525", "", "127.0.0.1:2525");
    parsed("localhost:110", "", "127.0.0.1:110");
    parsed("0.0.0.0:25", "", "0.0.0.0:25");         /* a classroom: every interface */
    parsed("[::1]:5300", "", "[::1]:5300");
    parsed("[::]:0", "", "[::]:0");                 /* port 0: the system picks */
    parsed("mail.b.example=127.0.0.1:2526", "mail.b.example", "127.0.0.1:2526");
    parsed("ns.b.example=[::1]:53", "ns.b.example", "[::1]:53");
}

static void test_bad_addresses(void **state)
{
    (void)state;
    refused("127.0.0.1:99999", "not a port");
    refused("127.0.0.1:", "not a port");
    refused("127.0.0.1:25x", "not a port");
    refused("999.1.1.1:25", "not an IPv4 address");
    refused("mail.a.example:25", "not an IPv4 address");    /* names are not looked up */
    refused("::1:25", "[ADDR]:PORT");
    refused("[::1]25", "[ADDR]:PORT");
    refused("[::g]:25", "not an IPv6 address");
    refused("=127.0.0.1:25", "HOST=");
}

static void test_mapped_ipv4_peer(void **state)
{
    (void)state;
    /* an IPv4 client of a dual-stack socket is shown, and given, as IPv4 */
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(40000)};
    inet_pton(AF_INET6, "::ffff:192.0.2.7", &s6.sin6_addr);
    char addr[INET6_ADDRSTRLEN], desc[SERVE_ADDR_TEXT_MAX];
    int port;
    unsigned long v4 = sockaddr_describe((struct sockaddr *)&s6, addr, &port, desc);
    assert_string_equal(addr, "192.0.2.7");
    assert_string_equal(desc, "192.0.2.7:40000");
    assert_int_equal(port, 40000);
    assert_int_equal(v4, 0xC0000207UL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_bad_addresses),
        cmocka_unit_test(test_mapped_ipv4_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
