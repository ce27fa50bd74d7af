"""Prompts longer than CLIP's 77 tokens, encoded whole for SD and SDXL pipelines.

A CLIP text encoder sees 77 tokens (75 and BOS/EOS); diffusers cuts the rest off with a warning.
A frame prompt (identity blocks || what the characters do || scene and composition || style) runs
~120 tokens at the median and ~350 for four characters, so the scene and style blocks would be lost,
silently as far as the dataset is concerned. Here each prompt is cut into windows of 75 tokens, each
window is encoded like a short prompt (BOS + tokens + EOS + padding to 77) and the windows'
embeddings are concatenated along the sequence, the approach of A1111 and compel. Cross-attention
takes any sequence length; classifier-free guidance stacks prompt and negative, so the negative
prompt is padded with empty windows to the same count.

SD: the text encoder's last hidden state. SDXL: both encoders' penultimate hidden states side by
side and the pooled embedding of the second encoder's first window (as `encode_prompt` does); an
empty negative is zeros where the pipeline's `force_zeros_for_empty_prompt` asks for it. With one
window the result equals the pipeline's own `encode_prompt` (a test holds this).
"""
from __future__ import annotations


def windows(tokenizer, text: str) -> list[list[int]]:
    """The token ids of `text` in windows of `model_max_length - 2` (no BOS/EOS yet); [] when empty."""
    ids = tokenizer(text, add_special_tokens=False, truncation=False, verbose=False).input_ids
    size = tokenizer.model_max_length - 2
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def window_ids(tokenizer, texts: list[str], count: int):
    """A (count, batch, model_max_length) tensor: every text's windows, padded with empty windows."""
    import torch

    length = tokenizer.model_max_length
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    out = torch.full((count, len(texts), length), pad, dtype=torch.long)
    for b, text in enumerate(texts):
        parts = windows(tokenizer, text)
        for k in range(count):
            ids = [tokenizer.bos_token_id, *(parts[k] if k < len(parts) else []), tokenizer.eos_token_id]
            out[k, b, :len(ids)] = torch.tensor(ids)
    return out


def window_count(tokenizers, texts: list[str]) -> int:
    return max([1] + [len(windows(tokenizer, t)) for tokenizer in tokenizers for t in texts])


def prompt_windows(pipe, prompt: str, negative: str = "") -> int:
    """How many windows `prompt` is encoded in (its negative padded to as many): frames batched
    together must agree, or one frame's padding would change another's image."""
    return window_count([tok for tok, _ in _encoders(pipe)], [prompt, negative])


def _encoders(pipe) -> list[tuple]:
    pairs = [(getattr(pipe, "tokenizer", None), getattr(pipe, "text_encoder", None)),
             (getattr(pipe, "tokenizer_2", None), getattr(pipe, "text_encoder_2", None))]
    return [(tok, enc) for tok, enc in pairs if tok is not None and enc is not None]


def _encode(pipe, texts: list[str], count: int, xl: bool):
    """(embeddings (batch, 77 * count, dim), pooled (batch, dim2) or None) for `texts`."""
    import torch

    per_encoder, pooled = [], None
    for tokenizer, encoder in _encoders(pipe):
        ids = window_ids(tokenizer, texts, count).to(encoder.device)
        chunks = []
        for k in range(count):
            out = encoder(ids[k], output_hidden_states=xl)
            chunks.append(out.hidden_states[-2] if xl else out[0])
            if xl and k == 0 and out[0].ndim == 2:
                pooled = out[0]            # the projection model's text_embeds (SDXL's second encoder)
        per_encoder.append(torch.cat(chunks, dim=1))
    return torch.cat(per_encoder, dim=-1), pooled


def prompt_kwargs(pipe, prompts: list[str], negative: str = "") -> dict:
    """Embedding keyword arguments for an SD/SDXL pipeline call in place of `prompt=` and
    `negative_prompt=`: every prompt whole, however long."""
    import torch

    xl = getattr(pipe, "text_encoder_2", None) is not None or getattr(pipe, "tokenizer_2", None) is not None
    tokenizers = [tok for tok, _ in _encoders(pipe)]
    negatives = [negative] * len(prompts)
    count = window_count(tokenizers, prompts + negatives[:1])
    dtype = pipe.unet.dtype
    with torch.no_grad():
        embeds, pooled = _encode(pipe, prompts, count, xl)
        zeros = xl and not negative and getattr(pipe.config, "force_zeros_for_empty_prompt", False)
        if zeros:
            neg, neg_pooled = torch.zeros_like(embeds), torch.zeros_like(pooled)
        else:
            neg, neg_pooled = _encode(pipe, negatives, count, xl)
    kwargs = {"prompt_embeds": embeds.to(dtype), "negative_prompt_embeds": neg.to(dtype)}
    if xl:
        kwargs.update(pooled_prompt_embeds=pooled.to(dtype), negative_pooled_prompt_embeds=neg_pooled.to(dtype))
    return kwargs
