"""Plain ASGI apps that treat the lifespan protocol one way each, for the
adapter's lifespan table. Each records what happened in EVENTS[name]."""

import asyncio

EVENTS = {}


def _events(name):
    return EVENTS.setdefault(name, [])


def _lifespan_app(name, on_startup):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            await on_startup(name, scope, receive, send)
            return
        await receive()
        state = scope.get("state")
        body = repr(sorted(state.items()) if state is not None else None).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [[b"content-type", b"text/plain"]]})
        await send({"type": "http.response.body", "body": body})

    app.__name__ = name
    return app


async def _good(name, scope, receive, send):
    message = await receive()
    _events(name).append(message["type"])
    scope["state"]["db"] = "ready"
    await send({"type": "lifespan.startup.complete"})
    message = await receive()
    _events(name).append(message["type"])
    await send({"type": "lifespan.shutdown.complete"})


async def _hangs(name, scope, receive, send):
    await receive()
    _events(name).append("startup-begun")
    await asyncio.sleep(3600)


async def _answers_shutdown_complete(name, scope, receive, send):
    await receive()
    await send({"type": "lifespan.shutdown.complete"})


async def _answers_http(name, scope, receive, send):
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})


async def _fails(name, scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.failed", "message": "no database"})


async def _raises_first(name, scope, receive, send):
    raise ValueError("only http here")


async def _raises_after_receive(name, scope, receive, send):
    await receive()
    raise RuntimeError("db down")


async def _returns_after_receive(name, scope, receive, send):
    await receive()


async def _loops_on_receive(name, scope, receive, send):
    # A loop that only ends on shutdown, and keeps calling receive() after
    # it: an adapter that answers every later call at once would spin here.
    while len(_events(name)) < 1000:
        message = await receive()
        _events(name).append(message["type"])
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})


good = _lifespan_app("good", _good)
hangs = _lifespan_app("hangs", _hangs)
answers_shutdown_complete = _lifespan_app("answers_shutdown_complete", _answers_shutdown_complete)
answers_http = _lifespan_app("answers_http", _answers_http)
fails = _lifespan_app("fails", _fails)
raises_first = _lifespan_app("raises_first", _raises_first)
raises_after_receive = _lifespan_app("raises_after_receive", _raises_after_receive)
returns_after_receive = _lifespan_app("returns_after_receive", _returns_after_receive)
loops_on_receive = _lifespan_app("loops_on_receive", _loops_on_receive)
