/*
 * tcplwip.h - a TCP endpoint on lwIP (the userspace stack), driven by the
 * JSON-lines control protocol (docs/control-protocol.md).
 *
 * Threads: lwIP's tcpip thread (timers and callbacks), the TAP reader
 * thread (frames in), and the main thread (requests from stdin). Every one
 * of them touches lwIP and our handles only while holding lwIP's core lock,
 * which therefore also orders everything written to stdout.
 */
#ifndef TCPLWIP_H
#define TCPLWIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/tcp.h"

#include "json.h"

#define PROTOCOL_VERSION 1

enum role { ROLE_SERVER, ROLE_CLIENT };

/* ---- out.c: replies and events, one JSON line each ---- */
extern struct json_writer out;
void out_emit(void);
void out_str(const char *key, const char *value);
void out_int(const char *key, int64_t value);
void out_bool(const char *key, bool value);
void out_errno(int err);
void out_begin_reply(int64_t id, bool ok);
void out_begin_event(const char *name, int64_t conn);
void out_end(void);
void reply_ok(int64_t id);
void reply_errno(int64_t id, int err);
__attribute__((format(printf, 3, 4)))
void reply_error(const int64_t *id, const char *kind, const char *fmt, ...);
/* "198.18.0.2:7000" */
void format_endpoint(const ip_addr_t *ip, uint16_t port, char *buf, size_t size);
/* errno value for an lwIP error */
int lwip_errno(err_t err);
/* CLOCK_MONOTONIC in microseconds, the harness's time axis */
int64_t mono_us(void);

/* ---- conn.c: handles and the operations on them ---- */
struct request {
    int64_t id;
    const char *op;
    const struct json_value *root;
};
void ops_init(enum role role);
void handle_request(const struct request *r);
/* Answers every pending request with `cancelled` and closes every pcb. */
void close_everything(void);
const char *const *ops_supported(void);

/* ---- tap.c: the network interface ---- */
struct netif;
void tap_attach(struct netif *netif, const char *ifname, const ip4_addr_t *ip, const ip4_addr_t *mask);
unsigned long tap_frames_in(void);

/* ---- selfreport.c: state changes of every pcb, as events ---- */
void selfreport_scan(void);
void selfreport_start(void);
const char *rfc_state_name(enum tcp_state s);

#endif
