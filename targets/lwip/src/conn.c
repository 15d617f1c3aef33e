/*
 * conn.c - handles (listeners and connections) and the control-protocol
 * operations on them, on lwIP's raw API. Every function here runs with
 * lwIP's core lock held: requests from the main thread take it, callbacks
 * from the tcpip and TAP threads already hold it.
 *
 * Like the reference programs, this program touches a connection only when
 * asked: received data stays queued (and unacknowledged to lwIP's window)
 * until a `recv` takes it, and a connection lwIP accepted waits in its
 * listener's queue until an `accept` asks for it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/ip_addr.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "tcplwip.h"

#define CAPTURE_MAX 65536

enum op_kind { OP_ACCEPT, OP_RECV, OP_SEND, OP_CONNECT };

struct op {
    int64_t id;
    enum op_kind kind;
    struct op *next;
    /* recv */
    int64_t want; /* -1: what is there; else exactly this many */
    bool until_eof, capture;
    size_t got;
    char *cap;
    size_t caplen;
    bool truncated;
    /* send */
    char *data; /* NULL: the a..z pattern */
    size_t total, written;
};

enum handle_kind { H_LISTENER, H_CONN };

struct handle {
    int64_t id; /* 0 while waiting in a listener's queue */
    enum handle_kind kind;
    struct tcp_pcb *pcb; /* NULL once lwIP has freed it */
    struct handle *next; /* all handles, or a listener's queue */
    /* listener */
    struct handle *queue;
    struct op *accepts;
    /* connection */
    struct handle *listener; /* while queued */
    struct pbuf *rx;
    bool eof, read_shut, connecting;
    int err; /* errno once reset or aborted */
    struct op *connect; /* a connect waiting for the handshake (wait: true) */
    struct op *recvs, *sends;
};

static enum role role;
static struct handle *handles;
static int64_t next_id = 1;

static const char *const server_ops[] = { "listen", "accept", "connect", "send", "recv", "shutdown", "close", "abort", "state", "sync", "quit", NULL };
static const char *const client_ops[] = { "connect", "send", "recv", "shutdown", "close", "abort", "state", "sync", "quit", NULL };

const char *const *ops_supported(void)
{
    return role == ROLE_SERVER ? server_ops : client_ops;
}

void ops_init(enum role r)
{
    role = r;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p)
        abort();
    return p;
}

/* ---- queues ---- */

static void push(struct op **q, struct op *op)
{
    while (*q)
        q = &(*q)->next;
    *q = op;
}

static struct op *pop(struct op **q)
{
    struct op *op = *q;
    if (op)
        *q = op->next;
    return op;
}

static void op_free(struct op *op)
{
    free(op->cap);
    free(op->data);
    free(op);
}

static void cancel_all(struct op **q, const char *why)
{
    struct op *op;
    while ((op = pop(q))) {
        reply_error(&op->id, "cancelled", "%s", why);
        op_free(op);
    }
}

/* ---- pcbs lwIP may have freed behind our back ---- */

/*
 * lwIP frees a pcb without telling its owner when TIME_WAIT ends, and tells
 * it through the err callback when a reset or a give-up ends it. A handle's
 * pcb is used only while it is still on one of lwIP's lists with our handle
 * as its argument.
 */
static struct tcp_pcb *live_pcb(struct handle *h)
{
    if (!h->pcb)
        return NULL;
    if (h->kind == H_LISTENER) {
        for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next)
            if ((void *)l == (void *)h->pcb && l->callback_arg == h)
                return h->pcb;
    } else {
        for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
            if (p == h->pcb && p->callback_arg == h)
                return p;
        for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
            if (p == h->pcb && p->callback_arg == h)
                return p;
    }
    h->pcb = NULL;
    return NULL;
}

static void detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    if (pcb->state == LISTEN) {
        tcp_accept(pcb, NULL);
        return;
    }
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
}

/* ---- handles ---- */

static struct handle *handle_new(enum handle_kind kind, struct tcp_pcb *pcb)
{
    struct handle *h = xcalloc(1, sizeof *h);
    h->kind = kind;
    h->pcb = pcb;
    return h;
}

static void handle_register(struct handle *h)
{
    h->id = next_id++;
    h->next = handles;
    handles = h;
}

static void handle_unlink(struct handle *h)
{
    for (struct handle **p = &handles; *p; p = &(*p)->next) {
        if (*p == h) {
            *p = h->next;
            return;
        }
    }
}

