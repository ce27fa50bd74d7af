"""Moods: what a character can be doing in a beat, as (action phrase, pose class, expression classes).

Every action is a short third-person verb phrase ("peers behind a thick bush") tied to the pose a
renderer should draw and the expressions that fit it, so the text, the pose map and the face agree.
An action using ``{other}`` needs a second character in the frame. Each beat has a default mood
(`BEAT_MOOD`); arcs may override it per beat and per role.
"""
from __future__ import annotations

from storycast import vocab

_RAW: dict[str, tuple[str, ...]] = {
    "calm": (
        "strolls along, humming|walking|happy neutral", "waves hello|waving|happy laughing",
        "sits on {seat}|sitting|happy neutral sleepy", "leans against {cover}|leaning|neutral happy sleepy",
        "carries a basket of snacks|carrying|happy neutral",
        "holds a warm cup of cocoa|holding_object|happy sleepy",
        "looks around, smiling|standing|happy neutral", "yawns and stretches up high|reaching_up|sleepy",
        "twirls in a little dance|dancing|happy laughing",
        "stands with hands on hips|hands_on_hips|happy neutral",
        "laughs at a silly joke|standing|laughing", "bows politely to say good morning|bowing|happy neutral",
        "waves to {other}|waving|happy laughing", "reads a picture book|sitting|neutral happy"),
    "alarm": (
        "points in surprise|pointing|surprised scared", "jumps back in fright|jumping|surprised scared",
        "stumbles backwards|falling|surprised scared", "freezes on the spot|standing|surprised scared",
        "stares with wide eyes|standing|surprised confused", "crouches low|crouching|scared",
        "scratches a puzzled head|thinking|confused",
        "wrinkles up a nose at a funny smell|standing|disgusted",
        "grabs {other}'s arm|reaching_up|scared surprised", "throws up both hands|cheering|surprised",
        "trips over a pebble|falling|surprised"),
    "plan": (
        "thinks hard|thinking|confused determined neutral", "points the way ahead|pointing|determined",
        "crosses both arms to think|arms_crossed|determined neutral confused",
        "puts both hands on hips|hands_on_hips|determined happy", "sits down to listen|sitting|neutral happy",
        "leans in to listen|leaning|neutral confused", "nods firmly|standing|determined",
        "holds up {item_s}|holding_object|determined happy", "draws a plan in the dirt|kneeling|determined",
        "whispers an idea to {other}|leaning|happy determined"),
    "travel": (
        "walks along the path|walking|determined happy neutral", "marches ahead|walking|determined",
        "hurries forward|running|determined", "climbs over {climb}|climbing|determined",
        "carries a heavy pack|carrying|determined neutral sleepy", "skips ahead|jumping|happy laughing",
        "hops from stone to stone|jumping|happy determined", "points the way|pointing|determined happy",
        "trudges along, yawning|walking|sleepy", "holds {item_s} up high|holding_object|determined happy",
        "stops to lean on {cover}|leaning|sleepy neutral", "runs to keep up|running|happy surprised"),
    "search": (
        "crouches to look at the ground|crouching|confused determined",
        "kneels beside {seat}|kneeling|confused surprised", "points at a strange mark|pointing|surprised",
        "peers behind {cover}|leaning|confused", "taps a chin, thinking|thinking|confused",
        "picks up a tiny clue|holding_object|surprised determined",
        "reaches up to look on a high ledge|reaching_up|determined confused",
        "tiptoes along the trail|sneaking|determined confused", "sniffs the air|standing|confused disgusted",
        "holds up a crumpled note|holding_object|surprised confused",
        "gasps at the discovery|standing|surprised"),
    "hazard": (
        "slips and tumbles|falling|surprised scared", "pushes against {heavy}|pushing|determined angry",
        "clings to {climb}|climbing|scared determined", "leaps over a gap|jumping|determined scared",
        "ducks down low|crouching|scared", "steps in something sticky|standing|disgusted",
        "braces against the wind|leaning|determined scared", "reaches for a helping hand|reaching_up|scared",
        "kicks at {heavy} crossly|kicking|angry determined", "lugs a heavy bundle along|carrying|determined",
        "pulls {other} up|reaching_up|determined scared"),
    "sad": (
        "sits alone on {seat}|sitting|sad crying", "kneels and sniffles|kneeling|crying sad",
        "curls up on the ground|lying_down|sad crying", "hugs both knees|sitting|sad",
        "stares at the ground|standing|sad", "wipes away a tear|standing|crying sad",
        "crosses both arms and sulks|arms_crossed|sad angry",
        "leans against {cover} with a sigh|leaning|sad"),
    "quarrel": (
        "crosses both arms crossly|arms_crossed|angry", "plants both fists on hips|hands_on_hips|angry",
        "points an angry finger|pointing|angry", "turns away with a huff|standing|angry disgusted sad",
        "kicks a pebble|kicking|angry sad", "tosses a toy aside|throwing|angry",
        "makes a face|standing|disgusted", "stamps a foot|fighting_stance|angry"),
    "rest": (
        "curls up to sleep|lying_down|sleepy", "snores softly|lying_down|sleepy",
        "sits by the warm lantern|sitting|sleepy happy", "leans on {cover} and yawns|leaning|sleepy",
        "lies back and gazes up|lying_down|sleepy happy", "hugs a blanket|holding_object|sleepy",
        "sits and nibbles a snack|sitting|happy neutral"),
    "shelter": (
        "huddles close to {other}|hugging|scared sad", "crouches in the shelter|crouching|scared",
        "sits with knees pulled up|sitting|scared sleepy",
        "holds up the lantern|holding_object|determined scared",
        "lies down to rest|lying_down|sleepy", "peeks out at the storm|leaning|scared surprised",
        "hugs {other} tight|hugging|scared"),
    "build": (
        "tightens a bolt|holding_object|determined", "sketches a plan|thinking|confused determined",
        "carries a box of parts|carrying|determined happy", "climbs up to fix the top|climbing|determined",
        "kneels to fit a wheel|kneeling|determined confused",
        "reaches up to attach a pipe|reaching_up|determined",
        "pushes a heavy part into place|pushing|determined", "laughs at a silly mistake|standing|laughing",
        "sniffs a smelly glue pot|holding_object|disgusted",
        "tosses a spanner to {other}|throwing|happy laughing"),
    "decorate": (
        "reaches up to hang a garland|reaching_up|happy determined",
        "carries a stack of lanterns|carrying|happy",
        "climbs a ladder|climbing|determined happy", "holds up a bright banner|holding_object|happy laughing",
        "kneels to paint a sign|kneeling|determined happy", "pushes a cart of decorations|pushing|determined",
        "tosses a ribbon to {other}|throwing|laughing happy", "dances while working|dancing|happy laughing",
        "wrinkles a nose at the sticky glue|standing|disgusted"),
    "train": (
        "runs laps|running|determined", "practises high kicks|kicking|determined",
        "does jumping jacks|jumping|determined happy", "throws a ball far|throwing|determined",
        "climbs a practice wall|climbing|determined", "takes a ready stance|fighting_stance|determined",
        "stops to catch a breath|leaning|sleepy neutral",
        "crouches at the starting line|crouching|determined",
        "cheers {other} on|cheering|happy laughing"),
    "rival": (
        "puts both hands on hips|hands_on_hips|determined happy",
        "points at {other} with a grin|pointing|determined laughing",
        "crosses both arms and grins|arms_crossed|determined happy",
        "takes a ready stance|fighting_stance|determined",
        "bows with a cheeky grin|bowing|laughing happy",
        "holds up a sign-up sheet|holding_object|happy determined",
        "jumps up and down|jumping|happy laughing"),
    "race": (
        "runs as fast as possible|running|determined", "leaps over a hurdle|jumping|determined surprised",
        "climbs the rope net|climbing|determined", "throws a ball at the target|throwing|determined",
        "kicks the ball toward the goal|kicking|determined", "races neck and neck|running|determined angry",
        "sneaks a glance behind|running|surprised"),
    "hurt": (
        "trips and falls|falling|surprised scared", "sits holding a sore knee|sitting|crying sad",
        "kneels on the ground|kneeling|sad crying", "lies flat in the dust|lying_down|sad"),
    "help": (
        "helps {other} up|reaching_up|determined happy", "carries {other}'s bag|carrying|determined",
        "runs side by side with {other}|running|determined happy", "holds out a hand|reaching_up|determined",
        "walks slowly beside {other}|walking|happy determined", "cheers everyone on|cheering|happy"),
    "helped": (
        "limps along, smiling|walking|happy determined", "leans on {other}|leaning|happy sad",
        "hops on one foot|jumping|determined laughing", "holds on tight|standing|happy surprised"),
    "stealth": (
        "tiptoes forward|sneaking|determined scared", "sneaks past {cover}|sneaking|scared determined",
        "hides behind {cover}|crouching|scared surprised", "peeks around {cover}|leaning|surprised neutral",
        "creeps along on tiptoe|sneaking|scared", "crouches in the shadows|crouching|scared determined",
        "holds very still|standing|scared"),
    "action": (
        "runs as fast as can be|running|determined scared",
        "takes a brave stance|fighting_stance|determined angry",
        "pushes hard against {heavy}|pushing|determined angry",
        "leaps into the air|jumping|determined surprised",
        "kicks the stuck latch|kicking|determined angry", "throws a rope|throwing|determined",
        "climbs up fast|climbing|determined scared",
        "reaches out for {item_s}|reaching_up|determined surprised",
        "stands firm and shouts|fighting_stance|angry determined",
        "tumbles but keeps going|falling|scared determined",
        "carries a heavy load to safety|carrying|determined"),
    "rush": (
        "runs with an armful of lanterns|running|determined surprised",
        "carries the last box|carrying|determined",
        "climbs up to hang the final garland|climbing|determined",
        "reaches up to tie a ribbon|reaching_up|determined",
        "pushes the cart into place|pushing|determined",
        "throws a streamer up high|throwing|laughing determined",
        "jumps to catch a falling ribbon|jumping|surprised"),
    "reveal": (
        "points at the hiding place|pointing|surprised determined",
        "kneels to look underneath|kneeling|surprised",
        "holds up {item_s}|holding_object|surprised happy", "laughs out loud|standing|laughing",
        "crouches down to see|crouching|surprised confused", "throws both arms up|cheering|surprised happy"),
    "found": (
        "reaches up to grab {item_s}|reaching_up|surprised happy",
        "kneels to pick up {item_s}|kneeling|surprised happy",
        "holds {item_s} tight|holding_object|happy crying", "jumps in surprise|jumping|surprised",
        "crouches to look closer|crouching|surprised confused", "points and gasps|pointing|surprised"),
    "test": (
        "pulls the big lever|pushing|determined scared", "pushes the start button|pushing|determined",
        "holds both ears and waits|crouching|scared surprised", "stands back to watch|standing|surprised",
        "reaches up to steady {item_s}|reaching_up|determined",
        "jumps with excitement|jumping|surprised happy"),
    "apology": (
        "bows to say sorry|bowing|sad determined", "holds out a small gift|holding_object|sad happy",
        "stands shyly|standing|sad neutral", "wipes away a tear|standing|crying",
        "steps closer|walking|sad happy",
        "hugs {other}|hugging|happy crying"),
    "trapped": (
        "clings to {climb}|climbing|scared crying", "waves for help|waving|scared",
        "reaches up for help|reaching_up|scared crying", "huddles and waits|crouching|scared sad",
        "sits stuck and sniffles|sitting|sad scared"),
    "gasp": (
        "gasps in surprise|standing|surprised", "claps with delight|cheering|surprised happy",
        "jumps in surprise|jumping|surprised", "stops short|standing|surprised"),
    "surprise": (
        "leaps out shouting|jumping|happy laughing", "throws confetti|throwing|laughing happy",
        "holds out the present|holding_object|happy", "cheers with both arms up|cheering|happy laughing",
        "dances in a circle|dancing|happy laughing", "waves a streamer|waving|happy"),
    "joy": (
        "hugs {other}|hugging|happy laughing", "cheers with both arms up|cheering|happy laughing",
        "waves happily|waving|happy laughing", "dances a happy jig|dancing|happy laughing",
        "jumps for joy|jumping|happy laughing", "takes a proud bow|bowing|happy laughing",
        "holds up {item_s} proudly|holding_object|happy", "sits back with a big smile|sitting|happy",
        "stands proudly, hands on hips|hands_on_hips|happy", "laughs and laughs|standing|laughing",
        "hugs {item_s} tight|hugging|happy"),
}


