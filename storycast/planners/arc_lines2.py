"""Each arc's own narration lines per beat (the last five arcs; see `arc_lines`)."""
from __future__ import annotations

NARRATION: dict[str, dict[str, tuple[str, ...]]] = {
    "festival": {
        "setup": (
            "{when}, all of {place} is buzzing: {event} is tonight!",
            "{event} is coming, and {A} has a big job: making {item}.",
            "Bunting, drums and lanterns: {place} is getting ready for {event}.",
            "{elder} has asked {A} to make {item} for {event}."),
        "preparation": (
            "{grp} [work|works] on {item}, adding one bright piece after another.",
            "Paint, paper and glue: {item} grows bigger and brighter.",
            "+{A} measures, {B} cuts, and {item} starts to take shape."),
        "inciting_incident": (
            "<suddenly>, {mishap} sends {item} tumbling to the ground!",
            "Oh no! Thanks to {mishap}, {item} is torn and crumpled.",
            "{mishap} comes out of nowhere, and {item} is ruined."),
        "setback": (
            "{A} stares at the broken pieces. {event} starts very soon.",
            "+{grp} sit in silence. All that work, gone in a moment."),
        "decision": (
            "{A} jumps up: there is still time to make a new one!",
            "+{grp} roll up their sleeves. They will start again, together."),
        "climax": (
            "ONLY",
            "The music is starting! {grp} [rush|rushes] to finish {item_s} just in time.",
            "With one minute to go, {A} ties the very last ribbon.",
            "Faster, faster! {event} cannot begin without {item_s}."),
        "resolution": (
            "{item} glows above {place}, and {event} is the best one ever.",
            "{grp} [dance|dances] and [sing|sings] as {event} begins.",
            "Everyone gasps at {item_s}. {A} has never been so proud.",
            "{elder} opens {event}, and {grp} [cheer|cheers] louder than anyone."),
    },
    "journey_home": {
        "setup": (
            "ONLY",
            "{A} wakes up blinking in {place}, a long way from {home}.",
            "After {lost_how}, {grp} [are|is] far from home, in the middle of {place}.",
            "{place} is beautiful, but it is not {home}.",
            "{A} thinks of {elder}, waiting back in {home}."),
        "inciting_incident": (
            "{A} looks around and realises: nobody knows the way back to {home}.",
            "Everything here looks unfamiliar. {grp} [are|is] lost!",
            "{A} finds {item} in a pocket. Maybe it can show the way home."),
        "decision": (
            "{A} holds {item_s} up high: home is that way!",
            "+{grp} agree to stick together until they reach {home}."),
        "journey": (
            "{grp} [walk|walks] on toward {home}, one step at a time.",
            "Every step brings {grp} a little closer to {home}."),
        "climax": (
            "Only {obstacle} stands between {grp} and {home}. It is now or never!",
            "With one last burst of energy, {grp} [dash|dashes] for home.",
            "{A} sees the first lights of {home} far away, and starts to run."),
        "resolution": (
            "Home at last! {grp} [are|is] back in {home}, safe and sound.",
            "{home} has never looked so lovely, and {A} smiles from ear to ear.",
            "Back in {home}, {grp} [tell|tells] everyone about the long adventure.",
            "{elder} runs out to meet {grp}: welcome home!"),
    },
    "invention": {
        "setup": (
            "{A} loves to build things, and today brings a brand-new <idea>.",
            "{when}, {A} sketches {item} {purpose}.",
            "In {place}, {Ad} dreams up {item}.",
            "{elder} says it cannot be done, but {A} wants to build {item} anyway."),
        "decision": (
            "{A} draws the plans: wheels here, a spring there, a bell on top.",
            "+{grp} look at the plans and nod. Time to build!"),
        "preparation": (
            "Bang, clang, whirr! {A} builds {item_s} piece by piece.",
            "{grp} [hammer|hammers], [glue|glues] and [tighten|tightens] every bolt.",
            "{item_s} grows taller and stranger by the minute."),
        "inciting_incident": (
            "The first test goes BOOM! Smoke puffs out of {item_s}.",
            "{A} presses the button, and {item_s} shakes, rattles and falls apart.",
            "Whoosh, pop, fizzle! {item_s} does not work at all."),
        "setback": (
            "{A} looks at the pile of bits and feels like quitting.",),
        "climax": (
            "ONLY",
            "The big test! {A} holds a breath and pulls the lever.",
            "Three, two, one... {item_s} whirs to life!",
            "{grp} [step|steps] back as {item_s} hums, wobbles and starts to work."),
        "resolution": (
            "It works! {item_s} is a huge success.",
            "{A} takes a bow while {item_s} whirs happily.",
            "Everyone cheers for {A}, the best inventor in {place}.",
            "{elder} shakes {A}'s hand: {item_s} really works!"),
    },
    "storm": {
        "setup": (
            "{when}, {place} is calm and bright, and {detail}.",
            "{grp} [are|is] enjoying a peaceful {daypart} in {place}.",
            "{A} looks up at a few dark clouds far away, but nobody worries yet.",
            "{elder} says the wind smells of rain, but {A} only laughs."),
        "inciting_incident": (
            "<suddenly>, the sky turns dark, and {hazard} comes roaring in!",
            "The wind begins to howl: {hazard} is coming!",
            "Thunder rumbles, and {hazard_s} hits {place} all at once."),
        "decision": (
            "{A} points to {shelter}: that is the safest place to go.",
            "+{grp} hold hands and decide to find shelter, fast."),
        "journey": (
            "ONLY",
            "{grp} [struggle|struggles] through {hazard_s} toward {shelter}.",
            "The wind pushes and pulls, but {A} keeps going.",
            "Leaning into the wind, {grp} [head|heads] for {shelter}."),
        "rest": (
            "ONLY",
            "Safe in {shelter}, {grp} [listen|listens] to {hazard_s} howl outside.",
            "+{grp} huddle together in {shelter} while {hazard_s} rages.",
            "{A} lights {item_s}, and its glow makes {shelter} feel cosy."),
        "climax": (
            "A huge gust blows! {A} has to hold on and be brave.",
            "{hazard_s} is at its worst, and {A} must protect {item_s}.",
            "Crash! {heavy} tumbles down outside, and {A} has to be very brave."),
        "resolution": (
            "{hazard_s} is gone, the sky is clear, and {grp} [cheer|cheers].",
            "The sun peeks out, and a rainbow shines over {place}.",
            "{grp} [step|steps] outside: {place} sparkles, clean and new.",
            "{elder} comes to check on {grp}, and everyone is safe and sound."),
    },
    "surprise": {
        "setup": (
            "{A} remembers that tomorrow is a very special day for {R2}.",
            "{when}, {A} has a secret: a plan for {R2}.",
            "{grp} [want|wants] to do something <wonderful> for {R2}.",
            "{elder} reminds {A} that tomorrow is {R2}'s special day."),
        "inciting_incident": (
            "{A} has an idea: {event} for {R2}, but it must stay secret!",
            "+{grp} whisper and giggle. They will plan {event}!",
            "There is no time to lose: {event} needs {item}."),
        "preparation": (
            "{A} works on {item} in secret.",
            "{grp} [make|makes] {item} and [hide|hides] it away."),
        "sneaking": (
            "ONLY",
            "Uh-oh! {R2} walks by, and {A} has to hide {item_s} fast.",
            "+{A} hides behind {cover} as {R2} strolls past, humming.",
            "{R2} almost sees {item_s}! {A} tiptoes away just in time."),
        "obstacle": (
            "ONLY",
            "Oops! {item_s} slips and nearly falls.",
            "{A} trips, and {item_s} wobbles dangerously.",
            "Oh no, {item_s} gets a big smudge. There is still time to fix it."),
        "climax": (
            "ONLY",
            "+\"Surprise!\" everyone shouts as {R2} walks in.",
            "+{R2} opens the door, and {grp} jump out with a big \"Surprise!\"",
            "+{R2} gasps: {event}, just for {R2}!"),
        "resolution": (
            "+{R2} hugs everyone. It is the best surprise ever.",
            "+{grp} laugh and share {item_s}, and the party goes on until late.",
            "+{R2} beams: nobody has ever done anything so kind."),
    },
}

