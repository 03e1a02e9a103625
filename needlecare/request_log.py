"""One structured log line per request: what a log pipeline needs, and nothing about a patient.

The line names the route (`patients:detail`), never the path or the query, because paths carry ids and
queries carry search text such as a patient's name.
"""

import json
import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("needlecare.requests")


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return match.view_name or match.route or "unnamed"


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not logger.isEnabledFor(logging.INFO):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        clinic = getattr(request, "clinic", None)
        line = {
            "method": request.method,
            "route": route_of(request),
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "clinic": getattr(clinic, "pk", None),
        }
        logger.info(json.dumps(line, separators=(",", ":")))
        return response
