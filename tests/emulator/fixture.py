"""Start and stop the emulator (`python -m tests.emulator`) on a free loopback port, and read
what its additions recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class Emulator:
    """One emulator process. `url` is where every AWS endpoint of a stack points."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self, timeout: float = 60) -> Emulator:
        env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "PYTHONUNBUFFERED": "1"}
        env.pop("MOTO_ACCOUNT_ID", None)  # it would put every account's calls into one
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.emulator", "--port", "0"],
            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True,
        )
        deadline = time.monotonic() + timeout
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError(f"the emulator did not start; its log: {self.log_path}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"
        while time.monotonic() < deadline:
            try:
                self.get("health")
                return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the emulator did not answer within {timeout} s; its log: {self.log_path}")

    def get(self, endpoint: str) -> Any:
        with urllib.request.urlopen(f"{self.url}/_zeroetl/{endpoint}", timeout=30) as answer:
            return json.loads(answer.read())

    def post(self, endpoint: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(f"{self.url}/_zeroetl/{endpoint}", data=json.dumps(body or {}).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def calls(self, action: str | None = None) -> list[dict[str, Any]]:
        return [c for c in self.get("calls") if action in (None, c["action"])]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            if self.process.stdin:
                self.process.stdin.close()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()
