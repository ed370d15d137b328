"""Plain ASGI 3 apps (no framework): one speaks lifespan, one refuses it."""

import asyncio
import json

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
EVENTS = []  # lifespan events seen, in order
FAIL_STARTUP = []  # truthy: the next startup fails
LOOPS = []  # the running loop at startup


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if FAIL_STARTUP:
                    FAIL_STARTUP.pop()
                    EVENTS.append("startup-failed")
                    await send({"type": "lifespan.startup.failed", "message": "no database"})
                    return
                EVENTS.append("startup")
                LOOPS.append(asyncio.get_running_loop())
                scope["state"]["greeting"] = "hello from lifespan"
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                EVENTS.append("shutdown")
                await send({"type": "lifespan.shutdown.complete"})
                return
    assert scope["type"] == "http"
    message = await receive()
    body = message["body"]
    try:  # no disconnect may come before the response is out
        early = await asyncio.wait_for(receive(), 0.01)
    except asyncio.TimeoutError:
        early = None
    # ASGI spec: path is the full path, root_path the part before the app's routes
    route = scope["path"][len(scope["root_path"]):]
    if route == "/image.png":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [[b"content-type", b"image/png"]]})
        await send({"type": "http.response.body", "body": PNG})
        return
    echo = {
        "type": scope["type"],
        "asgi": scope["asgi"],
        "http_version": scope["http_version"],
        "method": scope["method"],
        "scheme": scope["scheme"],
        "path": scope["path"],
        "raw_path": scope["raw_path"].decode("latin-1"),
        "root_path": scope["root_path"],
        "query_string": scope["query_string"].decode("latin-1"),
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
        "headers_are_bytes": all(isinstance(k, bytes) and isinstance(v, bytes)
                                 for k, v in scope["headers"]),
        "client": list(scope["client"]) if scope["client"] else None,
        "server": list(scope["server"]),
        "body": body.decode("utf-8", "replace"),
        "more_body": message.get("more_body"),
        "state": dict(scope.get("state") or {}),
        "has_event": "lambda.event" in scope,
        "events": list(EVENTS),
        "early_receive": early,
        "same_loop_as_startup": bool(LOOPS) and LOOPS[-1] is asyncio.get_running_loop(),
    }
    await send({
        "type": "http.response.start",
        "status": 201,
        "headers": [
            [b"content-type", b"application/json"],
            [b"set-cookie", b"first=1; Path=/"],
            [b"set-cookie", b"second=2; Path=/; HttpOnly"],
        ],
    })
    # Two body messages: the adapter must gather them, then disconnect.
    payload = json.dumps(echo).encode("utf-8")
    await send({"type": "http.response.body", "body": payload[:10], "more_body": True})
    await send({"type": "http.response.body", "body": payload[10:]})
    after = await receive()
    EVENTS.append("after-response:" + after["type"])


async def no_lifespan(scope, receive, send):
    if scope["type"] != "http":
        raise RuntimeError("this app only speaks http")
    await receive()
    await send({"type": "http.response.start", "status": 200,
                "headers": [[b"content-type", b"text/plain"]]})
    await send({"type": "http.response.body", "body": b"no lifespan here"})


class ClassBased(object):
    """An object whose __call__ is a coroutine function (like Starlette)."""

    async def __call__(self, scope, receive, send):
        await no_lifespan(scope, receive, send)


class_based = ClassBased()
