/*
 * control.c - the control-protocol engine shared by tcpref-server and
 * tcpref-client.
 *
 * One thread, one poll(2) loop over stdin and the sockets that have work
 * pending. Every socket is non-blocking; an operation that cannot finish at
 * once (accept, a connect that waits, a send larger than the send buffer, a
 * recv) is queued on its handle and advanced whenever poll says the socket is
 * ready, and its reply is written when it finishes. So replies can come out
 * of request order, while stdin is always served.
 *
 * The engine never touches a socket on its own initiative: it reads only for
 * a pending recv and accepts only for a pending accept. Conformance specs
 * depend on that (unread data must stay unread so that close() sends RST;
 * unaccepted connections must stay in the backlog).
 *
 * The protocol is documented in docs/control-protocol.md.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4, SOCK_NONBLOCK, struct tcp_info */
#endif

#include "control.h"
#include "errname.h"
#include "json.h"
#include "message.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/* Longest request line, not counting its newline. */
#define LINE_MAX_BYTES 65536
/* Bytes moved per send(2)/recv(2) call. */
#define IO_CHUNK 65536
/* System calls one queued operation may make per wakeup, so that a socket
 * that is always ready cannot starve stdin and the other sockets. */
#define STEP_BUDGET 16
/* Most received bytes a recv with "capture" hands back. */
#define CAPTURE_MAX 65536
/* Default listen(2) backlog. */
#define DEFAULT_BACKLOG 16

/* ---- data ---- */

enum op_kind { OP_ACCEPT, OP_CONNECT, OP_SEND, OP_RECV };
enum recv_mode { RECV_ANY, RECV_BYTES, RECV_EOF };
enum step { STEP_WAIT, STEP_DONE };

/* A request that could not finish at once. */
struct op {
    struct op *next;
    enum op_kind kind;
    int64_t id;     /* request id, for the reply */
    bool notify;    /* connect with wait:false: finish with an event instead */
    bool failed;    /* connect: finished with an error */
    /* send */
    char *data;     /* text to send, or NULL for the byte pattern */
    uint64_t total, done;
    /* recv */
    enum recv_mode mode;
    uint64_t want, got;
    bool capture;
    char *captured;
    size_t ncaptured;
    bool truncated;
};

struct queue {
    struct op *head, *tail;
};

enum handle_kind { H_LISTENER, H_STREAM };

/* A socket the controller knows by its handle number. */
struct handle {
    int64_t id;
    int fd;
    enum handle_kind kind;
    struct queue rq; /* accepts (listener) or recvs (stream), in order */
    struct queue wq; /* a connect, then sends, in order */
};

typedef void op_fn(const struct request *r);

struct op_def {
    const char *name;
    op_fn *fn;
    bool server_only;
    const char *fields[8]; /* allowed besides id and op; NULL-terminated */
};

static enum control_role role;
static struct handle **handles; /* in creation order */
static size_t nhandles, handles_cap;
static int64_t next_handle_id = 1;

static bool exiting;        /* closing everything on the way out */

static char inbuf[LINE_MAX_BYTES + 1]; /* one full line plus its newline */
static size_t inlen;
static bool discarding; /* skipping the rest of an over-long line */

static const char *progname(void)
{
    return role == CONTROL_SERVER ? "tcpref-server" : "tcpref-client";
}

_Noreturn static void out_of_memory(void)
{
    fprintf(stderr, "%s: out of memory\n", progname());
    exit(70);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p)
        out_of_memory();
    return p;
}

_Noreturn static void finish(int status, const char *why);

/* ---- output (message.c writes the lines) ---- */

/* Our controller stopped reading. Replies written while closing everything
 * on the way out are dropped without a word. */
static void stdout_failed(int err)
{
    if (exiting)
        return;
    fprintf(stderr, "%s: cannot write to stdout: %s\n", progname(), strerror(err));
    finish(1, "stdout is closed");
}

/* ---- addresses ---- */

/* "1.2.3.4:80" or "[::1]:80". */
static bool format_sockaddr(const struct sockaddr_storage *ss, char *buf, size_t size)
{
    char host[INET6_ADDRSTRLEN];

    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        if (!inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host))
            return false;
        snprintf(buf, size, "%s:%u", host, ntohs(sin->sin_port));
        return true;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        if (!inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host))
            return false;
        snprintf(buf, size, "[%s]:%u", host, ntohs(sin6->sin6_port));
        return true;
    }
    return false;
}

static void put_sockaddr(const char *key, const struct sockaddr_storage *ss)
{
    char text[INET6_ADDRSTRLEN + 16];
    if (format_sockaddr(ss, text, sizeof text))
        put_str(key, text);
}

/* The local or peer address of fd; left out when the kernel has none (for
 * example a peer address after the connection was reset). */
static void put_endpoint(const char *key, int fd, bool peer)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                  : getsockname(fd, (struct sockaddr *)&ss, &len);
    if (rc == 0)
        put_sockaddr(key, &ss);
}

