"""Arc-neutral narration and dialogue per beat, mixed with each arc's own lines.

Slots: {A} {B} (first two characters in the frame), {grp} (everyone in it), {pal} (the friend A
misses or helps), {R1} {R2} (the story's lead and second cast member), {elder} (an offstage grown-up),
{place} {place1} {place2}, {prop} {seat} {cover} {climb} {obstacle} {heavy} {detail} {clue} {when}
{daypart} {outfit} (what A wears), and each arc's own words ({item}, {item_s}, {event} ...).
Dialogue lines also get {X}, someone listening.
"""
from __future__ import annotations

NARRATION: dict[str, tuple[str, ...]] = {
    "setup": (
        "{when}, {grp} [are|is] in {place}, where {detail}.",
        "It is a quiet {daypart} in {place}, and {detail}.",
        "In {place}, {detail}, and {A} is in a <very> good mood.",
        "{A} <smile!> at the world this {daypart}: {place} has never looked so lovely.",
        "Everybody knows {A} in {place}, and everybody waves when {A} goes by.",
        "{when}, {A} is busy in {place} while {elder} hums a tune next door.",
        "+{A} and {B} <walk> through {place}, chatting about everything and nothing.",
        "{A} <hurry!> through {place}, calling hello to {elder} on the way.",
    ),
    "journey": (
        "{grp} [set|sets] off across {place}, one step at a time.",
        "The way through {place} is long, but {A} does not slow down.",
        "{grp} <walk> on, humming a song to keep going.",
        "+{A} leads the way while {B} keeps watch behind.",
        "On and on {grp} [go|goes], past {prop} and over {climb}.",
        "<soon> {place} is all around, and home feels far away.",
        "Step after step, {grp} <walk> along the path as it winds past {prop}.",
        "{A}'s {outfit} is dusty now, but {A} keeps going.",
        "+{B} <hurry!> to keep up with {A}.",
        "{grp} <hurry> past {prop}, then on toward {place2}.",
        "+{A} <hurry!> ahead, and {B} <hurry!> after.",
        "Through {place} {grp} [go|goes], past {prop} and {cover}.",
    ),
    "obstacle": (
        "Oh no! {obstacle} blocks the way.",
        "The way is blocked by {obstacle}, and there is no going around it.",
        "{grp} [come|comes] face to face with {obstacle}.",
        "+Only by working together can {grp} get past {obstacle}.",
        "{A} wobbles and nearly tumbles: this part is tricky!",
        "Just when things seem easy, {obstacle} gets in the way.",
        "{grp} <stop> short. Ahead lies {obstacle}.",
        "+{A} and {B} <look> at {obstacle} and then at each other.",
        "{A} <climb!> onto {climb} to get a better look at {obstacle}.",
    ),
    "clue": (
        "{A} <spot!> something <strange> beside {prop}.",
        "A clue! {A} <find!> {clue} near {prop}.",
        "{A} looks closer and closer, and there it is: {clue}.",
        "+{A} and {B} kneel down to study {clue}.",
        "Something is not quite right here, and {A} knows it.",
        "Next to {seat}, {A} <spot!> {clue}.",
        "{A} <look!> around {place} and <think!> very hard.",
        "{A} <grab!> {clue} and holds it up to the light.",
    ),
    "decision": (
        "+{grp} put their heads together and make a plan.",
        "{A} <think!> hard, then nods: there is only one thing to do.",
        "+{A} has an <idea>, and {B} listens closely.",
        "{A} takes a deep breath and decides to be <brave>.",
        "{A} remembers what {elder} always says: never give up.",
        "+{B} looks at {A}, and {A} nods. They both know what to do.",
        "{A} thinks of {elder}'s advice and stands up tall.",
    ),
    "rest": (
        "When night falls, {grp} [curl|curls] up near {seat} to rest.",
        "{grp} [are|is] so <tired> that {place} seems to hum a lullaby.",
        "+{grp} share a snack and yawn until their eyes close.",
        "{A} falls asleep, dreaming of what tomorrow will bring.",
        "It has been a long day, so {grp} [stop|stops] to rest until morning.",
        "{A} yawns a <big> yawn and snuggles down beside {seat}.",
        "{A} <whisper!> good night to {place} and closes both eyes.",
    ),
    "sneaking": (
        "On tiptoe, {grp} <creep> past {cover}.",
        "Not a sound! {grp} <creep> closer and closer.",
        "{A} hides behind {cover} and peeks out <careful>.",
        "+{A} signals to {B} to stay very, very quiet.",
        "{grp} <creep> along {place}, hearts thumping.",
        "+{A} <whisper!> to {B}: not a sound!",
    ),
    "setback": (
        "Nothing is going right, and {A} feels like giving up.",
        "{A} sits down with a sigh; maybe this is too hard after all.",
        "+For a moment, {grp} are too <sad> to say a word.",
        "A tear rolls down {A}'s cheek.",
        "It all seems hopeless, and {place} suddenly feels <very> big.",
        "{A} <sigh!> and stares at the ground for a long time.",
        "+{B} puts an arm around {A}, but {A} still feels <sad>.",
    ),
    "preparation": (
        "{grp} <work> hard all day, cutting, gluing and painting.",
        "Snip, snap, tap: {A} keeps working and working.",
        "+{A} holds things steady while {B} fixes them in place.",
        "Little by little, everything starts to come together.",
        "{grp} [hum|hums] while working, and the hours fly by.",
        "{A} rolls up the sleeves of the {outfit} and gets busy.",
        "{A} <hurry!> back and forth, carrying bits and pieces.",
    ),
    "training": (
        "Every day, {grp} [practise|practises] running, jumping and stretching.",
        "{A} trains from morning till evening, getting faster each time.",
        "+{A} and {B} practise side by side, each trying to do better.",
        "Left, right, jump! {A} practises again and again.",
        "{elder} blows a whistle, and {grp} <hurry> around {place} once more.",
    ),
    "apart": (
        "{A} sits alone in {place}, missing {pal}.",
        "Without {pal}, even {place} feels grey and quiet.",
        "{A} kicks a pebble and wishes things were different.",
    ),
    "argument": (
        "+{A} and {B} start to argue, and their voices get louder and louder.",
    ),
}

