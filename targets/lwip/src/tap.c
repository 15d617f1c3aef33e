/*
 * tap.c - lwIP's network interface on the TAP device the harness made.
 *
 * Our own driver rather than the unix port's tapif: Debian's liblwip 2.1.3
 * tapif copies each received frame into a PBUF_POOL buffer sized for
 * 536-byte segments while lwIP sends and accepts 1460, so every frame over
 * about 590 bytes overflows the heap (found with AddressSanitizer). Here each
 * frame gets a PBUF_RAM buffer of its own size. The device is only attached
 * to, never configured: the harness owns it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

#include "tcplwip.h"

#define FRAME_MAX 1518

static int tap_fd = -1;
/* Frames taken in so far (under the core lock): the `sync` reply. */
static unsigned long frames_in;

unsigned long tap_frames_in(void)
{
    return frames_in;
}

static err_t link_output(struct netif *netif, struct pbuf *p)
{
    char frame[FRAME_MAX];
    (void)netif;
    if (p->tot_len > sizeof frame)
        return ERR_BUF;
    u16_t n = pbuf_copy_partial(p, frame, p->tot_len, 0);
    if (write(tap_fd, frame, n) != (ssize_t)n)
        return ERR_IF;
    return ERR_OK;
}

/* Frames in: processed at once under the core lock, so that the states
 * can be compared right after each one (self-report). */
static void *reader(void *arg)
{
    struct netif *netif = arg;
    char frame[65536];
    for (;;) {
        ssize_t n = read(tap_fd, frame, sizeof frame);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "tcplwip: reading the TAP device: %s\n", n < 0 ? strerror(errno) : "end of file");
            exit(1);
        }
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
        if (!p) {
            LOCK_TCPIP_CORE();
            frames_in++;
            UNLOCK_TCPIP_CORE();
            continue;
        }
        pbuf_take(p, frame, (u16_t)n);
        LOCK_TCPIP_CORE();
        if (netif->input(p, netif) != ERR_OK)
            pbuf_free(p);
        frames_in++;
        selfreport_scan();
        UNLOCK_TCPIP_CORE();
    }
    return NULL;
}

static err_t tap_netif_init(struct netif *netif)
{
    /* A fixed, locally administered address: the relay learns it from our frames. */
    static const u8_t mac[6] = { 0x02, 0x12, 0x34, 0x56, 0x78, 0xab };
    netif->name[0] = 't';
    netif->name[1] = 'p';
    netif->output = etharp_output;
    netif->linkoutput = link_output;
    netif->mtu = 1500;
    netif->hwaddr_len = 6;
    memcpy(netif->hwaddr, mac, 6);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

void tap_attach(struct netif *netif, const char *ifname, const ip4_addr_t *ip, const ip4_addr_t *mask)
{
    struct ifreq ifr;
    ip4_addr_t gw;
    pthread_t thread;

    tap_fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (tap_fd < 0) {
        fprintf(stderr, "tcplwip: /dev/net/tun: %s\n", strerror(errno));
        exit(1);
    }
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (strlen(ifname) >= sizeof ifr.ifr_name) {
        fprintf(stderr, "tcplwip: TAP device name too long: %s\n", ifname);
        exit(2);
    }
    strcpy(ifr.ifr_name, ifname);
    if (ioctl(tap_fd, TUNSETIFF, &ifr) < 0) {
        fprintf(stderr, "tcplwip: cannot attach to TAP device %s: %s\n", ifname, strerror(errno));
        exit(1);
    }
    ip4_addr_set_zero(&gw);
    LOCK_TCPIP_CORE();
    if (!netif_add(netif, ip, mask, &gw, NULL, tap_netif_init, ethernet_input)) {
        fprintf(stderr, "tcplwip: netif_add failed\n");
        exit(1);
    }
    netif_set_default(netif);
    netif_set_link_up(netif);
    netif_set_up(netif);
    UNLOCK_TCPIP_CORE();
    if (pthread_create(&thread, NULL, reader, netif) != 0) {
        fprintf(stderr, "tcplwip: cannot start the TAP reader\n");
        exit(1);
    }
    pthread_detach(thread);
}