/* Fills ss from an IPv4 or IPv6 literal; false when text is neither. */
static bool make_sockaddr(const struct json_value *text, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof *ss);
    if (strlen(text->str) != text->len) /* an embedded \u0000 */
        return false;
    if (inet_pton(AF_INET, text->str, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        *len = sizeof *sin;
        return true;
    }
    if (inet_pton(AF_INET6, text->str, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        *len = sizeof *sin6;
        return true;
    }
    return false;
}

/* The wildcard address of family, with port. */
static void make_wildcard(int family, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_addr.s_addr = htonl(INADDR_ANY);
        sin->sin_port = htons((uint16_t)port);
        *len = sizeof *sin;
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_addr = in6addr_any;
        sin6->sin6_port = htons((uint16_t)port);
        *len = sizeof *sin6;
    }
}

/* A non-blocking TCP socket of family, with SO_REUSEADDR so that a port
 * left in TIME_WAIT by the previous scenario can be bound again, and
 * IPV6_V6ONLY so that an IPv6 socket never answers for IPv4. */
static int open_socket(int family)
{
    int one = 1;
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

/* ---- handles and queued operations ---- */

static struct handle *handle_new(int fd, enum handle_kind kind)
{
    struct handle *h = xcalloc(1, sizeof *h);

    if (nhandles == handles_cap) {
        size_t cap = handles_cap ? handles_cap * 2 : 16;
        struct handle **grown = realloc(handles, cap * sizeof *grown);
        if (!grown)
            out_of_memory();
        handles = grown;
        handles_cap = cap;
    }
    h->id = next_handle_id++;
    h->fd = fd;
    h->kind = kind;
    handles[nhandles++] = h;
    return h;
}

static struct handle *handle_find(int64_t id)
{
    for (size_t i = 0; i < nhandles; i++)
        if (handles[i]->id == id)
            return handles[i];
    return NULL;
}

/* The most recently opened listener that is still open. */
static struct handle *last_listener(void)
{
    for (size_t i = nhandles; i-- > 0;)
        if (handles[i]->kind == H_LISTENER)
            return handles[i];
    return NULL;
}

static struct op *op_new(enum op_kind kind, int64_t id)
{
    struct op *op = xcalloc(1, sizeof *op);
    op->kind = kind;
    op->id = id;
    return op;
}

static void op_free(struct op *op)
{
    free(op->data);
    free(op->captured);
    free(op);
}

static void queue_push(struct queue *q, struct op *op)
{
    op->next = NULL;
    if (q->tail)
        q->tail->next = op;
    else
        q->head = op;
    q->tail = op;
}

static struct op *queue_pop(struct queue *q)
{
    struct op *op = q->head;
    if (op) {
        q->head = op->next;
        if (!q->head)
            q->tail = NULL;
    }
    return op;
}

/* Answers a queued request whose handle went away. A wait:false connect has
 * already been answered, and the controller closed the handle itself, so it
 * gets nothing more. */
static void cancel_op(const struct handle *h, const struct op *op, const char *why)
{
    if (op->notify)
        return;
    begin_reply(op->id, false);
    put_str("error", "cancelled");
    put_fmt("message", "handle %" PRId64 " was closed before the operation finished (%s)", h->id, why);
    if (op->kind == OP_SEND)
        put_uint("sent", op->done);
    else if (op->kind == OP_RECV)
        put_uint("received", op->got);
    end_message();
}

static void cancel_queue(const struct handle *h, struct queue *q, const char *why)
{
    struct op *op;
    while ((op = queue_pop(q)) != NULL) {
        cancel_op(h, op, why);
        op_free(op);
    }
}

/* Cancels what is queued, closes the socket and forgets the handle. Returns
 * 0 or the errno of close(2) (the descriptor is released either way). */
static int handle_destroy(struct handle *h, const char *why)
{
    int err = 0;

    cancel_queue(h, &h->wq, why);
    cancel_queue(h, &h->rq, why);
    if (close(h->fd) < 0 && errno != EINTR)
        err = errno;
    for (size_t i = 0; i < nhandles; i++) {
        if (handles[i] == h) {
            memmove(&handles[i], &handles[i + 1], (nhandles - i - 1) * sizeof *handles);
            nhandles--;
            break;
        }
    }
    free(h);
    return err;
}

/* Closes every socket, answering whatever is still pending, then exits. */
_Noreturn static void finish(int status, const char *why)
{
    exiting = true;
    while (nhandles > 0)
        handle_destroy(handles[nhandles - 1], why);
    exit(status);
}

/* ---- advancing queued operations ---- */

static enum step step_accept(struct handle *h, struct op *op)
{
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        int fd = accept4(h->fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd >= 0) {
            struct handle *c = handle_new(fd, H_STREAM);
            begin_reply(op->id, true);
            put_int("conn", c->id);
            put_sockaddr("peer", &peer);
            put_endpoint("local", fd, false);
            end_message();
            return STEP_DONE;
        }
        /* A connection that was reset while queued is not ours to report:
         * wait for the next one, as a blocking accept would. */
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return STEP_WAIT;
        reply_errno(op->id, errno);
        return STEP_DONE;
    }
}

static void put_connected(const struct handle *h)
{
    put_endpoint("local", h->fd, false);
    put_endpoint("peer", h->fd, true);
}

/* Reports the outcome of a connect, as a reply or (wait:false) an event. */
static void report_connect(const struct handle *h, const struct op *op, int err)
{
    if (op->notify) {
        begin_event(err ? "connect-failed" : "connected", h->id);
        if (err)
            put_errno(err);
        else
            put_connected(h);
    } else if (err) {
        begin_reply(op->id, false);
        put_errno(err);
    } else {
        begin_reply(op->id, true);
        put_int("conn", h->id);
        put_connected(h);
    }
    end_message();
}

