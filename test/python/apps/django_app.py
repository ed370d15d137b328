"""A real Django project in one module: `django_app:application` (WSGI) and
`django_app:asgi_application` (ASGI). Django is configured once per process,
so the test suites share this one project."""

from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="test-only-not-a-secret",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        # CommonMiddleware redirects /items to /items/ (APPEND_SLASH).
        MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
        INSTALLED_APPS=[],
        USE_TZ=True,
    )

import django  # noqa: E402

django.setup()

from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.shortcuts import redirect  # noqa: E402
from django.urls import path, reverse  # noqa: E402

TEXT_BYTES = "caf\u00e9 \u2713".encode("utf-8")


def where(request):
    return JsonResponse({"root": request.META.get("SCRIPT_NAME", ""), "path": request.path,
                         "self": request.build_absolute_uri(reverse("where"))})


def go(request):
    return redirect(reverse("where"))


def items(request):
    return HttpResponse("items", content_type="text/plain")


def echo(request):
    meta = request.META
    event = meta.get("lambda.event") or request.scope.get("lambda.event")
    context = meta.get("lambda.context") or request.scope.get("lambda.context")
    return JsonResponse({
        "method": request.method,
        "query": {k: v for k, v in request.GET.lists()},
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "cookies": dict(request.COOKIES),
        "body": request.body.decode("utf-8"),
        "remote_user": meta.get("REMOTE_USER"),
        "event_keys": sorted(event),
        "request_id": getattr(context, "aws_request_id", None),
        "peer_keys": [k for k in ("serverless.event", "apig_wsgi.full_event") if k in meta],
    })


def some_bytes(request):
    response = HttpResponse(TEXT_BYTES, content_type=request.GET["type"])
    if request.GET.get("encoding"):
        response["Content-Encoding"] = request.GET["encoding"]
    return response


def cookies(request):
    response = HttpResponse("ok", content_type="text/plain")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


urlpatterns = [
    path("where", where, name="where"),
    path("go", go),
    path("items/", items),
    path("echo", echo),
    path("bytes", some_bytes),
    path("cookies", cookies),
]

application = get_wsgi_application()
asgi_application = get_asgi_application()
