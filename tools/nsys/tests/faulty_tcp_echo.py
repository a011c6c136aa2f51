# A deliberately faulty TCP echo server for verify_test.sh: it speaks length framing (4-byte
# big-endian length, then the payload) and echoes every frame, but spoils every 7th frame of each
# connection (7 is odd, so the spoiled frames meet every sequence-number phase of the generator's
# 1-in-64 sample):
#   none       no fault (shows that the errors of the other modes are the faults')
#   corrupt    flips the last payload byte
#   swap       sends the frame after the next one (two echoes out of order)
#   duplicate  sends the frame twice
#   drop       does not send the frame
# Prints "port=N"; exits 3 s after its last connection closed, or after 30 s in all.
import selectors
import socket
import struct
import sys
import time

fault = sys.argv[1]
period = 7
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(64)
listener.setblocking(False)
print("port=%d" % listener.getsockname()[1], flush=True)

sel = selectors.DefaultSelector()
sel.register(listener, selectors.EVENT_READ)
state = {}  # socket -> [input bytes, frames seen, frame held back for swap]


def echo(conn, frames):
    out = b"".join(frames)
    if out:
        conn.setblocking(True)  # simple and bounded: the generator always reads its echoes
        conn.settimeout(10)
        conn.sendall(out)
        conn.setblocking(False)


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
            state[conn] = [b"", 0, None]
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
            sel.unregister(conn)
            conn.close()
            del state[conn]
            idle_since = time.monotonic()
            continue
        st[0] += data
        frames = []
        while len(st[0]) >= 4:
            (length,) = struct.unpack(">I", st[0][:4])
            if len(st[0]) < 4 + length:
                break
            frame, st[0] = st[0][: 4 + length], st[0][4 + length :]
            st[1] += 1
            if st[2] is not None:  # swap: the held frame goes after this one
                frames += [frame, st[2]]
                st[2] = None
                continue
            if st[1] % period == 0 and fault != "none":
                if fault == "corrupt":
                    frame = frame[:-1] + bytes([frame[-1] ^ 0x01])
                elif fault == "swap":
                    st[2] = frame
                    continue
                elif fault == "duplicate":
                    frames.append(frame)
                elif fault == "drop":
                    continue
            frames.append(frame)
        try:
            echo(conn, frames)
        except OSError:
            sel.unregister(conn)
            conn.close()
            del state[conn]
            idle_since = time.monotonic()