static enum step step_connect(struct handle *h, struct op *op)
{
    /* Poll the socket itself: this step also runs when the connect was just
     * queued or when another queue of the handle woke us, and SO_ERROR is 0
     * while the handshake is still in flight. */
    struct pollfd pfd = { .fd = h->fd, .events = POLLOUT };
    int err = 0;
    socklen_t len = sizeof err;

    if (poll(&pfd, 1, 0) <= 0)
        return STEP_WAIT;
    if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    op->failed = err != 0;
    report_connect(h, op, err);
    return STEP_DONE;
}

/* a..z repeated, long enough to send IO_CHUNK bytes from any phase. */
static char pattern[IO_CHUNK + 26];

static void fill_pattern(void)
{
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (char)('a' + i % 26);
}

static enum step send_done(const struct op *op)
{
    begin_reply(op->id, true);
    put_uint("sent", op->done);
    end_message();
    return STEP_DONE;
}

static enum step step_send(struct handle *h, struct op *op)
{
    for (int i = 0; i < STEP_BUDGET; i++) {
        uint64_t left = op->total - op->done;
        size_t len = left < IO_CHUNK ? (size_t)left : IO_CHUNK;
        const char *p = op->data ? op->data + op->done : pattern + op->done % 26;
        ssize_t n;

        if (left == 0)
            return send_done(op);
        /* MSG_NOSIGNAL: a reset peer is an EPIPE reply, not a dead program. */
        n = send(h->fd, p, len, MSG_NOSIGNAL);
        if (n >= 0) {
            op->done += (uint64_t)n;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return STEP_WAIT;
        begin_reply(op->id, false);
        put_errno(errno);
        put_uint("sent", op->done);
        end_message();
        return STEP_DONE;
    }
    if (op->done == op->total)
        return send_done(op);
    return STEP_WAIT; /* budget spent; poll reports the socket ready again */
}

static void capture(struct op *op, const char *buf, size_t n)
{
    size_t room = CAPTURE_MAX - op->ncaptured;
    if (!op->capture)
        return;
    if (!op->captured)
        op->captured = xcalloc(1, CAPTURE_MAX);
    if (n > room) {
        op->truncated = true;
        n = room;
    }
    memcpy(op->captured + op->ncaptured, buf, n);
    op->ncaptured += n;
}

static void put_captured(const struct op *op)
{
    static const char hex[] = "0123456789abcdef";

    if (!op->capture)
        return;
    if (json_utf8_valid(op->captured ? op->captured : "", op->ncaptured)) {
        jw_key(&out, "data");
        jw_string(&out, op->captured ? op->captured : "", op->ncaptured);
    } else {
        char *text = xcalloc(op->ncaptured * 2 + 1, 1);
        for (size_t i = 0; i < op->ncaptured; i++) {
            unsigned char c = (unsigned char)op->captured[i];
            text[2 * i] = hex[c >> 4];
            text[2 * i + 1] = hex[c & 0xF];
        }
        put_str("data_hex", text);
        free(text);
    }
    if (op->truncated)
        put_bool("data_truncated", true);
}

static enum step recv_done(const struct op *op, bool eof, int err)
{
    begin_reply(op->id, err == 0);
    if (err)
        put_errno(err);
    put_uint("received", op->got);
    if (!err)
        put_bool("eof", eof);
    put_captured(op);
    end_message();
    return STEP_DONE;
}

static enum step step_recv(struct handle *h, struct op *op)
{
    static char sink[IO_CHUNK];

    for (int i = 0; i < STEP_BUDGET; i++) {
        size_t len = IO_CHUNK;
        ssize_t n;

        if (op->mode == RECV_BYTES) {
            uint64_t left = op->want - op->got;
            if (left == 0)
                return recv_done(op, false, 0);
            if (left < len)
                len = (size_t)left; /* never read beyond what was asked */
        }
        n = recv(h->fd, sink, len, 0);
        if (n > 0) {
            op->got += (uint64_t)n;
            capture(op, sink, (size_t)n);
            if (op->mode == RECV_ANY)
                return recv_done(op, false, 0);
            continue;
        }
        if (n == 0)
            return recv_done(op, true, 0);
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return STEP_WAIT;
        return recv_done(op, false, errno);
    }
    if (op->mode == RECV_BYTES && op->got == op->want)
        return recv_done(op, false, 0);
    return STEP_WAIT;
}

/*
 * Advances the queued operations of h as far as they go without blocking.
 * Returns false when h no longer exists (a connect with wait:true failed,
 * and the controller never learnt the handle, so it is dropped).
 */
static bool pump(struct handle *h)
{
    struct op *op;

    /* Write side first: sends queue behind the connect. */
    while ((op = h->wq.head) != NULL) {
        enum step s = op->kind == OP_CONNECT ? step_connect(h, op) : step_send(h, op);
        bool drop;
        if (s == STEP_WAIT)
            break;
        queue_pop(&h->wq);
        drop = op->kind == OP_CONNECT && op->failed && !op->notify;
        op_free(op);
        if (drop) {
            handle_destroy(h, "the connect failed");
            return false;
        }
    }
    while ((op = h->rq.head) != NULL) {
        enum step s = op->kind == OP_ACCEPT ? step_accept(h, op) : step_recv(h, op);
        if (s == STEP_WAIT)
            break;
        queue_pop(&h->rq);
        op_free(op);
    }
    return true;
}

/* poll(2) events h is waiting for; 0 when it has nothing queued, in which
 * case it is left out of the poll set altogether. */
static short wanted_events(const struct handle *h)
{
    short events = 0;
    if (h->rq.head)
        events |= POLLIN;
    if (h->wq.head)
        events |= POLLOUT;
    return events;
}

/* ---- request arguments ---- */
/* More readers than message.c's arg_*, which these build on: each answers
 * the request itself (bad-request or bad-handle) and returns false or NULL
 * when the argument is unusable; the op then just returns. */

/* Exact comparison: JSON strings may hold NUL bytes that strcmp would stop at. */
static bool str_is(const struct json_value *v, const char *text)
{
    return v->len == strlen(text) && memcmp(v->str, text, v->len) == 0;
}

enum want_kind { WANT_ANY, WANT_LISTENER, WANT_STREAM };

/* The handle named by "conn", or NULL after replying. */
static struct handle *arg_handle(const struct request *r, enum want_kind want)
{
    int64_t id = 0;
    struct handle *h;

