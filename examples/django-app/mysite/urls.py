from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse


def index(request):
    return HttpResponse("Hello from Django on Lambda", content_type="text/plain")


def hello(request, name="world"):
    # build_absolute_uri and reverse() include the mount point (the REST API
    # stage), so links and redirects work behind every front door.
    return JsonResponse({"greeting": "Hello, %s!" % name, "url": request.build_absolute_uri()})


def old_hello(request):
    return redirect(reverse("hello", args=["world"]))


urlpatterns = [
    path("", index),
    path("hello/", hello),
    path("hello/<str:name>", hello, name="hello"),
    path("old-hello", old_hello),
]
