#!/usr/bin/python3
"""WebSocket client peer of the interop tests (tests/interop/ws_python_test.cpp): Python's
websockets library (Debian python3-websockets) against our server.

usage: ws_client_peer.py URL COMPRESSION [CA_FILE]   (COMPRESSION: deflate or none; CA_FILE
       for a wss:// URL, the CA its certificate must chain to)

Sends a text message, a 1 MiB binary message, a ping and 50 small messages, checks every echo
byte for byte, closes with 1000, and prints one JSON line with what it saw.
"""
import asyncio
import json
import random
import ssl
import sys

import websockets


async def main(url, compression, ca_file):
    report = {"ok": False}
    tls = ssl.create_default_context(cafile=ca_file) if ca_file else None
    async with websockets.connect(url, compression=None if compression == "none" else "deflate",
                                  max_size=4 * 1024 * 1024, open_timeout=20, ssl=tls) as ws:
        report["extensions"] = [type(e).__name__ for e in ws.protocol.extensions] \
            if hasattr(ws, "protocol") else [type(e).__name__ for e in ws.extensions]
        await ws.send("héllo wörld")
        report["text"] = await asyncio.wait_for(ws.recv(), 20)
        rng = random.Random(7)
        blob = bytes(rng.getrandbits(8) for _ in range(1024 * 1024))
        await ws.send(blob)
        echoed = await asyncio.wait_for(ws.recv(), 20)
        report["binary_ok"] = isinstance(echoed, bytes) and echoed == blob
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 20)
        report["pong"] = True
        for i in range(50):
            await ws.send(f"message {i}")
        got = [await asyncio.wait_for(ws.recv(), 20) for _ in range(50)]
        report["in_order"] = got == [f"message {i}" for i in range(50)]
        await ws.close(1000, "done")
        report["close_code"] = ws.close_code
        report["ok"] = True
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None))
