"""Publish a finished release folder to the Hugging Face Hub: one commit, stale shards deleted, a tag.

Refuses (a `StorycastError`, never a partial push) when the tag `v<version>` already exists, when the
git tree is dirty or `dvc status` reports the pipeline out of date, or when there is no token. The
token is read from an environment variable and handed to `HfApi` only: it is never printed, written,
or carried in an error (Hub errors are re-raised as one-line messages without request details).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from storycast.errors import StorycastError
from storycast.release import croissant
from storycast.release.layout import content_hash, foreign_files

REPO_TYPE = "dataset"
MANAGED = ("data/", "assets/")  # Hub folders the release owns: stale files there are deleted


@dataclass
class Plan:
    repo_id: str
    version: str
    tag: str
    content_hash: str
    git_commit: str
    uploads: list[str]
    deletions: list[str] = field(default_factory=list)
    remote_note: str = ""

    @property
    def message(self) -> str:
        return (f"Release v{self.version} (storycast {self.git_commit[:12]}, "
                f"data sha256:{self.content_hash[:16]})")

    @property
    def description(self) -> str:
        return (f"storycast release {self.version}\n\ngit commit: {self.git_commit}\n"
                f"data content hash: sha256:{self.content_hash}\nfiles: {len(self.uploads)} uploaded, "
                f"{len(self.deletions)} stale deleted\n")


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)
    except FileNotFoundError:
        raise StorycastError(f"cannot run {cmd[0]}: is it installed?") from None


def git_commit(repo: Path) -> str:
    proc = _run(["git", "rev-parse", "HEAD"], repo)
    if proc.returncode:
        raise StorycastError(f"{repo} is not a git repository with a commit: {proc.stderr.strip()}")
    return proc.stdout.strip()


def check_clean(repo: Path) -> None:
    """Refuse a dirty git tree or an out-of-date pipeline."""
    proc = _run(["git", "status", "--porcelain"], repo)
    if proc.returncode:
        raise StorycastError(f"git status failed in {repo}: {proc.stderr.strip()}")
    changes = proc.stdout.splitlines()
    if changes:
        more = f" and {len(changes) - 1} more" if len(changes) > 1 else ""
        raise StorycastError(f"the git tree is dirty ({changes[0][3:]}{more}): commit first, so the release "
                             "names the code that built it")
    proc = _run([sys.executable, "-m", "dvc", "status", "--json"], repo)
    if proc.returncode:
        raise StorycastError(f"dvc status failed in {repo}: {(proc.stderr or proc.stdout).strip()}")
    try:
        status = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError:
        raise StorycastError(f"dvc status gave unreadable output: {proc.stdout[:200]!r}") from None
    if status:
        raise StorycastError(f"the pipeline is out of date (dvc status: {', '.join(sorted(status))} "
                             "changed): run `dvc repro` and commit dvc.lock first")


def local_files(release_dir: Path) -> list[str]:
    """The files to upload (relative POSIX paths); a folder that is not a finished release is an error."""
    if not (release_dir / "README.md").is_file() or not (release_dir / "croissant.json").is_file():
        raise StorycastError(f"{release_dir} is not a built release (no README.md / croissant.json): "
                             "run `dvc repro release` first")
    foreign = foreign_files(release_dir)
    if foreign:
        raise StorycastError(f"{release_dir / foreign[0]} is not part of the release: remove it before "
                             "publishing")
    return sorted(p.relative_to(release_dir).as_posix() for p in release_dir.rglob("*") if p.is_file())


def _describe(err: BaseException) -> str:
    response = getattr(err, "response", None)
    if response is None:
        return f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
    try:
        server = response.json().get("error", "")
    except Exception:  # noqa: BLE001 - any unreadable body
        server = response.headers.get("X-Error-Message", "")
    request = response.request
    return f"HTTP {response.status_code} on {request.method} {request.url.path}: {server}".strip()


def _safe(err: BaseException, token: str | None) -> str:
    """One line about a Hub error and its causes: status, method, path and the server's message, never
    headers or the token."""
    parts, seen = [], set()
    while err is not None and id(err) not in seen and len(parts) < 4:
        seen.add(id(err))
        parts.append(_describe(err))
        err = err.__cause__ or err.__context__
    text = " <- ".join(parts)
    return text.replace(token, "***") if token else text


class Hub:
    """The few Hub calls publish makes, with errors turned into safe one-line messages."""

    def __init__(self, endpoint: str | None, token: str | None):
        from huggingface_hub import HfApi
        from huggingface_hub.utils import disable_progress_bars

        if not sys.stderr.isatty():
            disable_progress_bars()
        self.token = token
        self.api = HfApi(endpoint=endpoint, token=token if token else False)

    def call(self, what: str, fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except StorycastError:
            raise
        except Exception as err:  # noqa: BLE001 - huggingface_hub, httpx and OS errors alike
            raise StorycastError(f"{what} failed: {_safe(err, self.token)}") from None

    def remote(self, repo_id: str) -> tuple[set[str], list[str]] | None:
        """(tags, files) of the repo, or None when it does not exist yet."""
        from huggingface_hub.errors import RepositoryNotFoundError

        try:
            refs = self.api.list_repo_refs(repo_id, repo_type=REPO_TYPE)
        except RepositoryNotFoundError:
            return None
        except Exception as err:  # noqa: BLE001
            raise StorycastError(f"listing {repo_id} on the Hub failed: {_safe(err, self.token)}") from None
        files = self.call(f"listing the files of {repo_id}", self.api.list_repo_files, repo_id,
                          repo_type=REPO_TYPE)
        return {t.name for t in refs.tags}, files


def plan(release_dir: Path, repo_id: str, repo: Path, remote_files: list[str] | None) -> Plan:
    uploads = local_files(release_dir)
    version = croissant.read_version(release_dir)
    stale = sorted(f for f in remote_files or [] if f.startswith(MANAGED) and f not in uploads)
    return Plan(repo_id=repo_id, version=version, tag=f"v{version}", content_hash=content_hash(release_dir),
                git_commit=git_commit(repo), uploads=uploads, deletions=stale)


def publish(repo_id: str, release_dir: Path, repo: Path, token_env: str = "HF_TOKEN",
            endpoint: str | None = None, dry_run: bool = False, dvc_push: bool = True,
            echo=print) -> Plan:
    """Push `release_dir` to the Hub dataset `repo_id` in one commit and tag it (dry: say what it would)."""
    if "/" not in repo_id or repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise StorycastError(f"--repo-id {repo_id!r} must be ORG/NAME")
    token = os.environ.get(token_env) or None
    if dry_run:
        return _dry_run(repo_id, release_dir, repo, token, endpoint, echo)
    if not token:
        raise StorycastError(f"no Hub token: set the environment variable {token_env} (or pass --token-env)")
    local_files(release_dir)
    check_clean(repo)
    hub = Hub(endpoint, token)
    remote = hub.remote(repo_id)
    the_plan = plan(release_dir, repo_id, repo, remote[1] if remote else [])
    if remote and the_plan.tag in remote[0]:
        raise StorycastError(f"tag {the_plan.tag} already exists on {repo_id}: a published version is never "
                             "overwritten; bump release.version")
    if dvc_push:
        _dvc_push(repo, echo)
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    if remote is None:
        hub.call(f"creating {repo_id}", hub.api.create_repo, repo_id, repo_type=REPO_TYPE, exist_ok=True)
    ops = [CommitOperationAdd(path_in_repo=f, path_or_fileobj=str(release_dir / f)) for f in the_plan.uploads]
    ops += [CommitOperationDelete(path_in_repo=f) for f in the_plan.deletions]
    info = hub.call("the Hub commit", hub.api.create_commit, repo_id, ops, repo_type=REPO_TYPE,
                    commit_message=the_plan.message, commit_description=the_plan.description)
    hub.call(f"tagging {the_plan.tag}", hub.api.create_tag, repo_id, tag=the_plan.tag, repo_type=REPO_TYPE,
             revision=info.oid, tag_message=the_plan.message)
    echo(f"published {repo_id}@{the_plan.tag}: commit {info.oid}, {len(the_plan.uploads)} files, "
         f"{len(the_plan.deletions)} stale deleted")
    return the_plan


def _dry_run(repo_id, release_dir, repo, token, endpoint, echo) -> Plan:
    hub = Hub(endpoint, token)
    try:
        remote = hub.remote(repo_id)
        note = "new repository" if remote is None else f"{len(remote[1])} files on the Hub"
    except StorycastError as err:
        remote, note = None, f"could not list the Hub repository ({err}); deletions unknown"
    the_plan = plan(release_dir, repo_id, repo, remote[1] if remote else [])
    the_plan.remote_note = note
    echo(f"dry run: {repo_id} ({note})")
    for f in the_plan.uploads:
        echo(f"  upload  {f}")
    for f in the_plan.deletions:
        echo(f"  delete  {f}")
    echo(f"  tag     {the_plan.tag}")
    echo(f"  message {the_plan.message}")
    blockers = []
    if remote and the_plan.tag in remote[0]:
        blockers.append(f"tag {the_plan.tag} already exists")
    try:
        check_clean(repo)
    except StorycastError as err:
        blockers.append(str(err))
    for b in blockers:
        echo(f"  would refuse: {b}")
    return the_plan


def _dvc_push(repo: Path, echo) -> None:
    """`dvc push` the pipeline's outputs to the default remote, when one is configured."""
    proc = _run([sys.executable, "-m", "dvc", "remote", "default"], repo)
    if proc.returncode or not proc.stdout.strip():
        echo("dvc push skipped: no default DVC remote (see README: dvc remote add -d ...)")
        return
    proc = _run([sys.executable, "-m", "dvc", "push"], repo)
    if proc.returncode:
        raise StorycastError(f"dvc push failed: {(proc.stderr or proc.stdout).strip().splitlines()[-1]}")
    echo(f"dvc push: {proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else 'done'}")
