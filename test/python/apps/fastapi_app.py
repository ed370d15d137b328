"""A real FastAPI app (ASGI)."""

from typing import List, Optional

from fastapi import Cookie, FastAPI, Query, Request, Response

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))

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
