"""Plain ASGI apps that break the HTTP protocol one way each (and one that
keeps it), for the adapter's protocol table. Run with lifespan off."""

START = {"type": "http.response.start", "status": 200,
         "headers": [[b"content-type", b"text/plain"]]}


def _body(data, more=False):
    return {"type": "http.response.body", "body": data, "more_body": more}


async def well_behaved(scope, receive, send):
    await receive()
    await send(START)
    await send(_body(b"hello ", more=True))
    await send(_body(b"world"))


async def start_only(scope, receive, send):
    await send(START)


async def more_body_forever(scope, receive, send):
    await send(START)
    await send(_body(b"partial", more=True))


async def second_start(scope, receive, send):
    await send(START)
    await send(START)
    await send(_body(b"never sent"))


async def body_before_start(scope, receive, send):
    await send(_body(b"no status yet"))


async def silent(scope, receive, send):
    await receive()


async def raises_before_start(scope, receive, send):
    raise RuntimeError("kaput before start")


async def raises_after_start(scope, receive, send):
    await send(START)
    raise RuntimeError("kaput after start")


async def late_message(scope, receive, send):
    await send(START)
    await send(_body(b"complete"))
    await send(_body(b" and then some"))


async def answers_then_raises(scope, receive, send):
    # What Starlette's ServerErrorMiddleware does: its own 500, then re-raise.
    await send({"type": "http.response.start", "status": 500,
                "headers": [[b"content-type", b"text/plain"]]})
    await send(_body(b"the app's own error page"))
    raise RuntimeError("kaput, answered")


async def swallows_protocol_error(scope, receive, send):
    # A second start, its error swallowed, then a complete body.
    await send(START)
    try:
        await send(START)
    except RuntimeError:
        pass
    await send(_body(b"looks fine"))
