"""Each arc's own narration lines per beat (first six arcs; the rest are in `arc_lines2`).

Slots are those of `lines`. A beat whose tuple starts with "ONLY" does not mix in the arc-neutral
lines of `lines.NARRATION`.
"""
from __future__ import annotations

NARRATION: dict[str, dict[str, tuple[str, ...]]] = {
    "quest": {
        "setup": (
            "{when}, {Ad} is exploring {place}, where {detail}.",
            "Life in {place} is quiet, and {A} has always dreamed of a real adventure.",
            "{A} has heard the old stories about {item} a hundred times.",
            "{grp} [love|loves] {place}, but today something exciting is in the air.",
            "{elder} used to tell {A} bedtime stories about {item}."),
        "inciting_incident": (
            "<suddenly>, {A} finds {map}, and it shows the way to {item}!",
            "Tucked behind {cover}, {A} discovers {map} that tells of {item}.",
            "A gust of wind blows {map} right into {A}'s hands, and on it is a drawing of {item}.",
            "{A} unrolls {map} and gasps: it leads to {item}, hidden near {place2}.",
            "+{A} <spot!> {map} first, and {B} reads it aloud: it is the way to {item}!"),
        "decision": (
            "+{grp} decide to find {item} together, {goal}.",
            "{A} packs a snack and a lantern: it is time to find {item}.",
            "{map_s} points toward {place2}, and {grp} [decide|decides] to follow it.",
            "{A} reads {map_s} one more time and decides to be <brave>.",
            "{A} waves goodbye to {elder} and sets off toward {place2}."),
        "journey": (
            "{grp} [follow|follows] {map_s} through {place}, step by careful step.",
            "The path twists and turns, but {A} keeps {map_s} held tight.",
            "<soon> {grp} [are|is] deep in {place}, farther from home than ever before."),
        "obstacle": (
            "Between {grp} and {item_s} lies {obstacle}.",
            "{A} must find a way past {obstacle} to reach {item_s}."),
        "clue": (
            "{A} spots a mark on {prop} that matches {map_s}.",
            "A clue! The drawing on {map_s} matches {prop} exactly.",
            "{A} studies {map_s} again and notices a tiny arrow nobody saw before."),
        "climax": (
            "There it is: {item}, high up on {climb}! {A} has to be quick and brave.",
            "At last {grp} [find|finds] {item}, but reaching it is the hardest part of all.",
            "{A} takes a deep breath: {item_s} is so close now.",
            "The ground rumbles and shakes as {A} reaches for {item}."),
        "resolution": (
            "{grp} [carry|carries] {item} home, and nothing has ever felt so <wonderful>.",
            "With {item} safe at last, {grp} [laugh|laughs] and [cheer|cheers] together.",
            "{A} holds {item_s} up high, and it shines like a tiny sun.",
            "The adventure is over, but {A} knows it will never be forgotten.",
            "{grp} [bring|brings] {item} back to {elder}, who can hardly believe it."),
    },
    "rescue": {
        "setup": (
            "+{when}, {R1} and {R2} are playing in {place}.",
            "+{grp} spend a happy {daypart} in {place}, where {detail}.",
            "+In {place}, {R2} tells {R1} about a secret spot nobody else knows.",
            "+{R1} and {R2} <hurry> around {place}, laughing at everything."),
        "inciting_incident": (
            "{R2} {errand} and has not come back. {A} begins to worry.",
            "It is getting late, and there is still no sign of {R2} anywhere.",
            "{A} calls and calls, but {R2} does not answer.",
            "Where is {R2}? Only an empty spot remains where {R2} was playing.",
            "Even {elder} has not seen {R2} since the morning."),
        "decision": (
            "{A} grabs {item} and sets off to find {R2}.",
            "+{grp} make a plan: follow the trail and bring {R2} home.",
            "{A} will not wait a moment longer: {R2} needs help.",
            "{elder} lends {A} {item}, and the search begins."),
        "clue": (
            "{A} finds {clue} on the ground: {R2} must have come this way.",
            "Next to {prop}, {A} spots {clue}. It leads toward {place2}.",
            "A clue! {clue} shows which way {R2} went."),
        "journey": (
            "{grp} [follow|follows] the trail, calling {R2}'s name.",
            "The trail winds toward {place2}, and {A} hurries along it."),
        "obstacle": (
            "{obstacle} stands between {A} and {R2}.",),
        "climax": (
            "There is {R2}, {trap}! {A} has to act fast.",
            "{A} hears a tiny voice: it is {R2}, {trap}.",
            "+{A} holds out {item_s}, and {R2} reaches for it with all the strength left."),
        "resolution": (
            "{R2} is safe at last, and {grp} walk home together, hand in hand.",
            "Everyone cheers: {R2} is back, and the friends are together again.",
            "{R2} gives {R1} the biggest thank-you hug ever.",
            "Back home, {elder} makes hot cocoa for {grp}, and {R2} tells the whole story."),
    },
    "mystery": {
        "setup": (
            "{when}, {place} is getting ready for a special day.",
            "Everyone in {place} is proud of {item}.",
            "{A} loves to polish {item} until it gleams.",
            "{elder} is showing {item} to everyone in {place}."),
        "inciting_incident": (
            "<suddenly>, {item} is gone! Nobody knows where it went.",
            "{A} rubs both eyes: the spot where {item} sat is empty.",
            "A shout rings out across {place}: {item} has vanished!",
            "Only an empty shelf remains where {item} used to be.",
            "{elder} gasps: {item_s} is missing!"),
        "decision": (
            "{A} puts on a thinking face: this is a job for a detective.",
            "+{grp} promise to find {item} before the day is over.",
            "{A} decides to look for clues, one by one."),
        "clue": (
            "A clue! {clue} leads away from the empty spot.",
            "{A} finds {clue} right where {item_s} should be.",
            "The clues point toward {cover}. Is someone hiding there?"),
        "sneaking": (
            "{grp} [creep|creeps] after the clues, as quiet as shadows.",
            "A strange noise comes from behind {cover}, so {A} tiptoes closer."),
        "setback": (
            "The clue leads nowhere, and {A} is more puzzled than ever.",
            "It was only a shadow. {item} is still missing."),
        "climax": (
            "{A} lifts a corner, looks, and laughs: {reveal}!",
            "It turns out that {reveal}. The mystery is solved!",
            "With one last look behind {cover}, {A} finds {item_s}!"),
        "resolution": (
            "{item} is back where it belongs, and everyone in {place} cheers.",
            "Case closed! {grp} [celebrate|celebrates] with warm cocoa and big smiles.",
            "From now on, everyone calls {A} the best detective in {place}.",
            "{elder} thanks {grp} with a plate of warm cookies."),
    },
    "friendship": {
        "setup": (
            "+{R1} and {R2} are best friends and do everything together.",
            "+{when}, {grp} play with {item} in {place}.",
            "+In {place}, {R1} and {R2} share {item} every single day."),
        "inciting_incident": (
            "+<suddenly>, {R1} and {R2} both grab {item} at once, and pull, and pull.",
            "+Crack! {item} breaks, and the two friends stare at each other.",
            "+{R1} and {R2} disagree about {cause}."),
        "argument": (
            "+{R1} and {R2} argue about {cause}, louder and louder.",
            "+Angry words fly, and {R1} and {R2} turn away from each other.",
            "+\"It's my turn!\" \"No, mine!\" The argument gets bigger and bigger."),
        "apart": (
            "{A} sits alone in {place}, thinking about {pal}.",
            "Without {pal}, nothing is much fun anymore.",
            "{A} looks at the empty spot where {pal} used to play."),
        "decision": (
            "{A} decides to say sorry, even though it feels scary.",
            "{A} has an idea: {gift} might help to say sorry.",
            "{elder} tells {A} that a true friend is worth a small, brave sorry."),
        "preparation": (
            "{A} works hard on {gift}, to make things right.",),
        "climax": (
            "+{R1} walks up to {R2} and says a small, brave sorry.",
            "+{R1} holds out {gift}, and {R2}'s face softens.",
            "+For a long moment, nobody speaks. Then {R2} says sorry too."),
        "resolution": (
            "+{R1} and {R2} are friends again, and {item} flies higher than ever.",
            "+Side by side, {grp} laugh until their tummies hurt.",
            "+{R1} and {R2} promise to take turns from now on."),
    },
    "competition": {
        "setup": (
            "{when}, a big poster goes up in {place}: {event} is coming!",
            "Everyone in {place} is talking about {event} and {item}.",
            "{A} dreams of winning {item} at {event}.",
            "{elder} will hand out {item} at {event}, and {A} can hardly wait."),
        "inciting_incident": (
            "+{R2} boasts about winning {event}, and {R1} boasts right back.",
            "+{R1} and {R2} both sign up for {event}, and each wants to win.",
            "+\"See you at the finish line,\" {R2} tells {R1}."),
        "training": (
            "{A} practises for {event} every day, rain or shine.",
            "Faster and faster! {A} wants to be ready for {event}."),
        "obstacle": (
            "ONLY",
            "{event} begins, and {grp} [race|races] past {prop}!",
            "On your marks, get set, go! The race starts with a bang.",
            "{A} leaps over {climb} and keeps running."),
        "setback": (
            "ONLY",
            "Halfway through, {R2} trips and falls!",
            "Oh no! {R2} tumbles over {climb} and cannot get up.",
            "{R2} falls with a bump, and the others rush past."),
        "climax": (
            "+Instead of running on, {R1} turns back to help {R2}.",
            "+{R1} helps {R2} up, and they cross the finish line together.",
            "+{R1} could win, but {R2} needs help more."),
        "resolution": (
            "Everyone cheers: the two friends share {item}.",
            "+{grp} win something better than {item_s}: a true friendship.",
            "{A} laughs: {event} was the best fun ever.",
            "{elder} hands {item_s} to {grp}, and everyone claps."),
    },
    "lost_and_found": {
        "setup": (
            "{A} never goes anywhere without {item}.",
            "{when}, {A} plays with {item} in {place}.",
            "{Ad} has a treasure: {item}.",
            "{A} got {item} from {elder}, and loves it more than anything."),
        "inciting_incident": (
            "<suddenly>, {A} reaches for {item_s}, and it is gone!",
            "{A} checks every pocket twice. {item_s} is lost!",
            "Oh no! {item_s} has slipped away somewhere in {place}."),
        "clue": (
            "{A} spots {clue}: maybe {item_s} went this way.",
            "Something glints near {prop}. Could it be {item_s}?"),
        "journey": (
            "{grp} [retrace|retraces] every step taken that day, looking everywhere.",),
        "setback": (
            "{A} looks under every stone, but {item_s} is nowhere to be seen.",
            "It is no use. {A} sits down and a tear rolls out."),
        "decision": (
            "+{B} has an idea: go back to where the day began.",
            "{A} wipes away the tears and decides to look one last time."),
        "climax": (
            "There, {found_at}, something shiny peeks out: {item_s}!",
            "{A} spots {item_s} {found_at}!",
            "Just as {A} is about to give up, there it is: {item_s}!"),
        "resolution": (
            "{A} hugs {item_s} tight and promises never to lose it again.",
            "{item_s} is found, and the whole day feels bright again.",
            "+{grp} laugh and cheer: {item_s} is back where it belongs."),
    },
}

