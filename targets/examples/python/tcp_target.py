#!/usr/bin/env python3
"""A minimal controllable target: the control protocol (docs/control-protocol.md)
over the Python sockets API, standard library only.

    python3 tcp_target.py server|client

Requests come on stdin, one JSON object a line; replies and events go to
stdout, one a line. Waiting operations (accept, connect, recv, send) run in
one worker thread per handle, so they finish in order per handle while the
main thread goes on answering other requests.
"""
import errno
import json
import os
import queue
import select
import socket
import struct
import sys
import threading

OPS = ["listen", "accept", "connect", "send", "recv", "shutdown", "close", "abort", "quit"]
PATTERN = b"abcdefghijklmnopqrstuvwxyz"
out_lock = threading.Lock()


def emit(obj):
    with out_lock:
        sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
        sys.stdout.flush()


def failure(rid, err):
    name = errno.errorcode.get(err.errno, "E%s" % err.errno) if isinstance(err, OSError) and err.errno else "EIO"
    return {"id": rid, "ok": False, "errno": name, "message": os.strerror(err.errno) if isinstance(err, OSError) and err.errno else str(err)}


def endpoint(addr):
    host, port = addr[0], addr[1]
    return ("[%s]:%d" % (host, port)) if ":" in host else ("%s:%d" % (host, port))


class Handle:
    """A socket and the worker that runs its waiting operations in order."""

    def __init__(self, sock):
        self.sock = sock
        self.jobs = queue.Queue()
        threading.Thread(target=self.work, daemon=True).start()

    def work(self):
        while True:
            rid, job = self.jobs.get()
            try:
                result = job()
            except OSError as err:
                result = failure(rid, err)
            if result is not None:
                emit(result)


handles = {}
next_handle = [1]


def new_handle(sock):
    h = next_handle[0]
    next_handle[0] += 1
    handles[h] = Handle(sock)
    return h


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def handle(req):
    rid, op = req["id"], req["op"]
    if op not in OPS:
        return {"id": rid, "ok": False, "error": "unknown-op", "message": "no such operation: %s" % op}
    if op == "quit":
        return {"id": rid, "ok": True}
    if op == "listen":
        s = socket.socket(family_of(req["addr"]), socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((req["addr"], req["port"]))
        s.listen(req.get("backlog", 16))
        return {"id": rid, "ok": True, "conn": new_handle(s), "local": endpoint(s.getsockname()), "port": s.getsockname()[1]}
    if op == "connect":
        s = socket.socket(family_of(req["addr"]), socket.SOCK_STREAM)
        if "bind_addr" in req or "bind_port" in req:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((req.get("bind_addr", ""), req.get("bind_port", 0)))
        h = new_handle(s)
        target = (req["addr"], req["port"])
        if req.get("wait", True):
            def connect():
                s.connect(target)
                return {"id": rid, "ok": True, "conn": h, "local": endpoint(s.getsockname()), "peer": endpoint(s.getpeername())}
            handles[h].jobs.put((rid, connect))
            return None

        # Non-blocking, so that a close or abort from the main thread really
        # closes the socket while the handshake is pending (a thread blocked in
        # connect() would keep it alive).
        s.setblocking(False)
        err = s.connect_ex(target)
        if err not in (0, errno.EINPROGRESS):
            raise OSError(err, os.strerror(err))

        def connect_later():
            poller = select.poll()
            poller.register(s, select.POLLOUT)
            while s.fileno() >= 0 and not poller.poll(50):
                pass
            try:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if not err:
                    s.setblocking(True)
                    return {"event": "connected", "conn": h, "local": endpoint(s.getsockname()), "peer": endpoint(s.getpeername())}
            except OSError as closed:
                # The request was answered already (pending): a reply now
                # would be a second one. Closed by close or abort before this
                # thread saw the handshake end: nothing left to report.
                if s.fileno() < 0:
                    return None
                err = closed.errno
            return {"event": "connect-failed", "conn": h, "errno": errno.errorcode.get(err, "E%d" % err), "message": os.strerror(err)}
        handles[h].jobs.put((rid, connect_later))
        return {"id": rid, "ok": True, "conn": h, "pending": True}

    conn = req.get("conn")
    if op == "accept" and conn is None:
        conn = max((k for k, v in handles.items() if v.sock.fileno() >= 0 and is_listener(v.sock)), default=None)
    target = handles.get(conn)
    if target is None or target.sock.fileno() < 0:
        return {"id": rid, "ok": False, "error": "bad-handle", "message": "no open handle %s" % conn}
    s = target.sock
    if op == "accept":
        def accept():
            c, peer = s.accept()
            return {"id": rid, "ok": True, "conn": new_handle(c), "peer": endpoint(peer), "local": endpoint(c.getsockname())}
        target.jobs.put((rid, accept))
        return None
    if op == "send":
        data = req["data"].encode() if "data" in req else (PATTERN * (req["bytes"] // len(PATTERN) + 1))[: req["bytes"]]
        def send():
            s.sendall(data)
            return {"id": rid, "ok": True, "sent": len(data)}
        target.jobs.put((rid, send))
        return None
    if op == "recv":
        def recv():
            got, eof = 0, False
            while req.get("until") == "eof" or got < req.get("bytes", 1):
                chunk = s.recv(65536 if req.get("until") == "eof" else req.get("bytes", 1) - got)
                if not chunk:
                    eof = True
                    break
                got += len(chunk)
            return {"id": rid, "ok": True, "received": got, "eof": eof}
        target.jobs.put((rid, recv))
        return None
    if op == "shutdown":
        s.shutdown({"read": socket.SHUT_RD, "write": socket.SHUT_WR, "both": socket.SHUT_RDWR}[req["how"]])
        return {"id": rid, "ok": True}
    if op == "abort":
        # SO_LINGER on with a zero timeout: close() sends RST (RFC 9293 ABORT).
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    return {"id": rid, "ok": True}


def is_listener(sock):
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1


def main():
    role = sys.argv[1] if len(sys.argv) > 1 else "server"
    emit({"event": "ready", "role": role, "pid": os.getpid(), "protocol": 1, "ops": OPS})
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            rid = req.get("id")
        except (ValueError, AttributeError) as err:
            emit({"ok": False, "error": "bad-request", "message": "invalid JSON: %s" % err})
            continue
        try:
            reply = handle(req)
        except OSError as err:
            reply = failure(rid, err)
        except (KeyError, TypeError) as err:
            reply = {"id": rid, "ok": False, "error": "bad-request", "message": "missing or wrong field: %s" % err}
        if reply is not None:
            emit(reply)
        if req.get("op") == "quit":
            break
    # End of stdin (or quit): close every socket, as close(2) would.
    for h in handles.values():
        h.sock.close()


if __name__ == "__main__":
    main()