    if (!arg_int(r, "conn", true, INT64_MIN, INT64_MAX, &id))
        return NULL;
    h = handle_find(id);
    if (!h) {
        reply_error(&r->id, "bad-handle", "no handle %" PRId64 " (never opened, or already closed)", id);
        return NULL;
    }
    if (want == WANT_LISTENER && h->kind != H_LISTENER) {
        reply_error(&r->id, "bad-handle", "handle %" PRId64 " is a connection, not a listener", id);
        return NULL;
    }
    if (want == WANT_STREAM && h->kind != H_STREAM) {
        reply_error(&r->id, "bad-handle", "handle %" PRId64 " is a listener, not a connection", id);
        return NULL;
    }
    return h;
}

static bool arg_address(const struct request *r, const char *key, bool required, int port,
                        struct sockaddr_storage *ss, socklen_t *len, bool *present)
{
    const struct json_value *v;

    if (!arg_string(r, key, required, &v))
        return false;
    *present = v != NULL;
    if (v && !make_sockaddr(v, port, ss, len)) {
        reply_error(&r->id, "bad-request",
                    "field \"%s\" must be an IPv4 or IPv6 address literal such as 127.0.0.1 or ::1", key);
        return false;
    }
    return true;
}

/* ---- operations ---- */

static void op_listen(const struct request *r)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    int64_t port = 0, backlog = DEFAULT_BACKLOG;
    bool present;
    struct handle *h;
    int fd;

    if (!arg_int(r, "port", true, 0, 65535, &port) ||
        !arg_int(r, "backlog", false, 0, INT_MAX, &backlog) ||
        !arg_address(r, "addr", true, (int)port, &ss, &len, &present))
        return;

    fd = open_socket(ss.ss_family);
    if (fd < 0) {
        reply_errno(r->id, errno);
        return;
    }
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, (int)backlog) < 0) {
        int err = errno;
        close(fd);
        reply_errno(r->id, err);
        return;
    }
    h = handle_new(fd, H_LISTENER);

    begin_reply(r->id, true);
    put_int("conn", h->id);
    put_endpoint("local", fd, false);
    len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) /* the port chosen for port 0 */
        put_int("port", ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                                      : ((struct sockaddr_in6 *)&ss)->sin6_port));
    end_message();
}

static void op_accept(const struct request *r)
{
    struct handle *h;

    if (arg(r, "conn")) {
        if (!(h = arg_handle(r, WANT_LISTENER)))
            return;
    } else if (!(h = last_listener())) {
        reply_error(&r->id, "bad-handle", "no listener is open: send listen first");
        return;
    }
    queue_push(&h->rq, op_new(OP_ACCEPT, r->id));
    pump(h);
}

static void op_connect(const struct request *r)
{
    struct sockaddr_storage dst, src;
    socklen_t dstlen = 0, srclen = 0;
    int64_t port = 0, bind_port = -1;
    bool wait = true, has_bind_addr = false, present;
    struct handle *h;
    struct op *op;
    int fd, err;

    if (!arg_int(r, "port", true, 0, 65535, &port) ||
        !arg_int(r, "bind_port", false, 0, 65535, &bind_port) ||
        !arg_bool(r, "wait", &wait) ||
        !arg_address(r, "addr", true, (int)port, &dst, &dstlen, &present) ||
        !arg_address(r, "bind_addr", false, bind_port < 0 ? 0 : (int)bind_port, &src, &srclen, &has_bind_addr))
        return;
    if (has_bind_addr && src.ss_family != dst.ss_family) {
        reply_error(&r->id, "bad-request", "\"bind_addr\" and \"addr\" must be of the same address family");
        return;
    }
    if (!has_bind_addr && bind_port >= 0)
        make_wildcard(dst.ss_family, (int)bind_port, &src, &srclen);

    fd = open_socket(dst.ss_family);
    if (fd < 0) {
        reply_errno(r->id, errno);
        return;
    }
    /* Binding first fixes the local port, which simultaneous open needs:
     * each side connects to the port the other one bound. */
    if (srclen && bind(fd, (struct sockaddr *)&src, srclen) < 0) {
        err = errno;
        close(fd);
        reply_errno(r->id, err);
        return;
    }
    h = handle_new(fd, H_STREAM);
    err = connect(fd, (struct sockaddr *)&dst, dstlen) == 0 ? 0 : errno;

    op = op_new(OP_CONNECT, r->id);
    op->notify = !wait;
    if (!wait) {
        /* Always an event later, even when connect(2) already decided, so
         * that the controller has one code path. */
        begin_reply(r->id, true);
        put_int("conn", h->id);
        put_bool("pending", true);
        end_message();
    }
    if (err == EINPROGRESS || err == EINTR) { /* EINTR: it goes on in the background */
        queue_push(&h->wq, op);
        pump(h);
        return;
    }
    /* connect(2) finished at once: success, or an error such as
     * ECONNREFUSED that loopback can deliver before the call returns. */
    report_connect(h, op, err);
    op_free(op);
    if (err && wait)
        handle_destroy(h, "the connect failed");
}

