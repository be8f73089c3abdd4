"""pyasic against a running hearthd: the ESP-Miner (AxeOS) API as a real client reads it.

Starts a small Stratum pool on loopback (testpool.py: it accepts every share, so what it proves is that hearthd
mines there, not that the shares are good; the Swift tests check those), then hearthd on the
simulated board with its API on port 80, where pyasic looks, once with the pool configured and
once with none. Each time pyasic reads the heater through its ESP-Miner class and through
`get_miner` auto-detection, and every field it reads must be filled.

    python pyasic-check.py BIN_DIR BOARD_FILE
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pyasic
from pyasic.miners.backends.espminer import ESPMiner

from testpool import Pool

BIN, BOARD = sys.argv[1], sys.argv[2]
API_PORT = 80
failures = []
passed = 0


def check(condition, what):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(what)
        print(f"FAILED: {what}", file=sys.stderr)


def start_hearthd(folder, pool):
    arguments = [f"{BIN}/hearthd", "--board", BOARD, "--state", f"{folder}/state.json", "--api", f"127.0.0.1:{API_PORT}",
                 "--cgminer-api", "off", "--setpoint", "25", "--tick-rate", "4"]
    if pool:
        arguments += ["--pool", f"stratum+tcp://127.0.0.1:{pool.port}", "--user", "bc1qheater.den"]
    log = open(f"{folder}/hearthd.log", "w")
    daemon = subprocess.Popen(arguments, stdout=log, stderr=log)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{API_PORT}/api/system/info", timeout=1)
            return daemon
        except OSError:
            if daemon.poll() is not None:
                break
            time.sleep(0.2)
    daemon.terminate()
    sys.exit(f"hearthd's API did not answer on port {API_PORT}:\n" + open(f"{folder}/hearthd.log").read()[-2000:])


async def read(miner, with_pool, how, boards_and_fans=True):
    """What pyasic reads, each field checked. pyasic's generic ESPMiner class knows no count of
    hash boards and fans (its device classes do), so through it those lists stay empty."""
    data = await miner.get_data()
    check(data.hostname == socket.gethostname(), f"{how}: hostname {data.hostname!r}")
    check(data.wattage is not None and data.wattage > 0, f"{how}: wattage {data.wattage!r}")
    check(data.uptime is not None and data.uptime >= 0, f"{how}: uptime {data.uptime!r}")
    check(data.fw_ver and data.api_ver, f"{how}: versions {data.fw_ver!r} {data.api_ver!r}")
    check(data.mac and len(data.mac) == 17, f"{how}: mac {data.mac!r}")
    # The chain hashes with or without a pool (without, for heat only): its chips, clock and cores
    # give the expected rate.
    check(data.expected_hashrate is not None and float(data.expected_hashrate) > 0,
          f"{how}: expected hash rate {data.expected_hashrate!r}")
    check(data.hashrate is not None and float(data.hashrate) > 0, f"{how}: hash rate {data.hashrate!r}")
    if boards_and_fans:
        board = data.hashboards[0] if data.hashboards else None
        check(board is not None and board.chip_temp is not None and board.chips == 4,
              f"{how}: hash board {board!r}")
        check(data.fans and data.fans[0].speed is not None, f"{how}: fans {data.fans!r}")
    check(data.config is not None and data.config.fan_mode is not None, f"{how}: config {data.config!r}")
    pools = [pool for group in data.config.pools.groups for pool in group.pools] if data.config else []
    if with_pool:
        check(pools and pools[0].url.endswith(":%d" % POOL.port) and pools[0].user == "bc1qheater.den",
              f"{how}: pool {pools!r}")
    else:
        check(len(pools) == 1 and pools[0].user == "", f"{how}: no pool configured: {pools!r}")
    return data


async def main():
    for with_pool in (True, False):
        folder = tempfile.mkdtemp(prefix="hearth-pyasic-")
        daemon = start_hearthd(folder, POOL if with_pool else None)
        try:
            for _ in range(150):  # until the heater hashes and the rate shows (and, with a pool, a share)
                info = json.load(urllib.request.urlopen(f"http://127.0.0.1:{API_PORT}/api/system/info"))
                if info["hashRate"] > 0 and (info["sharesAccepted"] > 0 or not with_pool):
                    break
                time.sleep(0.2)
            label = "with a pool" if with_pool else "without a pool"
            explicit = ESPMiner("127.0.0.1")
            explicit.web.port = API_PORT
            await read(explicit, with_pool, f"ESPMiner, {label}", boards_and_fans=False)
            # Auto-detection: "AxeOS" in the page at /, then the chips' model: a BM1366 chain is a
            # Bitaxe Ultra to pyasic, hashing for a pool or for heat only.
            found = await pyasic.get_miner("127.0.0.1")
            expected = "BitAxeUltra"
            check(type(found).__name__ == expected, f"get_miner {label}: {type(found).__name__}, not {expected}")
            if found is not None:
                data = await read(found, with_pool, f"get_miner, {label}")
                if data.hashboards and data.fans:
                    print(f"{label}: pyasic found {type(found).__name__}: {data.hashrate} at {data.wattage} W, "
                          f"chips {data.hashboards[0].chip_temp} °C, fan {data.fans[0].speed} rpm")
        finally:
            daemon.terminate()
            daemon.wait(timeout=30)
    check(POOL.shares > 0, f"the pool got {POOL.shares} shares")


POOL = Pool()
asyncio.run(main())
if failures:
    sys.exit(f"pyasic: {passed} checks passed, {len(failures)} failed")
print(f"pyasic: all {passed} checks passed ({POOL.shares} share(s) reached the pool)")
