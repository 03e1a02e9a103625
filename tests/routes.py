"""Discover every page route and API operation, so the sweeps cover routes added later by themselves."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

API_PREFIX = "api/v1/"


@dataclass(frozen=True)
class PageRoute:
    route: str  # e.g. "patients/<uuid:patient_id>/edit/"
    params: tuple[str, ...]
    callback: object
    name: str

    def fill(self, values: dict[str, object]) -> str:
        url = self.route
        for param in self.params:
            start = url.index("<")
            end = url.index(">", start)
            url = url[:start] + str(values[param]) + url[end + 1 :]
        return "/" + url


def page_routes() -> list[PageRoute]:
    found: list[PageRoute] = []

    def walk(patterns, prefix: str) -> None:  # type: ignore[no-untyped-def]
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                if route.startswith(API_PREFIX):
                    continue  # the API is swept through its OpenAPI document
                params = tuple(entry.pattern.converters) if hasattr(entry.pattern, "converters") else ()
                found.append(
                    PageRoute(route, tuple(_params_in_order(route, params)), entry.callback, entry.name or "")
                )

    walk(get_resolver().url_patterns, "")
    return found


def _params_in_order(route: str, params: tuple[str, ...]) -> list[str]:
    names = []
    rest = route
    while "<" in rest:
        start = rest.index("<")
        end = rest.index(">", start)
        names.append(rest[start + 1 : end].split(":")[-1])
        rest = rest[end + 1 :]
    return names


def api_operations(client) -> list[tuple[str, str, dict]]:  # type: ignore[no-untyped-def, type-arg]
    """(method, path template, operation) for every operation in the served OpenAPI document."""
    document = client.get("/api/v1/openapi.json").json()
    operations = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                operations.append((method, path, operation))
    return operations


def api_view_functions() -> list[tuple[str, str, object]]:
    """(method, path, view function) for every operation of the ninja `api`, found through its routers
    (so a test can read what the function declares, such as `api_policy`)."""
    from needlecare.api import api

    found = []
    for prefix, router in api._routers:
        for mount in router.build_routers(prefix):
            sub_prefix = mount.prefix
            for path, path_view in mount.template.path_operations.items():
                for operation in path_view.operations:
                    for method in operation.methods:
                        url = "/api/v1/" + "/".join(p.strip("/") for p in (sub_prefix, path) if p.strip("/"))
                        found.append((method.lower(), url, operation.view_func))
    return found