static struct handle *handle_find(int64_t id)
{
    for (struct handle *h = handles; h; h = h->next)
        if (h->id == id)
            return h;
    return NULL;
}

static void handle_free(struct handle *h)
{
    if (h->rx)
        pbuf_free(h->rx);
    free(h);
}

static void put_endpoints(struct tcp_pcb *pcb)
{
    char buf[IPADDR_STRLEN_MAX + 16];
    format_endpoint(&pcb->local_ip, pcb->local_port, buf, sizeof buf);
    put_str("local", buf);
    format_endpoint(&pcb->remote_ip, pcb->remote_port, buf, sizeof buf);
    put_str("peer", buf);
}

/* ---- receiving ---- */

static void consume(struct handle *h, struct op *op, size_t n)
{
    if (op->capture && op->caplen < CAPTURE_MAX) {
        size_t take = n < CAPTURE_MAX - op->caplen ? n : CAPTURE_MAX - op->caplen;
        if (!op->cap)
            op->cap = xcalloc(1, CAPTURE_MAX);
        pbuf_copy_partial(h->rx, op->cap + op->caplen, (u16_t)take, 0);
        op->caplen += take;
    }
    if (op->capture && op->got + n > CAPTURE_MAX)
        op->truncated = true;
    h->rx = pbuf_free_header(h->rx, (u16_t)n);
    op->got += n;
    struct tcp_pcb *pcb = live_pcb(h);
    if (pcb)
        tcp_recved(pcb, (u16_t)n);
}

static void recv_reply(struct op *op, bool eof, int err)
{
    begin_reply(op->id, err == 0);
    if (err)
        put_errno(err);
    put_int("received", (int64_t)op->got);
    if (!err)
        put_bool("eof", eof);
    if (op->capture && op->cap) {
        if (json_utf8_valid(op->cap, op->caplen)) {
            jw_key(&out, "data");
            jw_string(&out, op->cap, op->caplen);
        } else {
            static const char hex[] = "0123456789abcdef";
            char *text = xcalloc(op->caplen * 2 + 1, 1);
            for (size_t i = 0; i < op->caplen; i++) {
                text[2 * i] = hex[(unsigned char)op->cap[i] >> 4];
                text[2 * i + 1] = hex[(unsigned char)op->cap[i] & 15];
            }
            put_str("data_hex", text);
            free(text);
        }
        if (op->truncated)
            put_bool("data_truncated", true);
    } else if (op->capture) {
        put_str("data", "");
    }
    end_message();
}

static void pump_recv(struct handle *h)
{
    struct op *op;
    while ((op = h->recvs)) {
        size_t avail = h->rx ? h->rx->tot_len : 0;
        bool done = false, eof = h->eof || h->read_shut;
        if (op->until_eof) {
            while (avail > 0) {
                size_t n = avail > 0xffff ? 0xffff : avail;
                consume(h, op, n);
                avail -= n;
            }
            done = eof;
        } else if (op->want >= 0) {
            while (avail > 0 && op->got < (size_t)op->want) {
                size_t n = (size_t)op->want - op->got;
                if (n > avail) n = avail;
                if (n > 0xffff) n = 0xffff;
                consume(h, op, n);
                avail -= n;
            }
            done = op->got == (size_t)op->want || eof;
            eof = eof && op->got < (size_t)op->want;
        } else {
            if (avail > 0) {
                consume(h, op, avail > 0xffff ? 0xffff : avail);
                eof = false;
            }
            done = op->got > 0 || eof;
        }
        if (!done && h->err) {
            pop(&h->recvs);
            recv_reply(op, false, h->err);
            op_free(op);
            continue;
        }
        if (!done)
            return;
        pop(&h->recvs);
        recv_reply(op, eof, 0);
        op_free(op);
    }
}

/* ---- sending ---- */

static void send_reply(struct op *op, int err)
{
    begin_reply(op->id, err == 0);
    if (err)
        put_errno(err);
    put_int("sent", (int64_t)op->written);
    end_message();
}

