"""The diffusers renderer and inpaint editor on tiny in-process models (real pipeline classes, CPU)."""
from __future__ import annotations

import inspect
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from storycast.characters import sample_characters
from storycast.controls import layout_frame
from storycast.planners.base import StoryRequest
from storycast.planners.template import TemplatePlanner
from storycast.posemap import draw_pose_map
from storycast.prompts import template_prompt
from storycast.render import frame_requests
from storycast.renderers.base import FrameRequest
from storycast.seeding import rng_for
from storycast.stories import Casting, story_rows
from storycast.weights import ModelNotFound

pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")

REPO = Path(__file__).resolve().parents[1]
CONTROL_PARAMS = {"pose_jitter_deg": 6.0, "position_jitter": 0.04, "back_facing_rate": 0.08}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    import tiny_models

    root = tmp_path_factory.mktemp("tiny-diffusers")
    return {"sd": str(tiny_models.build_sd(root / "sd")),
            "controlnet": str(tiny_models.build_controlnet(root / "controlnet")),
            "inpaint": str(tiny_models.build_inpaint(root / "inpaint")),
            "ip_adapter": str(tiny_models.build_ip_adapter(root / "ip"))}


@pytest.fixture(scope="module")
def cast():
    return sample_characters(4, 3, 3)


def requests_for(cast, width: int, height: int) -> list[FrameRequest]:
    """Real frame requests: a planned story laid out by the controls stage's own code."""
    request = StoryRequest("s000001", tuple(cast[:2]), 5, cast[0]["art_style"], 99)
    story = TemplatePlanner().plan(request)
    _, frames = story_rows(story, Casting("s000001", request.cast, 5, 99), "template")
    heights = {c["character_id"]: c["height"] for c in cast}
    params = {"width": width, "height": height, **CONTROL_PARAMS}
    controls = [row for f in frames
                for row in layout_frame(f, heights, lambda *p: rng_for(5, "controls", *p), params)]
    chars = {c["character_id"]: c for c in cast}
    return [r for _, r in frame_requests(frames, controls, chars, 5, (width, height))]


def renderer(tiny, **kw):
    from storycast.renderers.diffusers_backend import DiffusersRenderer

    opts = dict(model=tiny["sd"], controlnet=tiny["controlnet"], pipeline="sd", dtype="float32", device="cpu",
                steps=2, guidance=5.0, scheduler="ddim", negative_prompt="blurry", cpu_threads=1)
    return DiffusersRenderer(**{**opts, **kw})


class Spy:
    """Wraps a pipeline: records every call's keyword arguments, then runs the real pipeline."""

    def __init__(self, pipe):
        self.pipe, self.calls = pipe, []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        return self.pipe(**kwargs)

    def __getattr__(self, name):
        return getattr(self.pipe, name)


def assert_prompts(call: dict, pipe, texts: list[str], negative: str = "blurry") -> None:
    """The call's embeddings are those of `texts` (and `negative`), encoded whole (long_prompts)."""
    import torch

    from storycast.renderers.long_prompts import prompt_kwargs

    want = prompt_kwargs(pipe, texts, negative)
    assert "prompt" not in call and set(want) <= set(call)
    for key, value in want.items():
        assert torch.equal(call[key], value), key


def expected_pose_map(request: FrameRequest) -> Image.Image:
    chars = sorted(request.characters, key=lambda c: -c.depth)
    return draw_pose_map(request.width, request.height, [(c.keypoints, c.visibility) for c in chars])


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def test_frame_is_rendered_from_its_pose_map_deterministically(tiny, cast):
    requests = requests_for(cast, 96, 64)
    request = next(r for r in requests if len(r.characters) == 2)
    first = renderer(tiny)
    first.pipe = spy = Spy(first.pipe)
    image = first.render_frame(request)
    assert image.size == (96, 64) and image.mode == "RGB"
    (call,) = spy.calls
    (control,) = call["image"]
    assert np.array_equal(pixels(control), pixels(expected_pose_map(request)))
    assert pixels(control).any()                                   # the skeletons are drawn
    assert_prompts(call, first.pipe, [request.prompt])
    assert (call["width"], call["height"], call["num_inference_steps"]) == (96, 64, 2)
    again = renderer(tiny).render_frame(request)                   # a fresh load, same bytes
    assert np.array_equal(pixels(image), pixels(again))
    other = FrameRequest(**{**request.__dict__, "seed": request.seed + 1})
    assert not np.array_equal(pixels(first.render_frame(other)), pixels(image))


