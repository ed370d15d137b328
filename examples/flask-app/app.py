"""A Flask app deployed as is: `app: app:app` in the workflow."""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/")
def index():
    return "Hello from Flask on Lambda"


@app.get("/greet")
def greet():
    # Reads a query parameter and a cookie: both survive the trip through API Gateway.
    name = request.args.get("name", "world")
    theme = request.cookies.get("theme", "none")
    response = jsonify(greeting=f"Hello, {name}!", theme=theme)
    response.set_cookie("visited", "1")
    response.set_cookie("last", name)
    return response


@app.post("/echo")
def echo():
    return jsonify(received=request.get_json(silent=True))