static void pump_send(struct handle *h)
{
    struct op *op;
    if (h->connecting)
        return;
    while ((op = h->sends)) {
        struct tcp_pcb *pcb = live_pcb(h);
        if (!pcb || h->err) {
            pop(&h->sends);
            send_reply(op, h->err ? h->err : EPIPE);
            op_free(op);
            continue;
        }
        bool wrote = false;
        while (op->written < op->total) {
            size_t room = tcp_sndbuf(pcb);
            size_t n = op->total - op->written;
            char chunk[4096];
            if (n > room) n = room;
            if (n > sizeof chunk) n = sizeof chunk;
            if (n == 0)
                break;
            const char *src;
            if (op->data) {
                src = op->data + op->written;
            } else {
                for (size_t i = 0; i < n; i++)
                    chunk[i] = (char)('a' + (op->written + i) % 26);
                src = chunk;
            }
            err_t e = tcp_write(pcb, src, (u16_t)n, TCP_WRITE_FLAG_COPY | (op->written + n < op->total ? TCP_WRITE_FLAG_MORE : 0));
            if (e == ERR_MEM)
                break;
            if (e != ERR_OK) {
                pop(&h->sends);
                send_reply(op, lwip_errno(e) == ENOTCONN ? EPIPE : lwip_errno(e));
                op_free(op);
                op = NULL;
                break;
            }
            op->written += n;
            wrote = true;
        }
        if (wrote)
            tcp_output(pcb);
        if (!op)
            continue;
        if (op->written < op->total)
            return; /* the sent callback calls again */
        pop(&h->sends);
        send_reply(op, 0);
        op_free(op);
    }
}

/* ---- lwIP callbacks ---- */

static void connect_finished(struct handle *h, int err)
{
    h->connecting = false;
    struct op *op = h->connect;
    h->connect = NULL;
    if (op) {
        if (err) {
            reply_errno(op->id, err);
            handle_unlink(h);
            cancel_all(&h->sends, "the connect failed");
            handle_free(h);
        } else {
            begin_reply(op->id, true);
            put_int("conn", h->id);
            put_endpoints(h->pcb);
            end_message();
        }
        op_free(op);
        return;
    }
    begin_event(err ? "connect-failed" : "connected", h->id);
    if (err)
        put_errno(err);
    else
        put_endpoints(h->pcb);
    end_message();
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct handle *h = arg;
    (void)pcb;
    (void)err;
    if (!h) {
        if (p)
            pbuf_free(p);
        return ERR_OK;
    }
    if (!p)
        h->eof = true;
    else if (h->rx)
        pbuf_cat(h->rx, p);
    else
        h->rx = p;
    pump_recv(h);
    return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct handle *h = arg;
    (void)pcb;
    (void)len;
    if (h)
        pump_send(h);
    return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct handle *h = arg;
    (void)pcb;
    (void)err;
    if (!h)
        return ERR_OK;
    connect_finished(h, 0);
    pump_send(h);
    return ERR_OK;
}

/* The pcb is already freed when lwIP calls this. */
static void on_err(void *arg, err_t err)
{
    struct handle *h = arg;
    if (!h)
        return;
    h->pcb = NULL;
    if (h->connecting) {
        /* A RST answering our SYN is a refusal; a give-up is a timeout. */
        h->err = err == ERR_RST ? ECONNREFUSED : err == ERR_ABRT ? ETIMEDOUT : lwip_errno(err);
        connect_finished(h, h->err);
        return;
    }
    h->err = err == ERR_ABRT ? ETIMEDOUT : lwip_errno(err);
    if (h->listener) {
        /* Reset while waiting to be accepted: it is gone from the queue. */
        for (struct handle **q = &h->listener->queue; *q; q = &(*q)->next) {
            if (*q == h) {
                *q = h->next;
                break;
            }
        }
        handle_free(h);
        return;
    }
    pump_recv(h);
    pump_send(h);
}

static void setup_conn(struct handle *h, struct tcp_pcb *pcb)
{
    tcp_arg(pcb, h);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
}

static void pump_accept(struct handle *l)
{
    while (l->accepts && l->queue) {
        struct op *op = pop(&l->accepts);
        struct handle *c = l->queue;
        l->queue = c->next;
        c->listener = NULL;
        handle_register(c);
        begin_reply(op->id, true);
        put_int("conn", c->id);
        char buf[IPADDR_STRLEN_MAX + 16];
        format_endpoint(&c->pcb->remote_ip, c->pcb->remote_port, buf, sizeof buf);
        put_str("peer", buf);
        format_endpoint(&c->pcb->local_ip, c->pcb->local_port, buf, sizeof buf);
        put_str("local", buf);
        end_message();
        op_free(op);
        pump_recv(c);
    }
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct handle *l = arg;
    if (err != ERR_OK || !pcb || !l)
        return ERR_VAL;
    struct handle *c = handle_new(H_CONN, pcb);
    c->listener = l;
    setup_conn(c, pcb);
    struct handle **q = &l->queue;
    while (*q)
        q = &(*q)->next;
    *q = c;
    pump_accept(l);
    return ERR_OK;
}

