"""Images in chat messages, for vision-language models (the VLM judge).

A message's `content` is a string or a list of parts: `{"type": "text", "text": str}` and
`{"type": "image", "image": PIL.Image}` (what `image_part` builds). Each backend turns the image
parts into what its model takes:

- `openai`: `{"type": "image_url", "image_url": {"url": "data:image/png;base64,..."}}` (lossless PNG);
- `transformers`: the processor's chat template renders an image placeholder per part and the
  processor takes the images in message order (`AutoProcessor` + `AutoModelForImageTextToText`).

Both accept OpenAI-style `image_url` data-URL parts too. Text-only messages (the re-asks with the
error fed back, which `storycast.llm.ask_json` appends as strings) pass through either way.
"""
from __future__ import annotations

import base64
import binascii
import io
import re

from PIL import Image

from storycast.llm import LLMError
from storycast.llm.openai_client import OpenAIChatClient
from storycast.llm.transformers_chat import TransformersChatClient

_DATA_URL = re.compile(r"^data:image/[A-Za-z0-9.+-]+;base64,(.*)$", re.DOTALL)


def text_part(text: str) -> dict:
    return {"type": "text", "text": text}


def image_part(image: Image.Image) -> dict:
    return {"type": "image", "image": image}


def fit(image: Image.Image, max_px: int) -> Image.Image:
    """`image` as RGB, its longer side at most `max_px` (0: any size); aspect ratio kept."""
    image = image.convert("RGB") if image.mode != "RGB" else image
    if max_px and max(image.size) > max_px:
        s = max_px / max(image.size)
        size = (max(1, round(image.width * s)), max(1, round(image.height * s)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    return image


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def data_url(image: Image.Image) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii")


def decode_data_url(url: str) -> Image.Image:
    """The image in a `data:image/...;base64,` URL; ValueError for anything else (no fetching)."""
    match = _DATA_URL.match(url or "")
    if not match:
        raise ValueError(f"not a base64 image data URL: {str(url)[:40]!r}")
    try:
        image = Image.open(io.BytesIO(base64.b64decode(match.group(1), validate=True)))
        image.load()
    except (binascii.Error, OSError) as err:
        raise ValueError(f"unreadable image data URL ({err})") from None
    return image


def _parts(content) -> list[dict]:
    if isinstance(content, str):
        return [text_part(content)]
    if not isinstance(content, (list, tuple)):
        raise LLMError(f"message content must be a string or a list of parts, got {type(content).__name__}")
    return [text_part(p) if isinstance(p, str) else dict(p) for p in content]


def to_openai(messages: list[dict]) -> list[dict]:
    """Messages with every `image` part as a PNG data-URL `image_url` part (others unchanged)."""
    out, urls = [], {}
    for m in messages:
        if isinstance(m.get("content"), str):
            out.append(m)
            continue
        parts = []
        for p in _parts(m.get("content")):
            if p.get("type") == "image":
                key = id(p["image"])
                if key not in urls:
                    urls[key] = data_url(p["image"])
                p = {"type": "image_url", "image_url": {"url": urls[key]}}
            parts.append(p)
        out.append({**m, "content": parts})
    return out


def split_images(messages: list[dict]) -> tuple[list[dict], list[Image.Image]]:
    """Messages whose content is always a list of parts, each image replaced by a bare
    `{"type": "image"}` placeholder (what chat templates render), and the images in order."""
    out, images = [], []
    for m in messages:
        parts = []
        for p in _parts(m.get("content", "")):
            kind = p.get("type")
            if kind == "image":
                images.append(p["image"])
                parts.append({"type": "image"})
            elif kind == "image_url":
                url = (p.get("image_url") or {}).get("url", "")
                try:
                    images.append(decode_data_url(url))
                except ValueError as err:
                    raise LLMError(f"transformers vision client: {err}; only data URLs are read") from None
                parts.append({"type": "image"})
            elif kind == "text":
                parts.append({"type": "text", "text": str(p.get("text", ""))})
            else:
                raise LLMError(f"unknown message part type {kind!r}; expected text, image or image_url")
        out.append({"role": m["role"], "content": parts})
    return out, [im.convert("RGB") for im in images]


class OpenAIVisionClient(OpenAIChatClient):
    """`OpenAIChatClient` that sends `image` parts as PNG data URLs (vision chat completions)."""

    def chat(self, messages: list[dict], *, seed: int | None = None, max_tokens: int | None = None) -> str:
        return super().chat(to_openai(messages), seed=seed, max_tokens=max_tokens)


class TransformersVisionClient(TransformersChatClient):
    """A local vision-language model: `AutoProcessor` (tokenizer + image processor + chat
    template) and `AutoModelForImageTextToText`, from a local folder or the HF cache only.
    Same params as `TransformersChatClient`; greedy unless `temperature` > 0, seeded."""

    def _load(self):
        if self._loaded is None:
            from transformers import AutoModelForImageTextToText, AutoProcessor

            processor, model = self._load_parts(AutoProcessor, AutoModelForImageTextToText,
                                                " as a vision-language model")
            if getattr(processor, "image_processor", None) is None or getattr(processor, "tokenizer", None) is None:
                raise LLMError(f"{self.key}.model: {self.model!r} has no image processor and tokenizer; "
                               f"use a vision-language (image-text-to-text) model")
            if not getattr(processor, "chat_template", None):
                raise LLMError(f"{self.key}.model: {self.model!r} has no chat template; use a chat/instruct "
                               f"vision-language model")
            self._loaded = (processor, model)
        return self._loaded

    def chat(self, messages: list[dict], *, seed: int | None = None, max_tokens: int | None = None) -> str:
        import torch

        msgs, images = split_images(messages)
        with self._lock:
            processor, model = self._load()
            text = processor.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
            try:
                enc = processor(text=[text], images=images or None, return_tensors="pt")
            except (ValueError, TypeError) as err:
                raise LLMError(f"{self.key}: the processor of {self.model!r} rejected the input ({err})") from None
            enc = enc.to(self.device, dtype=model.dtype)
            tok = processor.tokenizer
            sample = self.temperature > 0
            options = {"max_new_tokens": int(max_tokens or self.max_new_tokens), "do_sample": sample,
                       "pad_token_id": tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id}
            if sample:
                options.update(temperature=self.temperature, top_p=self.top_p)
            else:  # greedy, whatever the checkpoint's generation_config suggests
                options.update(temperature=None, top_p=None, top_k=None)
            dev = torch.device(self.device)
            devices = [dev.index or 0] if dev.type == "cuda" else []
            try:
                with torch.random.fork_rng(devices=devices), torch.inference_mode():
                    torch.manual_seed(0 if seed is None else int(seed) % 2**63)
                    out = model.generate(**enc, **options)
            except RuntimeError as err:  # CUDA out of memory included
                first = (str(err).strip().splitlines() or [type(err).__name__])[0]
                raise LLMError(f"{self.key}: {self.model!r} failed to generate ({first})") from None
            new = out[0, enc["input_ids"].shape[1]:]
            return tok.decode(new, skip_special_tokens=True).strip()
