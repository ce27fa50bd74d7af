"""A minimal stand-in for the Hugging Face Hub, for exercising the real `huggingface_hub` client offline.

Serves, on 127.0.0.1 (random port, a daemon thread), just what `HfApi.create_repo`, `list_repo_refs`,
`list_repo_tree`/`list_repo_files`, `create_commit` (validate-yaml, preupload, the LFS batch API with
basic PUT transfers and verify, the NDJSON commit) and `create_tag` call, with the request and response
shapes of `huggingface_hub` (`hf_api.py`, `_commit_api.py`, `lfs.py`). Writes need
`Authorization: Bearer <token>`. Xet is not served: clients must run with HF_HUB_DISABLE_XET=1.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse

import yaml

LFS_SUFFIXES = (".parquet", ".png", ".jpg", ".bin", ".safetensors")


def git_blob_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Repo:
    files: dict[str, bytes] = field(default_factory=dict)
    lfs_paths: set[str] = field(default_factory=set)
    head: str = ""
    commits: list[dict] = field(default_factory=list)   # {"oid", "summary", "description", "ops"}
    tags: dict[str, str] = field(default_factory=dict)   # name -> commit oid


class FakeHub:
    """State shared with the request handler; tests read `repos`, `lfs`, `requests`."""

    def __init__(self, token: str):
        self.token = token
        self.repos: dict[str, Repo] = {}       # "datasets/org/name" -> Repo
        self.lfs: dict[str, bytes] = {}        # sha256 -> bytes (uploaded objects)
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def signature(self, oid: str) -> str:
        """What a pre-signed upload URL carries instead of the token."""
        return hashlib.sha256(f"{id(self)}:{oid}".encode()).hexdigest()[:32]

    def commit(self, key: str, summary: str, description: str, ops: list[dict]) -> str:
        repo = self.repos[key]
        for op in ops:
            if op["key"] == "file":
                path = op["value"]["path"]
                repo.files[path] = base64.b64decode(op["value"]["content"])
                repo.lfs_paths.discard(path)
            elif op["key"] == "lfsFile":
                path, oid = op["value"]["path"], op["value"]["oid"]
                if oid not in self.lfs:
                    raise KeyError(f"LFS object {oid} of {path} was never uploaded")
                repo.files[path] = self.lfs[oid]
                repo.lfs_paths.add(path)
            elif op["key"] == "deletedFile":
                path = op["value"]["path"]
                if path not in repo.files:
                    raise FileNotFoundError(path)
                del repo.files[path]
                repo.lfs_paths.discard(path)
            elif op["key"] == "deletedFolder":
                prefix = op["value"]["path"].rstrip("/") + "/"
                for path in [p for p in repo.files if p.startswith(prefix)]:
                    del repo.files[path]
        oid = hashlib.sha1(f"{repo.head}{summary}{len(repo.commits)}".encode()).hexdigest()
        repo.head = oid
        repo.commits.append({"oid": oid, "summary": summary, "description": description, "ops": ops})
        return oid

    def tree(self, key: str) -> list[dict]:
        repo, out, folders = self.repos[key], [], set()
        for path, data in sorted(repo.files.items()):
            parts = path.split("/")
            folders.update("/".join(parts[:i]) for i in range(1, len(parts)))
            entry = {"type": "file", "oid": git_blob_oid(data), "size": len(data), "path": path}
            if path in repo.lfs_paths:
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data),
                                "pointerSize": 134}
            out.append(entry)
        out += [{"type": "directory", "oid": "0" * 40, "path": f} for f in sorted(folders)]
        return out


_REPO = r"/api/(?P<kind>datasets|models|spaces)/(?P<id>[^/]+/[^/]+)"
ROUTES = [
    ("POST", re.compile(r"^/api/repos/create$"), "create_repo"),
    ("POST", re.compile(r"^/api/validate-yaml$"), "validate_yaml"),
    ("GET", re.compile(_REPO + r"/refs$"), "refs"),
    ("GET", re.compile(_REPO + r"/tree/(?P<rev>[^/]+)(?P<path>/.*)?$"), "tree"),
    ("GET", re.compile(_REPO + r"(/revision/(?P<rev>[^/]+))?$"), "repo_info"),
    ("POST", re.compile(_REPO + r"/preupload/(?P<rev>[^/]+)$"), "preupload"),
    ("POST", re.compile(_REPO + r"/commit/(?P<rev>[^/]+)$"), "commit"),
    ("POST", re.compile(_REPO + r"/tag/(?P<rev>[^/]+)$"), "tag"),
    ("POST", re.compile(r"^/(?P<kind>datasets|spaces)?/?(?P<id>[^/]+/[^/]+)\.git/info/lfs/objects/batch$"),
     "lfs_batch"),
    ("PUT", re.compile(r"^/lfs-upload/(?P<oid>[0-9a-f]{64})$"), "lfs_upload"),
    ("POST", re.compile(r"^/lfs-verify$"), "lfs_verify"),
]
# lfs_upload stands for a pre-signed storage URL: authorised by its signature, not by the token
WRITES = {"create_repo", "preupload", "commit", "tag", "lfs_batch", "lfs_verify"}


def _handler(hub: FakeHub):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                data = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        return data
                    data += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _send(self, status: int, body=None, headers: dict | None = None) -> None:
            raw = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def _error(self, status: int, message: str, code: str | None = None) -> None:
            self._send(status, {"error": message}, {"X-Error-Message": message,
                                                    **({"X-Error-Code": code} if code else {})})

        def _route(self, method: str) -> None:
            url = urlparse(self.path)
            path = url.path
            with hub.lock:
                hub.requests.append((method, path))
            body = self._body()
            for m, pattern, name in ROUTES:
                match = pattern.match(path)
                if m == method and match:
                    if name in WRITES and self.headers.get("authorization") != f"Bearer {hub.token}":
                        return self._error(401, "Invalid credentials in Authorization header")
                    groups = {k: unquote(v) if v else v for k, v in match.groupdict().items()}
                    if name == "lfs_upload" and url.query != f"sig={hub.signature(groups['oid'])}":
                        return self._error(403, "bad signature")
                    with hub.lock:
                        return getattr(self, name)(body, **groups)
            return self._error(404, f"no route for {method} {path}")

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PUT(self) -> None:
            self._route("PUT")

        def _repo(self, kind: str, repo_id: str) -> Repo | None:
            repo = hub.repos.get(f"{kind}/{repo_id}")
            if repo is None:
                self._error(404, "Repository not found", "RepoNotFound")
            return repo

        def create_repo(self, body: bytes) -> None:
            doc = json.loads(body)
            key = f"{doc.get('type', 'model')}s/{doc['organization']}/{doc['name']}"
            if key in hub.repos:
                return self._error(409, "You already created this dataset repo")
            hub.repos[key] = Repo()
            hub.commit(key, "initial commit", "", [{"key": "file", "value": {
                "path": ".gitattributes", "content": base64.b64encode(b"*.parquet filter=lfs\n").decode()}}])
            self._send(200, {"url": f"{hub.url}/{key.removeprefix('models/')}"})

        def validate_yaml(self, body: bytes) -> None:
            content = json.loads(body)["content"]
            match = re.match(r"^---\n(.*?)\n---\n", content, re.S)
            try:
                meta = yaml.safe_load(match.group(1)) if match else None
            except yaml.YAMLError as err:
                return self._send(400, {"errors": [{"message": str(err)}]})
            if not isinstance(meta, dict):
                return self._send(400, {"errors": [{"message": "README.md has no YAML metadata"}]})
            self._send(200, {"errors": [], "warnings": []})

        def refs(self, body: bytes, kind: str, id: str) -> None:
            if (repo := self._repo(kind, id)) is not None:
                main = {"name": "main", "ref": "refs/heads/main", "targetCommit": repo.head}
                self._send(200, {"branches": [main],
                                 "converts": [], "pullRequests": [],
                                 "tags": [{"name": t, "ref": f"refs/tags/{t}", "targetCommit": c}
                                          for t, c in sorted(repo.tags.items())]})

        def tree(self, body: bytes, kind: str, id: str, rev: str, path: str | None) -> None:
            if self._repo(kind, id) is not None:
                prefix = (path or "/").lstrip("/")
                self._send(200, [e for e in hub.tree(f"{kind}/{id}") if e["path"].startswith(prefix)])

        def repo_info(self, body: bytes, kind: str, id: str, rev: str | None = None) -> None:
            if (repo := self._repo(kind, id)) is not None:
                self._send(200, {"id": id, "sha": repo.head, "private": False,
                                 "siblings": [{"rfilename": p} for p in sorted(repo.files)]})

        def preupload(self, body: bytes, kind: str, id: str, rev: str) -> None:
            if (repo := self._repo(kind, id)) is None:
                return
            files = []
            for f in json.loads(body)["files"]:
                lfs = f["path"].endswith(LFS_SUFFIXES) or f["size"] > 10 * 2**20
                old = repo.files.get(f["path"])
                oid = None if old is None else (hashlib.sha256(old).hexdigest() if f["path"] in repo.lfs_paths
                                                else git_blob_oid(old))
                files.append({"path": f["path"], "uploadMode": "lfs" if lfs else "regular",
                              "shouldIgnore": False, "oid": oid})
            self._send(200, {"files": files, "commitOid": repo.head})

        def lfs_batch(self, body: bytes, kind: str | None, id: str) -> None:
            objects = []
            for o in json.loads(body)["objects"]:
                entry = {"oid": o["oid"], "size": o["size"], "authenticated": True}
                if o["oid"] not in hub.lfs:
                    href = f"{hub.url}/lfs-upload/{o['oid']}?sig={hub.signature(o['oid'])}"
                    entry["actions"] = {"upload": {"href": href},
                                        "verify": {"href": f"{hub.url}/lfs-verify"}}
                objects.append(entry)
            self._send(200, {"transfer": "basic", "objects": objects})

        def lfs_upload(self, body: bytes, oid: str) -> None:
            if hashlib.sha256(body).hexdigest() != oid:
                return self._error(400, "uploaded bytes do not match the oid")
            hub.lfs[oid] = body
            self._send(200, {})

        def lfs_verify(self, body: bytes) -> None:
            doc = json.loads(body)
            ok = doc["oid"] in hub.lfs and len(hub.lfs[doc["oid"]]) == doc["size"]
            self._send(200, {}) if ok else self._error(422, "object missing")

        def commit(self, body: bytes, kind: str, id: str, rev: str) -> None:
            if self._repo(kind, id) is None:
                return
            lines = [json.loads(line) for line in body.splitlines() if line.strip()]
            header = lines[0]["value"]
            try:
                oid = hub.commit(f"{kind}/{id}", header["summary"], header.get("description", ""), lines[1:])
            except FileNotFoundError as err:
                return self._error(404, f"A file with this name doesn't exist: {err}", "EntryNotFound")
            except KeyError as err:
                return self._error(422, str(err))
            self._send(200, {"commitUrl": f"{hub.url}/{kind}/{id}/commit/{oid}", "commitOid": oid,
                             "success": True, "pullRequestUrl": None})

        def tag(self, body: bytes, kind: str, id: str, rev: str) -> None:
            if (repo := self._repo(kind, id)) is None:
                return
            name = json.loads(body)["tag"]
            if name in repo.tags:
                return self._error(409, f"Tag {name} already exists")
            target = rev if rev in {c["oid"] for c in repo.commits} else repo.head
            repo.tags[name] = target
            self._send(200, {})

    return Handler