/* ---- request arguments (message.c reads the plain ones) ---- */

/* This program speaks IPv4 only: an IPv6 literal fails like a socket of a
 * family the system does not support. */
static bool arg_addr(const struct request *r, const char *key, bool required, ip_addr_t *ip, bool *given)
{
    const struct json_value *v;
    ip4_addr_t v4;

    if (!arg_string(r, key, required, &v))
        return false;
    *given = v != NULL;
    if (!v)
        return true;
    if (strlen(v->str) == v->len && ip4addr_aton(v->str, &v4)) {
        ip_addr_copy_from_ip4(*ip, v4);
        return true;
    }
    if (strchr(v->str, ':')) {
        reply_errno(r->id, EAFNOSUPPORT);
        return false;
    }
    reply_error(&r->id, "bad-request", "\"%s\" is not an IPv4 address", key);
    return false;
}

static struct handle *arg_handle(const struct request *r, int want)
{
    int64_t id = 0;
    if (!arg_int(r, "conn", true, INT64_MIN, INT64_MAX, &id))
        return NULL;
    struct handle *h = handle_find(id);
    if (!h || (want >= 0 && (int)h->kind != want)) {
        reply_error(&r->id, "bad-handle", "no %s with handle %lld", want == H_LISTENER ? "listener" : want == H_CONN ? "connection" : "handle", (long long)id);
        return NULL;
    }
    return h;
}

/* ---- operations ---- */

static void op_listen(const struct request *r)
{
    ip_addr_t ip;
    bool given;
    int64_t port = 0, backlog = 16;
    if (!arg_addr(r, "addr", true, &ip, &given) || !arg_int(r, "port", true, 0, 65535, &port) ||
        !arg_int(r, "backlog", false, 0, 255, &backlog))
        return;
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb) {
        reply_errno(r->id, ENOMEM);
        return;
    }
    ip_set_option(pcb, SOF_REUSEADDR);
    err_t e = tcp_bind(pcb, &ip, (u16_t)port);
    if (e != ERR_OK) {
        tcp_close(pcb);
        reply_errno(r->id, lwip_errno(e));
        return;
    }
    struct tcp_pcb *lpcb = tcp_listen_with_backlog_and_err(pcb, (u8_t)(backlog ? backlog : 1), &e);
    if (!lpcb) {
        tcp_close(pcb);
        reply_errno(r->id, lwip_errno(e));
        return;
    }
    struct handle *h = handle_new(H_LISTENER, lpcb);
    handle_register(h);
    tcp_arg(lpcb, h);
    tcp_accept(lpcb, on_accept);
    char buf[IPADDR_STRLEN_MAX + 16];
    begin_reply(r->id, true);
    put_int("conn", h->id);
    format_endpoint(&lpcb->local_ip, lpcb->local_port, buf, sizeof buf);
    put_str("local", buf);
    put_int("port", lpcb->local_port);
    end_message();
}

static struct handle *last_listener(void)
{
    /* handles is newest first */
    for (struct handle *h = handles; h; h = h->next)
        if (h->kind == H_LISTENER)
            return h;
    return NULL;
}

static void op_accept(const struct request *r)
{
    struct handle *l;
    if (arg(r, "conn")) {
        if (!(l = arg_handle(r, H_LISTENER)))
            return;
    } else if (!(l = last_listener())) {
        reply_error(&r->id, "bad-handle", "no listener is open");
        return;
    }
    struct op *op = xcalloc(1, sizeof *op);
    op->id = r->id;
    op->kind = OP_ACCEPT;
    push(&l->accepts, op);
    pump_accept(l);
}