TALK: dict[str, dict[str, tuple[str, ...]]] = {
    "quest": {"inciting_incident": ("Look! A map!", "Is this real?", "The old stories were true!"),
              "decision": ("Let's go find it!", "Pack your things!", "An adventure, at last!"),
              "climax": ("Almost there!", "Now or never!", "I can reach it!"),
              "resolution": ("+We actually found it!", "I actually found it!", "Best adventure ever!",
              "Where shall we go next?")},
    "rescue": {"inciting_incident": ("Where did {R2} go?", "Something is wrong.", "{R2}! Can you hear me?"),
               "climax": ("Hold on, I'm coming!", "Grab on!", "Help! Over here!"),
               "resolution": ("You found me!", "I knew you would come.", "Let's go home.")},
    "mystery": {"inciting_incident": ("Who could have taken it?", "It was here a minute ago!"),
                "clue": ("Aha! A clue!", "Interesting...", "Whoever took it went this way."),
                "climax": ("So that's where it was!", "Mystery solved!"),
                "resolution": ("Case closed!", "What a day!")},
    "friendship": {"argument": ("It's my turn!", "You always do this!", "Leave me alone!"),
                   "climax": ("I'm sorry.", "Can we be friends again?", "I missed you, {X}."),
                   "resolution": ("Friends forever!", "Let's share it.", "Your turn first!")},
    "competition": {"inciting_incident": ("I'm going to win!", "We'll see about that!"),
                    "climax": ("Take my hand, {X}!", "We'll finish together!", "Come on, you can do it!"),
                    "resolution": ("We both won!", "Friends first!", "That was amazing!")},
    "lost_and_found": {"inciting_incident": ("Where did it go?", "It was right here!", "Oh no, no, no!"),
                       "climax": ("There it is!", "I found it!", "You're back!"),
                       "resolution": ("I'll never lose you again.", "Thank you for helping, {X}!")},
}
