"""What each of the 12 settings looks and sounds like, in words the template planner can use.

Every setting names its `vocab.SETTINGS` props (so scene text and the rendered props agree) and
lists things to sit on, hide behind, climb, push and trip over, a few everyday details, places to
shelter and the storms that can hit it. `NEIGHBOURS` says where a story may travel next.
"""
from __future__ import annotations


def _s(place, looks, props, seat, cover, climb, obstacle, heavy, detail, shelter, hazard):
    return {"place": place, "looks": looks, "props": props, "seat": seat, "cover": cover,
            "climb": climb, "obstacle": obstacle, "heavy": heavy, "detail": detail, "shelter": shelter,
            "hazard": hazard}


SCENERY: dict[str, dict] = {
    "forest": _s(
        ("the forest", "the green forest", "the old forest", "the greenwood"),
        ("tall trees, ferns and a mossy log", "a winding path between thick bushes and old oaks",
         "red-spotted mushrooms around a fallen log", "leafy trees and bushes heavy with berries"),
        ("a tall oak tree", "a thick bush", "a red-spotted mushroom", "a mossy log", "a ring of mushrooms"),
        ("a mossy log", "an old tree stump", "a soft patch of moss"),
        ("a thick bush", "a big oak tree", "a fallen log"),
        ("a fallen log", "a twisted tree root", "a low oak branch"),
        ("a fallen tree", "a thicket of thorny bushes", "a rushing stream"),
        ("a heavy log", "a fallen branch", "a big round stone"),
        ("birds sing in the branches", "leaves rustle overhead", "a woodpecker taps somewhere far away"),
        ("a hollow under the roots of an old oak", "a snug space beneath a fallen log"),
        (("a crashing thunderstorm", "the storm"), ("a howling windstorm", "the wind"))),
    "beach": _s(
        ("the beach", "the sandy beach", "the seashore", "the bay"),
        ("palm trees, soft sand and rolling waves", "a striped umbrella, shells and gentle waves",
         "tall palms leaning over the sand", "tide pools, shells and foamy waves"),
        ("a tall palm tree", "a pink shell", "a striped beach umbrella", "a foamy wave", "a pile of shells"),
        ("the warm sand", "a driftwood log", "a big flat rock"),
        ("a tall palm tree", "the beach umbrella", "a big rock"),
        ("a pile of rocks", "a leaning palm tree", "a big sand dune"),
        ("a wide tide pool", "a wall of slippery rocks", "the rising tide"),
        ("a driftwood log", "a heavy sea chest", "a big rock"),
        ("gulls cry overhead", "the waves hiss on the sand", "crabs scuttle between the shells"),
        ("a cave in the cliffs", "an upturned rowing boat"),
        (("a wild sea storm", "the storm"), ("a roaring squall", "the squall"))),
    "city_street": _s(
        ("the city", "the busy street", "the main street", "the old town"),
        ("tall buildings, lamp posts and a bench", "shop signs, brick buildings and a row of lamp posts",
         "a wooden bench under a street lamp", "crowded rooftops and colourful signs"),
        ("a lamp post", "a green bench", "a painted shop sign", "a tall brick building", "a bus stop sign"),
        ("a green bench", "the front steps", "the curb"),
        ("a lamp post", "a big shop sign", "a stack of boxes"),
        ("a low brick wall", "the steps of a tall building", "a lamp post"),
        ("a street full of puddles", "a gate that will not open", "a jam of carts and crates"),
        ("a heavy cart", "a stuck gate", "a pile of boxes"),
        ("bicycle bells ring along the street", "the smell of fresh bread drifts from a shop",
         "pigeons strut along the pavement"),
        ("a shop doorway", "the bus shelter"),
        (("a thunderstorm rolling over the rooftops", "the storm"), ("a wild summer storm", "the storm"))),
    "castle_hall": _s(
        ("the castle hall", "the great hall", "the castle", "the royal hall"),
        ("tall pillars, bright banners and a golden throne",
         "stone pillars, flickering torches and long banners",
         "a red carpet leading up to the throne", "banners hanging between tall stone pillars"),
        ("a tall stone pillar", "a bright banner", "a flickering torch", "the golden throne",
         "a row of banners"),
        ("the steps of the throne", "a wooden bench", "the cold stone floor"),
        ("a tall pillar", "a long banner", "the throne"),
        ("the steps to the throne", "a stone pillar", "a stack of old chests"),
        ("a heavy iron door", "a tangle of fallen banners", "a locked gate"),
        ("a heavy oak door", "an old wooden chest", "a stone block"),
        ("torchlight dances on the walls", "footsteps echo on the stone floor",
         "the banners flutter in a draught"),
        ("a quiet corner behind the throne", "a nook behind the thick stone pillars"),
        (("a thunderstorm that rattles the castle windows", "the storm"),
         ("a howling storm that blows out the torches", "the storm"))),
    "classroom": _s(
        ("the classroom", "the school", "the little classroom", "the schoolroom"),
        ("rows of desks, a blackboard and a tall bookshelf",
         "a chalky blackboard, a big window and little desks",
         "shelves full of books beside a sunny window",
         "desks, drawings pinned to the wall and a blackboard"),
        ("a wooden desk", "the blackboard", "the big window", "a tall bookshelf", "a globe on a desk"),
        ("a little chair", "the edge of a desk", "the reading rug"),
        ("a tall bookshelf", "the teacher's desk", "a stack of books"),
        ("a step ladder by the bookshelf", "a chair", "a wobbly stack of books"),
        ("a tower of fallen books", "a jammed cupboard door", "a spill of sticky paint"),
        ("a heavy desk", "a box of books", "the jammed cupboard door"),
        ("chalk dust glitters in the light", "the clock on the wall ticks softly",
         "paper drawings flutter by the window"),
        ("the space under the big desks", "the cosy reading corner"),
        (("a thunderstorm that shakes the windows", "the storm"),
         ("a gale that howls around the school", "the gale"))),
    "kitchen": _s(
        ("the kitchen", "the cosy kitchen", "the big kitchen", "the bakery kitchen"),
        ("a bubbling pot on the stove, a table and tall cupboards",
         "a wooden table, copper pots and a warm stove",
         "cupboards full of jars above a long table", "a stove, a big pot and a flour-dusted table"),
        ("the warm stove", "a big soup pot", "the wooden table", "a tall cupboard", "a jar of cookies"),
        ("a kitchen stool", "the wooden bench", "a flour sack"),
        ("the kitchen table", "a tall cupboard", "a big flour sack"),
        ("a kitchen stool", "the counter", "a tall cupboard"),
        ("a floor slippery with spilled milk", "a cupboard door that is stuck", "a mountain of dirty dishes"),
        ("a heavy sack of flour", "a big iron pot", "the stuck cupboard door"),
        ("something delicious bubbles on the stove", "the kettle whistles",
         "the smell of cinnamon fills the air"),
        ("the space under the big kitchen table", "the pantry"),
        (("a thunderstorm drumming on the roof", "the storm"),
         ("a wild storm that knocks out the lights", "the storm"))),
    "mountain_pass": _s(
        ("the mountain pass", "the mountain trail", "the rocky pass", "the high trail"),
        ("snowy peaks, pine trees and big grey rocks", "a narrow trail between rocks and pines",
         "clouds drifting around the mountain tops", "rocky slopes dotted with pine trees"),
        ("a big grey rock", "a tall pine", "a snowy peak", "a drifting cloud", "a rocky ledge"),
        ("a flat rock", "a fallen pine", "a mossy boulder"),
        ("a big boulder", "a tall pine", "a rocky ledge"),
        ("a rocky ledge", "a steep slope", "a big boulder"),
        ("a wide gap in the trail", "a wall of tumbled rocks", "an icy slope"),
        ("a big boulder", "a fallen pine", "a heavy rock"),
        ("an eagle circles high above", "the wind whistles between the rocks",
         "little stones clatter down the slope"),
        ("a small cave in the rocks", "a hollow between two boulders"),
        (("a sudden snowstorm", "the snowstorm"), ("a rumbling thunderstorm", "the storm"))),
    "space_station": _s(
        ("the space station", "the station", "the star station", "the orbiting station"),
        ("round portholes, blinking consoles and a big blue planet outside",
         "pipes, panels and a porthole full of stars",
         "a console covered in glowing buttons", "a long corridor of pipes and round windows"),
        ("a round porthole", "a blinking console", "a silver pipe", "the planet outside",
         "a panel of glowing buttons"),
        ("a swivel chair", "a padded bench", "a storage crate"),
        ("a big console", "a stack of storage crates", "a thick pipe"),
        ("a ladder between decks", "a tall console", "a bundle of pipes"),
        ("a jammed hatch", "a corridor full of floating boxes", "a hissing pipe"),
        ("a jammed hatch", "a floating crate", "a heavy panel"),
        ("the consoles beep softly", "stars drift past the portholes", "the air hums with machines"),
        ("the safe room", "a snug cabin deep inside the station"),
        (("a meteor shower", "the meteor shower"), ("a crackling solar storm", "the solar storm"))),
    "underwater_reef": _s(
        ("the reef", "the coral reef", "the deep blue reef", "the sea garden"),
        ("colourful coral, swaying seaweed and silver bubbles",
         "little fish darting between coral and seaweed",
         "tall seaweed waving over the sand", "bright coral towers and drifting bubbles"),
        ("a branch of pink coral", "swaying seaweed", "a trail of bubbles", "a school of little fish",
         "a big brain coral"),
        ("a smooth rock", "a coral ledge", "the soft sand"),
        ("a tall coral", "a curtain of seaweed", "a big rock"),
        ("a coral tower", "a tall rock", "a sunken anchor chain"),
        ("a strong current", "a forest of tangled seaweed", "a dark, narrow crack in the rocks"),
        ("a heavy clam shell", "a big rock", "an old anchor"),
        ("bubbles wobble up toward the light", "little fish flicker past",
         "the seaweed sways in the current"),
        ("a cave in the coral", "a hollow under a big rock"),
        (("a churning undersea current", "the current"), ("a storm stirring up the sea above", "the storm"))),
    "desert": _s(
        ("the desert", "the sandy desert", "the golden desert", "the wide desert"),
        ("rolling dunes, tall cacti and a blazing sun", "red rocks and cacti under a huge sky",
         "golden dunes stretching far away", "a lonely cactus beside a pile of rocks"),
        ("a tall cactus", "a golden dune", "a red rock", "the blazing sun", "a round cactus"),
        ("a flat red rock", "the warm sand", "the top of a dune"),
        ("a big red rock", "a tall cactus", "a sand dune"),
        ("a steep dune", "a red rock", "a rocky ridge"),
        ("a dune of slippery sand", "a deep, dry canyon", "a wall of red rocks"),
        ("a big red rock", "a half-buried chest", "a heavy stone"),
        ("the sand glitters in the heat", "a lizard dashes across the rocks",
         "the wind draws ripples in the sand"),
        ("the shade of a rocky overhang", "a hollow behind the red rocks"),
        (("a swirling sandstorm", "the sandstorm"), ("a howling dust storm", "the dust storm"))),
    "snowy_village": _s(
        ("the snowy village", "the village", "the little village", "the winter village"),
        ("snow-covered cottages, a snowman and a wooden fence",
         "cottages with smoking chimneys and snowy pines",
         "a snowman standing by a crooked fence", "rooftops heavy with snow and tall pine trees"),
        ("a snowy cottage", "a round snowman", "a wooden fence", "a tall pine", "a cottage chimney"),
        ("a snowy bench", "a wooden sled", "the cottage steps"),
        ("the snowman", "a wooden fence", "a snowy cottage"),
        ("a snowdrift", "the wooden fence", "a snowy roof"),
        ("a huge snowdrift", "an icy path", "a frozen gate"),
        ("a giant snowball", "a heavy sled", "a frozen gate"),
        ("snowflakes drift down softly", "smoke curls from the chimneys", "the snow crunches underfoot"),
        ("a warm cottage", "a little snow hut"),
        (("a swirling blizzard", "the blizzard"), ("a roaring snowstorm", "the snowstorm"))),
    "market_square": _s(
        ("the market square", "the market", "the town square", "the busy market"),
        ("striped awnings, crowded stalls and a splashing fountain", "crates of fruit under bright awnings",
         "a stone fountain in the middle of the stalls", "stalls piled with crates and baskets"),
        ("a fruit stall", "the stone fountain", "a wooden crate", "a striped awning", "a stack of crates"),
        ("the edge of the fountain", "a wooden crate", "a market bench"),
        ("a market stall", "a stack of crates", "the fountain"),
        ("a stack of crates", "the fountain", "a market cart"),
        ("a spilled cart of apples", "a wall of stacked crates", "a huge puddle"),
        ("a cart full of melons", "a heavy crate", "a barrel"),
        ("the fountain splashes and sparkles", "the smell of warm bread drifts past",
         "bunting flaps above the stalls"),
        ("a spot under a big striped awning", "a sheltered stall"),
        (("a sudden thunderstorm", "the storm"), ("a gusty rainstorm", "the rainstorm"))),
}