static void op_connect(const struct request *r)
{
    ip_addr_t ip, bind_ip = *IP4_ADDR_ANY;
    bool given, bind_given;
    int64_t port = 0, bind_port = 0;
    bool wait = true;
    if (!arg_addr(r, "addr", true, &ip, &given) || !arg_int(r, "port", true, 0, 65535, &port) ||
        !arg_addr(r, "bind_addr", false, &bind_ip, &bind_given) || !arg_int(r, "bind_port", false, 0, 65535, &bind_port) ||
        !arg_bool(r, "wait", &wait))
        return;
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb) {
        reply_errno(r->id, ENOMEM);
        return;
    }
    if (bind_given || bind_port) {
        ip_set_option(pcb, SOF_REUSEADDR);
        err_t e = tcp_bind(pcb, &bind_ip, (u16_t)bind_port);
        if (e != ERR_OK) {
            tcp_close(pcb);
            reply_errno(r->id, lwip_errno(e));
            return;
        }
    }
    struct handle *h = handle_new(H_CONN, pcb);
    h->connecting = true;
    setup_conn(h, pcb);
    handle_register(h);
    struct op *op = NULL;
    if (wait) {
        op = xcalloc(1, sizeof *op);
        op->id = r->id;
        op->kind = OP_CONNECT;
        h->connect = op;
    }
    err_t e = tcp_connect(pcb, &ip, (u16_t)port, on_connected);
    if (e != ERR_OK) {
        detach(pcb);
        tcp_abort(pcb);
        handle_unlink(h);
        h->connect = NULL;
        if (op)
            op_free(op);
        handle_free(h);
        reply_errno(r->id, lwip_errno(e));
        return;
    }
    if (!wait) {
        begin_reply(r->id, true);
        put_int("conn", h->id);
        put_bool("pending", true);
        end_message();
    }
}

static void op_send(const struct request *r)
{
    struct handle *h = arg_handle(r, H_CONN);
    if (!h)
        return;
    const struct json_value *data = arg(r, "data");
    int64_t bytes = -1;
    if (!arg_int(r, "bytes", false, 0, INT64_MAX, &bytes))
        return;
    if ((bytes >= 0) == (data != NULL)) {
        reply_error(&r->id, "bad-request", "send needs exactly one of \"bytes\" and \"data\"");
        return;
    }
    if (data && data->type != JSON_STRING) {
        reply_error(&r->id, "bad-request", "\"data\" must be a string");
        return;
    }
    struct op *op = xcalloc(1, sizeof *op);
    op->id = r->id;
    op->kind = OP_SEND;
    if (data) {
        op->data = xcalloc(data->len + 1, 1);
        memcpy(op->data, data->str, data->len);
        op->total = data->len;
    } else {
        op->total = (size_t)bytes;
    }
    push(&h->sends, op);
    pump_send(h);
}

static void op_recv(const struct request *r)
{
    struct handle *h = arg_handle(r, H_CONN);
    if (!h)
        return;
    int64_t bytes = -1;
    bool capture = false;
    const struct json_value *until = arg(r, "until");
    if (!arg_int(r, "bytes", false, 0, INT64_MAX, &bytes) || !arg_bool(r, "capture", &capture))
        return;
    if (until && (until->type != JSON_STRING || strcmp(until->str, "eof") != 0)) {
        reply_error(&r->id, "bad-request", "\"until\" can only be \"eof\"");
        return;
    }
    if (until && bytes >= 0) {
        reply_error(&r->id, "bad-request", "recv takes \"bytes\" or \"until\", not both");
        return;
    }
    struct op *op = xcalloc(1, sizeof *op);
    op->id = r->id;
    op->kind = OP_RECV;
    op->want = bytes;
    op->until_eof = until != NULL;
    op->capture = capture;
    push(&h->recvs, op);
    pump_recv(h);
}

static void op_shutdown(const struct request *r)
{
    struct handle *h = arg_handle(r, -1);
    if (!h)
        return;
    const struct json_value *how = arg(r, "how");
    if (!how || how->type != JSON_STRING ||
        (strcmp(how->str, "read") != 0 && strcmp(how->str, "write") != 0 && strcmp(how->str, "both") != 0)) {
        reply_error(&r->id, "bad-request", "\"how\" must be \"read\", \"write\" or \"both\"");
        return;
    }
    struct tcp_pcb *pcb = live_pcb(h);
    if (!pcb || h->kind != H_CONN || h->connecting) {
        reply_errno(r->id, ENOTCONN);
        return;
    }
    bool rd = strcmp(how->str, "write") != 0, wr = strcmp(how->str, "read") != 0;
    if (wr) {
        /* lwIP's own read shutdown resets the connection when data arrives later;
         * the protocol's read shutdown only makes recv see end of file. */
        err_t e = tcp_shutdown(pcb, 0, 1);
        if (e != ERR_OK) {
            reply_errno(r->id, lwip_errno(e));
            return;
        }
    }
    if (rd) {
        h->read_shut = true;
        pump_recv(h);
    }
    reply_ok(r->id);
}

