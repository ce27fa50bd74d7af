"""Story arcs of the template planner: beats, moods, settings, light, words, titles and synopses.

An arc is a sequence of (beat, priority, roles). A story shorter than the arc drops the beats with
the highest priority number (priority 0 beats always stay); a longer one inserts `fill` beats just
before the beat `fill_before`. Roles say who is in the frame and in which mood: ``A`` is the lead,
``B`` the second cast member, ``o`` the others, ``*`` everyone; a value is ``-`` (absent), ``!``
(present), ``mood!`` (present in that mood) or ``mood`` (that mood if present).
"""
from __future__ import annotations

from dataclasses import dataclass, field

ALL_SETTINGS = ("forest", "beach", "city_street", "castle_hall", "classroom", "kitchen", "mountain_pass",
                "space_station", "underwater_reef", "desert", "snowy_village", "market_square")
OUTDOOR_ISH = ("forest", "beach", "city_street", "castle_hall", "mountain_pass", "space_station",
               "underwater_reef", "desert", "snowy_village", "market_square")


@dataclass(frozen=True)
class Arc:
    name: str
    genre: str
    min_cast: int
    beats: tuple[tuple[str, int, str], ...]
    fill: tuple[str, ...]
    fill_before: str = "climax"
    fill_roles: str = ""
    moods: dict = field(default_factory=dict)
    settings: tuple[str, ...] = ALL_SETTINGS
    moves: dict = field(default_factory=lambda: {"stay": 1.0})
    switch: str = "mid"                      # where a move happens: "mid" story or "late" (last frames)
    item_hidden: bool = False                # the item is lost until the climax: nobody holds it before
    item_prize: bool = True                  # the item is what the happy ending celebrates
    lighting: dict = field(default_factory=lambda: {"D": 1.0})   # D day, K dusk, N night, in order
    lex: dict = field(default_factory=dict)  # word -> options; a (long, short) pair also sets word_s
    titles: tuple[str, ...] = ()
    synopses: tuple[str, ...] = ()


