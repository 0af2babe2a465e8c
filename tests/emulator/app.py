"""The emulator's WSGI application: moto's server, with the additions in front of it.

A request whose (signing name, action) an addition handles goes to that addition and is
recorded; everything else goes to moto unchanged. Accounts: a base access key of the form
`ZEROETL<12-digit account>` acts in that account (the tests' override gives each stack the key
of its catalog account); keys that moto's STS issued act in the assumed role's account, as
moto decides. `/_zeroetl/...` are the tests' own endpoints: the recorded calls, and the
changes a test makes behind Terraform's back.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

from moto.iam.models import get_account_id_from
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from tests.emulator import protocol
from tests.emulator.additions import ADDITIONS, control
from tests.emulator.protocol import ApiError, Call, PassThrough

BASE_KEY = re.compile(r"ZEROETL(?P<account>\d{12})")


def access_key_for(account_id: str) -> str:
    return f"ZEROETL{account_id}"


class EmulatorApp:
    def __init__(self) -> None:
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.calls: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.routes: dict[tuple[str, str], tuple[ModuleType, Callable[[Call], dict[str, Any]]]] = {
            (addition.SERVICE, action): (addition, handler) for addition in ADDITIONS for action, handler in addition.HANDLERS.items()
        }

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/_zeroetl/"):
            return self._respond(start_response, *control.handle(self, environ))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        parsed = protocol.parse(environ, body) if environ.get("HTTP_AUTHORIZATION") else None
        if parsed:
            service, action, region, key, params = parsed
            if match := BASE_KEY.fullmatch(key):
                environ["HTTP_X_MOTO_ACCOUNT_ID"] = match["account"]
                account = match["account"]
            else:
                account = get_account_id_from(key)
            route = self.routes.get((service, action))
            if route:
                addition, handler = route
                call = Call(service, action, region, account, params)
                try:
                    result = handler(call)
                except PassThrough:
                    pass
                except ApiError as error:
                    return self._answer(start_response, addition, call, error)
                else:
                    return self._answer(start_response, addition, call, result)
        return self.moto(environ, start_response)

    def _answer(self, start_response: Callable[..., Any], addition: ModuleType, call: Call, result: Any) -> Iterable[bytes]:
        with self.lock:
            self.calls.append({**call.record(), "error": result.code if isinstance(result, ApiError) else None})
        if addition.PROTOCOL == "query":
            answer = protocol.query_error(result) if isinstance(result, ApiError) else protocol.query_response(addition.XMLNS, call.action, result)
        else:
            answer = protocol.json_error(result) if isinstance(result, ApiError) else protocol.json_response(result)
        return self._respond(start_response, *answer)

    @staticmethod
    def _respond(start_response: Callable[..., Any], status: int, content_type: str, body: str) -> Iterable[bytes]:
        data = body.encode()
        start_response(f"{status} {'OK' if status < 400 else 'Error'}", [("Content-Type", content_type), ("Content-Length", str(len(data)))])
        return [data]
