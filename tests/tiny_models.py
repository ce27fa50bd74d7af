"""Tiny models built in-process with fixed seeds, saved with `save_pretrained` (safetensors) and
loaded back by the backends through the same `from_pretrained(local_folder)` path real checkpoints
take. Configs follow diffusers' own `get_dummy_components()` (tests/pipelines/controlnet/...).

    python tests/tiny_models.py DEST    # build all into DEST (what profiles/tiny-models.yaml names)
"""
from __future__ import annotations

import string
import sys
from pathlib import Path

TEXT_DIM = 32          # CLIP text hidden size = UNet cross-attention dim
IMAGE_EMBED_DIM = 32   # CLIP vision projection dim = IP-Adapter image embedding dim


def _seeded(seed: int = 0):
    import torch

    torch.manual_seed(seed)


def clip_tokenizer():
    """A byte-level BPE CLIP tokenizer with single-character tokens (no merges), built locally."""
    from transformers import CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for ch in string.ascii_lowercase + string.digits + string.punctuation:
        vocab.setdefault(ch, len(vocab))
        vocab.setdefault(ch + "</w>", len(vocab))
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)


def _unet(in_channels: int = 4):
    from diffusers import UNet2DConditionModel

    _seeded()
    return UNet2DConditionModel(
        block_out_channels=(4, 8), layers_per_block=2, sample_size=32, in_channels=in_channels,
        out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=TEXT_DIM, norm_num_groups=1)


def _sd_components(in_channels: int = 4) -> dict:
    from diffusers import AutoencoderKL, DDIMScheduler
    from transformers import CLIPTextConfig, CLIPTextModel

    unet = _unet(in_channels)
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                              clip_sample=False, set_alpha_to_one=False, steps_offset=1)
    _seeded()
    vae = AutoencoderKL(block_out_channels=[4, 8], in_channels=3, out_channels=3,
                        down_block_types=["DownEncoderBlock2D"] * 2, up_block_types=["UpDecoderBlock2D"] * 2,
                        latent_channels=4, norm_num_groups=2)
    _seeded()
    text_encoder = CLIPTextModel(CLIPTextConfig(
        bos_token_id=0, eos_token_id=1, pad_token_id=1, hidden_size=TEXT_DIM, intermediate_size=37,
        layer_norm_eps=1e-5, num_attention_heads=4, num_hidden_layers=5, vocab_size=1000))
    return dict(unet=unet, scheduler=scheduler, vae=vae, text_encoder=text_encoder,
                tokenizer=clip_tokenizer(), safety_checker=None, feature_extractor=None, image_encoder=None,
                requires_safety_checker=False)


def build_sd(dest: Path) -> Path:
    """A tiny Stable Diffusion base checkpoint folder (model_index.json, unet/, vae/, ...)."""
    from diffusers import StableDiffusionPipeline

    StableDiffusionPipeline(**_sd_components()).save_pretrained(dest, safe_serialization=True)
    return dest


def build_controlnet(dest: Path) -> Path:
    from diffusers import ControlNetModel

    _seeded()
    ControlNetModel(block_out_channels=(4, 8), layers_per_block=2, in_channels=4,
                    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), cross_attention_dim=TEXT_DIM,
                    conditioning_embedding_out_channels=(16, 32), norm_num_groups=1,
                    ).save_pretrained(dest, safe_serialization=True)
    return dest


def build_inpaint(dest: Path) -> Path:
    """A tiny inpainting checkpoint: the UNet takes latents + mask + masked-image latents (9 ch)."""
    from diffusers import StableDiffusionInpaintPipeline

    pipe = StableDiffusionInpaintPipeline(**_sd_components(in_channels=9))
    pipe.save_pretrained(dest, safe_serialization=True)
    return dest


XL_TEXT_DIM = 32       # each SDXL text encoder's hidden size; the UNet sees both side by side (64)


def _xl_unet(in_channels: int = 4):
    from diffusers import UNet2DConditionModel

    _seeded()
    return UNet2DConditionModel(
        block_out_channels=(32, 64), layers_per_block=2, sample_size=32, in_channels=in_channels, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4), use_linear_projection=True, addition_embed_type="text_time",
        addition_time_embed_dim=8, transformer_layers_per_block=(1, 2),
        projection_class_embeddings_input_dim=6 * 8 + XL_TEXT_DIM, cross_attention_dim=2 * XL_TEXT_DIM)