static void op_send(const struct request *r)
{
    const struct json_value *data;
    int64_t bytes = -1;
    struct handle *h;
    struct op *op;

    if (!(h = arg_handle(r, WANT_STREAM)) ||
        !arg_int(r, "bytes", false, 0, INT64_MAX, &bytes) ||
        !arg_string(r, "data", false, &data))
        return;
    if ((bytes >= 0) == (data != NULL)) {
        reply_error(&r->id, "bad-request", "send needs exactly one of \"bytes\" and \"data\"");
        return;
    }
    op = op_new(OP_SEND, r->id);
    if (data) {
        op->data = xcalloc(data->len + 1, 1);
        memcpy(op->data, data->str, data->len);
        op->total = data->len;
    } else {
        op->total = (uint64_t)bytes;
    }
    queue_push(&h->wq, op);
    pump(h);
}

static void op_recv(const struct request *r)
{
    const struct json_value *until;
    int64_t bytes = -1;
    bool want_capture = false;
    struct handle *h;
    struct op *op;

    if (!(h = arg_handle(r, WANT_STREAM)) ||
        !arg_int(r, "bytes", false, 0, INT64_MAX, &bytes) ||
        !arg_string(r, "until", false, &until) ||
        !arg_bool(r, "capture", &want_capture))
        return;
    if (until && !str_is(until, "eof")) {
        reply_error(&r->id, "bad-request", "field \"until\" must be \"eof\"");
        return;
    }
    if (until && bytes >= 0) {
        reply_error(&r->id, "bad-request", "recv takes \"bytes\" or \"until\", not both");
        return;
    }
    op = op_new(OP_RECV, r->id);
    op->mode = until ? RECV_EOF : bytes >= 0 ? RECV_BYTES : RECV_ANY;
    op->want = bytes >= 0 ? (uint64_t)bytes : 0;
    op->capture = want_capture;
    queue_push(&h->rq, op);
    pump(h);
}

static void op_shutdown(const struct request *r)
{
    const struct json_value *how;
    struct handle *h;
    int flag;

    if (!(h = arg_handle(r, WANT_ANY)) || !arg_string(r, "how", true, &how))
        return;
    if (str_is(how, "read"))
        flag = SHUT_RD;
    else if (str_is(how, "write"))
        flag = SHUT_WR;
    else if (str_is(how, "both"))
        flag = SHUT_RDWR;
    else {
        reply_error(&r->id, "bad-request", "field \"how\" must be \"read\", \"write\" or \"both\"");
        return;
    }
    if (shutdown(h->fd, flag) < 0) {
        reply_errno(r->id, errno);
        return;
    }
    reply_ok(r->id);
    pump(h); /* a pending recv may now see end of file */
}

static void op_close(const struct request *r)
{
    struct handle *h = arg_handle(r, WANT_ANY);
    int err;

    if (!h)
        return;
    err = handle_destroy(h, "close");
    if (err)
        reply_errno(r->id, err);
    else
        reply_ok(r->id);
}

