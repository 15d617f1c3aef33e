/*
 * control.h - the control-protocol engine behind tcpref-server and
 * tcpref-client.
 *
 * The engine reads JSON requests from stdin, one per line, drives TCP
 * sockets with them and writes one JSON reply per request (and a few
 * events) to stdout. docs/control-protocol.md is the reference.
 */
#ifndef TCPREF_CONTROL_H
#define TCPREF_CONTROL_H

enum control_role {
    CONTROL_SERVER, /* every op */
    CONTROL_CLIENT, /* every op except listen and accept */
};

/* Version of the protocol, announced in the ready event. */
#define CONTROL_PROTOCOL_VERSION 1

/*
 * Runs the program until stdin reaches EOF or a quit request arrives, and
 * returns the exit status. argv may hold only --help or --version.
 */
int control_run(enum control_role role, int argc, char **argv);

#endif
