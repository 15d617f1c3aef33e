/*
 * tcpref-server - the reference TCP server: listens, accepts and then does
 * whatever its controller asks, over the JSON-lines control protocol on
 * stdin/stdout (docs/control-protocol.md).
 */
#include "control.h"

int main(int argc, char **argv)
{
    return control_run(CONTROL_SERVER, argc, argv);
}