ARCS: dict[str, Arc] = {a.name: a for a in (
    Arc("quest", "adventure", 1,
        (("setup", 0, ""), ("inciting_incident", 0, ""), ("decision", 2, ""), ("journey", 1, ""),
         ("obstacle", 1, ""), ("clue", 3, ""), ("climax", 0, ""), ("resolution", 0, "")),
        fill=("journey", "obstacle", "clue", "rest", "sneaking", "setback"), item_hidden=True,
        moves={"move": 0.7, "stay": 0.15, "round": 0.15}, lighting={"D": 2, "DK": 3, "DKN": 1},
        lex={"item": (("the Moon Pearl", "the pearl"), ("the Golden Acorn of {far}", "the acorn"),
                      ("the Lost Bell of {far}", "the bell"), ("the Moon Pearl of {far}", "the pearl"),
                      ("the Star Compass", "the compass"), ("the Crystal Feather", "the feather"),
                      ("the Sun Key", "the key"), ("the Singing Shell", "the shell"),
                      ("the Emerald Bell", "the bell"), ("the Dragon's Lantern", "the lantern"),
                      ("the Silver Seed", "the seed"), ("the Rainbow Stone", "the stone"),
                      ("the Ember Crown", "the crown"), ("the Whispering Harp", "the harp")),
             "map": (("a faded map", "the map"), ("a riddle on a scrap of paper", "the riddle"),
                     ("a message in a bottle", "the message"), ("a torn page from an old book", "the page"),
                     ("a tiny treasure map", "the map"), ("a letter sealed with wax", "the letter")),
             "goal": ("to make one kind wish come true", "to bring good luck back to {place1}",
                      "to prove the old stories are true", "to give it to the little ones back home",
                      "to see if it really glows in the dark")},
        titles=("{R1} and {ItemT}", "The Quest for {ItemT}", "{ItemT} of {PlaceT}", "In Search of {ItemT}",
                "{R1}'s Great Adventure", "The Secret of {ItemT}", "Beyond {Place2T}", "The Road to {ItemT}"),
        synopses=(
            "{cast} [find|finds] {map} that speaks of {item}. The search leads from {place1} to {place2}, "
            "past {obstacle} and more than one surprise. {moral}",
            "When {R1} discovers {map}, an adventure begins: somewhere beyond {place1} lies {item}. {moral}",
            "Legends say {item} is hidden near {place2}, and {cast} [set|sets] out {goal}. "
            "The way is long and tricky, but {R1} does not give up.")),
    Arc("rescue", "adventure", 2,
        (("setup", 0, "B=!"), ("inciting_incident", 0, "B=-"), ("decision", 2, "B=-"), ("clue", 1, "B=-"),
         ("journey", 2, "B=-"), ("obstacle", 3, "B=-"), ("climax", 0, "B=trapped!"), ("resolution", 0, "")),
        fill=("journey", "obstacle", "clue", "sneaking", "setback"), fill_roles="B=-", item_prize=False,
        settings=OUTDOOR_ISH + ("kitchen",), moves={"move": 0.6, "stay": 0.4},
        lighting={"D": 1, "DK": 2, "DKN": 2, "KN": 1},
        lex={"item": (("a long rope", "the rope"), ("a coil of strong rope", "the rope"),
                      ("a sturdy ladder", "the ladder"), ("a long wooden pole", "the pole")),
             "errand": ("went off to pick berries", "chased a runaway hat", "followed a glowing butterfly",
                        "went to look for a lost ball", "wandered off to explore",
                        "went to fetch some water"),
             "trap": ("stuck on a narrow ledge", "caught in a tangle of vines", "trapped in a deep hollow",
                      "stuck behind {obstacle}", "caught in an old net")},
        titles=("{R1} to the Rescue", "Finding {R2}", "Where Is {R2}?", "The Rescue at {Place2T}",
                "Hold On, {R2}!", "{R1} and the Long Search"),
        synopses=(
            "When {R2} goes missing in {place1}, {R1} sets out to find a friend in trouble. "
            "Following clues all the way to {place2}, the rescue takes every bit of courage. {moral}",
            "{R2} {errand} and has not come back. {R1} follows the trail, carrying {item}, "
            "and finds {R2} {trap}. {moral}")),
    Arc("mystery", "mystery", 1,
        (("setup", 0, ""), ("inciting_incident", 0, ""), ("decision", 3, ""), ("clue", 1, ""),
         ("sneaking", 2, ""), ("clue", 3, ""), ("setback", 4, ""), ("climax", 0, "*=reveal"),
         ("resolution", 0, "")),
        fill=("clue", "sneaking", "setback", "obstacle"), item_hidden=True,
        moves={"stay": 0.6, "move": 0.25, "round": 0.15},
        lighting={"DK": 2, "KN": 2, "DKN": 2, "N": 1, "D": 1},
        lex={"item": (("{elder}'s golden lantern", "the lantern"), ("{elder}'s silver spoon", "the spoon"),
                      ("{elder}'s pocket watch", "the watch"), ("{elder}'s lucky hat", "the hat"),
                      ("the golden lantern", "the lantern"), ("the silver spoon", "the spoon"),
                      ("the royal crown", "the crown"), ("the last jam tart", "the tart"),
                      ("the brass bell", "the bell"), ("the music box", "the music box"),
                      ("the big red kite", "the kite"), ("the captain's spyglass", "the spyglass"),
                      ("the blue teapot", "the teapot"), ("the star-shaped cookie jar", "the cookie jar")),
             "reveal": ("it had rolled under {seat} all along", "the wind had carried it behind {cover}",
                        "it had been put back in the wrong place", "it was hidden inside a pile of hats",
                        "it had been tucked away for safekeeping and forgotten")},
        titles=("The Mystery of {ItemT}", "Who Took {ItemT}?", "{R1} and the Missing {ItemN}",
                "The Case of the Missing {ItemN}", "{ItemT} Mystery", "The Secret of {PlaceT}",
                "Detective {R1}"),
        synopses=(
            "{item} has vanished from {place1}, and {cast} [decide|decides] to solve the mystery. "
            "Clue by clue, the search goes on until the truth comes out. {moral}",
            "Nobody knows where {item} has gone. {cast} [follow|follows] {clue} through {place1}, and in the "
            "end it turns out that {reveal}.")),
    Arc("friendship", "friendship", 2,
        (("setup", 0, "B=!"), ("inciting_incident", 1, "A=!,B=!"), ("argument", 0, "A=!,B=!"),
         ("apart", 1, "B=-,o=-"), ("apart", 3, "A=-,B=!,o=-"), ("decision", 2, "B=-,o=-"),
         ("climax", 0, "A=!,B=!,*=apology"), ("resolution", 0, "")),
        fill=("apart", "preparation", "setback"), fill_roles="B=-,o=-",
        moves={"stay": 0.75, "round": 0.25}, lighting={"D": 2, "DK": 2, "DKN": 1},
        lex={"item": (("the red kite", "the kite"), ("the toy sailboat", "the sailboat"),
                      ("the big jigsaw puzzle", "the puzzle"), ("the paper dragon", "the dragon"),
                      ("the tin drum", "the drum"), ("the clubhouse sign", "the sign"),
                      ("the wooden go-kart", "the go-kart"), ("the model rocket", "the rocket")),
             "cause": ("who gets to go first", "whose turn it is", "who broke {item_s}",
                       "the rules of the game", "who had the better idea"),
             "gift": ("a drawing of the two of them", "a bunch of wildflowers", "a brand-new string",
                      "a batch of honey cookies", "a handmade card", "a shiny new sticker")},
        titles=("{R1} and {R2}", "Best Friends Again", "The Broken {ItemN}", "Sorry, {R2}",
                "{R1}, {R2} and {ItemT}", "The Quarrel in {PlaceT}"),
        synopses=(
            "{R1} and {R2} are best friends, until an argument about {cause} drives them apart. "
            "Alone in {place1}, both of them learn that saying sorry takes courage. {moral}",
            "A quarrel over {item} leaves {R1} and {R2} sad and alone. With a small gift and a big "
            "apology, {R1} tries to make things right.")),
    Arc("competition", "sports", 2,
        (("setup", 0, ""), ("inciting_incident", 0, "A=!,B=!,*=rival"), ("training", 1, ""),
        ("training", 3, ""),
         ("obstacle", 2, "*=race"), ("setback", 2, "B=hurt!,*=alarm"), ("climax", 0, "A=!,B=helped!,*=help"),
         ("resolution", 0, "")),
        fill=("training", "decision", "rest"), fill_before="obstacle", item_hidden=True,
        settings=OUTDOOR_ISH, moves={"stay": 0.8, "move": 0.2}, lighting={"D": 3, "DK": 2},
        lex={"event": (("the Great Race", "the race"), ("the Big Relay", "the relay"),
                       ("the {far} Cup Race", "the race"), ("the {far} Games", "the games"),
                       ("the Obstacle Dash", "the dash"), ("the Midsummer Games", "the games"),
                       ("the Hilltop Run", "the run"), ("the Grand Sprint", "the sprint")),
             "item": (("a golden trophy", "the trophy"), ("a shiny blue ribbon", "the ribbon"),
                      ("a silver cup", "the cup"), ("a medal shaped like a star", "the medal"))},
        titles=("{EventT}", "{R1} and {EventT}", "The Race in {PlaceT}", "{R1} versus {R2}",
                "Winning Together", "The Champion of {PlaceT}"),
        synopses=(
            "{R1} and {R2} both want to win {event} in {place1}. They train hard, but when {R2} trips "
            "in the middle of the race, {R1} has a choice to make. {moral}",
            "{event} is coming, and the prize is {item}. {cast} [train|trains] from dawn to dusk, "
            "and learn that there is more than one way to win.")),
    Arc("lost_and_found", "slice_of_life", 1,
        (("setup", 0, ""), ("inciting_incident", 0, ""), ("clue", 2, ""), ("journey", 3, ""),
         ("setback", 1, ""), ("decision", 4, ""), ("climax", 0, "*=found"), ("resolution", 0, "")),
        fill=("clue", "journey", "setback", "obstacle"), item_hidden=True,
        moves={"stay": 0.5, "round": 0.3, "move": 0.2}, lighting={"D": 2, "DK": 2, "DKN": 1},
        lex={"item": (("a lucky blue marble", "the marble"), ("a knitted mitten", "the mitten"),
                      ("a favourite teddy bear", "the teddy"),
                      ("a teddy bear called Mister {far}", "Mister {far}"),
                      ("a toy boat named the {far}", "the {far}"), ("a rag doll called {far}", "{far}"),
                      ("a shiny silver whistle", "the whistle"),
                      ("a little brass key", "the key"), ("a storybook full of pictures", "the storybook"),
                      ("a tiny wooden boat", "the boat"), ("a lucky copper coin", "the coin"),
                      ("a painted pebble", "the pebble")),
             "found_at": ("under {seat}", "behind {cover}", "at the very bottom of a basket",
                          "right where the day began", "next to {prop}")},
        titles=("{R1} and the Lost {ItemN}", "Where Is {ItemT}?", "The Lost {ItemN}",
                "{ItemT} of {PlaceT}", "Looking for {ItemT}", "Found at Last"),
        synopses=(
            "{R1} loses {item} somewhere in {place1}. {cast} [search|searches] high and low, and "
            "{item_s} turns up {found_at}. {moral}",
            "{item} means the world to {R1}, so when it goes missing, the whole day turns upside down. "
            "{moral}")),
    Arc("festival", "celebration", 1,
        (("setup", 0, ""), ("preparation", 2, ""), ("inciting_incident", 0, ""), ("setback", 1, ""),
         ("decision", 3, ""), ("preparation", 3, ""), ("climax", 0, "*=rush"), ("resolution", 0, "")),
        fill=("preparation", "obstacle", "journey"),
        moves={"stay": 0.75, "round": 0.25}, lighting={"DK": 3, "DKN": 3, "KN": 2, "D": 1},
        lex={"event": (("the Lantern Festival", "the festival"), ("the Harvest Fair", "the fair"),
                       ("the {far} Lantern Festival", "the festival"), ("the {far} Harvest Fair", "the fair"),
                       ("the Moonlight Parade", "the parade"), ("the Spring Fair", "the fair"),
                       ("the Star Night Party", "the party"), ("the Winter Feast", "the feast"),
                       ("the Kite Festival", "the festival")),
             "item": (("the giant paper lantern", "the lantern"), ("the festival banner", "the banner"),
                      ("the grand cake", "the cake"), ("the long star garland", "the garland"),
                      ("the painted paper dragon", "the dragon")),
             "mishap": ("a sudden gust of wind", "a surprise rain shower", "a clumsy stumble",
             "a wobbly table leg")},
        titles=("{EventT} in {PlaceT}", "{R1} Saves {EventT}", "The Night of {EventT}", "{R1} and {ItemT}",
                "Just in Time for {EventT}", "The Best {EventN} Ever"),
        synopses=(
            "Everyone in {place1} is getting ready for {event}, and {cast} [are|is] making {item}. "
            "When {mishap} ruins it, there is very little time to start again. {moral}",
            "{event} is almost here! {cast} [work|works] hard on {item}, and even a disaster cannot "
            "stop the fun.")),
    Arc("journey_home", "adventure", 1,
        (("setup", 0, ""), ("inciting_incident", 0, ""), ("decision", 2, ""), ("journey", 1, ""),
         ("obstacle", 2, ""), ("rest", 3, ""), ("journey", 4, ""), ("climax", 0, ""), ("resolution", 0, "")),
        fill=("journey", "obstacle", "rest", "clue", "setback"), item_prize=False,
        settings=OUTDOOR_ISH, moves={"move": 1.0}, switch="late", lighting={"D": 2, "DK": 2},
        lex={"item": (("an old brass compass", "the compass"), ("a hand-drawn map", "the map"),
                      ("a jar of glowing fireflies", "the jar"), ("a silver whistle", "the whistle"),
                      ("a little lantern", "the lantern")),
             "lost_how": ("a runaway balloon", "a wild gust of wind", "a long, long nap on a drifting raft",
                          "a wrong turn in the fog", "a very bouncy cart ride")},
        titles=("The Long Way Home", "{R1} Finds the Way Home", "Home to {Place2T}", "Far from {Place2T}",
                "{R1} and {ItemT}", "The Road Back to {Place2T}"),
        synopses=(
            "After {lost_how} carries {cast} far away to {place1}, the only thing that matters is getting "
            "back to {place2}. {moral}",
            "{cast} [are|is] lost in {place1}, with nothing but {item} to show the way. Over rocks and "
            "through the night, the road leads home to {place2}.")),
    Arc("invention", "science", 1,
        (("setup", 0, ""), ("decision", 2, "*=plan"), ("preparation", 1, "*=build"),
         ("inciting_incident", 0, ""), ("setback", 2, ""), ("decision", 4, ""), ("preparation", 3, "*=build"),
         ("climax", 0, "*=test"), ("resolution", 0, "")),
        fill=("preparation", "decision", "setback"), moods={"preparation": "build"},
        settings=("classroom", "kitchen", "space_station", "castle_hall", "city_street", "market_square",
                  "forest", "beach", "snowy_village", "desert"),
        moves={"stay": 0.85, "move": 0.15}, lighting={"D": 2, "DK": 2, "DKN": 1},
        lex={"item": (("a cloud-catching machine called the {far}-o-Matic", "the {far}-o-Matic"),
                      ("a pancake-flipping robot arm named {far}", "{far}"),
                      ("a flying bicycle called the {far} Flyer", "the {far} Flyer"),
                      ("a cloud-catching machine", "the machine"),
                      ("a pancake-flipping robot arm", "the robot arm"),
                      ("a flying bicycle", "the bicycle"), ("a bubble-blowing cannon", "the cannon"),
                      ("a talking telescope", "the telescope"), ("a snack-delivering rocket", "the rocket"),
                      ("a sock-sorting contraption", "the contraption"),
                      ("a rain-making umbrella", "the umbrella")),
             "purpose": ("to help everyone carry heavy baskets", "to water every garden at once",
                         "to make the whole town laugh", "to reach the highest shelf",
                         "to win the science fair")},
        titles=("{R1}'s Amazing Invention", "{ItemT}", "The Great Invention", "{R1} and {ItemT}",
                "Try, Try Again", "The Inventor of {PlaceT}"),
        synopses=(
            "{R1} dreams up {item} {purpose}. The first try goes BOOM, but {cast} [keep|keeps] tinkering "
            "until it works. {moral}",
            "In {place1}, {cast} [build|builds] {item}. It wobbles, it sputters and it breaks, yet "
            "nobody gives up.")),
    Arc("storm", "survival", 1,
        (("setup", 0, ""), ("inciting_incident", 0, ""), ("decision", 2, ""), ("journey", 2, "*=hazard"),
         ("obstacle", 1, ""), ("rest", 3, "*=shelter"), ("climax", 0, ""), ("resolution", 0, "")),
        fill=("obstacle", "rest", "setback"), moods={"rest": "shelter"}, item_prize=False,
        lighting={"DKN": 2, "DK": 1, "KN": 1},
        lex={"item": (("a little lantern", "the lantern"), ("a warm blanket", "the blanket"),
                      ("a basket of supplies", "the basket"), ("a bright torch", "the torch"))},
        titles=("{R1} and {HazT}", "The Night of {HazT}", "Storm over {PlaceT}", "Safe from {HazT}",
                "After {HazT}", "Through {HazT}"),
        synopses=(
            "{hazard} sweeps over {place1}, and {cast} must find shelter before dark. {moral}",
            "A calm day in {place1} turns wild when {hazard_s} arrives. Holding on to {item}, {cast} "
            "[wait|waits] for the morning. {moral}")),
    Arc("surprise", "comedy", 2,
        (("setup", 0, "B=-"), ("inciting_incident", 0, "B=-,*=plan"), ("preparation", 2, "B=-"),
         ("sneaking", 1, "A=!,B=calm!"), ("obstacle", 3, "B=-"), ("preparation", 4, "B=-"),
         ("climax", 0, "A=!,B=gasp!,*=surprise"), ("resolution", 0, "")),
        fill=("preparation", "sneaking", "obstacle"), fill_roles="B=-", moods={"obstacle": "alarm"},
        moves={"stay": 0.8, "round": 0.2}, lighting={"D": 2, "DK": 2, "DKN": 1, "KN": 1},
        lex={"item": (("a birthday cake", "the cake"), ("a painted portrait", "the portrait"),
                      ("a jar of star-shaped cookies", "the jar"), ("a little music box", "the music box"),
                      ("a hand-made kite", "the kite"), ("a scrapbook of happy days", "the scrapbook")),
             "event": (("a surprise birthday party", "the party"), ("a secret thank-you party", "the party"),
                       ("a surprise picnic", "the picnic"))},
        titles=("Surprise, {R2}!", "A Party for {R2}", "The Secret Plan", "{R1}'s Big Secret",
                "Shh! Don't Tell {R2}", "The Surprise in {PlaceT}"),
        synopses=(
            "{R1} wants to throw {event} for {R2}, and it has to stay a secret. Hiding, whispering "
            "and baking, the plan almost goes wrong. {moral}",
            "Tomorrow is a special day for {R2}, so {R1} plans {event} in {place1}. Will {R2} find out "
            "too soon?")),
)}