def _parse(raw: dict[str, tuple[str, ...]]) -> dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]]:
    out = {}
    for mood, entries in raw.items():
        rows = []
        for entry in entries:
            phrase, pose, exprs = entry.split("|")
            vocab.check_member(pose, vocab.POSES, "pose")
            for e in exprs.split():
                vocab.check_member(e, vocab.EXPRESSIONS, "expression")
            rows.append((phrase, pose, tuple(exprs.split())))
        out[mood] = tuple(rows)
    return out


ACTIONS = _parse(_RAW)

# Beat -> default mood.
BEAT_MOOD: dict[str, str] = {
    "setup": "calm", "inciting_incident": "alarm", "decision": "plan", "journey": "travel",
    "clue": "search", "obstacle": "hazard", "setback": "sad", "argument": "quarrel", "apart": "sad",
    "rest": "rest", "preparation": "decorate", "training": "train", "sneaking": "stealth",
    "climax": "action", "resolution": "joy",
}
BEATS: tuple[str, ...] = tuple(BEAT_MOOD)

# What a resolution may show (the template planner's promise, checked by its tests).
RESOLUTION_POSES = frozenset(p for _, p, _ in ACTIONS["joy"])
RESOLUTION_EXPRESSIONS = frozenset(e for _, _, es in ACTIONS["joy"] for e in es)

