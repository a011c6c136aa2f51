# A deliberately faulty UDP echo server for udp_roundtrip_test.sh: it echoes every datagram
# but spoils every 50th one (duplicate | corrupt | truncate). Prints "port=N"; exits after 3 s
# without a datagram, or 30 s in all.
import socket
import sys
import time

fault = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print("port=%d" % s.getsockname()[1], flush=True)
s.settimeout(3)
count = 0
end = time.monotonic() + 30
while time.monotonic() < end:
    try:
        data, sender = s.recvfrom(65536)
    except socket.timeout:
        break
    count += 1
    if count % 50 == 0:
        if fault == "duplicate":
            s.sendto(data, sender)
        elif fault == "corrupt":
            data = data[:-1] + bytes([data[-1] ^ 0x01])
        elif fault == "truncate":
            data = data[:-1]
    s.sendto(data, sender)
