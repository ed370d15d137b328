"""A FastAPI app deployed as is: `app: app:app` in the workflow."""
from typing import Optional

from fastapi import FastAPI

app = FastAPI(title="lambda-deploy FastAPI example")


@app.get("/")
def index():
    return {"message": "Hello from FastAPI on Lambda"}


@app.get("/items/{item_id}")
def read_item(item_id: int, q: Optional[str] = None):
    # Its interactive docs are at /docs (behind a REST API: /{stage}/docs).
    return {"item_id": item_id, "q": q}
