# An HTTP/1.1 server for http_bench_test.sh that answers every request (pipelined ones too, in
# order) on keep-alive connections, well or deliberately badly:
#   chunked  valid chunked responses, with a chunk extension and a trailer (no fault)
#   garbage  every 5th response of a connection is not HTTP: in turn not HTTP at all, a bad
#            Content-Length, both Content-Length and chunked, a bad chunk size
#   status   every 3rd response is a well-formed 503
#   close    after 10 responses a connection ends: with "Connection: close" on even
#            connections, by closing with requests unanswered on odd ones
# Prints "port=N"; exits 3 s after its last connection closed, or after 30 s in all.
import selectors
import socket
import sys
import time

mode = sys.argv[1]
GOOD_CHUNKED = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5;note=first\r\nHello\r\n8\r\n, World!\r\n0\r\nX-Trailer: yes\r\n\r\n")
GOOD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"
GARBAGE = [
    b"SSH-2.0-OpenSSH_9.2\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\nHello, World!",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
]
BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy"
CLOSING = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 13\r\n\r\nHello, World!"

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(128)
listener.setblocking(False)
print("port=%d" % listener.getsockname()[1], flush=True)

sel = selectors.DefaultSelector()
sel.register(listener, selectors.EVENT_READ)
state = {}  # socket -> [unparsed input, responses sent, connection number]
accepted = 0


def answer(n, number):
    """The response number n (1-based) of connection `number`, and whether to close after."""
    if mode == "chunked":
        return GOOD_CHUNKED, False
    if mode == "garbage" and n % 5 == 0:
        return GARBAGE[(n // 5 + number) % len(GARBAGE)], True
    if mode == "status" and n % 3 == 0:
        return BUSY, False
    if mode == "close" and n == 10:
        return (CLOSING, True) if number % 2 == 0 else (b"", True)
    return GOOD, False


def close(conn):
    sel.unregister(conn)
    del state[conn]
    conn.close()


end = time.monotonic() + 30
idle_since = time.monotonic()
while time.monotonic() < end:
    if not state and time.monotonic() - idle_since > 3:
        break
    for key, _ in sel.select(timeout=0.1):
        if key.fileobj is listener:
            try:
                conn, _ = listener.accept()
            except BlockingIOError:
                continue
            conn.setblocking(False)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sel.register(conn, selectors.EVENT_READ)
            state[conn] = [b"", 0, accepted]
            accepted += 1
            continue
        conn = key.fileobj
        st = state[conn]
        try:
            data = conn.recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            data = b""
        if not data:
            close(conn)
            idle_since = time.monotonic()
            continue
        st[0] += data
        out = b""
        closing = False
        while b"\r\n\r\n" in st[0] and not closing:
            _, st[0] = st[0].split(b"\r\n\r\n", 1)
            st[1] += 1
            response, closing = answer(st[1], st[2])
            out += response
        try:
            if out:
                conn.setblocking(True)  # simple and bounded: the client reads its responses
                conn.settimeout(10)
                conn.sendall(out)
                conn.setblocking(False)
        except OSError:
            closing = True
        if closing:
            close(conn)
            idle_since = time.monotonic()