# Proper names for a story's places: {N} is a made-up name ("Mossbury Forest", "Castle Zanoth").
NAMED: dict[str, tuple[str, ...]] = {
    "forest": ("{N} Forest", "the forest of {N}", "{N} Wood"),
    "beach": ("{N} Bay", "{N} Beach", "{N} Cove"),
    "city_street": ("{N} Street", "the town of {N}", "{N} Lane"),
    "castle_hall": ("the great hall of Castle {N}", "Castle {N}", "the hall of {N} Castle"),
    "classroom": ("{N} School", "the classroom at {N} School"),
    "kitchen": ("the {N} Bakery kitchen", "the kitchen of {N} Cottage"),
    "mountain_pass": ("the {N} Pass", "the {N} mountain trail", "the high road to {N}"),
    "space_station": ("{N} Station", "Starbase {N}", "the {N} space station"),
    "underwater_reef": ("the {N} Reef", "{N} Lagoon"),
    "desert": ("the {N} Desert", "the great {N} Desert"),
    "snowy_village": ("the village of {N}", "{N} village", "snowy {N}"),
    "market_square": ("{N} Market", "the {N} market square", "the market of {N}"),
}

NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "forest": ("mountain_pass", "snowy_village", "market_square", "beach", "city_street"),
    "beach": ("underwater_reef", "forest", "market_square", "desert"),
    "city_street": ("market_square", "classroom", "kitchen", "castle_hall", "space_station"),
    "castle_hall": ("market_square", "forest", "kitchen", "mountain_pass"),
    "classroom": ("city_street", "kitchen", "space_station", "forest"),
    "kitchen": ("market_square", "castle_hall", "classroom", "snowy_village"),
    "mountain_pass": ("snowy_village", "forest", "desert", "castle_hall"),
    "space_station": ("desert", "classroom", "city_street", "underwater_reef"),
    "underwater_reef": ("beach", "market_square", "space_station"),
    "desert": ("mountain_pass", "market_square", "space_station", "beach"),
    "snowy_village": ("mountain_pass", "forest", "kitchen", "market_square"),
    "market_square": ("city_street", "castle_hall", "kitchen", "forest", "beach"),
}

