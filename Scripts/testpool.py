"""A small Stratum pool on loopback, for checks that need a pool to talk to: it answers what a miner
asks, hands out one job, and accepts every share (what it proves is that a miner reached it and
mines there, not that the shares are good; the Swift tests check those).

Imported by pyasic-check.py; run alone, it prints its port and serves until killed:

    python3 testpool.py
"""

import json
import socket
import threading
import time


class Pool:
    """Answers what a miner asks, hands out one job, and accepts every share."""

    def __init__(self):
        self.shares = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            connection, _ = self.listener.accept()
            threading.Thread(target=self.miner, args=(connection,), daemon=True).start()

    def miner(self, connection):
        def send(message):
            connection.sendall((json.dumps(message) + "\n").encode())

        job = ["1", "00" * 32, "01000000010000", "ffffffff0100f2052a01000000", [], "20000000", "1d00ffff",
               "%08x" % int(time.time()), True]
        for line in connection.makefile("r"):
            request = json.loads(line)
            method, ident = request.get("method"), request.get("id")
            if method == "mining.configure":
                send({"id": ident, "result": {"version-rolling": True, "version-rolling.mask": "1fffe000"}, "error": None})
            elif method == "mining.subscribe":
                send({"id": ident, "result": [[["mining.notify", "1"]], "08000002", 4], "error": None})
            elif method == "mining.authorize":
                send({"id": ident, "result": True, "error": None})
                send({"id": None, "method": "mining.set_difficulty", "params": [0.001]})
                send({"id": None, "method": "mining.notify", "params": job})
            elif method == "mining.submit":
                self.shares += 1
                send({"id": ident, "result": True, "error": None})
            elif ident is not None:
                send({"id": ident, "result": True, "error": None})


if __name__ == "__main__":
    pool = Pool()
    print(pool.port, flush=True)
    threading.Event().wait()
