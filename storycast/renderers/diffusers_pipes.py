"""Loading and running diffusers pipelines: shared by the diffusers renderer and the inpaint editor.

Everything heavy (torch, diffusers) is imported inside the functions, so importing this module is
cheap. Weights load from a local folder only (`local_files_only=True`, safetensors only); the Hub
ids in params are resolved through `storycast.weights` first, so a missing model fails at once.
"""
from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from storycast.errors import StorycastError
from storycast.weights import how_to_get, resolve_model

KINDS = ("sd", "sdxl")
DTYPES = ("float32", "float16", "bfloat16")
SCHEDULERS = {
    "default": None,                       # whatever the checkpoint ships with
    "ddim": "DDIMScheduler",
    "euler": "EulerDiscreteScheduler",
    "euler_a": "EulerAncestralDiscreteScheduler",
    "dpmpp_2m": "DPMSolverMultistepScheduler",
    "unipc": "UniPCMultistepScheduler",
}
MULTIPLE = 8  # diffusers pipelines need sides divisible by the VAE's scale factor


class BackendError(StorycastError):
    """A diffusers backend is misconfigured or cannot load its models."""


@dataclass(frozen=True)
class Runtime:
    """Where and how a pipeline runs (validated once, in the stage's main process)."""

    device: str
    dtype: str
    compile: bool
    trust_remote_code: bool
    variant: str
    cpu_threads: int = 0     # torch threads on the cpu (0 = torch's default: every core)

    def torch_dtype(self):
        import torch

        return getattr(torch, self.dtype)


def check_choice(key: str, value, choices) -> None:
    if value not in choices:
        raise BackendError(f"{key}={value!r} is not one of {', '.join(choices)}")