# Light, as a phrase that follows the place: "the forest <in the orange glow of sunset>".
_OUT = {
    "day": ("in bright sunshine", "under a clear blue sky", "in the warm afternoon sun",
            "on a fresh, sunny morning"),
    "dusk": ("in the orange glow of sunset", "as the sky turns pink and gold", "in the soft evening light",
             "under a purple evening sky"),
    "night": ("under a sky full of stars", "by the silver light of the moon", "in the deep blue night",
              "in the quiet dark, lit by the moon"),
}
_IN = {
    "day": ("in bright daylight from the windows", "in the cheerful morning light", "in soft daylight"),
    "dusk": ("in the warm glow of evening", "as golden evening light slants in",
             "in the amber light of evening"),
    "night": ("lit by a single warm lamp", "in the hush of night, lamps glowing",
              "in the quiet dark of night"),
}
_SPECIAL = {
    "castle_hall": {
        "day": ("in daylight falling through tall windows", "in bright morning light"),
        "dusk": ("as the torches are lit along the walls", "in the golden light of evening"),
        "night": ("lit only by flickering torches", "in torchlight and deep shadows")},
    "space_station": {
        "day": ("under bright white ceiling panels", "with sunlight flashing off the portholes"),
        "dusk": ("with the planet's edge glowing orange outside", "in the dimmed evening lights"),
        "night": ("in the blue glow of the night lights", "with stars drifting past the portholes")},
    "underwater_reef": {
        "day": ("in sunbeams slanting down through the water", "in clear, sparkling blue water"),
        "dusk": ("in dim green-gold water as the sun sinks", "in rosy light filtering from above"),
        "night": ("in the inky deep, dotted with glowing specks",
                  "under the faint silver of the moon far above")},
}
_INDOOR = ("castle_hall", "classroom", "kitchen", "space_station")

LIGHT: dict[str, dict[str, tuple[str, ...]]] = {
    s: _SPECIAL.get(s, _IN if s in _INDOOR else _OUT) for s in SCENERY
}

WHEN: dict[str, tuple[str, ...]] = {
    "day": ("One bright morning", "That morning", "One sunny afternoon", "At midday", "Early one morning"),
    "dusk": ("As the sun goes down", "By evening", "Late in the afternoon", "As evening falls"),
    "night": ("That night", "Late at night", "In the middle of the night", "When the moon is high"),
}
DAYPART: dict[str, tuple[str, ...]] = {
    "day": ("morning", "afternoon", "day"), "dusk": ("evening",), "night": ("night",),
}
