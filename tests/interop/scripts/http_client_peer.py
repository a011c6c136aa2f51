#!/usr/bin/python3
"""Python's own HTTP client (http.client, ssl, socket) against a server on 127.0.0.1, for
tests/interop/http_python_test.cpp. Each mode makes its requests and prints one JSON object
on stdout describing what came back; the C++ test decides whether that is right.

  http_client_peer.py keepalive PORT
  http_client_peer.py post      PORT BODY_FILE OUT_FILE
  http_client_peer.py chunked   PORT BODY_FILE OUT_FILE
  http_client_peer.py head      PORT
  http_client_peer.py https     PORT CA_FILE
  http_client_peer.py pipeline  PORT COUNT [CA_FILE]   (with CA_FILE: over TLS to localhost)

Every socket operation is bounded by TIMEOUT seconds; an exception ends the script with a
traceback on stderr and a non-zero exit.
"""

import http.client
import json
import socket
import ssl
import sys

TIMEOUT = 20


def answer(response, body=None):
    """A response as JSON: status, reason, version, fields in order, and the body as text."""
    if body is None:
        body = response.read()
    return {
        "status": response.status,
        "reason": response.reason,
        "version": response.version,
        "fields": [[name, value] for name, value in response.getheaders()],
        "body": body.decode("latin-1"),
    }


def local_port(conn):
    return conn.sock.getsockname()[1] if conn.sock is not None else 0


def keepalive(port):
    """Several requests on one HTTPConnection; the local port of each shows the connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    requests = [
        ("GET", "/hello", None, {}),
        ("POST", "/echo", b"first body", {"Content-Type": "text/x-first"}),
        ("GET", "/size/100", None, {}),
        ("POST", "/echo", b"second body, longer than the first", {"Content-Type": "text/x-second"}),
        ("GET", "/hello", None, {}),
    ]
    results = []
    for method, target, body, fields in requests:
        conn.request(method, target, body=body, headers=fields)
        response = conn.getresponse()
        entry = answer(response)
        entry["local_port"] = local_port(conn)
        results.append(entry)
    conn.close()
    return {"responses": results}


def post(port, body_file, out_file):
    with open(body_file, "rb") as f:
        body = f.read()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    conn.request("POST", "/echo", body=body, headers={"Content-Type": "application/x-python"})
    response = conn.getresponse()
    received = response.read()
    with open(out_file, "wb") as f:
        f.write(received)
    conn.close()
    return answer(response, b"")


def chunked(port, body_file, out_file):
    with open(body_file, "rb") as f:
        body = f.read()

    def pieces():
        # Two thousand one-byte chunks (each its own send), then uneven sizes, so that chunk
        # boundaries fall everywhere in the server's reads.
        sizes = [1] * 2000 + [10, 4096, 65536, 7]
        at = 0
        for size in sizes:
            yield body[at:at + size]
            at += size
        yield body[at:]

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    conn.request("POST", "/echo", body=pieces(), encode_chunked=True,
                 headers={"Content-Type": "application/x-chunked"})
    response = conn.getresponse()
    received = response.read()
    with open(out_file, "wb") as f:
        f.write(received)
    conn.close()
    return answer(response, b"")


def head(port):
    """HEAD, then GET on the same connection (a body after the HEAD answer would break it)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    conn.request("HEAD", "/size/500")
    first = answer(conn.getresponse())
    first["local_port"] = local_port(conn)
    conn.request("GET", "/hello")
    second = answer(conn.getresponse())
    second["local_port"] = local_port(conn)
    conn.close()
    return {"responses": [first, second]}


def https(port, ca_file):
    context = ssl.create_default_context(cafile=ca_file)
    context.set_alpn_protocols(["http/1.1"])
    conn = http.client.HTTPSConnection("localhost", port, timeout=TIMEOUT, context=context)
    results = []
    for target in ("/hello", "/size/30"):
        conn.request("GET", target)
        entry = answer(conn.getresponse())
        entry["local_port"] = local_port(conn)
        results.append(entry)
    tls = {
        "version": conn.sock.version(),
        "alpn": conn.sock.selected_alpn_protocol(),
        "peer_subject": dict(x[0] for x in conn.sock.getpeercert()["subject"]),
    }
    conn.close()

    # The default context trusts the system's CAs only, not the test CA.
    untrusted = None
    try:
        other = http.client.HTTPSConnection("localhost", port, timeout=TIMEOUT,
                                            context=ssl.create_default_context())
        other.request("GET", "/hello")
        other.getresponse().read()
    except ssl.SSLCertVerificationError as e:
        untrusted = e.verify_message
    return {"responses": results, "tls": tls, "untrusted_error": untrusted}


def pipelined_body(i):
    return b"pipelined body %d;" % i * (i * 50)


def pipeline(port, count, ca_file=None):
    """`count` requests in one sendall (GET /size/<i+1> for even i, POST /echo with
    pipelined_body(i) for odd i), then the answers read in order with http.client's field
    parser; the last request asks to close, so the server's close ends the stream."""
    wire = b""
    for i in range(count):
        close = b"Connection: close\r\n" if i == count - 1 else b""
        if i % 2 == 0:
            wire += (b"GET /size/%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n"
                     % (i + 1, port, close))
        else:
            body = pipelined_body(i)
            wire += (b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: text/x-%d\r\n"
                     b"Content-Length: %d\r\n%s\r\n" % (port, i, len(body), close)) + body
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    if ca_file is not None:
        # A close without close_notify raises instead of reading as the end of the stream
        # (Python's defaults hide it: OP_IGNORE_UNEXPECTED_EOF and suppress_ragged_eofs).
        context = ssl.create_default_context(cafile=ca_file)
        context.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF
        sock = context.wrap_socket(sock, server_hostname="localhost", suppress_ragged_eofs=False)
    sock.sendall(wire)
    stream = sock.makefile("rb")
    results = []
    for _ in range(count):
        status_line = stream.readline(65537).decode("latin-1").rstrip("\r\n")
        fields = http.client.parse_headers(stream)
        length = int(fields.get("Content-Length", "0"))
        body = stream.read(length)
        results.append({
            "status_line": status_line,
            "fields": [[name, value] for name, value in fields.items()],
            "body": body.decode("latin-1"),
        })
    rest = stream.read()  # up to the server's close
    sock.close()
    return {"responses": results, "bytes_after_last": len(rest)}


def main(argv):
    mode, port = argv[1], int(argv[2])
    if mode == "keepalive":
        result = keepalive(port)
    elif mode == "post":
        result = post(port, argv[3], argv[4])
    elif mode == "chunked":
        result = chunked(port, argv[3], argv[4])
    elif mode == "head":
        result = head(port)
    elif mode == "https":
        result = https(port, argv[3])
    elif mode == "pipeline":
        result = pipeline(port, int(argv[3]), argv[4] if len(argv) > 4 else None)
    else:
        sys.exit("unknown mode " + mode)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv)