def test_batches_keep_order_and_seeds(tiny, cast):
    from storycast.renderers.long_prompts import prompt_windows

    short = [FrameRequest(**{**r.__dict__, "prompt": f"frame {i} of a story"})   # one window each
             for i, r in enumerate(requests_for(cast, 64, 64)[:4])]
    batched = renderer(tiny, batch_size=3)
    batched.pipe = spy = Spy(batched.pipe)
    batched.render_frames(short)
    assert [len(c["prompt_embeds"]) for c in spy.calls] == [3, 1]
    assert_prompts(spy.calls[0], batched.pipe, [r.prompt for r in short[:3]])
    # Long prompts are batched only with prompts of as many windows: no frame is padded for another.
    requests = requests_for(cast, 64, 64)
    spy.calls.clear()
    images = batched.render_frames(requests)
    counts = [prompt_windows(batched.pipe, r.prompt, "blurry") for r in requests]
    assert sum(len(c["prompt_embeds"]) for c in spy.calls) == len(requests) and len(set(counts)) > 1
    assert {c["prompt_embeds"].shape[1] for c in spy.calls} == {77 * n for n in counts}
    singles = renderer(tiny, batch_size=1).render_frames(requests)
    for a, b in zip(images, singles):
        assert np.abs(pixels(a) - pixels(b)).max() <= 2
    assert not np.array_equal(pixels(images[0]), pixels(images[1]))


def test_odd_sizes_come_back_exact(tiny, cast):
    request = requests_for(cast, 100, 68)[0]
    r = renderer(tiny)
    r.pipe = spy = Spy(r.pipe)
    assert r.render_frame(request).size == (100, 68)
    assert (spy.calls[0]["width"], spy.calls[0]["height"]) == (104, 72)   # the pipeline's multiple of 8


def test_template_uses_a_standing_pose_and_the_template_prompt(tiny, cast):
    from storycast.renderers.diffusers_backend import standing_pose_map

    r = renderer(tiny)
    r.pipe = spy = Spy(r.pipe)
    image = r.render_template(cast[0], 64, seed=7)
    assert image.size == (64, 64)
    call = spy.calls[0]
    assert_prompts(call, r.pipe, [template_prompt(cast[0])])
    assert np.array_equal(pixels(call["image"][0]), pixels(standing_pose_map(64)))
    assert np.array_equal(pixels(image), pixels(renderer(tiny).render_template(cast[0], 64, seed=7)))


