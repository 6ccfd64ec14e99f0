"""The OpenAPI 3 description of ``console serve``'s endpoints, for ERP teams to integrate with.

Built from the loaded flows, so each endpoint lists the flow ids it accepts. A test compares it
with the routes the server really has and runs schemathesis against a live server.
"""

from __future__ import annotations

from typing import Any

from console.flows import FlowsConfig
from console.kinds import kind_of
from console.runner.http_limits import HttpLimits

_ERROR = {"$ref": "#/components/schemas/Error"}


def _answer(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": schema or _ERROR}}}


def _flow_id(ids: list[str], what: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if ids:
        schema["enum"] = ids
    return {"name": "flow_id", "in": "path", "required": True, "schema": schema,
            "description": f"the id of {what} in flows.toml"}


_UNAUTHORIZED = _answer("missing or wrong bearer token")
_UNKNOWN = _answer("no such flow")
_STOPPING = _answer("the runner is stopping")


def describe(config: FlowsConfig, limits: HttpLimits) -> dict[str, Any]:
    settings = config.runner
    outbound = [f.id for f in config.flows if f.direction == "outbound" and f.type != "oms_stock"
                and not kind_of(f.type).answers_outbound]
    proxies = [f.id for f in config.flows if f.direction == "outbound" and
               kind_of(f.type).answers_outbound]
    oms = [f.id for f in config.flows if f.type == "oms_stock"]
    inbound = [f.id for f in config.flows if f.is_inbound and f.reads_data]
    accepted = {"type": "object", "required": ["execution_id"],
                "properties": {"execution_id": {"type": "string"},
                               "rows": {"type": "integer", "minimum": 1}}}
    paths: dict[str, Any] = {
        "/health": {"get": {
            "operationId": "health", "summary": "who is serving", "security": [],
            "responses": {"200": _answer("the serving runner", {
                "type": "object", "required": ["pid", "started_at", "store", "flows"],
                "properties": {"pid": {"type": "integer"}, "started_at": {"type": "string"},
                               "address": {"type": "string"}, "store": {"type": "string"},
                               "flows": {"type": "array", "items": {"type": "string"}}}})}}},
        "/openapi.json": {"get": {
            "operationId": "openapi", "summary": "this description", "security": [],
            "responses": {"200": _answer("the OpenAPI document", {"type": "object"})}}},
        "/metrics": {"get": {
            "operationId": "metrics", "summary": "Prometheus metrics of this runner",
            **({"security": []} if settings.metrics_public else {}),
            "responses": {"200": {"description": "Prometheus text exposition",
                                  "content": {"text/plain": {"schema": {"type": "string"}}}},
                          "401": _UNAUTHORIZED,
                          "404": _answer("this runner does not export metrics")}}},
        "/flows/{flow_id}/outbound": {"post": {
            "operationId": "outbound",
            "summary": "rows for an outbound flow: checked completely, stored, then processed",
            "parameters": [_flow_id(outbound, "an outbound flow")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "array", "maxItems": settings.outbound_max_rows,
                "items": {"type": "object"}}}},
                "description": f"UTF-8 JSON array of row objects, at most "
                               f"{limits.max_body_bytes(settings.outbound_max_rows):,} bytes"},
            "responses": {
                "202": _answer("stored; the execution processes it", accepted),
                "200": _answer("an empty array: nothing to write, no execution", {
                    "type": "object", "properties": {"execution_id": {"type": "null"},
                                                     "rows": {"const": 0}}}),
                "400": _answer("not a UTF-8 JSON array of objects; the message says where"),
                "401": _UNAUTHORIZED, "404": _UNKNOWN,
                "408": _answer("the body was not received in time"),
                "409": _answer("the flow is not an outbound flow"),
                "413": _answer("too many rows or bytes"),
                "429": _answer("max_active_executions of this flow are processing"),
                "503": _STOPPING}}},
        "/flows/{flow_id}/stock": {"get": {
            "operationId": "stock_query", "summary": "the OMS stock flow's synchronous answer",
            "parameters": [_flow_id(oms, "an OMS stock flow"),
                           {"name": "sku", "in": "query", "required": False,
                            "schema": {"type": "string"},
                            "description": "comma-separated SKUs (the flow's sku_query_key)"}],
            "responses": {
                "200": _answer("stock per SKU and location", {
                    "type": "array", "items": {"type": "object"}}),
                "400": _answer("no SKUs given"), "401": _UNAUTHORIZED, "404": _UNKNOWN,
                "409": _answer("the flow is not an OMS stock flow"),
                "502": _answer("the ERP or a script failed; the message says how"),
                "503": _STOPPING}}},
        "/flows/{flow_id}/proxy": {"post": {
            "operationId": "proxy", "summary": "an outbound proxy flow's synchronous answer: "
                                               "the post-script's output",
            "parameters": [_flow_id(proxies, "an outbound proxy flow")],
            "requestBody": {"required": False, "content": {"application/json": {
                "schema": {"description": "any JSON"}}},
                            "description": "any UTF-8 JSON, given to the pre-script"},
            "responses": {
                "200": _answer("the post-script's output", {"description": "any JSON"}),
                "400": _answer("the body is not UTF-8 JSON"), "401": _UNAUTHORIZED,
                "404": _UNKNOWN, "408": _answer("the body was not received in time"),
                "409": _answer("the flow is not an outbound proxy flow"),
                "413": _answer("the body is too big"),
                "429": _answer("max_active_executions calls of this flow are being answered"),
                "500": _answer("a script failed; the message says where and how"),
                "502": _answer("the remote or its login failed; the message says how"),
                "504": _answer("a script ran past its timeout"),
                "503": _STOPPING}}},
        "/flows/{flow_id}/trigger": {"post": {
            "operationId": "trigger", "summary": "a manual run of an inbound flow",
            "parameters": [_flow_id(inbound, "an inbound flow"),
                           *({"name": name, "in": "query", "required": False,
                              "schema": {"type": "string"}} for name in
                             ("sku", "number", "modified_date__gt"))],
            "responses": {
                "202": _answer("admitted", accepted), "401": _UNAUTHORIZED, "404": _UNKNOWN,
                "409": _answer("the flow reads no ERP data, or runs only on its schedule"),
                "429": _answer("max_active_executions of this flow are processing"),
                "503": _STOPPING}}},
        "/executions/{execution_id}/retry": {"post": {
            "operationId": "retry", "summary": "run again what did not get through",
            "parameters": [{"name": "execution_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {
                "202": _answer("admitted", accepted), "401": _UNAUTHORIZED,
                "404": _answer("no such execution"),
                "409": _answer("nothing to retry, or still processing"),
                "503": _STOPPING}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "integrator-console runner", "version": "1"},
        "servers": [{"url": f"http://{settings.listen}"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error"],
                                  "properties": {"error": {"type": "string"}}}}},
        "paths": paths,
    }
