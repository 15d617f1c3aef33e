/*
 * tcpref-client - the reference TCP client: connects and then does whatever
 * its controller asks, over the JSON-lines control protocol on stdin/stdout
 * (docs/control-protocol.md). It has every op of tcpref-server except
 * listen and accept.
 */
#include "control.h"

int main(int argc, char **argv)
{
    return control_run(CONTROL_CLIENT, argc, argv);
}