COMPOSITION: dict[str, tuple[dict, dict]] = {
    # beat: (shot type weights, camera angle weights)
    "setup": ({"extreme_wide": 4, "wide": 5, "full": 2}, {"eye_level": 6, "high_angle": 3, "low_angle": 1}),
    "inciting_incident": ({"full": 3, "medium": 3, "medium_close": 2, "close_up": 2, "wide": 1},
                          {"eye_level": 6, "low_angle": 1, "high_angle": 1, "dutch_tilt": 1}),
    "decision": ({"medium": 4, "medium_close": 4, "full": 1, "close_up": 1},
                 {"eye_level": 8, "low_angle": 1, "high_angle": 1}),
    "journey": ({"extreme_wide": 3, "wide": 4, "full": 3}, {"eye_level": 4, "high_angle": 3, "low_angle": 2}),
    "clue": ({"close_up": 3, "medium_close": 3, "medium": 3, "full": 1},
             {"high_angle": 3, "eye_level": 5, "dutch_tilt": 1}),
    "obstacle": ({"full": 4, "wide": 3, "medium": 2},
                 {"low_angle": 3, "high_angle": 2, "eye_level": 3, "dutch_tilt": 2}),
    "setback": ({"close_up": 4, "medium_close": 3, "medium": 2, "wide": 1},
    {"high_angle": 4, "eye_level": 5}),
    "argument": ({"medium": 4, "medium_close": 3, "close_up": 2},
    {"eye_level": 6, "low_angle": 1, "dutch_tilt": 2}),
    "apart": ({"close_up": 3, "medium_close": 3, "wide": 2}, {"high_angle": 4, "eye_level": 4}),
    "rest": ({"wide": 4, "full": 3, "medium": 2}, {"high_angle": 4, "eye_level": 5}),
    "preparation": ({"full": 3, "medium": 4, "wide": 3}, {"eye_level": 7, "high_angle": 2, "low_angle": 1}),
    "training": ({"full": 4, "wide": 3, "medium": 2}, {"eye_level": 5, "low_angle": 3, "high_angle": 1}),
    "sneaking": ({"full": 3, "medium": 3, "wide": 2, "medium_close": 1},
                 {"eye_level": 4, "low_angle": 2, "high_angle": 3, "dutch_tilt": 1}),
    "climax": ({"full": 4, "medium": 3, "wide": 2, "close_up": 1},
               {"low_angle": 4, "dutch_tilt": 3, "eye_level": 3, "high_angle": 1}),
    "resolution": ({"wide": 3, "full": 4, "medium": 3}, {"eye_level": 6, "low_angle": 2, "high_angle": 2}),
}
