"""A FastAPI app deployed as is: `app: main:app` in the workflow."""
from fastapi import FastAPI, Request, Response

app = FastAPI(title="lambda-deploy FastAPI example")


@app.get("/")
def index():
    return {"message": "Hello from FastAPI on Lambda"}


@app.get("/greet")
def greet(request: Request, response: Response, name: str = "world"):
    # Reads a query parameter and a cookie: both survive the trip through API Gateway.
    theme = request.cookies.get("theme", "none")
    response.set_cookie("visited", "1")
    response.set_cookie("last", name)
    return {"greeting": f"Hello, {name}!", "theme": theme}


@app.post("/echo")
async def echo(request: Request):
    return {"received": await request.json()}
