"""`transformers`: a local chat model (any causal LM whose tokenizer has a chat template).

`AutoTokenizer.apply_chat_template` + `generate`, greedy by default (temperature 0), or sampled
from a seeded generator that leaves torch's global RNG alone. Loads from a local folder or the HF
cache only, safetensors only, `trust_remote_code` only if params say so; the model is resolved in
the constructor (a missing one fails at once) and loaded on the first call.
"""
from __future__ import annotations

import threading

from storycast.llm import JsonChat, LLMError
from storycast.weights import how_to_get, resolve_model

DTYPES = ("auto", "float32", "float16", "bfloat16")


class TransformersChatClient(JsonChat):
    name = "transformers"

    def __init__(self, model: str, revision: str = "", dtype: str = "auto", device: str = "cpu",
                 max_new_tokens: int = 4096, temperature: float = 0.0, top_p: float = 1.0,
                 trust_remote_code: bool = False, json_retries: int = 2, cpu_threads: int = 0,
                 key: str = "transformers"):
        if dtype not in DTYPES:
            raise LLMError(f"{key}.dtype={dtype!r} is not one of {', '.join(DTYPES)}")
        if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 1:
            raise LLMError(f"{key}.max_new_tokens={max_new_tokens!r} must be a positive integer")
        if not 0 <= temperature <= 10 or not 0 < top_p <= 1:
            raise LLMError(f"{key}: temperature {temperature!r} must be in [0, 10] and "
                           f"top_p {top_p!r} in (0, 1]")
        self.model, self.key = model, key
        self.path = resolve_model(model, revision, key=f"{key}.model")
        self.dtype, self.device = dtype, device
        self.max_new_tokens = int(max_new_tokens)
        self.temperature, self.top_p = float(temperature), float(top_p)
        self.trust_remote_code, self.json_retries = bool(trust_remote_code), int(json_retries)
        if isinstance(cpu_threads, bool) or not isinstance(cpu_threads, int) or cpu_threads < 0:
            raise LLMError(f"{key}.cpu_threads={cpu_threads!r} must be an integer >= 0 (0 = every core)")
        self.cpu_threads = cpu_threads
        self._loaded = None
        self._lock = threading.Lock()

    def _load_parts(self, processor_cls, model_cls, what: str = "") -> tuple:
        """(processor or tokenizer, model in eval mode on the device), local files and safetensors
        only; a checkpoint that cannot be loaded fails naming the params key and how to get it."""
        import torch
        from transformers.utils import logging as tlog

        tlog.disable_progress_bar()
        if self.device == "cpu" and self.cpu_threads:
            torch.set_num_threads(self.cpu_threads)
        common = {"local_files_only": True, "trust_remote_code": self.trust_remote_code}
        try:
            processor = processor_cls.from_pretrained(self.path, **common)
            model = model_cls.from_pretrained(self.path, use_safetensors=True, **common,
                                              dtype="auto" if self.dtype == "auto" else getattr(torch, self.dtype))
        except (OSError, ValueError, KeyError) as err:
            first = (str(err).strip().splitlines() or [type(err).__name__])[0]
            raise LLMError(f"{self.key}.model: could not load {self.model!r}{what} ({first}); "
                           f"{how_to_get(self.model)}") from None
        return processor, model.to(self.device).eval()

    def _load(self):
        if self._loaded is None:
            from transformers import AutoModelForCausalLM, AutoTokenizer

            tok, lm = self._load_parts(AutoTokenizer, AutoModelForCausalLM)
            if not getattr(tok, "chat_template", None):
                raise LLMError(f"{self.key}.model: {self.model!r} has no chat template; "
                               f"use a chat/instruct model")
            self._loaded = (tok, lm)
        return self._loaded

    def chat(self, messages: list[dict], *, seed: int | None = None, max_tokens: int | None = None) -> str:
        import torch

        with self._lock:
            tok, lm = self._load()
            enc = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=True,
                                          return_dict=True, return_tensors="pt").to(self.device)
            sample = self.temperature > 0
            options = {"max_new_tokens": int(max_tokens or self.max_new_tokens), "do_sample": sample,
                       "pad_token_id": tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id}
            if sample:
                options.update(temperature=self.temperature, top_p=self.top_p)
            else:  # greedy: say so explicitly, whatever the checkpoint's generation_config suggests
                options.update(temperature=None, top_p=None, top_k=None)
            dev = torch.device(self.device)
            devices = [dev.index or 0] if dev.type == "cuda" else []
            with torch.random.fork_rng(devices=devices), torch.inference_mode():
                torch.manual_seed(0 if seed is None else int(seed) % 2**63)
                out = lm.generate(**enc, **options)
            new = out[0, enc["input_ids"].shape[1]:]
            return tok.decode(new, skip_special_tokens=True).strip()