/* Forgets a handle: closes (or resets) its pcb, answers what was pending. */
static void release(struct handle *h, bool reset, const char *why)
{
    handle_unlink(h);
    cancel_all(&h->accepts, why);
    cancel_all(&h->recvs, why);
    cancel_all(&h->sends, why);
    if (h->connect) {
        reply_error(&h->connect->id, "cancelled", "%s", why);
        op_free(h->connect);
        h->connect = NULL;
    }
    /* Connections accepted by lwIP that nobody took: reset, as a kernel does. */
    for (struct handle *c = h->queue, *next; c; c = next) {
        next = c->next;
        struct tcp_pcb *cp = live_pcb(c);
        if (cp) {
            detach(cp);
            tcp_abort(cp);
        }
        handle_free(c);
    }
    struct tcp_pcb *pcb = live_pcb(h);
    if (pcb) {
        detach(pcb);
        if (reset || tcp_close(pcb) != ERR_OK)
            tcp_abort(pcb);
    }
    handle_free(h);
}

static void op_close(const struct request *r)
{
    struct handle *h = arg_handle(r, -1);
    if (!h)
        return;
    release(h, false, "the handle was closed");
    reply_ok(r->id);
}

static void op_abort(const struct request *r)
{
    struct handle *h = arg_handle(r, -1);
    if (!h)
        return;
    release(h, h->kind == H_CONN, "the handle was aborted");
    reply_ok(r->id);
}

static void op_state(const struct request *r)
{
    struct handle *h = arg_handle(r, -1);
    if (!h)
        return;
    struct tcp_pcb *pcb = live_pcb(h);
    enum tcp_state s = pcb ? pcb->state : CLOSED;
    begin_reply(r->id, true);
    put_str("state", rfc_state_name(s));
    put_str("lwip_state", tcp_debug_state_str(s));
    end_message();
}

/* How many frames the stack has taken in: every state event they caused was written before this reply. */
static void op_sync(const struct request *r)
{
    begin_reply(r->id, true);
    put_int("frames", (int64_t)tap_frames_in());
    end_message();
}

void close_everything(void)
{
    while (handles)
        release(handles, false, "the program is ending");
}

struct op_def {
    const char *name;
    void (*fn)(const struct request *r);
    const char *fields[8];
    bool server_only;
};

static void op_quit(const struct request *r);

static const struct op_def defs[] = {
    { "listen", op_listen, { "addr", "port", "backlog" }, true },
    { "accept", op_accept, { "conn" }, true },
    { "connect", op_connect, { "addr", "port", "bind_addr", "bind_port", "wait" }, false },
    { "send", op_send, { "conn", "bytes", "data" }, false },
    { "recv", op_recv, { "conn", "bytes", "until", "capture" }, false },
    { "shutdown", op_shutdown, { "conn", "how" }, false },
    { "close", op_close, { "conn" }, false },
    { "abort", op_abort, { "conn" }, false },
    { "state", op_state, { "conn" }, false },
    { "sync", op_sync, { NULL }, false },
    { "quit", op_quit, { NULL }, false },
};

bool quit_requested;

static void op_quit(const struct request *r)
{
    close_everything();
    reply_ok(r->id);
    quit_requested = true;
}

void handle_request(const struct request *r)
{
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
        const struct op_def *d = &defs[i];
        if (strcmp(d->name, r->op) != 0)
            continue;
        if (d->server_only && role == ROLE_CLIENT) {
            reply_error(&r->id, "unknown-op", "op \"%s\" is not available: this is the client, which only connects", r->op);
            return;
        }
        for (size_t f = 0; f < r->obj->count; f++) {
            const char *key = r->obj->members[f].key;
            bool ok = strcmp(key, "id") == 0 || strcmp(key, "op") == 0;
            for (size_t k = 0; !ok && k < 8 && d->fields[k]; k++)
                ok = strcmp(key, d->fields[k]) == 0;
            if (!ok) {
                reply_error(&r->id, "bad-request", "unknown field \"%s\" for %s", key, r->op);
                return;
            }
        }
        d->fn(r);
        return;
    }
    reply_error(&r->id, "unknown-op", "op \"%s\" is not available in this lwIP program", r->op);
}