TALK: dict[str, tuple[str, ...]] = {
    "setup": ("What a lovely day!", "I wonder what today will bring.", "Good morning, {X}!",
              "Isn't this place wonderful?", "I love it here.", "Race you, {X}!"),
    "inciting_incident": ("What was that?", "Oh no!", "Did you see that?", "This can't be happening!",
                          "{X}, come quick!"),
    "decision": ("+Let's do it together.", "I have a plan.", "I can do this.", "Are you ready, {X}?",
                 "There's only one way to find out.", "Trust me, {X}."),
    "journey": ("Which way now?", "Keep up, {X}!", "Not much farther now.", "My feet are tired!",
                "I think it's this way.", "Are we there yet?", "{X}, can you see anything?"),
    "clue": ("Look at this!", "Hmm, that's strange.", "Someone has been here.", "I think this is a clue.",
             "What do you make of this, {X}?", "{X}, look!"),
    "obstacle": ("How do we get past that?", "Careful!", "Hold on tight!", "Don't look down!",
                 "There must be a way.", "Give me your hand, {X}!"),
    "setback": ("I can't do it.", "Maybe I should just go home.", "Everything is ruined.",
                "I'm sorry, {X}.", "What now?", "What would {elder} do?"),
    "rest": ("Good night, {X}.", "Just a little nap.", "Tomorrow will be better.", "Sleep tight."),
    "sneaking": ("Shh!", "+Quiet, or we'll be heard.", "Tiptoe, {X}, tiptoe.", "+Stay close to me.",
    "Not a peep."),
    "preparation": ("Pass me the glue, {X}!", "Almost done!", "A little higher... perfect!",
                    "This is going to be great.", "Hold this for me, {X}."),
    "training": ("One more time!", "Faster, faster!", "I'm getting better!", "Watch this, {X}!"),
    "argument": ("That's not fair!", "It was your fault!", "I don't want to play anymore!",
                 "Fine, do it yourself!"),
    "apart": ("I miss {pal}.", "Maybe I was wrong.", "It's no fun alone."),
    "climax": ("Now!", "Hold on!", "+We can do it!", "I can do it!", "Don't give up, {X}!", "Go, go, go!",
    "Now, {X}!"),
    "resolution": ("+We did it!", "I did it!", "Hooray!", "Best day ever!", "Thank you, {X}.",
                   "Let's do it again sometime!", "You were amazing, {X}!", "Wait till {elder} hears!"),
}

# Arriving somewhere new (the frame where a story changes setting) and coming back.
ARRIVE: tuple[str, ...] = (
    "At last, {movers} [reach|reaches] {place}.",
    "<soon> {movers} [arrive|arrives] in {place}.",
    "The path leads all the way to {place}.",
    "After a long walk, {movers} [find|finds] {place} waiting.",
    "{movers} <hurry> on until {place} comes into view.",
)
RETURN: tuple[str, ...] = (
    "{movers} <hurry> back to {place}.",
    "Back in {place}, everything looks just the same.",
    "It feels good to be back in {place}.",
)

# Small clues anything might leave behind.
CLUES: tuple[str, ...] = (
    "a trail of tiny footprints", "a scrap of red ribbon", "a shiny button", "a line of crumbs",
    "an arrow scratched into the ground", "a single grey feather", "a sticky paw print",
    "a tuft of soft fluff", "a torn corner of paper", "a trail of glitter",
)

# Offstage grown-ups, named per story ("Grandma Mossbury").
ELDERS: tuple[str, ...] = ("Grandma", "Grandpa", "old Captain", "Professor", "Auntie", "Uncle", "Mayor",
                           "Granny", "Miss", "Mister", "old Mrs", "Doctor")

# Synopsis closers.
MORALS: tuple[str, ...] = (
    "A story about courage and friendship.", "A gentle tale about never giving up.",
    "A story about kindness, teamwork and a little bit of luck.",
    "It is a tale of brave hearts and good friends.", "A cosy story about helping each other.",
    "A story that shows how much friends can do together.",
)

# Story-long personality words, sometimes put before a name ("curious Kalo").
TRAITS: tuple[str, ...] = (
    "brave", "curious", "clever", "cheerful", "gentle", "shy", "bold", "kind", "quick", "thoughtful",
    "bouncy", "careful", "jolly", "plucky", "wise", "little", "eager", "patient", "giggly", "dreamy",
    "lively", "sunny", "quiet", "spirited", "nimble", "friendly", "cheeky", "clumsy", "sensible", "sleepy",
)