# Short reactions that can follow a narration instead of a line of dialogue, by the mood's tone.
REACTIONS: dict[str, tuple[str, ...]] = {
    "bright": ("{S} <smile!> from ear to ear.", "{S} can't stop giggling.", "{S}'s eyes sparkle.",
               "{S} claps with delight.", "{S} hums a happy tune.", "{S} <laugh!> out loud."),
    "tense": ("{S}'s heart <thumps>.", "{S} holds a breath.", "{S} <shiver!> all over.",
              "{S} does not dare to blink.", "{S} swallows hard.", "{S}'s knees wobble."),
    "low": ("{S} <sigh!> softly.", "{S}'s lip wobbles.", "{S} sniffs and looks away.",
            "{S} says nothing at all.", "{S} stares at the floor."),
    "calm": ("{S} <think!> for a moment.", "{S} nods slowly.", "{S} keeps a close watch.",
             "{S} listens carefully.", "{S} looks around <careful>."),
}
TONE: dict[str, str] = {
    **{m: "bright" for m in ("calm", "joy", "surprise", "decorate", "build", "train", "help", "reveal",
          "rival", "helped",
                             "found", "gasp")},
    **{m: "tense" for m in ("alarm", "hazard", "action", "race", "rush", "test", "trapped", "stealth",
                            "shelter")},
    **{m: "low" for m in ("sad", "hurt", "apology", "quarrel")},
    **{m: "calm" for m in ("plan", "search", "travel", "rest")},
}

