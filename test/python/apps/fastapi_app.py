"""A real FastAPI app (ASGI)."""

from typing import List, Optional

from fastapi import Cookie, FastAPI, Query, Request, Response
from fastapi.responses import PlainTextResponse, RedirectResponse

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
TEXT_BYTES = "caf\u00e9 \u2713".encode("utf-8")

app = FastAPI()


@app.get("/")
def index():
    return {"message": "Hello from FastAPI"}


@app.get("/my/path")
async def my_path(
    request: Request,
    response: Response,
    parameter1: List[str] = Query([]),
    session: Optional[str] = Cookie(None),
):
    response.set_cookie("session", "s3cr3t", httponly=True)
    response.set_cookie("theme", "dark")
    return {
        "parameter1": parameter1,
        "session": session,
        "body": (await request.body()).decode("utf-8"),
        "url": str(request.url),
        "client": request.client.host if request.client else None,
    }


@app.post("/hello/{name}")
async def hello(name: str, request: Request):
    return {"name": name, "path": request.url.path, "json": await request.json(),
            "args": dict(request.query_params)}


@app.get("/logo.png")
def logo():
    return Response(PNG, media_type="image/png")


# ---- the routes every framework app in test_adapter_table.py answers alike


@app.get("/where")
def where(request: Request):
    return {"root": request.scope.get("root_path", ""), "path": request.url.path,
            "self": str(request.url_for("where"))}


@app.get("/go")
def go(request: Request):
    return RedirectResponse(str(request.url_for("where")))


@app.get("/items/")
def items():
    return PlainTextResponse("items")


@app.api_route("/echo", methods=["GET", "POST", "PUT"])
async def echo(request: Request):
    query = {}
    for key, value in request.query_params.multi_items():
        query.setdefault(key, []).append(value)
    scope = request.scope
    return {
        "method": request.method,
        "query": query,
        # repeated headers joined with commas, as WSGI servers and Django do
        "headers": {k: ",".join(request.headers.getlist(k)) for k in request.headers.keys()},
        "cookies": dict(request.cookies),
        "body": (await request.body()).decode("utf-8"),
        "remote_user": scope.get("lambda.remote_user"),
        "event_keys": sorted(scope["lambda.event"]),
        "request_id": getattr(scope["lambda.context"], "aws_request_id", None),
        "peer_keys": [k for k in ("aws.event", "aws.context") if k in scope],
    }


@app.get("/bytes")
def some_bytes(type: str, encoding: Optional[str] = None):
    headers = {"Content-Encoding": encoding} if encoding else {}
    return Response(TEXT_BYTES, headers={"Content-Type": type, **headers})


@app.get("/cookies")
def cookies():
    response = PlainTextResponse("ok")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response