def test_ip_adapter_gets_each_template_under_its_own_mask(tiny, cast):
    request = next(r for r in requests_for(cast, 64, 64) if len(r.characters) == 2)
    refs = {c["character_id"]: Image.new("RGB", (64, 64), colour)
            for c, colour in zip(cast, [(200, 30, 30), (30, 30, 200), (30, 200, 30), (0, 0, 0)])}
    r = renderer(tiny, batch_size=4, ip_adapter=tiny["ip_adapter"], ip_adapter_subfolder="models",
                 ip_adapter_weight="ip-adapter_tiny.safetensors", ip_adapter_scale=0.8)
    r.pipe = spy = Spy(r.pipe)
    image = r.render_frames([request, request], references=refs)[0]
    assert image.size == (64, 64) and len(spy.calls) == 2          # IP-Adapter frames go one at a time
    call = spy.calls[0]
    ids = [c.character["character_id"] for c in request.characters]
    assert call["ip_adapter_image"] == [[refs[i] for i in ids]]
    (masks,) = call["cross_attention_kwargs"]["ip_adapter_masks"]
    assert tuple(masks.shape) == (1, 2, 64, 64)
    m = masks.numpy() > 0.5
    assert m[0, 0].any() and m[0, 1].any() and not (m[0, 0] & m[0, 1]).any()
    for k, c in enumerate(request.characters):                     # each mask sits on its character
        x0, y0, x1, y1 = (int(v) for v in np.clip(c.bbox, 0, 63))
        assert m[0, k, (y0 + y1) // 2, x0:x1 + 1].any()


def test_ip_adapter_without_references_draws_the_templates_itself(tiny, cast):
    from storycast.renderers.diffusers_backend import standing_pose_map

    request = next(r for r in requests_for(cast, 64, 64) if len(r.characters) == 2)
    r = renderer(tiny, ip_adapter=tiny["ip_adapter"], ip_adapter_subfolder="models",
                 ip_adapter_weight="ip-adapter_tiny.safetensors")
    r.pipe = spy = Spy(r.pipe)
    r.render_frame(request)
    r.render_frame(request)                                        # templates are drawn once
    assert [len(c.get("cross_attention_kwargs", {})) for c in spy.calls] == [0, 0, 1, 1]
    for k, c in enumerate(request.characters):
        template = spy.calls[k]
        assert_prompts(template, r.pipe, [template_prompt(c.character)])
        assert np.array_equal(pixels(template["image"][0]), pixels(standing_pose_map(64)))
        assert template["ip_adapter_image"] == [[Image.new("RGB", (64, 64), (128, 128, 128))]]
        assert spy.calls[2]["ip_adapter_image"][0][k].size == (64, 64)


def test_inpaint_changes_only_the_box(tiny):
    from storycast.editors.inpaint import DiffusersInpaintEditor

    rng = np.random.default_rng(0)
    original = Image.fromarray(rng.integers(0, 256, (70, 90, 3), dtype=np.uint8), "RGB")
    editor = DiffusersInpaintEditor(model=tiny["inpaint"], pipeline="sd", dtype="float32", device="cpu",
                                    steps=2, cpu_threads=1)
    edited = editor.edit(original, (20, 10, 55, 48), "a smiling face", seed=3)
    a, b = np.asarray(original), np.asarray(edited)
    assert edited.size == original.size
    inside = np.zeros(a.shape[:2], bool)
    inside[10:48, 20:55] = True
    assert np.array_equal(a[~inside], b[~inside])                   # byte-exact outside the box
    assert (a[inside] != b[inside]).mean() > 0.5
    assert np.array_equal(b, np.asarray(editor.edit(original, (20, 10, 55, 48), "a smiling face", seed=3)))
    edge = np.asarray(editor.edit(original, (80, -5, 200, 12), "x", seed=1))  # clipped to the image
    assert np.array_equal(edge[12:], a[12:]) and np.array_equal(edge[:, :80], a[:, :80])
    with pytest.raises(ValueError, match="no area"):
        editor.edit(original, (95, 5, 120, 20), "x", seed=1)


def test_long_prompts_are_encoded_whole_not_cut_at_77_tokens(tiny, cast):
    import torch

    from storycast.renderers.long_prompts import prompt_kwargs

    r = renderer(tiny)
    pipe = r.pipe
    ours = prompt_kwargs(pipe, ["a red fox"], "blurry")             # one window: the pipeline's own encoding
    theirs, negative = pipe.encode_prompt("a red fox", torch.device("cpu"), 1, True, "blurry")
    assert torch.equal(ours["prompt_embeds"], theirs) and torch.equal(ours["negative_prompt_embeds"], negative)
    request = requests_for(cast, 64, 64)[0]
    tokens = len(pipe.tokenizer(request.prompt, add_special_tokens=False, verbose=False).input_ids)
    assert tokens > 2 * 75                                           # the tiny tokenizer: a token per character
    whole = prompt_kwargs(pipe, [request.prompt], "blurry")
    windows = -(-tokens // 75)
    assert whole["prompt_embeds"].shape[1] == whole["negative_prompt_embeds"].shape[1] == 77 * windows
    # Only the style block, far past token 77, differs: an encoder that cuts at 77 would draw the same image.
    restyled = FrameRequest(**{**request.__dict__, "prompt": request.prompt.rsplit("||", 1)[0] + "|| watercolour"})
    assert not np.array_equal(pixels(r.render_frame(request)), pixels(r.render_frame(restyled)))


@pytest.fixture(scope="module")
def tiny_xl(tmp_path_factory):
    import tiny_models

    root = tmp_path_factory.mktemp("tiny-sdxl")
    return {"model": str(tiny_models.build_sdxl(root / "sdxl")),
            "controlnet": str(tiny_models.build_sdxl_controlnet(root / "controlnet")),
            "inpaint": str(tiny_models.build_sdxl_inpaint(root / "inpaint"))}


def test_sdxl_renders_frames_with_whole_prompts_and_inpaints_only_the_box(tiny_xl, cast):
    import torch

    from storycast.editors.inpaint import DiffusersInpaintEditor
    from storycast.renderers.diffusers_backend import DiffusersRenderer
    from storycast.renderers.long_prompts import prompt_kwargs

    def xl():
        return DiffusersRenderer(model=tiny_xl["model"], controlnet=tiny_xl["controlnet"], pipeline="sdxl",
                                 dtype="float32", device="cpu", steps=2, guidance=5.0, scheduler="euler",
                                 negative_prompt="", cpu_threads=1)

    r = xl()
    assert type(r.pipe).__name__ == "StableDiffusionXLControlNetPipeline"
    ours = prompt_kwargs(r.pipe, ["a red fox"], "")                 # both encoders, pooled, zeros for ""
    theirs = r.pipe.encode_prompt("a red fox", device=torch.device("cpu"), num_images_per_prompt=1,
                                  do_classifier_free_guidance=True)
    keys = ("prompt_embeds", "negative_prompt_embeds", "pooled_prompt_embeds", "negative_pooled_prompt_embeds")
    for key, value in zip(keys, theirs):
        assert torch.equal(ours[key], value), key
    request = next(q for q in requests_for(cast, 64, 64) if len(q.characters) == 2)
    r.pipe = spy = Spy(r.pipe)
    image = r.render_frame(request)
    assert image.size == (64, 64) and spy.calls[0]["prompt_embeds"].shape[1] > 77
    assert np.array_equal(pixels(image), pixels(xl().render_frame(request)))
    editor = DiffusersInpaintEditor(model=tiny_xl["inpaint"], pipeline="sdxl", dtype="float32", device="cpu",
                                    steps=2, cpu_threads=1)
    edited = pixels(editor.edit(image, (8, 8, 40, 48), request.prompt, seed=3))
    before = pixels(image)
    outside = np.ones(before.shape[:2], bool)
    outside[8:48, 8:40] = False
    assert np.array_equal(edited[outside], before[outside]) and not np.array_equal(edited, before)


def test_missing_models_fail_at_once_with_how_to_get_them(tiny, tmp_path, monkeypatch):
    from storycast.editors.inpaint import DiffusersInpaintEditor

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(ModelNotFound) as info:
        renderer(tiny, model="stabilityai/stable-diffusion-xl-base-1.0", revision="v1.0")
    msg = str(info.value)
    assert "renderer.diffusers.model" in msg and "not in the local Hugging Face cache" in msg
    assert "hf download stabilityai/stable-diffusion-xl-base-1.0 --revision v1.0" in msg
    with pytest.raises(ModelNotFound, match="renderer.diffusers.controlnet: model folder .* does not exist"):
        renderer(tiny, controlnet=str(tmp_path / "missing-controlnet"))
    with pytest.raises(ModelNotFound, match="renderer.diffusers.ip_adapter"):
        renderer(tiny, ip_adapter="h94/IP-Adapter", ip_adapter_weight="x.safetensors")
    with pytest.raises(ModelNotFound, match="editor.inpaint.model"):
        DiffusersInpaintEditor(model="someone/inpaint-model", dtype="float32", device="cpu")
    assert time.monotonic() - start < 5


def test_a_folder_without_safetensors_is_refused(tiny, tmp_path):
    from storycast.renderers.diffusers_pipes import BackendError

    empty = tmp_path / "empty-controlnet"
    empty.mkdir()
    (empty / "config.json").write_text((Path(tiny["controlnet"]) / "config.json").read_text())
    with pytest.raises(BackendError, match="renderer.diffusers.controlnet: could not load"):
        _ = renderer(tiny, controlnet=str(empty)).pipe


@pytest.mark.parametrize("knobs, needle", [
    ({"dtype": "float16"}, "float16 needs a GPU"),
    ({"scheduler": "magic"}, "renderer.diffusers.scheduler='magic'"),
    ({"steps": 0}, "renderer.diffusers.steps=0"),
    ({"batch_size": 1.5}, "renderer.diffusers.batch_size"),
    ({"pipeline": "flux"}, "renderer.diffusers.pipeline"),
    ({"device": "tpu"}, "expected cpu, cuda"),
    ({"ip_adapter": "h94/IP-Adapter"}, "ip_adapter_weight is empty"),
])
def test_bad_knobs_name_their_key(tiny, knobs, needle):
    from storycast.renderers.diffusers_pipes import BackendError

    with pytest.raises(BackendError, match=needle.replace("(", r"\(")):
        renderer(tiny, **knobs)


def _profile(name: str) -> dict:
    return yaml.safe_load((REPO / "profiles" / name).read_text())


@pytest.mark.parametrize("name", ["profiles/gpu.yaml", "profiles/tiny-models.yaml", "params.yaml"])
def test_profiles_fit_the_backend_constructors(name):
    from storycast.editors.inpaint import DiffusersInpaintEditor
    from storycast.editors.llm_tuning import OpenAIPromptTuner, TransformersPromptTuner
    from storycast.judges.vlm import OpenAIJudge, TransformersJudge
    from storycast.llm.openai_client import OpenAIChatClient
    from storycast.llm.transformers_chat import TransformersChatClient
    from storycast.renderers.diffusers_backend import DiffusersRenderer

    doc = yaml.safe_load((REPO / name).read_text())
    inspect.signature(DiffusersRenderer).bind(**doc["renderer"]["diffusers"])
    inspect.signature(DiffusersInpaintEditor).bind(**doc["editor"]["inpaint"])
    stories = doc["stories"]
    for backend, cls in (("openai", OpenAIChatClient), ("transformers", TransformersChatClient)):
        client = {k: v for k, v in stories[backend].items() if k != "max_retries"}
        inspect.signature(cls).bind(**client)
    qc_backends = {"judge_openai": OpenAIJudge, "judge_transformers": TransformersJudge,
                   "tuner_openai": OpenAIPromptTuner, "tuner_transformers": TransformersPromptTuner}
    present = [k for k in qc_backends if k in doc["qc"]]
    assert present, f"{name} configures no qc model backend"
    for key in present:           # the qc stage builds them as cls(**section) (+ thresholds for a judge)
        inspect.signature(qc_backends[key]).bind(**doc["qc"][key])


def test_tiny_models_profile_renders_end_to_end(tmp_path, cast):
    """The tiny profile, pointed at freshly built tiny models, runs the renderer it configures."""
    import tiny_models

    from storycast.renderers.diffusers_backend import DiffusersRenderer

    settings = dict(_profile("tiny-models.yaml")["renderer"]["diffusers"])
    root = tmp_path / "tiny"
    settings.update(model=str(tiny_models.build_sd(root / "sd")),
                    controlnet=str(tiny_models.build_controlnet(root / "controlnet")), ip_adapter="")
    request = requests_for(cast, 64, 64)[0]
    assert DiffusersRenderer(**settings).render_frame(request).size == (64, 64)


def test_heavy_libraries_load_only_when_a_backend_is_used():
    code = ("import sys, storycast, storycast.render, storycast.stories, storycast.llm, storycast.editors, "
            "storycast.planners.llm, storycast.llm.openai_client, storycast.renderers.diffusers_backend, "
            "storycast.editors.inpaint, storycast.llm.transformers_chat\n"
            "heavy = [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules]\n"
            "assert not heavy, heavy")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_profile_apply_rewrites_keys_and_keeps_comments(tmp_path):
    from storycast.params import ParamsError
    from storycast.profiles import apply_profile

    params = tmp_path / "params.yaml"
    params.write_text("# top comment\nseed: 1   # the seed\nrenderer:\n  backend: procedural  # embedded\n")
    profile = tmp_path / "p.yaml"
    profile.write_text("renderer:\n  backend: diffusers\n  diffusers:\n    steps: 2\n")
    changed = apply_profile(profile, params, validate=False)
    assert changed == ["renderer.backend", "renderer.diffusers.steps"]
    text = params.read_text()
    assert "# top comment" in text and "# the seed" in text and "# embedded" in text
    expected = {"seed": 1, "renderer": {"backend": "diffusers", "diffusers": {"steps": 2}}}
    assert yaml.safe_load(text) == expected
    before = params.read_text()
    profile.write_text("renderer:\n  diffusers:\n    steps: 3\n")
    with pytest.raises(ParamsError):                 # validated before anything is written
        apply_profile(profile, params)
    assert params.read_text() == before
