"""The embedded `template` planner: a seeded story grammar, no models, well under 1 ms a story.

A story picks an arc that fits its cast size (`arcs.ARCS`), stretches or compresses the arc's beats to
the frame count, lays out settings (stay, move on mid-story, or a round trip) and light (day -> dusk ->
night, night for a rest and morning after it), then writes each frame: who is in it and in which
mood (`moods`), the shot and angle that suit the beat, each character's action, pose and expression,
a scene description (`scenes`) and a narration with a little dialogue (`lines`, `arc_lines*`).
Everything random comes from ``numpy.random.default_rng(request.seed)``.
"""
from __future__ import annotations

import re

import numpy as np

from storycast.planners import arc_lines, arc_lines2, lines
from storycast.planners.arcs import ARCS, COMPOSITION
from storycast.planners.base import CLOSE_UP_MAX_CHARACTERS, PlanError, StoryRequest
from storycast.planners.grammar import (
    Dice,
    cumulative,
    expand,
    join_names,
    made_up_name,
    needs_group,
    sentence_case,
    split_by_group,
    strip_article,
    title_case,
)
from storycast.planners.layout import beat_sequence, lighting_plan, setting_plan
from storycast.planners.moods import ACTIONS, BEAT_MOOD, REACTIONS, SPEECH, TONE
from storycast.planners.scenery import DAYPART, LIGHT, NAMED, SCENERY, WHEN
from storycast.planners.scenes import describe, outfit, scene_text

FRAME_RANGE = (4, 12)
DIALOGUE_RATE = 0.55
REACTION_RATE = 0.6      # of the narrations without dialogue
_NAME_SLOTS = ("{R1}", "{R2}", "{pal}")
_TO_VERBS = frozenset({"says", "whispers", "calls", "murmurs", "shouts", "explains", "suggests", "mutters",
                       "grumbles", "snaps", "says gently", "says quietly", "says softly"})
_FALLBACK = "{A} stands in {place}, wondering what will happen next."
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
# Beats whose lines must be about this arc's own events: arc-neutral lines are not mixed in.
_OWN_BEATS = frozenset({"inciting_incident", "argument", "climax", "resolution"})


def _title_item(text: str) -> str:
    """'a lucky blue marble' -> 'the Lucky Blue Marble'; 'Grandma Pim's hat' -> 'Grandma Pim's Hat'."""
    bare = strip_article(text)
    return ("the " if bare != text else "") + title_case(bare)


