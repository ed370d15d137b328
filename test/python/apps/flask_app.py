"""A real Flask app, served by the adapter as it would be by gunicorn."""

from flask import Flask, jsonify, request, url_for

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))

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
