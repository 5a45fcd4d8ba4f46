"""test_openapi.py — /openapi.json, /docs and /redoc (SPEC §12), through nginx.

1. Validity: the served document passes an OpenAPI 3.1 validator (node,
   tests/e2e/browser/validate_openapi.mjs) and describes this build (APP_NAME, version).
2. Coverage, derived from the document alone (no list of routes here): every documented
   operation, fed input generated from its own schemas, answers its documented success
   status with a body that matches its documented schema; the errors that can be provoked
   from outside (404, 413, 415, 422) come as documented; and every method the document
   leaves out of a path is refused with 405 and an Allow header naming exactly the
   documented ones, so the table has no undocumented route there.
3. The docs pages: served by nginx from the npm packages, nothing from another origin; and
   a real browser (Debian's headless Chromium driven by playwright-core,
   tests/e2e/browser/docs_browser.mjs) creates a user through Swagger UI and sees the 201.
   Screenshots and the document go to tests/e2e/artifacts/openapi-docs/.

The node side is installed by `make docs-assets` (npm ci). Without node or Chromium the
tests that need them are skipped with the reason, except under CI (CI=true), where
.ci/run has installed both and a skip would hide a broken set-up.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
from html.parser import HTMLParser

import harness

HERE = harness.ROOT / "tests" / "e2e"
BROWSER_DIR = HERE / "browser"
ARTIFACTS = harness.ARTIFACTS / "openapi-docs"  # the stack's own logs go to .../openapi
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NODE = shutil.which("node")
APP_NAME = "Docs Test API"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Each test run creates users with fresh addresses (the database is fresh too).
RUN = "%d%d" % (os.getpid(), int(time.time()))


def need(what, present, hint):
    """Skips (or, under CI, fails) when a tool the test needs is missing."""
    if present:
        return
    msg = "%s is missing: %s" % (what, hint)
    if os.environ.get("CI"):
        raise AssertionError(msg + " (CI installs it: a skip here would hide a broken set-up)")
    raise unittest.SkipTest(msg)


def need_node_packages():
    need("node", NODE, "install Debian's nodejs and npm (make deps)")
    if not (BROWSER_DIR / "node_modules").is_dir():
        raise AssertionError("tests/e2e/browser/node_modules is missing: run make docs-assets")


# ---------------------------------------------------------------------------------------------
# The document as a guide: references, generated input, a small JSON Schema check


def resolve(doc, schema):
    """A Schema Object with a top-level $ref followed."""
    while isinstance(schema, dict) and "$ref" in schema:
        node = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def types_of(schema):
    t = schema.get("type")
    return t if isinstance(t, list) else [t] if t else []


def example(doc, schema, seq):
    """A value valid for a request schema: every writable property, the smallest numbers,
    strings of a valid length, unique email addresses (seq makes them unique)."""
    schema = resolve(doc, schema)
    kind = next((t for t in types_of(schema) if t != "null"), None)
    if kind == "object":
        return {name: example(doc, prop, seq) for name, prop in schema["properties"].items()
                if not resolve(doc, prop).get("readOnly")}
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return True
    if kind == "string" and schema.get("format") == "email":
        return "docs%s.%d@example.com" % (RUN, next(seq))
    if kind == "string":
        length = max(schema.get("minLength", 1), min(schema.get("maxLength", 12), 12))
        return ("Doc ü %d " % next(seq) * length)[:length]
    raise AssertionError("no example for schema %r" % schema)


def check(doc, schema, value, where="$"):
    """Problems of value against a (response) Schema Object: type, required, bounds; and, in
    responses, no property the document does not declare."""
    schema = resolve(doc, schema)
    if not types_of(schema):
        return []  # {} or a schema without a type (ValidationError's input): any JSON
    problems = []
    json_type = {bool: "boolean", int: "integer", float: "number", str: "string",
                 list: "array", dict: "object", type(None): "null"}[type(value)]
    if json_type not in types_of(schema):
        return ["%s: %s, documented %s" % (where, json_type, types_of(schema))]
    if json_type == "object":
        props = schema.get("properties")
        for name in schema.get("required", []):
            if name not in value:
                problems.append("%s: required %s missing" % (where, name))
        for name, v in value.items() if props is not None else ():
            if name not in props:
                problems.append("%s: %s is not documented" % (where, name))
            else:
                problems += check(doc, props[name], v, "%s.%s" % (where, name))
    elif json_type == "array":
        for i, v in enumerate(value):
            problems += check(doc, schema["items"], v, "%s[%d]" % (where, i))
    elif json_type == "string":
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value)):
            problems.append("%s: length %d out of bounds" % (where, len(value)))
    elif json_type == "integer":
        if not schema.get("minimum", value) <= value <= schema.get("maximum", value):
            problems.append("%s: %d out of bounds" % (where, value))
    return problems


def template_regex(path):
    """/users/{user_id} -> a regex binding user_id; trailing slash optional, as served."""
    parts = re.split(r"\{(\w+)\}", path.rstrip("/"))
    rx = "".join(re.escape(p) if i % 2 == 0 else "(?P<%s>[^/]+)" % p
                 for i, p in enumerate(parts))
    return re.compile("^%s/?$" % rx)


def operations(doc):
    """[(method, path, operation)] in document order."""
    return [(m.upper(), path, op) for path, item in doc["paths"].items()
            for m, op in item.items()]


def path_params(op):
    return [p for p in op.get("parameters", []) if p["in"] == "path"]


def fill(path, values):
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def success_status(op):
    codes = sorted(int(c) for c in op["responses"] if c.startswith("2"))
    assert len(codes) == 1, op["responses"].keys()
    return codes[0]


def media_schema(part):
    """The application/json schema of a response or request body, or None."""
    content = part.get("content")
    return None if content is None else content["application/json"]["schema"]


# ---------------------------------------------------------------------------------------------


def setUpModule():
    global STACK
    # The stack's nginx serves copies of nginx/docs/'s files from its own folder
    # (harness.stage_nginx_dir), readable by its workers wherever this tree is.
    STACK = harness.Stack(name="openapi", env={"APP_NAME": APP_NAME}).start()


def tearDownModule():
    STACK.close()


def fetch_document():
    r = STACK.request("GET", "/openapi.json")
    assert r.status == 200, r
    return r


class DocumentTest(unittest.TestCase):
    """The document itself."""

    @classmethod
    def setUpClass(cls):
        cls.response = fetch_document()
        cls.doc = cls.response.json()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "openapi.json").write_bytes(cls.response.body)

    def test_document_is_valid_openapi_3_1(self):
        need_node_packages()
        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            f.write(self.response.body)
            f.flush()
            p = subprocess.run([NODE, str(BROWSER_DIR / "validate_openapi.mjs"), f.name],
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        result = json.loads(p.stdout)
        self.assertEqual((result["valid"], result["version"]), (True, "3.1"), result)

    def test_document_describes_this_build(self):
        self.assertEqual(self.doc["openapi"], "3.1.0")
        self.assertEqual(self.doc["info"]["title"], APP_NAME)
        version = subprocess.run([str(harness.BUILD_DIR / "api-worker"), "--version"],
                                 capture_output=True, text=True, check=True).stdout.split()[-1]
        self.assertEqual(self.doc["info"]["version"], version,
                         "objects built at different versions: make clean && make")
        self.assertTrue(self.response.headers["content-type"].startswith("application/json"))
        self.assertTrue(self.response.headers["x-request-id"])

    def test_every_worker_serves_the_same_document(self):
        # Built once per worker at start-up: the same bytes whichever worker answers.
        bodies = {fetch_document().body for _ in range(6)}
        self.assertEqual(bodies, {self.response.body})

    def test_field_rules_are_documented_as_validated(self):
        # The bounds a client reads are the ones the service enforces (SPEC §5).
        user = self.doc["components"]["schemas"]["UserCreate"]
        limit = next(p for p in self.doc["paths"]["/users/"]["get"]["parameters"]
                     if p["name"] == "limit")
        over = limit["schema"]["maximum"] + 1
        r = STACK.request("GET", "/users/?limit=%d" % over)
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json()["detail"][0]["type"], "less_than_equal")
        too_short = "p" * (user["properties"]["password"]["minLength"] - 1)
        r = STACK.request("POST", "/users/", json={"email": "short%s@example.com" % RUN,
                                                   "password": too_short})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json()["detail"][0]["type"], "string_too_short")
        self.assertEqual(user["additionalProperties"], False)
        r = STACK.request("POST", "/users/", json={"email": "extra%s@example.com" % RUN,
                                                   "password": "long enough", "role": "x"})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json()["detail"][0]["type"], "extra_forbidden")


class CoverageTest(unittest.TestCase):
    """The document against the service: both describe the same routes."""

    @classmethod
    def setUpClass(cls):
        cls.doc = fetch_document().json()
        cls.seq = iter(range(1, 1 << 30))

    def request(self, method, path, op, **kw):
        r = STACK.request(method, path, **kw)
        documented = op["responses"]
        self.assertIn(str(r.status), documented, "%s %s: %r is not documented" % (method, path, r))
        schema = media_schema(documented[str(r.status)])
        if schema is None:
            self.assertEqual(r.body, b"", "%s %s: %d has no documented body" % (method, path,
                                                                                r.status))
        else:
            self.assertTrue(r.headers["content-type"].startswith("application/json"), r)
            problems = check(self.doc, schema, r.json())
            self.assertEqual(problems, [], "%s %s -> %r" % (method, path, r))
        self.assertTrue(r.headers.get("x-request-id"), r)
        return r

    def body_for(self, op):
        if "requestBody" not in op:
            return None
        return example(self.doc, media_schema(op["requestBody"]), self.seq)

    def test_every_documented_operation_answers_its_success_status(self):
        """Creates come first; the ids they return (Location) fill the other paths' ids;
        deletes come last, the most recently created resource first."""
        pending = operations(self.doc)
        ids = {}  # path parameter -> (value, order in which it was bound)
        order = {"POST": 0, "GET": 1, "PUT": 2, "PATCH": 2, "DELETE": 3}
        templates = {path: template_regex(path) for path in self.doc["paths"]}
        done = []
        while pending:
            ready = [o for o in pending if all(p["name"] in ids for p in path_params(o[2]))]
            self.assertTrue(ready, "no way to bind the ids of %s" % [o[:2] for o in pending])
            method, path, op = min(ready, key=lambda o: (
                order[o[0]], -max([ids[p["name"]][1] for p in path_params(o[2])] or [0])
                if o[0] == "DELETE" else 0))
            pending.remove((method, path, op))
            url = fill(path, {k: v for k, (v, _) in ids.items()})
            r = self.request(method, url, op, json=self.body_for(op))
            self.assertEqual(r.status, success_status(op), "%s %s -> %r" % (method, url, r))
            done.append("%s %s" % (method, path))
            location = r.headers.get("location")
            for template, rx in templates.items():
                m = location and rx.match(location)
                if m:
                    for name, value in m.groupdict().items():
                        ids.setdefault(name, (int(value), len(ids) + 1))
        self.assertEqual(len(done), len(operations(self.doc)))

    def test_errors_reachable_from_outside_come_as_documented(self):
        tried = set()
        user = STACK.request("POST", "/users/", json=example(
            self.doc, {"$ref": "#/components/schemas/UserCreate"}, self.seq))
        self.assertEqual(user.status, 201, user)
        for method, path, op in operations(self.doc):
            documented = op["responses"]
            params = path_params(op)
            body = self.body_for(op)
            absent = fill(path, {p["name"]: 2 ** 63 - 1 for p in params})
            below = fill(path, {p["name"]: p["schema"]["minimum"] - 1 for p in params})
            if "404" in documented and params:
                r = self.request(method, absent, op, json=body)
                self.assertEqual(r.status, 404, r)
                tried.add(404)
            if "422" in documented:
                query = [p for p in op.get("parameters", []) if p["in"] == "query"
                         and "minimum" in p["schema"]]
                if params:
                    url = below
                elif query:
                    url = "%s?%s=%d" % (path, query[0]["name"], query[0]["schema"]["minimum"] - 1)
                else:
                    url = path
                r = self.request(method, url, op, json={"undocumented": 1} if body else None)
                self.assertEqual(r.status, 422, r)
                tried.add(422)
            if "415" in documented:
                r = self.request(method, absent, op, body=b"email=x",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
                self.assertEqual(r.status, 415, r)
                tried.add(415)
            if "413" in documented:
                r = self.request(method, absent, op, body=b"{" + b" " * (1 << 20) + b"}",
                                 headers={"Content-Type": "application/json"})
                self.assertEqual(r.status, 413, r)
                tried.add(413)
        self.assertEqual(tried, {404, 413, 415, 422})

    def test_undocumented_methods_are_refused_with_the_documented_allow(self):
        """The document is the table: at each documented path, a method it leaves out is 405
        and Allow names exactly the documented methods (the router lists the table's)."""
        for path, item in self.doc["paths"].items():
            documented = {m.upper() for m in item}
            url = fill(path, {p: 1 for p in re.findall(r"\{(\w+)\}", path)})
            for method in METHODS:
                if method in documented:
                    continue
                r = STACK.request(method, url, json={} if method in ("POST", "PUT", "PATCH")
                                  else None)
                self.assertEqual(r.status, 405, "%s %s: %r" % (method, url, r))
                self.assertEqual(r.json(), {"detail": "Method Not Allowed"})
                allow = {m.strip() for m in r.headers["allow"].split(",")}
                self.assertEqual(allow, documented, "%s %s" % (method, url))

    def test_undocumented_paths_are_not_found(self):
        for path in ("/openapi", "/users/1/items/1", "/docs.json"):
            r = STACK.request("GET", path)
            self.assertEqual(r.status, 404, r)
            self.assertEqual(r.json(), {"detail": "Not Found"})


class _Assets(HTMLParser):
    """src= and href= of a page."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


class DocsPagesTest(unittest.TestCase):
    """/docs and /redoc, served by nginx."""

    def page_assets(self, path):
        r = STACK.request("GET", path)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["content-type"].startswith("text/html"), r)
        self.assertIn("default-src 'self'", r.headers["content-security-policy"])
        self.assertTrue(r.headers["x-request-id"])
        parser = _Assets()
        parser.feed(r.text)
        return parser.urls

    def test_pages_and_their_assets_come_from_this_server(self):
        types = {".js": "application/javascript", ".css": "text/css", ".png": "image/png"}
        for page in ("/docs", "/docs/", "/redoc", "/redoc/"):
            urls = self.page_assets(page)
            self.assertTrue(urls, page)
            for url in urls:
                self.assertTrue(url.startswith("/") and not url.startswith("//"),
                                "%s loads %s from elsewhere" % (page, url))
                r = STACK.request("GET", url)
                self.assertEqual(r.status, 200, "%s: %s -> %r" % (page, url, r))
                self.assertTrue(r.headers["content-type"].startswith(
                    types[os.path.splitext(url)[1]]), (url, r.headers["content-type"]))
                self.assertGreater(len(r.body), 0, url)

    def test_swagger_ui_is_pointed_at_this_document(self):
        r = STACK.request("GET", "/docs/static/swagger-initializer.js")
        self.assertEqual(r.status, 200, r)
        self.assertIn('url: "/openapi.json"', r.text)
        self.assertIn("validatorUrl: null", r.text)
        r = STACK.request("GET", "/redoc")
        self.assertIn('spec-url="/openapi.json"', r.text)

    def test_only_the_listed_assets_are_served(self):
        # Not the packages' folders: swagger-ui-dist's demo page, package.json, ...
        for path in ("/docs/static/index.html", "/docs/static/package.json",
                     "/docs/static/../package.json", "/docs/static/node_modules/"):
            r = STACK.request("GET", path)
            self.assertEqual(r.status, 404, "%s: %r" % (path, r))
            self.assertEqual(r.json(), {"detail": "Not Found"})

    def test_other_methods_on_pages_are_405_in_json(self):
        r = STACK.request("POST", "/docs", json={})
        self.assertEqual(r.status, 405, r)
        self.assertEqual(r.json(), {"detail": "Method Not Allowed"})
        self.assertEqual(r.headers["allow"], "GET, HEAD")
        self.assertTrue(r.headers["x-request-id"])

    def test_swagger_ui_creates_a_user_in_headless_chromium(self):
        need_node_packages()
        need("Chromium", os.access(CHROMIUM, os.X_OK), "install Debian's chromium (make deps)")
        email = "browser%s@example.com" % RUN
        p = subprocess.run([NODE, str(BROWSER_DIR / "docs_browser.mjs"), STACK.base_url,
                            str(ARTIFACTS), email],
                           capture_output=True, text=True, timeout=240 if harness.SLOW else 120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr[-4000:])
        result = json.loads(p.stdout)
        self.assertIn("201 rendered", result["steps"])
        self.assertIn("redoc rendered", result["steps"])
        self.assertTrue((ARTIFACTS / "swagger-ui-post-users.png").stat().st_size > 0)
        # The click really created the user.
        users = STACK.request("GET", "/users/?limit=100").json()
        self.assertIn(email, [u["email"] for u in users])


if __name__ == "__main__":
    unittest.main()
