/*
 * tcplwip - a TCP server or client on lwIP, the userspace stack, attached
 * to a TAP device the harness provides, driven over the control protocol
 * on stdin/stdout (docs/control-protocol.md).
 *
 *   tcplwip server|client TAP ADDR
 *
 * lwIP attaches to the existing TAP device (tap.c) with address ADDR. The
 * netmask is the whole lab range, so every lab address is on the link and
 * found with ARP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

#include "json.h"
#include "tcplwip.h"

#define MAX_LINE 65536

extern bool quit_requested;

static struct netif netif;
static enum role role;

static void stack_ready(void *arg)
{
    sys_sem_signal((sys_sem_t *)arg);
}

static void start_stack(const char *tap, const char *addr)
{
    ip4_addr_t ip, mask;
    sys_sem_t ready;

    if (!ip4addr_aton(addr, &ip)) {
        fprintf(stderr, "tcplwip: %s is not an IPv4 address (this program speaks IPv4 only)\n", addr);
        exit(2);
    }
    IP4_ADDR(&mask, 255, 254, 0, 0);
    if (sys_sem_new(&ready, 0) != ERR_OK)
        abort();
    tcpip_init(stack_ready, &ready);
    sys_sem_wait(&ready);
    sys_sem_free(&ready);
    tap_attach(&netif, tap, &ip, &mask);
    LOCK_TCPIP_CORE();
    selfreport_start();
    UNLOCK_TCPIP_CORE();
}

/* The controller went away: nobody is left to judge us. */
static void stdout_failed(int err)
{
    (void)err;
    _exit(1);
}

static void announce_ready(void)
{
    LOCK_TCPIP_CORE();
    begin_event("ready", 0);
    put_str("role", role == ROLE_SERVER ? "server" : "client");
    put_int("pid", getpid());
    put_int("protocol", PROTOCOL_VERSION);
    jw_key(&out, "ops");
    jw_begin_array(&out);
    for (const char *const *op = ops_supported(); *op; op++)
        jw_cstring(&out, *op);
    jw_end_array(&out);
    put_str("stack", "lwIP " LWIP_VERSION_STRING);
    end_message();
    UNLOCK_TCPIP_CORE();
}

static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* One request line; called with the core lock held. */
static void handle_line(char *line, size_t len)
{
    struct json_doc doc;
    char err[256];

    if (len && line[len - 1] == '\r')
        len--;
    if (blank(line, len))
        return;
    line[len] = '\0';
    bool parsed = json_parse_object(line, len, &doc, err, sizeof err);
    const struct json_value *id = json_get(&doc.root, "id");
    const int64_t *idp = id && id->type == JSON_INT ? &id->integer : NULL;
    if (!parsed) {
        reply_error(idp, "bad-request", "invalid JSON: %s", err);
        return;
    }
    if (!idp) {
        reply_error(NULL, "bad-request", "a request needs an integer \"id\"");
        return;
    }
    const struct json_value *op = json_get(&doc.root, "op");
    if (!op || op->type != JSON_STRING) {
        reply_error(idp, "bad-request", "a request needs a string \"op\"");
        return;
    }
    struct request r = { .id = *idp, .op = op->str, .obj = &doc.root };
    handle_request(&r);
}

static int usage(FILE *to, int status)
{
    fprintf(to, "usage: tcplwip server|client TAP-DEVICE IPV4-ADDRESS\n"
                "  A TCP endpoint on lwIP " LWIP_VERSION_STRING " attached to an existing TAP device,\n"
                "  driven by the tcpconform control protocol on stdin/stdout.\n");
    return status;
}

int main(int argc, char **argv)
{
    static char buf[MAX_LINE + 2];
    size_t used = 0;
    bool overlong = false;

    if (argc == 2 && strcmp(argv[1], "--help") == 0)
        return usage(stdout, 0);
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("%d\n", PROTOCOL_VERSION);
        return 0;
    }
    if (argc != 4 || (strcmp(argv[1], "server") != 0 && strcmp(argv[1], "client") != 0))
        return usage(stderr, 2);
    role = strcmp(argv[1], "server") == 0 ? ROLE_SERVER : ROLE_CLIENT;
    ops_init(role);
    set_stdout_failed(stdout_failed);
    start_stack(argv[2], argv[3]);
    announce_ready();

    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf + used, MAX_LINE + 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += (size_t)n;
        size_t start = 0;
        LOCK_TCPIP_CORE();
        for (size_t i = 0; i < used; i++) {
            if (buf[i] != '\n')
                continue;
            if (overlong)
                overlong = false;
            else
                handle_line(buf + start, i - start);
            start = i + 1;
            if (quit_requested)
                break;
        }
        selfreport_scan();
        UNLOCK_TCPIP_CORE();
        if (quit_requested)
            return 0;
        memmove(buf, buf + start, used - start);
        used -= start;
        if (used > MAX_LINE) {
            if (!overlong) {
                LOCK_TCPIP_CORE();
                reply_error(NULL, "bad-request", "request line longer than %d bytes", MAX_LINE);
                UNLOCK_TCPIP_CORE();
            }
            overlong = true;
            used = 0;
        }
    }
    LOCK_TCPIP_CORE();
    close_everything();
    selfreport_scan();
    UNLOCK_TCPIP_CORE();
    return 0;
}
