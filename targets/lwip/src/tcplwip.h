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
#include "message.h"

#define PROTOCOL_VERSION 1

enum role { ROLE_SERVER, ROLE_CLIENT };

/* Replies, events and request fields: message.h, shared with the
 * reference programs. */

/* ---- out.c: lwIP's values as the protocol writes them ---- */
/* "198.18.0.2:7000" */
void format_endpoint(const ip_addr_t *ip, uint16_t port, char *buf, size_t size);
/* errno value for an lwIP error */
int lwip_errno(err_t err);
/* CLOCK_MONOTONIC in microseconds, the harness's time axis */
int64_t mono_us(void);

/* ---- conn.c: handles and the operations on them ---- */
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