# Dialogue tags per mood: how a line is said.
SPEECH: dict[str, tuple[str, ...]] = {
    "calm": ("says", "calls", "chirps", "laughs", "announces"),
    "alarm": ("gasps", "cries", "shouts", "yelps", "squeaks"),
    "plan": ("says", "suggests", "declares", "insists", "explains"),
    "travel": ("calls", "says", "pants", "sings out", "points out"),
    "search": ("murmurs", "whispers", "wonders aloud", "mutters", "says"),
    "hazard": ("shouts", "cries", "yells", "calls", "gasps"),
    "sad": ("sighs", "sniffles", "mumbles", "whispers", "says softly"),
    "quarrel": ("snaps", "huffs", "grumbles", "shouts", "pouts"),
    "rest": ("yawns", "mumbles", "whispers", "murmurs"),
    "shelter": ("whispers", "murmurs", "says bravely", "shivers"),
    "build": ("says", "calls", "puffs", "laughs", "mutters"),
    "decorate": ("says", "calls", "sings", "laughs", "giggles"),
    "train": ("puffs", "pants", "calls", "shouts", "grins"),
    "race": ("pants", "shouts", "calls", "gasps"),
    "rival": ("says", "laughs", "teases", "grins", "declares"),
    "hurt": ("cries", "gasps", "calls", "whimpers"),
    "helped": ("says", "laughs", "whispers", "puffs"),
    "help": ("says", "calls", "pants", "says gently"),
    "stealth": ("whispers", "breathes", "hisses", "murmurs"),
    "action": ("shouts", "yells", "cries", "roars", "calls"),
    "rush": ("shouts", "calls", "pants", "laughs"),
    "reveal": ("exclaims", "laughs", "gasps", "cries", "says"),
    "found": ("gasps", "squeals", "cries", "shouts", "whispers"),
    "test": ("shouts", "cries", "whispers", "counts", "calls"),
    "apology": ("says quietly", "whispers", "says", "mumbles"),
    "trapped": ("cries", "calls", "shouts", "sobs"),
    "gasp": ("gasps", "squeals", "cries", "laughs"),
    "surprise": ("shouts", "cheers", "sings", "laughs"),
    "joy": ("cheers", "laughs", "giggles", "beams", "sings", "shouts"),
}
