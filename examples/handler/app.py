"""A plain Lambda handler answering API Gateway HTTP API (payload 2.0) events."""
import json


def handler(event, context):
    params = event.get("queryStringParameters") or {}
    name = params.get("name", "world")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"message": f"Hello, {name}!", "path": event.get("rawPath", "/")}),
    }
