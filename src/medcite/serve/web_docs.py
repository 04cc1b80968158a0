"""``/docs``: the API reference, rendered here from the app's own OpenAPI document, and
``/openapi.json`` itself. No Swagger UI: it loads its scripts from a CDN, which the site's
Content-Security-Policy (``default-src 'self'``) rightly refuses. On a ``--private`` server
both need a login, like everything else they describe."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from markupsafe import Markup, escape

from .deps import allow_public
from .web_kit import render

router = APIRouter(include_in_schema=False)
METHODS = ("get", "post", "put", "patch", "delete")
CONSTRAINTS = (("minLength", "at least {} characters"), ("maxLength", "at most {} characters"),
               ("minimum", "≥ {}"), ("maximum", "≤ {}"), ("maxItems", "at most {} items"),
               ("pattern", "matches {}"))


def _schema(request: Request) -> dict[str, Any]:
    spec: dict[str, Any] = request.app.openapi()
    return spec


@router.get("/openapi.json")
def openapi_json(request: Request) -> JSONResponse:
    allow_public(request, "read")
    return JSONResponse(_schema(request))


def type_of(schema: dict[str, Any]) -> Markup:
    """A JSON schema as a short type ("array of SearchHit", "string or null"), escaped, with
    named schemas linked to their description further down the page."""
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return Markup('<a href="#schema-{0}">{0}</a>').format(name)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return Markup(" or ").join(type_of(s) for s in schema[key])
    if "enum" in schema:
        return Markup("one of ") + Markup(", ").join(
            Markup("<code>{}</code>").format(json.dumps(v, ensure_ascii=False)) for v in schema["enum"])
    if "const" in schema:
        return Markup("<code>{}</code>").format(json.dumps(schema["const"], ensure_ascii=False))
    kind = schema.get("type", "any")
    if kind == "array":
        return Markup("array of ") + type_of(schema.get("items", {}))
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return Markup("object of ") + type_of(schema["additionalProperties"])
    return Markup(escape(str(kind)))


def notes(schema: dict[str, Any]) -> str:
    """Constraints and default, in words."""
    found = ["not empty" if (key, schema[key]) == ("minLength", 1) else text.format(schema[key])
             for key, text in CONSTRAINTS if key in schema]
    if "default" in schema and schema["default"] not in (None, "", []):
        found.append(f"default {json.dumps(schema['default'], ensure_ascii=False)}")
    return "; ".join(found)


def _body_schema(content: dict[str, Any]) -> dict[str, Any] | None:
    media = content.get("application/json")
    return media.get("schema") if isinstance(media, dict) else None


def reference(spec: dict[str, Any]) -> tuple[list[tuple[str, list[dict[str, Any]]]], list[dict[str, Any]]]:
    """The operations grouped by tag, in the document's order, and the named schemas."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if not op:
                continue
            params = [{"name": p["name"], "in": p["in"], "required": bool(p.get("required")),
                       "type": type_of(p.get("schema", {})), "notes": notes(p.get("schema", {})),
                       "description": p.get("description", "")} for p in op.get("parameters", [])]
            body = _body_schema(op.get("requestBody", {}).get("content", {}))
            responses = []
            for code, response in op.get("responses", {}).items():
                out = _body_schema(response.get("content", {}))
                responses.append({"code": code, "description": response.get("description", ""),
                                  "type": type_of(out) if out else ""})
            groups.setdefault((op.get("tags") or ["other"])[0], []).append({
                "method": method.upper(), "path": path, "id": f"{method}-{path}".replace("/", "-").strip("-"),
                "summary": op.get("summary", ""), "description": op.get("description", ""),
                "params": params, "body": type_of(body) if body else "", "responses": responses})
    schemas = []
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        required = set(schema.get("required", []))
        fields = [{"name": field, "type": type_of(sub), "required": field in required, "notes": notes(sub),
                   "description": sub.get("description", "")}
                  for field, sub in schema.get("properties", {}).items()]
        schemas.append({"name": name, "description": schema.get("description", ""), "fields": fields,
                        "type": "" if fields else type_of(schema)})
    return list(groups.items()), schemas


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    allow_public(request, "read")
    spec = _schema(request)
    groups, schemas = reference(spec)
    return render(request, "api_docs.html", info=spec.get("info", {}), openapi=spec.get("openapi", ""),
                  groups=groups, schemas=schemas)
