"""`python -m tests.emulator --port 0`: serve the emulator on 127.0.0.1 and print the port.

Loopback only; the process ends when its standard input closes (the test that started it
ended) or on SIGTERM."""

from __future__ import annotations

import argparse
import sys
import threading

from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import make_server

from tests.emulator import moto_fixes
from tests.emulator.app import EmulatorApp
from tests.emulator.retries import ReplayRetries


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    moto_fixes.install()
    server = make_server("127.0.0.1", args.port, ReplayRetries(EmulatorApp()), threaded=True, request_handler=MotoRequestHandler)
    print(f"listening {server.server_port}", flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