def _sdxl_components(in_channels: int = 4) -> dict:
    """SDXL's parts, after diffusers' own SDXL ControlNet dummy components: two CLIP text encoders
    (the second with a projection: the pooled embedding), two tokenizers, a `text_time` UNet."""
    from diffusers import AutoencoderKL, EulerDiscreteScheduler
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    config = CLIPTextConfig(bos_token_id=0, eos_token_id=1, pad_token_id=1, hidden_size=XL_TEXT_DIM,
                            intermediate_size=37, layer_norm_eps=1e-5, num_attention_heads=4, num_hidden_layers=5,
                            vocab_size=1000, hidden_act="gelu", projection_dim=XL_TEXT_DIM)
    unet = _xl_unet(in_channels)
    _seeded()
    vae = AutoencoderKL(block_out_channels=[32, 64], in_channels=3, out_channels=3,
                        down_block_types=["DownEncoderBlock2D"] * 2, up_block_types=["UpDecoderBlock2D"] * 2,
                        latent_channels=4)
    _seeded()
    text_encoder = CLIPTextModel(config)
    _seeded(1)
    text_encoder_2 = CLIPTextModelWithProjection(config)
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, steps_offset=1,
                                       beta_schedule="scaled_linear", timestep_spacing="leading")
    return dict(unet=unet, scheduler=scheduler, vae=vae, text_encoder=text_encoder, text_encoder_2=text_encoder_2,
                tokenizer=clip_tokenizer(), tokenizer_2=clip_tokenizer())


def build_sdxl(dest: Path) -> Path:
    """A tiny SDXL base checkpoint folder."""
    from diffusers import StableDiffusionXLPipeline

    StableDiffusionXLPipeline(**_sdxl_components()).save_pretrained(dest, safe_serialization=True)
    return dest


def build_sdxl_controlnet(dest: Path) -> Path:
    from diffusers import ControlNetModel

    _seeded()
    ControlNetModel(block_out_channels=(32, 64), layers_per_block=2, in_channels=4,
                    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                    conditioning_embedding_out_channels=(16, 32), attention_head_dim=(2, 4),
                    use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=8,
                    transformer_layers_per_block=(1, 2), projection_class_embeddings_input_dim=6 * 8 + XL_TEXT_DIM,
                    cross_attention_dim=2 * XL_TEXT_DIM).save_pretrained(dest, safe_serialization=True)
    return dest


def build_sdxl_inpaint(dest: Path) -> Path:
    from diffusers import StableDiffusionXLInpaintPipeline

    StableDiffusionXLInpaintPipeline(**_sdxl_components(in_channels=9), requires_aesthetics_score=False,
                                     ).save_pretrained(dest, safe_serialization=True)
    return dest


def build_ip_adapter(dest: Path, subfolder: str = "models",
                     weight: str = "ip-adapter_tiny.safetensors") -> Path:
    """IP-Adapter weights laid out like h94/IP-Adapter: <subfolder>/<weight>, <subfolder>/image_encoder/."""
    from diffusers.models.attention_processor import IPAdapterAttnProcessor
    from diffusers.models.embeddings import ImageProjection
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    unet = _unet()
    channels = unet.config.block_out_channels
    tensors, key_id = {}, 1
    _seeded()
    for name in unet.attn_processors:       # same order diffusers uses when it loads them
        if name.endswith("attn1.processor"):
            continue
        if name.startswith("mid_block"):
            hidden = channels[-1]
        elif name.startswith("up_blocks"):
            hidden = list(reversed(channels))[int(name[len("up_blocks.")])]
        else:
            hidden = channels[int(name[len("down_blocks.")])]
        sd = IPAdapterAttnProcessor(hidden_size=hidden, cross_attention_dim=TEXT_DIM,
                                    scale=1.0).state_dict()
        tensors[f"ip_adapter.{key_id}.to_k_ip.weight"] = sd["to_k_ip.0.weight"]
        tensors[f"ip_adapter.{key_id}.to_v_ip.weight"] = sd["to_v_ip.0.weight"]
        key_id += 2
    proj = ImageProjection(cross_attention_dim=TEXT_DIM, image_embed_dim=IMAGE_EMBED_DIM,
                           num_image_text_embeds=4).state_dict()
    tensors.update({"image_proj.proj.weight": proj["image_embeds.weight"],
                    "image_proj.proj.bias": proj["image_embeds.bias"],
                    "image_proj.norm.weight": proj["norm.weight"], "image_proj.norm.bias": proj["norm.bias"]})
    (dest / subfolder).mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(dest / subfolder / weight))
    _seeded()
    encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=32, projection_dim=IMAGE_EMBED_DIM, num_hidden_layers=2, num_attention_heads=4,
        image_size=32, intermediate_size=37, patch_size=4))
    encoder.save_pretrained(dest / subfolder / "image_encoder")
    return dest


CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|> {{ m['role'] }} {{ m['content'] }} <|im_end|> "
                 "{% endfor %}{% if add_generation_prompt %}<|im_start|> assistant {% endif %}")


def build_chat_lm(dest: Path) -> Path:
    """A tiny Llama causal LM with a word-level tokenizer (JSON punctuation, a few words) and a
    chat template. Random weights: it answers gibberish, which is the point for failure tests."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    words = ["<unk>", "<pad>", "<s>", "</s>", "<|im_start|>", "<|im_end|>", "system", "user", "assistant",
             "{", "}", "[", "]", ":", ",", '"', "story", "title", "frames", "index", "pose", "standing",
             *[f"w{i}" for i in range(40)]]
    backend = Tokenizer(models.WordLevel(vocab={w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                                     pre_tokenizers.Punctuation()])
    backend.decoder = decoders.WordPiece(prefix="##")
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>", pad_token="<pad>",
                                  bos_token="<s>", eos_token="</s>")
    tok.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tok.chat_template = CHAT_TEMPLATE
    _seeded()
    LlamaForCausalLM(LlamaConfig(
        vocab_size=len(words), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=8192, bos_token_id=2,
        eos_token_id=3, pad_token_id=1,
    )).save_pretrained(dest, safe_serialization=True)
    tok.save_pretrained(dest)
    return dest


VLM_TEMPLATE = ("{% for m in messages %}<|im_start|> {{ m['role'] }} {% for c in m['content'] %}"
            "{% if c['type'] == 'image' %}<image> {% else %}{{ c['text'] }} {% endif %}{% endfor %}<|im_end|> "
            "{% endfor %}{% if add_generation_prompt %}<|im_start|> assistant {% endif %}")


def build_vlm(dest: Path) -> Path:
    """A tiny LLaVA (CLIP vision tower, Llama text model), a word-level tokenizer with an <image>
    token, a CLIP image processor and a chat template that renders image parts; random weights."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import (
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
        PreTrainedTokenizerFast,
    )
    try:
        from transformers import CLIPImageProcessorPil as ImageProcessor  # no torchvision needed
    except ImportError:
        from transformers import CLIPImageProcessor as ImageProcessor

    words = ["<unk>", "<pad>", "<s>", "</s>", "<|im_start|>", "<|im_end|>", "<image>", "system", "user",
             "assistant", "{", "}", "[", "]", ":", ",", '"', "scores", "identity", "pose", "verdict", "pass",
             *[f"w{i}" for i in range(40)]]
    backend = Tokenizer(models.WordLevel(vocab={w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    backend.decoder = decoders.WordPiece(prefix="##")
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>", pad_token="<pad>", bos_token="<s>",
                                  eos_token="</s>")
    tok.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>", "<image>"]})
    processor = LlavaProcessor(
        image_processor=ImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
        tokenizer=tok, patch_size=8, vision_feature_select_strategy="default", chat_template=VLM_TEMPLATE,
        image_token="<image>", num_additional_image_tokens=1)
    _seeded()
    config = LlavaConfig(
        vision_config=CLIPVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                                       num_attention_heads=2, image_size=32, patch_size=8, projection_dim=16),
        text_config=LlamaConfig(vocab_size=len(words), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                                num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=8192,
                                bos_token_id=2, eos_token_id=3, pad_token_id=1),
        image_token_index=words.index("<image>"), vision_feature_layer=-1,
        vision_feature_select_strategy="default")
    LlavaForConditionalGeneration(config).save_pretrained(dest, safe_serialization=True)
    processor.save_pretrained(dest)
    return dest


def build_all(root: Path) -> dict[str, Path]:
    root = Path(root)
    return {"sd": build_sd(root / "sd"), "controlnet": build_controlnet(root / "controlnet"),
            "inpaint": build_inpaint(root / "inpaint"), "ip_adapter": build_ip_adapter(root / "ip-adapter"),
            "chat": build_chat_lm(root / "chat"), "vlm": build_vlm(root / "vlm")}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/tiny_models.py DEST")
    for name, path in build_all(Path(sys.argv[1])).items():
        print(f"{name}: {path}")