TALK: dict[str, dict[str, tuple[str, ...]]] = {
    "festival": {"inciting_incident": ("Oh no, the festival!", "It's ruined!", "What do we do now?"),
                 "climax": ("Hurry, hurry!", "Just one more ribbon!", "Almost ready!"),
                 "resolution": ("It's beautiful!", "Happy festival!", "+We did it together!", "I did it!")},
    "journey_home": {"setup": ("ONLY", "Where are we?", "This doesn't look like home.",
    "How did we get here?"),
                     "inciting_incident": ("Where are we?", "I want to go home.", "Which way is home?"),
                     "climax": ("I can see home!", "Keep going!", "Nearly there!"),
                     "resolution": ("Home sweet home!", "+We made it!", "I made it!", "What an adventure!")},
    "invention": {"inciting_incident": ("Oops.", "That was not supposed to happen!", "Back to work!"),
                  "climax": ("Here goes nothing!", "Three, two, one!", "Please work, please work!"),
                  "resolution": ("It works!", "Hooray for science!", "What shall we build next?")},
    "storm": {"inciting_incident": ("Look at that sky!", "Run for cover!", "Hold on to your hats!"),
              "journey": ("ONLY", "Keep your head down!", "This way, quick!", "+Hold on to me, {X}!"),
              "rest": ("+We're safe here.", "I'm safe here.", "I'm not scared. Well, maybe a little.",
              "Stay close, {X}."),
              "climax": ("Hold on!", "Don't let go!", "+We can do this!", "I can do this!"),
              "resolution": ("Look, a rainbow!", "It's over!", "+We were so brave!", "I was so brave!")},
    "surprise": {"sneaking": ("Quick, hide it!", "Shh, here comes {R2}!"),
                 "climax": ("Surprise!", "This is all for you, {R2}!", "Surprise, surprise!"),
                 "resolution": ("You planned all this?", "Best day ever!", "Thank you, everyone!")},
}
