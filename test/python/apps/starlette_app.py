"""A real Starlette app with a lifespan that counts its start-ups."""

import contextlib

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

STARTS = []
STOPS = []


@contextlib.asynccontextmanager
async def lifespan(app):
    STARTS.append(True)
    app.state.pool = "connection pool #%d" % len(STARTS)
    yield
    STOPS.append(True)


async def status(request):
    return JSONResponse({"pool": request.app.state.pool, "starts": len(STARTS)})


app = Starlette(routes=[Route("/status", status)], lifespan=lifespan)