def _pool(arc: str, beat: str, arc_table: dict, generic: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    own = arc_table.get(arc, {}).get(beat, ())
    if own and (own[0] == "ONLY" or beat in _OWN_BEATS):
        return split_by_group(own[1:] if own[0] == "ONLY" else own)
    return split_by_group(tuple(own) + tuple(generic.get(beat, ())))


def _tables():
    narr, talk = {}, {}
    for name, arc in ARCS.items():
        source = arc_lines if name in arc_lines.NARRATION else arc_lines2
        for beat in sorted({b for b, _, _ in arc.beats} | set(arc.fill)):
            narr[name, beat] = _pool(name, beat, source.NARRATION, lines.NARRATION)
            talk[name, beat] = _pool(name, beat, source.TALK, lines.TALK)
            if not narr[name, beat][0]:   # only used if roles ever leave one character in the frame
                narr[name, beat] = ((_FALLBACK,), narr[name, beat][1])
    return narr, talk


NARRATION, TALK = _tables()
ACTION_POOLS = {m: (tuple(a for a in rows if "{other}" not in a[0]), rows) for m, rows in ACTIONS.items()}
# The same without actions that show the story's item (for arcs where it is lost until the climax).
NO_ITEM_POOLS = {m: tuple(tuple(a for a in p if "{item_s}" not in a[0]) or p for p in pools)
                 for m, pools in ACTION_POOLS.items()}
SHOTS = {b: (cumulative(s), cumulative(a)) for b, (s, a) in COMPOSITION.items()}


class TemplatePlanner:
    """Offline story planner: `plan(request)` returns a story dict (see `planners.base`)."""

    name = "template"
    frame_range = FRAME_RANGE

    def plan(self, request: StoryRequest) -> dict:
        lo, hi = FRAME_RANGE
        if not lo <= request.n_frames <= hi:
            raise PlanError("n_frames", f"the template planner writes {lo}..{hi} frames, "
                                        f"got {request.n_frames}")
        if not request.cast:
            raise PlanError("cast", "a story needs at least one character")
        return _Story(request).build()


class _Story:
    def __init__(self, request: StoryRequest):
        self.req = request
        self.d = Dice(np.random.default_rng(request.seed))
        self.cast = [dict(c, name=c.get("name") or c["character_id"]) for c in request.cast]
        self.used: set[str] = set()
        self.introduced: set[str] = set()
        self.hide_item = False

    # ------------------------------------------------------------------ the story
    def _places(self, primary: str, second: str) -> dict[str, tuple[str, str]]:
        """(proper name, plain name) per setting: ('Mossbury Forest', 'the woods')."""
        d = self.d
        return {s: (d.pick(NAMED[s]).replace("{N}", made_up_name(d)), d.pick(SCENERY[s]["place"]))
                for s in dict.fromkeys((primary, second))}

    def build(self) -> dict:
        d, req, cast = self.d, self.req, self.cast
        n = req.n_frames
        arc = ARCS[d.pick([a for a in ARCS if ARCS[a].min_cast <= len(cast)])]
        primary = d.pick(arc.settings)
        beats = beat_sequence(arc, n, d)
        where, second, marks = setting_plan(arc, n, primary, d)
        light = lighting_plan(arc, [b for b, _ in beats], d)
        places = self._places(primary, second)
        place2 = places[second][0] if second != primary else f"the far end of {places[primary][1]}"
        hazard = d.pick(SCENERY[primary]["hazard"])
        self.traits = {c["character_id"]: d.pick(lines.TRAITS) for c in cast}
        ctx = {"R1": cast[0]["name"], "R2": cast[1]["name"] if len(cast) > 1 else "a friend",
               "place1": places[primary][0], "place2": place2, "home": place2, "hazard": hazard[0],
               "hazard_s": hazard[1], "shelter": d.pick(SCENERY[primary]["shelter"]), "clue": lines.CLUES,
               "elder": f"{d.pick(lines.ELDERS)} {made_up_name(d)}", "far": made_up_name(d),
               "moral": d.pick(lines.MORALS),
               **self._setting_ctx(primary)}
        for key, options in arc.lex.items():
            value = d.pick(options)
            if isinstance(value, tuple):
                ctx[key], ctx[key + "_s"] = expand(value[0], ctx, d, False), expand(value[1], ctx, d, False)
            else:
                ctx[key] = expand(value, ctx, d, False)

        frames = []
        for i, (beat, roles) in enumerate(beats):
            setting = where[i]
            named, plain = places[setting]
            fctx = dict(ctx, place=(named, named, plain), **self._setting_ctx(setting),
                        when=WHEN[light[i]], daypart=DAYPART[light[i]], light=LIGHT[setting][light[i]])
            if arc.switch == "late":
                marks.pop(i, None)   # coming home is what the last beat itself is about
            before_climax = not any(b == "climax" for b, _ in beats[:i + 1])
            self.hide_item = ((arc.item_hidden and before_climax)
                              or (beat == "resolution" and not arc.item_prize))
            frames.append(self._frame(i, arc, beat, roles, setting, light[i], fctx, marks.get(i)))
        self._cover_cast(frames, ctx)

        proper = strip_article(ctx["item_s"])[:1].isupper()
        title_ctx = dict(ctx, ItemT=_title_item(ctx["item_s"] if proper else ctx["item"]),
                         ItemN=title_case(strip_article(ctx["item_s"])),
                         PlaceT=title_case(places[primary][0]),
                         Place2T=title_case(places[second][0]),
                         EventT=_title_item(ctx.get("event", "the fair")),
                         EventN=title_case(strip_article(ctx.get("event_s", "fair"))),
                         HazT="the " + title_case(strip_article(hazard[1])))
        title = expand(d.pick(arc.titles), title_ctx, d, False)
        syn_ctx = dict(ctx, cast=join_names([describe(c) for c in cast]))
        synopsis = sentence_case(expand(d.pick(arc.synopses), syn_ctx, d, len(cast) > 1))
        return {"story_id": req.story_id, "title": title[:1].upper() + title[1:], "genre": arc.genre,
                "arc": arc.name, "synopsis": synopsis, "setting": primary,
                "cast": [c["character_id"] for c in cast], "frames": frames}

    @staticmethod
    def _setting_ctx(setting: str) -> dict:
        s = SCENERY[setting]
        out = {k: s[k] for k in ("seat", "cover", "climb", "obstacle", "heavy", "detail", "looks")}
        out["prop"] = s["props"]
        return out

    def _present(self, beat: str, roles: dict, mood: str) -> list[tuple[dict, str, bool]]:
        """(spec, mood, forced) for each character in the frame, in cast order."""
        d, out = self.d, []
        for i, ch in enumerate(self.cast):
            spec = roles.get("A" if i == 0 else "B" if i == 1 else "o")
            if spec == "-":
                continue
            forced = spec is not None and spec.endswith("!")
            own = (spec or "").rstrip("!") or mood
            if i == 0:
                p = 1.0 if beat in ("setup", "climax", "resolution") else 0.9
            else:
                p = 1.0 if beat == "resolution" else 0.8 if beat == "setup" else 0.6
            if forced or d.chance(p):
                out.append((ch, own, forced))
        if not out:
            i = next(i for i in range(len(self.cast))
                     if roles.get("A" if i == 0 else "B" if i == 1 else "o") != "-")
            out.append((self.cast[i], mood, False))
        return out

    def _frame(self, i, arc, beat, roles, setting, light, ctx, mark) -> dict:
        d = self.d
        mood = roles.get("*") or arc.moods.get(beat) or BEAT_MOOD[beat]
        present = self._present(beat, roles, mood)
        shot_table, angle_table = SHOTS[beat]
        shot = d.weighted(shot_table)
        if shot == "close_up" and len(present) > 1:
            forced = [p for p in present if p[2]]
            if len(forced) > CLOSE_UP_MAX_CHARACTERS:
                shot = "medium_close"
            else:
                keep = 2 if (len(forced) == 2 or d.chance(0.35)) else 1
                extra = [p for p in present if not p[2]][:max(0, keep - len(forced))]
                present = [p for p in present if p[2] or any(p is e for e in extra)]
        chars = self._act(present, ctx)
        who = [p[0]["name"] for p in present]
        movers = [p[0]["name"] for p in present if not (p[2] and p[1] != mood)] or who
        a, b = present[0][0], present[-1][0] if len(present) == 1 else present[1][0]
        ctx = dict(ctx, A=self._called(a), B=self._called(b), grp=join_names(who), Ad=describe(a),
                   outfit=outfit(a, d), pal=ctx["R2"] if who[0] == ctx["R1"] else ctx["R1"])
        return {"index": i, "beat": beat, "setting": setting, "lighting": light, "shot_type": shot,
                "camera_angle": d.weighted(angle_table),
                "scene": scene_text(shot, present, chars, ctx, d, self.introduced),
                "narration": self._narration(arc.name, beat, mood, who, dict(ctx, movers=join_names(movers)),
                                             (mark, len(movers) > 1) if mark else None),
                "characters": chars}

    def _called(self, spec: dict) -> tuple[str, ...]:
        """How the narration calls a character: mostly the name, sometimes 'curious Kalo'."""
        name = spec["name"]
        return name, name, f"{self.traits[spec['character_id']]} {name}"

    def _act(self, present, ctx) -> list[dict]:
        d, out, taken = self.d, [], set()
        names = [p[0]["name"] for p in present]
        pools = NO_ITEM_POOLS if self.hide_item else ACTION_POOLS
        for j, (ch, mood, _) in enumerate(present):
            solo, group = pools[mood]
            pool = group if len(present) > 1 else solo
            for _ in range(4):
                phrase, pose, exprs = d.pick(pool)
                if phrase not in taken:
                    break
            taken.add(phrase)
            other = names[j + 1] if j + 1 < len(names) else names[j - 1] if j else names[0]
            action = expand(phrase, dict(ctx, other=other), d, False)
            out.append({"character_id": ch["character_id"], "action": action, "pose": pose,
                        "expression": d.pick(exprs)})
        return out

    def _pick_line(self, pool: tuple[str, ...], short: bool) -> str:
        """A line not used yet in this story if possible (and, if `short`, one sentence long)."""
        for _ in range(6):
            tpl = self.d.pick(pool)
            if tpl not in self.used and not (short and len(_SENTENCE_END.findall(tpl)) > 1):
                break
        self.used.add(tpl)
        return tpl

    def _narration(self, arc: str, beat: str, mood: str, who: list[str], ctx: dict, mark) -> str:
        """One or two sentences: the beat's line, then maybe an arrival, a line of dialogue or a
        short reaction."""
        d, plural = self.d, len(who) > 1
        line = self._pick_line(NARRATION[arc, beat][plural], short=bool(mark))
        main = sentence_case(expand(line, ctx, d, plural))
        if '"' in main or len(_SENTENCE_END.findall(main)) > 1:
            return main
        if mark:
            kind, many = mark
            lead_in = expand(d.pick(lines.ARRIVE if kind == "arrive" else lines.RETURN), ctx, d, many)
            return f"{sentence_case(lead_in)} {main}"
        if not d.chance(DIALOGUE_RATE):
            if not d.chance(REACTION_RATE):
                return main
            react = expand(d.pick(REACTIONS[TONE[mood]]), dict(ctx, S=d.pick((ctx["A"], ctx["B"]))), d, False)
            return f"{main} {sentence_case(react)}"
        pool = [t for t in TALK[arc, beat][plural] if plural or not needs_group(t)]
        if not pool:
            return main
        line = d.pick(pool)
        speakers = [w for w in who if not any(s in line and ctx[s[1:-1]] == w for s in _NAME_SLOTS)]
        if not speakers:
            return main
        speaker = d.pick(speakers)
        listeners = [w for w in who if w != speaker] or who
        said = expand(line, dict(ctx, X=d.pick(listeners)), d, plural)
        verb = d.pick(SPEECH.get(mood, SPEECH["calm"]))
        form = d.index(3)
        if plural and verb in _TO_VERBS and d.chance(0.3):
            return f'{main} {speaker} {verb} to {d.pick(listeners)}, "{said}"'
        if form == 0:
            quote = said[:-1] + "," if said.endswith(".") else said
            return f'{main} "{quote}" {speaker} {verb}.'
        if form == 1 or " " in verb or said.endswith("."):
            return f'{main} {speaker} {verb}, "{said}"'
        return f'{main} "{said}" {verb} {speaker}.'

    def _cover_cast(self, frames: list[dict], ctx: dict) -> None:
        """Every cast member appears somewhere: anyone missing joins the last frame, celebrating.
        (The arcs put everyone in the resolution, so this is a safety net.)"""
        seen = {c["character_id"] for f in frames for c in f["characters"]}
        last = frames[-1]
        for spec in self.cast:
            if spec["character_id"] not in seen and last["shot_type"] != "close_up":
                phrase, pose, exprs = self.d.pick(ACTION_POOLS["joy"][0])
                action = expand(phrase, ctx, self.d, False)
                last["characters"].append({"character_id": spec["character_id"], "action": action,
                                           "pose": pose, "expression": self.d.pick(exprs)})
                last["scene"] = f"{last['scene'][:-1]}, and {spec['name']} {action}."
