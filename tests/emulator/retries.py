"""What the emulator does with a request an AWS SDK sends again.

The SDKs (the provider's Go SDK among them) retry an operation whose answer they did not get:
a dropped connection, a 5xx, a slow answer on a loaded machine. Each attempt carries the same
`amz-sdk-invocation-id` and its number in `amz-sdk-request` (`attempt=2; max=25`). When the
first attempt had in fact been carried out, moto answers the second as a new request: a
CreateAlias, CreateSecret or CreateTopic then fails with AlreadyExists, which AWS, answering
the first attempt, would not have said. That made a whole rollout fail under act on a busy CI
machine, at a different resource each time.

`ReplayRetries` in front of the emulator answers a repeated attempt of an invocation that was
already answered (below 500) with that same answer, and logs every repeated attempt to the
emulator's log, so a failure can be read from it. Moto's backends are not made for concurrent
requests either; one request is handled at a time.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

KEPT = 4096  # answers kept for replay; an SDK retries within seconds, not thousands of calls later


class ReplayRetries:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.answered: OrderedDict[str, tuple[str, list[tuple[str, str]], bytes]] = OrderedDict()
        self.serial = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID", "")
        attempt = environ.get("HTTP_AMZ_SDK_REQUEST", "")
        with self.serial:
            kept = self.answered.get(invocation) if invocation else None
            if kept is None:
                status, headers, body = self._run(environ)
                if invocation and int(status.split()[0]) < 500:
                    self.answered[invocation] = (status, headers, body)
                    if len(self.answered) > KEPT:
                        self.answered.popitem(last=False)
            else:
                status, headers, body = kept
        if not attempt.startswith("attempt=1;") and attempt:
            verdict = "replayed the first answer" if kept else "handled"
            print(f"retried: {attempt} invocation {invocation} {environ.get('PATH_INFO', '')} -> {status}, {verdict}", file=sys.stderr, flush=True)
        start_response(status, headers)
        return [body]

    def _run(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            answer.update(status=status, headers=list(headers))
            return lambda data: answer.setdefault("written", []).append(data)

        chunks = self.app(environ, start_response)
        try:
            produced = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        return answer["status"], answer["headers"], b"".join(answer.get("written", [])) + produced