def check_range(key: str, value, low: float, high: float, integer: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if integer:
        ok = ok and float(value).is_integer()
    if not ok or not low <= value <= high:
        kind = "an integer" if integer else "a number"
        raise BackendError(f"{key}={value!r} must be {kind} in [{low}, {high}]")


def make_runtime(prefix: str, device: str, dtype: str, compile: bool, trust_remote_code: bool,
                 variant: str, cpu_threads: int = 0) -> Runtime:
    """Check device and dtype against this machine now, not after the workers started."""
    import torch

    check_choice(f"{prefix}.dtype", dtype, DTYPES)
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise BackendError(f"{prefix}.device={device!r} but no CUDA device is visible; run on a GPU "
                           f"machine or set {prefix}.device: cpu (slow)")
    if device == "mps" and not torch.backends.mps.is_available():
        raise BackendError(f"{prefix}.device='mps' but MPS is not available on this machine")
    if not (device in ("cpu", "mps") or device.startswith("cuda")):
        raise BackendError(f"{prefix}.device={device!r}: expected cpu, cuda, cuda:N or mps")
    if device == "cpu" and dtype == "float16":
        raise BackendError(f"{prefix}.dtype=float16 needs a GPU; use float32 (or bfloat16) on the cpu")
    check_range(f"{prefix}.cpu_threads", cpu_threads, 0, 1024, integer=True)
    return Runtime(device, dtype, bool(compile), bool(trust_remote_code), variant or "", int(cpu_threads))


def quiet() -> None:
    """No progress bars or per-call info chatter from the libraries in a batch job."""
    from diffusers.utils import logging as dlog
    from transformers.utils import logging as tlog

    dlog.disable_progress_bar()
    dlog.set_verbosity_error()
    tlog.disable_progress_bar()
    tlog.set_verbosity_error()


def _load(what: str, key: str, ref: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except (OSError, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise BackendError(f"{key}: could not load the {what} from {ref!r} ({first}); the download may be "
                           f"incomplete or lack .safetensors weights -- {how_to_get(ref)}") from None


def _common(rt: Runtime) -> dict:
    kw = {"dtype": rt.torch_dtype(), "local_files_only": True, "use_safetensors": True}
    if rt.variant:
        kw["variant"] = rt.variant
    return kw


def load_controlnet_pipeline(kind: str, model: str, controlnet: str, rt: Runtime, *, prefix: str,
                             model_ref: str, controlnet_ref: str):
    """A text-to-image + ControlNet pipeline from local folders (see `storycast.weights`)."""
    import diffusers

    quiet()
    cn_kw = {k: v for k, v in _common(rt).items() if k != "variant"}
    cnet = _load("ControlNet", f"{prefix}.controlnet", controlnet_ref,
                 diffusers.ControlNetModel.from_pretrained, controlnet, **cn_kw)
    cls = (diffusers.StableDiffusionControlNetPipeline if kind == "sd"
           else diffusers.StableDiffusionXLControlNetPipeline)
    extra = {"safety_checker": None, "requires_safety_checker": False} if kind == "sd" else {}
    pipe = _load("pipeline", f"{prefix}.model", model_ref, cls.from_pretrained, model, controlnet=cnet,
                 trust_remote_code=rt.trust_remote_code, **_common(rt), **extra)
    return finish_pipeline(pipe, rt)


def load_inpaint_pipeline(kind: str, model: str, rt: Runtime, *, prefix: str, model_ref: str):
    import diffusers

    quiet()
    cls = (diffusers.StableDiffusionInpaintPipeline if kind == "sd"
           else diffusers.StableDiffusionXLInpaintPipeline)
    extra = {"safety_checker": None, "requires_safety_checker": False} if kind == "sd" else {}
    pipe = _load("inpainting pipeline", f"{prefix}.model", model_ref, cls.from_pretrained, model,
                 trust_remote_code=rt.trust_remote_code, **_common(rt), **extra)
    return finish_pipeline(pipe, rt)


def finish_pipeline(pipe, rt: Runtime):
    import torch

    if rt.device == "cpu" and rt.cpu_threads:
        # Pool workers each using every core oversubscribe the cpu (tens of times slower).
        torch.set_num_threads(rt.cpu_threads)
    pipe = pipe.to(rt.device)
    pipe.set_progress_bar_config(disable=True)
    if rt.compile:
        pipe.unet = torch.compile(pipe.unet, mode="reduce-overhead", fullgraph=False)
        if getattr(pipe, "controlnet", None) is not None:
            pipe.controlnet = torch.compile(pipe.controlnet, mode="reduce-overhead", fullgraph=False)
    return pipe


def set_scheduler(pipe, name: str) -> None:
    cls = SCHEDULERS[name]
    if cls is not None:
        import diffusers

        pipe.scheduler = getattr(diffusers, cls).from_config(pipe.scheduler.config)


def load_ip_adapter(pipe, ref: str, revision: str, subfolder: str, weight: str, image_encoder: str, *,
                    prefix: str) -> None:
    """IP-Adapter weights (+ its CLIP image encoder) from a local folder or the HF cache."""
    folder = resolve_model(ref, revision, key=f"{prefix}.ip_adapter")
    _load("IP-Adapter", f"{prefix}.ip_adapter", ref, pipe.load_ip_adapter, folder, subfolder=subfolder,
          weight_name=weight, image_encoder_folder=image_encoder or None, local_files_only=True)


def generators(seeds: list[int]):
    """One CPU generator per image: the same seed gives the same latents on every device."""
    import torch

    return [torch.Generator("cpu").manual_seed(int(s) % 2**63) for s in seeds]


def generation_size(width: int, height: int) -> tuple[int, int]:
    """The smallest pipeline-legal size holding width x height (sides rounded up to MULTIPLE)."""
    up = lambda v: -(-int(v) // MULTIPLE) * MULTIPLE  # noqa: E731
    return up(width), up(height)


def to_size(image: Image.Image, width: int, height: int) -> Image.Image:
    image = image.convert("RGB")
    return image if image.size == (width, height) else image.resize((width, height), Image.LANCZOS)
