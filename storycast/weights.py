"""Where model weights come from: a local folder or the Hugging Face cache, never the network.

Every model backend (diffusers renderer and editor, transformers chat model) resolves its params
(`model`, `revision`) here before it loads anything, so a missing model fails at once -- when the
stage builds its backend, before any work -- with a message that says how to get it.
"""
from __future__ import annotations

import re
from pathlib import Path

from storycast.errors import StorycastError

# A Hub id: "name" or "owner/name" (letters, digits, '-', '_', '.'), never a path like "./x" or "/x".
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")


class ModelNotFound(StorycastError):
    """A configured model is neither a local folder nor in the local Hugging Face cache."""


def how_to_get(ref: str, revision: str = "") -> str:
    rev = f" --revision {revision}" if revision else ""
    return (f"get it with `hf download {ref}{rev}` (huggingface_hub >= 1.0; older releases: "
            f"`huggingface-cli download {ref}{rev}`) on a machine with internet access, or point "
            f"the key at a local folder that holds the model")


def resolve_model(ref: str, revision: str = "", *, key: str) -> str:
    """The local folder of model `ref` (a folder path, or a Hub id already in the local cache).

    `key` is the dotted params key that named the model, for the error message. Raises
    `ModelNotFound` at once, without touching the network, when the weights are not here.
    """
    if not isinstance(ref, str) or not ref.strip():
        raise ModelNotFound(f"{key} is empty: set it to a Hugging Face model id or a local folder")
    path = Path(ref).expanduser()
    if path.is_dir():
        return str(path)
    if path.exists():
        raise ModelNotFound(f"{key}={ref!r} is a file; expected a model folder (or a Hugging Face id)")
    if not _REPO_ID.match(ref):
        raise ModelNotFound(f"{key}: model folder {ref!r} does not exist; set {key} to a folder that "
                            f"holds the model, or to a Hugging Face id fetched beforehand "
                            f"(`hf download <id>`)")
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return snapshot_download(ref, revision=revision or None, local_files_only=True)
    except (LocalEntryNotFoundError, FileNotFoundError, OSError, ValueError):
        pass
    at = f" at revision {revision!r}" if revision else ""
    raise ModelNotFound(f"{key}: model {ref!r}{at} is not in the local Hugging Face cache "
                        f"({constants.HF_HUB_CACHE}) and weights are never downloaded at run time; "
                        f"{how_to_get(ref, revision)}")
