"""A real Flask app, served by the adapter as it would be by gunicorn."""

from flask import Flask, jsonify, redirect, request, url_for

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
TEXT_BYTES = "caf\u00e9 \u2713".encode("utf-8")

app = Flask(__name__)


@app.route("/")
def index():
    return "Hello from Flask"


@app.route("/my/path", methods=["GET", "POST"])
def my_path():
    response = jsonify(
        parameter1=request.args.getlist("parameter1"),
        parameter2=request.args.get("parameter2"),
        cookies=request.cookies.to_dict(),
        body=request.get_data(as_text=True),
        header1=request.headers.get("Header1"),
        url=request.url,
        self_url=url_for("my_path", _external=True),
        remote_addr=request.remote_addr,
    )
    response.set_cookie("session", "s3cr3t", httponly=True)
    response.set_cookie("theme", "dark")
    return response


@app.route("/hello/<name>", methods=["POST"])
def hello(name):
    return jsonify(name=name, path=request.path, script_root=request.script_root,
                   json=request.get_json(), args=request.args.to_dict(flat=False))


@app.route("/logo.png")
def logo():
    return app.response_class(PNG, mimetype="image/png")


# ---- the routes every framework app in test_adapter_table.py answers alike


@app.route("/where")
def where():
    return jsonify({"root": request.script_root, "path": request.path,
                    "self": url_for("where", _external=True)})


@app.route("/go")
def go():
    return redirect(url_for("where"))


@app.route("/items/")
def items():
    return "items"


@app.route("/echo", methods=["GET", "POST", "PUT"])
def echo():
    environ = request.environ
    return jsonify(
        method=request.method,
        query=request.args.to_dict(flat=False),
        headers={k.lower(): v for k, v in request.headers.items()},
        cookies=request.cookies.to_dict(),
        body=request.get_data(as_text=True),
        remote_user=request.remote_user,
        event_keys=sorted(environ["lambda.event"]),
        request_id=getattr(environ["lambda.context"], "aws_request_id", None),
        peer_keys=[k for k in ("serverless.event", "apig_wsgi.full_event") if k in environ],
    )


@app.route("/bytes")
def some_bytes():
    response = app.response_class(TEXT_BYTES)
    response.headers["Content-Type"] = request.args["type"]
    if request.args.get("encoding"):
        response.headers["Content-Encoding"] = request.args["encoding"]
    return response


@app.route("/cookies")
def cookies():
    response = app.response_class("ok", mimetype="text/plain")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response