static void op_abort(const struct request *r)
{
    /* Linger on with a zero timeout makes close(2) discard the send queue
     * and send RST instead of FIN. */
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    struct handle *h = arg_handle(r, WANT_ANY);
    int err;

    if (!h)
        return;
    if (setsockopt(h->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0) {
        reply_errno(r->id, errno); /* the handle stays open */
        return;
    }
    err = handle_destroy(h, "abort");
    if (err)
        reply_errno(r->id, err);
    else
        reply_ok(r->id);
}

/* Socket options by name. */
enum opt_type { OPT_BOOL, OPT_INT, OPT_LINGER };

struct sockopt_def {
    const char *name;
    int level, optname;
    enum opt_type type;
};

static const struct sockopt_def sockopts[] = {
    { "SO_LINGER", SOL_SOCKET, SO_LINGER, OPT_LINGER },
    { "SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, OPT_INT },
    { "SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, OPT_INT },
    { "SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR, OPT_BOOL },
#ifdef SO_REUSEPORT
    { "SO_REUSEPORT", SOL_SOCKET, SO_REUSEPORT, OPT_BOOL },
#endif
    { "SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, OPT_BOOL },
    { "TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, OPT_BOOL },
#ifdef TCP_CORK
    { "TCP_CORK", IPPROTO_TCP, TCP_CORK, OPT_BOOL },
#endif
#ifdef TCP_QUICKACK
    { "TCP_QUICKACK", IPPROTO_TCP, TCP_QUICKACK, OPT_BOOL },
#endif
#ifdef TCP_MAXSEG
    { "TCP_MAXSEG", IPPROTO_TCP, TCP_MAXSEG, OPT_INT },
#endif
#ifdef TCP_USER_TIMEOUT
    { "TCP_USER_TIMEOUT", IPPROTO_TCP, TCP_USER_TIMEOUT, OPT_INT },
#endif
#ifdef TCP_SYNCNT
    { "TCP_SYNCNT", IPPROTO_TCP, TCP_SYNCNT, OPT_INT },
#endif
#ifdef TCP_LINGER2
    { "TCP_LINGER2", IPPROTO_TCP, TCP_LINGER2, OPT_INT },
#endif
#ifdef TCP_DEFER_ACCEPT
    { "TCP_DEFER_ACCEPT", IPPROTO_TCP, TCP_DEFER_ACCEPT, OPT_INT },
#endif
#ifdef TCP_KEEPIDLE
    { "TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, OPT_INT },
#endif
#ifdef TCP_KEEPINTVL
    { "TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, OPT_INT },
#endif
#ifdef TCP_KEEPCNT
    { "TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, OPT_INT },
#endif
};

/* The option named by "name", or NULL after replying. */
static const struct sockopt_def *arg_sockopt(const struct request *r)
{
    const struct json_value *name;

    if (!arg_string(r, "name", true, &name))
        return NULL;
    for (size_t i = 0; i < sizeof sockopts / sizeof sockopts[0]; i++)
        if (str_is(name, sockopts[i].name))
            return &sockopts[i];
    reply_error(&r->id, "bad-request", "unsupported socket option (see docs/control-protocol.md for the list)");
    return NULL;
}

/* SO_LINGER's value: a number of seconds (linger on) or {onoff, linger}. */
static bool linger_value(const struct request *r, const struct json_value *v, struct linger *lg)
{
    const struct json_value *onoff, *secs;

    if (v->type == JSON_INT && v->integer >= 0 && v->integer <= INT_MAX) {
        lg->l_onoff = 1;
        lg->l_linger = (int)v->integer;
        return true;
    }
    if (v->type == JSON_OBJECT) {
        bool only_known = true;
        for (size_t i = 0; i < v->count; i++)
            if (strcmp(v->members[i].key, "onoff") != 0 && strcmp(v->members[i].key, "linger") != 0)
                only_known = false;
        onoff = json_get(v, "onoff");
        secs = json_get(v, "linger");
        if (only_known && onoff && (onoff->type == JSON_BOOL || onoff->type == JSON_INT) &&
            (!secs || (secs->type == JSON_INT && secs->integer >= 0 && secs->integer <= INT_MAX))) {
            lg->l_onoff = onoff->type == JSON_BOOL ? onoff->boolean : onoff->integer != 0;
            lg->l_linger = secs ? (int)secs->integer : 0;
            return true;
        }
    }
    reply_error(&r->id, "bad-request",
                "SO_LINGER takes a number of seconds or {\"onoff\": bool or 0/1, \"linger\": seconds}");
    return false;
}

static void op_setsockopt(const struct request *r)
{
    const struct sockopt_def *def;
    const struct json_value *v;
    struct handle *h;
    struct linger lg;
    int ival = 0;
    const void *optval = &ival;
    socklen_t optlen = sizeof ival;

    if (!(h = arg_handle(r, WANT_ANY)) || !(def = arg_sockopt(r)))
        return;
    if (!(v = arg(r, "value"))) {
        reply_error(&r->id, "bad-request", "missing field \"value\"");
        return;
    }
    switch (def->type) {
    case OPT_BOOL:
        if (v->type == JSON_BOOL) {
            ival = v->boolean;
        } else if (v->type == JSON_INT && (v->integer == 0 || v->integer == 1)) {
            ival = (int)v->integer;
        } else {
            reply_error(&r->id, "bad-request", "%s takes a boolean", def->name);
            return;
        }
        break;
    case OPT_INT:
        if (v->type != JSON_INT || v->integer < INT_MIN || v->integer > INT_MAX) {
            reply_error(&r->id, "bad-request", "%s takes an integer", def->name);
            return;
        }
        ival = (int)v->integer;
        break;
    case OPT_LINGER:
        if (!linger_value(r, v, &lg))
            return;
        optval = &lg;
        optlen = sizeof lg;
        break;
    }
    if (setsockopt(h->fd, def->level, def->optname, optval, optlen) < 0)
        reply_errno(r->id, errno);
    else
        reply_ok(r->id);
}

static void op_getsockopt(const struct request *r)
{
    const struct sockopt_def *def;
    struct handle *h;
    struct linger lg;
    int ival = 0;
    void *optval = &ival;
    socklen_t optlen = sizeof ival;

    if (!(h = arg_handle(r, WANT_ANY)) || !(def = arg_sockopt(r)))
        return;
    if (def->type == OPT_LINGER) {
        optval = &lg;
        optlen = sizeof lg;
    }
    if (getsockopt(h->fd, def->level, def->optname, optval, &optlen) < 0) {
        reply_errno(r->id, errno);
        return;
    }
    begin_reply(r->id, true);
    jw_key(&out, "value");
    switch (def->type) {
    case OPT_BOOL:
        jw_bool(&out, ival != 0);
        break;
    case OPT_INT:
        jw_int(&out, ival);
        break;
    case OPT_LINGER:
        jw_begin_object(&out);
        put_int("onoff", lg.l_onoff ? 1 : 0);
        put_int("linger", lg.l_linger);
        jw_end_object(&out);
        break;
    }
    end_message();
}

/*
 * tcpi_state holds the kernel's socket state (include/net/tcp_states.h, a
 * stable ABI). The RFC 9293 name comes first; the kernel's own name is
 * reported too because two kernel states map to one RFC state
 * (NEW_SYN_RECV is a request socket, CLOSE is also "never connected").
 */
static const struct {
    const char *rfc, *kernel;
} tcp_states[] = {
    [1] = { "ESTABLISHED", "ESTABLISHED" },
    [2] = { "SYN_SENT", "SYN_SENT" },
    [3] = { "SYN_RCVD", "SYN_RECV" },
    [4] = { "FIN_WAIT_1", "FIN_WAIT1" },
    [5] = { "FIN_WAIT_2", "FIN_WAIT2" },
    [6] = { "TIME_WAIT", "TIME_WAIT" },
    [7] = { "CLOSED", "CLOSE" },
    [8] = { "CLOSE_WAIT", "CLOSE_WAIT" },
    [9] = { "LAST_ACK", "LAST_ACK" },
    [10] = { "LISTEN", "LISTEN" },
    [11] = { "CLOSING", "CLOSING" },
    [12] = { "SYN_RCVD", "NEW_SYN_RECV" },
};

static void op_state(const struct request *r)
{
    struct tcp_info info;
    socklen_t len = sizeof info;
    struct handle *h = arg_handle(r, WANT_ANY);
    unsigned s;

    if (!h)
        return;
    memset(&info, 0, sizeof info);
    if (getsockopt(h->fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0) {
        reply_errno(r->id, errno);
        return;
    }
    s = info.tcpi_state;
    begin_reply(r->id, true);
    if (s < sizeof tcp_states / sizeof tcp_states[0] && tcp_states[s].rfc) {
        put_str("state", tcp_states[s].rfc);
        put_str("kernel_state", tcp_states[s].kernel);
    } else {
        put_str("state", "UNKNOWN");
    }
    put_int("tcpi_state", s);
    end_message();
}

static void op_quit(const struct request *r)
{
    exiting = true;
    while (nhandles > 0)
        handle_destroy(handles[nhandles - 1], "quit");
    reply_ok(r->id);
    exit(0);
}

static const struct op_def ops[] = {
    { "listen", op_listen, true, { "addr", "port", "backlog", NULL } },
    { "accept", op_accept, true, { "conn", NULL } },
    { "connect", op_connect, false, { "addr", "port", "bind_addr", "bind_port", "wait", NULL } },
    { "send", op_send, false, { "conn", "bytes", "data", NULL } },
    { "recv", op_recv, false, { "conn", "bytes", "until", "capture", NULL } },
    { "shutdown", op_shutdown, false, { "conn", "how", NULL } },
    { "close", op_close, false, { "conn", NULL } },
    { "abort", op_abort, false, { "conn", NULL } },
    { "setsockopt", op_setsockopt, false, { "conn", "name", "value", NULL } },
    { "getsockopt", op_getsockopt, false, { "conn", "name", NULL } },
    { "state", op_state, false, { "conn", NULL } },
    { "quit", op_quit, false, { NULL } },
};

static bool op_available(const struct op_def *def)
{
    return role == CONTROL_SERVER || !def->server_only;
}

/* ---- requests ---- */

/* A copy of untrusted text that is safe to quote in a message: printable
 * ASCII only, cut short with "..." if long. */
static void printable(const char *s, size_t len, char *buf, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 4 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[n++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
    }
    if (n < len && n + 3 < size) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
}

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

static bool field_allowed(const struct op_def *def, const char *key)
{
    if (strcmp(key, "id") == 0 || strcmp(key, "op") == 0)
        return true;
    for (size_t i = 0; def->fields[i]; i++)
        if (strcmp(def->fields[i], key) == 0)
            return true;
    return false;
}

static void handle_line(char *line, size_t len)
{
    static struct json_doc doc;
    char err[128], name[48];
    const struct json_value *idv, *opv;
    const struct op_def *def = NULL;
    struct request r;

    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (is_blank(line, len)) /* blank lines are ignored */
        return;
    if (!json_parse_object(line, len, &doc, err, sizeof err)) {
        /* Echo the id if it was read before the error, so that the
         * controller's request fails now instead of timing out. */
        idv = json_get(&doc.root, "id");
        reply_error(idv && idv->type == JSON_INT ? &idv->integer : NULL, "bad-request", "invalid JSON: %s", err);
        return;
    }
    idv = json_get(&doc.root, "id");
    if (!idv || idv->type != JSON_INT) {
        reply_error(NULL, "bad-request", "every request needs an integer \"id\"");
        return;
    }
    r.id = idv->integer;
    r.obj = &doc.root;
    opv = json_get(&doc.root, "op");
    if (!opv || opv->type != JSON_STRING) {
        reply_error(&r.id, "bad-request", "every request needs a string \"op\"");
        return;
    }
    r.op = opv->str;
    printable(opv->str, opv->len, name, sizeof name);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (str_is(opv, ops[i].name))
            def = &ops[i];
    if (!def) {
        reply_error(&r.id, "unknown-op", "unknown op \"%s\"", name);
        return;
    }
    if (!op_available(def)) {
        reply_error(&r.id, "unknown-op", "op \"%s\" is not available: this is %s, which only connects "
                    "(listen and accept are in tcpref-server)", name, progname());
        return;
    }
    for (size_t i = 0; i < doc.root.count; i++) {
        const struct json_member *m = &doc.root.members[i];
        if (strlen(m->key) != m->keylen || !field_allowed(def, m->key)) {
            printable(m->key, m->keylen, name, sizeof name);
            reply_error(&r.id, "bad-request", "op \"%s\" has no field \"%s\"", def->name, name);
            return;
        }
    }
    def->fn(&r);
}

/* Reads what stdin has and handles every complete line. */
static void read_stdin(void)
{
    ssize_t n = read(STDIN_FILENO, inbuf + inlen, sizeof inbuf - inlen);
    size_t start = 0;

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        /* End of input (or an unreadable stdin): a last line without its
         * newline still counts, then everything is closed. */
        if (inlen > 0 && !discarding)
            handle_line(inbuf, inlen);
        finish(0, "stdin reached end of file");
    }
    inlen += (size_t)n;

    for (;;) {
        char *nl = memchr(inbuf + start, '\n', inlen - start);
        size_t len;
        if (!nl)
            break;
        len = (size_t)(nl - (inbuf + start));
        *nl = '\0';
        if (discarding)
            discarding = false; /* the tail of an over-long line */
        else
            handle_line(inbuf + start, len);
        start += len + 1;
    }
    memmove(inbuf, inbuf + start, inlen - start);
    inlen -= start;

    if (inlen == sizeof inbuf) {
        /* A full buffer and still no newline: refuse the line once and drop
         * the rest of it as it arrives. */
        if (!discarding)
            reply_error(NULL, "bad-request", "request line longer than %d bytes", LINE_MAX_BYTES);
        discarding = true;
        inlen = 0;
    }
}

/* ---- main loop ---- */

static void announce_ready(void)
{
    begin_event("ready", 0);
    put_str("role", role == CONTROL_SERVER ? "server" : "client");
    put_int("pid", (int64_t)getpid());
    put_int("protocol", CONTROL_PROTOCOL_VERSION);
    jw_key(&out, "ops");
    jw_begin_array(&out);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (op_available(&ops[i]))
            jw_cstring(&out, ops[i].name);
    jw_end_array(&out);
    end_message();
}

static void setup_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    /* A vanished controller shows up as EPIPE on stdout, handled there. */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    /* SIGTERM and SIGINT keep (or get back, if our parent ignored them)
     * their default action: the program dies at once and the kernel closes
     * every socket exactly as close(2) would. */
    sa.sa_handler = SIG_DFL;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static int usage(FILE *to, int status)
{
    fprintf(to,
            "usage: %s [--help | --version]\n"
            "\n"
            "Reference TCP %s for tcpconform. Reads control requests as JSON,\n"
            "one object per line, on stdin and answers on stdout; see\n"
            "docs/control-protocol.md. Exits 0 at end of stdin or on a quit request.\n",
            progname(), role == CONTROL_SERVER ? "server" : "client");
    return status;
}

_Noreturn static void run(void)
{
    struct pollfd *pfds = NULL;
    int64_t *owners = NULL; /* handle id per poll slot; 0 for stdin */
    size_t cap = 0;

    for (;;) {
        size_t n = 0;

        if (cap < nhandles + 1) {
            cap = (nhandles + 1) * 2;
            free(pfds);
            free(owners);
            pfds = xcalloc(cap, sizeof *pfds);
            owners = xcalloc(cap, sizeof *owners);
        }
        pfds[n] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
        owners[n++] = 0;
        for (size_t i = 0; i < nhandles; i++) {
            short events = wanted_events(handles[i]);
            if (events) {
                pfds[n] = (struct pollfd){ .fd = handles[i]->fd, .events = events };
                owners[n++] = handles[i]->id;
            }
        }

        if (poll(pfds, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "%s: poll: %s\n", progname(), strerror(errno));
            finish(1, "internal error");
        }

        /* Look handles up by id: serving one may close another. */
        for (size_t i = 1; i < n; i++) {
            struct handle *h;
            if (pfds[i].revents && (h = handle_find(owners[i])) != NULL)
                pump(h);
        }
        if (pfds[0].revents)
            read_stdin();
    }
}

int control_run(enum control_role r, int argc, char **argv)
{
    role = r;
    if (argc > 1) {
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
            return usage(stdout, 0);
        if (strcmp(argv[1], "--version") == 0) {
            printf("%s (tcpconform control protocol %d)\n", progname(), CONTROL_PROTOCOL_VERSION);
            return 0;
        }
        return usage(stderr, 2);
    }
    setup_signals();
    set_stdout_failed(stdout_failed);
    fill_pattern();
    announce_ready();
    run();
}
