/*
 * selfreport.c - the self-report observer: lwIP keeps its connections in
 * three lists (listening, active, TIME_WAIT); comparing every pcb's state
 * with the last one reported, after each frame, each request and every few
 * milliseconds, turns lwIP's state machine into `state` events:
 *
 *   {"event":"state","local":"198.18.0.2:10001","peer":"198.18.0.1:40000",
 *    "from":"SYN_RCVD","to":"ESTABLISHED","t_us":123456789}
 *
 * t_us is CLOCK_MONOTONIC in microseconds, the harness's own time axis.
 * A pcb that leaves the lists is reported as going to CLOSED.
 */
#include <stdlib.h>
#include <string.h>

#include "lwip/priv/tcp_priv.h"
#include "lwip/timeouts.h"

#include "tcplwip.h"

/* How often timer-driven changes (retransmission give-ups, TIME_WAIT's end) are looked for. */
#define SCAN_INTERVAL_MS 5

struct seen {
    const void *pcb;
    ip_addr_t local_ip, remote_ip;
    uint16_t local_port, remote_port;
    enum tcp_state state;
    bool present;
};

static struct seen *table;
static size_t count, cap;

const char *rfc_state_name(enum tcp_state s)
{
    switch (s) {
    case CLOSED: return "CLOSED";
    case LISTEN: return "LISTEN";
    case SYN_SENT: return "SYN_SENT";
    case SYN_RCVD: return "SYN_RCVD";
    case ESTABLISHED: return "ESTABLISHED";
    case FIN_WAIT_1: return "FIN_WAIT_1";
    case FIN_WAIT_2: return "FIN_WAIT_2";
    case CLOSE_WAIT: return "CLOSE_WAIT";
    case CLOSING: return "CLOSING";
    case LAST_ACK: return "LAST_ACK";
    case TIME_WAIT: return "TIME_WAIT";
    }
    return "UNKNOWN";
}

static void report(const struct seen *s, enum tcp_state from, enum tcp_state to)
{
    char buf[IPADDR_STRLEN_MAX + 16];

    begin_event("state", 0);
    format_endpoint(&s->local_ip, s->local_port, buf, sizeof buf);
    put_str("local", buf);
    if (from != LISTEN && to != LISTEN) {
        format_endpoint(&s->remote_ip, s->remote_port, buf, sizeof buf);
        put_str("peer", buf);
    }
    put_str("from", rfc_state_name(from));
    put_str("to", rfc_state_name(to));
    put_int("t_us", mono_us());
    end_message();
}

static bool same_tuple(const struct seen *s, const ip_addr_t *lip, uint16_t lport, const ip_addr_t *rip, uint16_t rport)
{
    return s->local_port == lport && s->remote_port == rport && ip_addr_cmp(&s->local_ip, lip) && ip_addr_cmp(&s->remote_ip, rip);
}

static void visit(const void *pcb, const ip_addr_t *lip, uint16_t lport, const ip_addr_t *rip, uint16_t rport, enum tcp_state state)
{
    for (size_t i = 0; i < count; i++) {
        struct seen *s = &table[i];
        if (s->pcb != pcb || !same_tuple(s, lip, lport, rip, rport))
            continue;
        s->present = true;
        if (s->state != state) {
            report(s, s->state, state);
            s->state = state;
        }
        return;
    }
    if (count == cap) {
        cap = cap ? cap * 2 : 16;
        table = realloc(table, cap * sizeof *table);
        if (!table)
            abort();
    }
    struct seen *s = &table[count++];
    memset(s, 0, sizeof *s);
    s->pcb = pcb;
    ip_addr_copy(s->local_ip, *lip);
    ip_addr_copy(s->remote_ip, *rip);
    s->local_port = lport;
    s->remote_port = rport;
    s->state = state;
    s->present = true;
    report(s, CLOSED, state);
}

/* Call with the core lock held. */
void selfreport_scan(void)
{
    for (size_t i = 0; i < count; i++)
        table[i].present = false;
    for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next)
        visit(l, &l->local_ip, l->local_port, &l->remote_ip, 0, l->state);
    for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
        visit(p, &p->local_ip, p->local_port, &p->remote_ip, p->remote_port, p->state);
    for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
        visit(p, &p->local_ip, p->local_port, &p->remote_ip, p->remote_port, p->state);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (!table[i].present) {
            /* A pcb that lwIP freed while still in CLOSED (a listener that was closed, or one that was never seen otherwise) says nothing more. */
            if (table[i].state != CLOSED)
                report(&table[i], table[i].state, CLOSED);
            continue;
        }
        table[kept++] = table[i];
    }
    count = kept;
}

static void tick(void *arg)
{
    (void)arg;
    selfreport_scan();
    sys_timeout(SCAN_INTERVAL_MS, tick, NULL);
}

/* Call with the core lock held. */
void selfreport_start(void)
{
    sys_timeout(SCAN_INTERVAL_MS, tick, NULL);
}
