#!/usr/bin/env python3
"""Generates the example job files in this directory (Python 3.11+, standard library only).

Run from anywhere:

    python3 examples/generate_examples.py

It (re)writes, next to itself, deterministically (fixed seeds; same bytes on every run):

  reviews-sentiment.jsonl        1,500 task-form jobs (task "sentiment"): product reviews built from templates,
                                 product names and aspect sentences; English plus some German, Spanish and
                                 French; 3 to ~80 words; a few with emoji. metadata: row, sku, lang, label
                                 (label = the tone the text was written with: positive / negative / neutral /
                                 mixed; a hint for eyeballing results, not a model answer).
  translate-sentences.jsonl      1,200 messages-form jobs: catalogue lines, support phrases and UI strings.
                                 Sources are English (to French, Japanese, German, Spanish), Japanese (>= 300,
                                 to English), German and Spanish. metadata: row, source, target, kind.
  mixed-with-bad-records.jsonl   1,049 lines: 990 valid jobs of both forms (metadata.expect = "succeeded") with
                                 59 deliberately bad lines spread through it (ids start with "bad-",
                                 metadata.expect = "dlq" | "rejected" | "expired", metadata.fault names the
                                 fault). Two of the bad lines carry a ~700,000-character prompt (over a 128k-token
                                 context window); the file stays under 2 MB.

Every file is UTF-8, one JSON document per line ("\\n" line ends), compact separators, non-ASCII characters
written as-is. Only the bad lines of the mixed file are not valid JSON, on purpose. The script checks its own
output (counts, distinct texts, JSON validity, sizes) and fails loudly if a check does not hold.

worker-azure.yaml and README.md in this directory are written by hand, not by this script.
"""

from __future__ import annotations

import json
import os
import random
import sys

SEED = 20261123
HERE = os.path.dirname(os.path.abspath(__file__))

REVIEWS_FILE = "reviews-sentiment.jsonl"
TRANSLATE_FILE = "translate-sentences.jsonl"
MIXED_FILE = "mixed-with-bad-records.jsonl"

N_REVIEWS = 1500
N_TRANSLATIONS = 1200
N_MIXED_VALID = 990
OVERSIZE_CHARS = 700_000


def rng_for(name: str) -> random.Random:
    """One independent stream per purpose, so editing one generator does not reshuffle the others."""
    return random.Random(f"{SEED}:{name}")


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------------------------
# Reviews
# ---------------------------------------------------------------------------------------------------------------
# Placeholders in review sentences: {this} "this phone" / "these headphones", {it} object pronoun,
# {It}/{they} subject pronoun, {s}/{es} verb ending after it ("s"/"es" or ""), {name} full product name,
# {the_name} "the Nova X12 smartphone" (book titles stay bare), {short} product noun, {the} "the phone",
# {The} "The phone", {dur} a duration, {years} a number of years.

CATEGORIES = [
    {
        "code": "PHN", "plural": False,
        "products": [
            ("Nova X12 smartphone", "phone"), ("Pixelon 8a", "phone"), ("Orbit S5 Lite", "phone"),
            ("Kestrel One 5G", "phone"), ("Vela Mini 13", "phone"), ("Terra Max Pro", "phone"),
        ],
        "pos": [
            "The battery easily gets me through a full day of heavy use.",
            "The camera takes sharp photos even in low light.",
            "The screen is bright enough to read in direct sunlight.",
            "Face unlock is fast and works even with my glasses on.",
            "It feels premium in the hand without being too heavy.",
            "Charging from 10 to 80 percent takes about half an hour.",
            "Setup took ten minutes and all my data transferred without a hitch.",
            "The speakers are surprisingly loud and clear for a phone this thin.",
            "Updates arrive regularly and the software feels snappy.",
            "It actually fits in my jeans pocket, which is rare these days.",
            "Call quality is excellent and nobody complains about echo anymore.",
            "The 120 Hz display makes scrolling buttery smooth.",
        ],
        "neg": [
            "The battery drains overnight even when I'm not using it.",
            "The camera struggles indoors and everything looks grainy.",
            "It gets uncomfortably hot while charging.",
            "The fingerprint sensor fails about half the time.",
            "Since the last update it restarts by itself several times a day.",
            "The screen scratched within a week despite the case.",
            "There's no headphone jack and no adapter in the box.",
            "Reception is noticeably worse than my old phone and calls drop in the car.",
            "It came with preinstalled apps I can't uninstall.",
            "The charging port got loose after two months.",
            "Wi-Fi keeps disconnecting, and support just told me to reset it.",
            "It's far too big to use with one hand.",
        ],
        "neu": [
            "It's a phone: calls, messages, a few apps, nothing more to say.",
            "Performance is about what you'd expect for the price.",
            "The camera is average, fine for social media and not much more.",
            "I switched from another brand and it took a while to get used to the menus.",
            "Battery life is neither great nor terrible.",
        ],
    },
    {
        "code": "HDP", "plural": True,
        "products": [
            ("Auralis Q30 headphones", "headphones"), ("SoundPeak Buds 2", "earbuds"),
            ("Tempo ANC earbuds", "earbuds"), ("Harbor H7 over-ear headphones", "headphones"),
            ("Zephyr Lite earbuds", "earbuds"), ("Crest Studio headphones", "headphones"),
        ],
        "pos": [
            "The noise cancelling is genuinely impressive on the train.",
            "The battery lasts a whole week of commuting.",
            "They're comfortable even after a three-hour flight.",
            "The bass is punchy without drowning out the vocals.",
            "Pairing with my phone and laptop at the same time just works.",
            "They stay put during runs, even on hills.",
            "The microphone is clear enough for work calls.",
            "The sound is balanced and detailed, much better than I expected at this price.",
            "The app's equalizer actually makes a difference.",
            "Transparency mode sounds natural; I can hold a conversation without taking them off.",
            "The charging case is small enough for a coin pocket.",
        ],
        "neg": [
            "The left one keeps disconnecting.",
            "The ear cushions started peeling after three months.",
            "They hurt my ears after about forty minutes.",
            "There's a constant hiss when noise cancelling is on.",
            "The microphone makes me sound like I'm in a tunnel.",
            "The case hinge snapped within a few weeks.",
            "The sound lags behind the video on my laptop.",
            "Battery life is nowhere near the advertised 30 hours.",
            "They fall out every time I turn my head.",
            "The touch controls trigger whenever I adjust them.",
            "One side is noticeably quieter than the other.",
        ],
        "neu": [
            "They sound fine, but I'm not an audiophile.",
            "Noise cancelling is okay, not as strong as the pricier models.",
            "Comfort is average; the fit will depend on your ears.",
            "I mostly use them for podcasts, and for that they're fine.",
            "They're a bit bulky, which I expected.",
        ],
    },
    {
        "code": "KIT", "plural": False,
        "products": [
            ("BrewMaster 12-cup coffee maker", "coffee maker", [
                "The coffee comes out hot, and with the timer it's ready when I wake up.",
                "The thermal carafe keeps coffee warm for hours."], [
                "The carafe drips every single time I pour.",
                "Coffee tastes weak even on the strong setting."]),
            ("Vortex 5.5 L air fryer", "air fryer", [
                "Fries come out crispy in fifteen minutes with barely any oil.",
                "Reheated pizza tastes better than it did fresh."], [
                "The basket is too small for more than two portions.",
                "The basket coating started to peel after a month."]),
            ("Kelvin electric kettle", "kettle", [
                "It boils a full litre in under three minutes.",
                "The temperature presets are perfect for green tea."], [
                "The water tastes of plastic.",
                "Limescale builds up fast and the filter is hard to remove."]),
            ("PulsePro blender", "blender", [
                "It crushes ice for smoothies in seconds.",
                "Frozen fruit blends completely smooth."], [
                "It can't handle frozen fruit without stalling.",
                "The jug cracked near the base."]),
            ("CrispLine 2-slice toaster", "toaster", [
                "It toasts evenly on both sides.",
                "The wide slots fit bagels easily."], [
                "One side always comes out darker than the other.",
                "The crumb tray is nearly impossible to pull out."]),
            ("Maison stand mixer", "stand mixer", [
                "It kneads bread dough without wandering across the counter.",
                "The attachments are sturdy and easy to swap."], [
                "The motor smells hot after ten minutes of kneading.",
                "The bowl wobbles on the base."]),
            ("Aroma 5-cup rice cooker", "rice cooker", [
                "Rice comes out perfect every time, even brown rice.",
                "The keep-warm setting is a lifesaver on busy evenings."], [
                "Rice burns onto the bottom of the pot.",
                "The inner pot's coating scratched on the first day."]),
        ],
        "pos": [
            "{The} is easy to clean, and most parts go in the dishwasher.",
            "It heats up quickly and the controls are intuitive.",
            "It takes up much less counter space than my old one.",
            "It's quieter than I expected.",
            "The build quality feels solid; nothing rattles.",
            "The instructions were clear and I was using it within minutes.",
        ],
        "neg": [
            "It stopped working after six weeks.",
            "The plastic smell hasn't gone away after a dozen uses.",
            "It's so loud I can't use it while the baby sleeps.",
            "The cord is ridiculously short.",
            "The lid doesn't close properly.",
            "The buttons are stiff and the display is hard to read.",
        ],
        "neu": [
            "It does what {the} should do.",
            "Nothing fancy, but it gets the job done.",
            "It's a little bigger than I'd imagined from the photos.",
            "It works, though I haven't tried all the settings yet.",
        ],
    },
    {
        "code": "BOK", "plural": False,
        "products": [
            ("The Salt Orchard", "book", "fiction"), ("Quiet Engines", "book", "fiction"),
            ("Midnight at Harrow Station", "book", "fiction"),
            ("A Field Guide to Urban Birds", "guide", [
                "The photos make even sparrows easy to tell apart.",
                "It's small enough to carry on walks."], [
                "Half the birds in it don't live anywhere near here.",
                "The photos are too small to be useful."]),
            ("Cooking with Five Ingredients", "cookbook", [
                "The recipes actually work and use things I already have.",
                "Every recipe has a photo, which helps a lot."], [
                "Several recipes have the wrong quantities.",
                "Half the recipes need ingredients I couldn't find anywhere."]),
            ("The Long Ledger", "book", [
                "It's well researched but never dry.",
                "The maps and timelines make a complicated period easy to follow."], [
                "It reads like a list of dates.",
                "The footnotes take up more space than the text."]),
        ],
        "fiction_pos": [
            "The plot kept me up well past midnight.",
            "The characters feel like real people.",
            "The ending surprised me without feeling cheap.",
            "The dialogue is sharp and often funny.",
        ],
        "fiction_neg": [
            "The middle drags for at least a hundred pages.",
            "The characters are flat and the dialogue is stilted.",
            "The ending felt rushed, as if the author ran out of time.",
            "I guessed the twist in the first chapter.",
        ],
        "pos": [
            "Beautifully written; I read some sentences twice.",
            "I finished it in two sittings.",
            "The hardcover is lovely, with thick paper and a sturdy binding.",
            "It's well edited and a pleasure to read.",
        ],
        "neg": [
            "The print is tiny and the paper is almost see-through.",
            "The e-book edition is full of typos.",
            "My copy arrived with a bent cover and a torn page.",
            "It's mostly padding; the main idea would fit in a blog post.",
        ],
        "neu": [
            "A solid read for a long flight.",
            "Not the author's best, not the worst either.",
            "I read it for my book club and opinions were split.",
            "It's fine, though I probably won't reread it.",
        ],
        "contexts": [
            "I read {this} for my book club.",
            "Bought {this} as a gift for my mum.",
            "Picked {this} up at the airport.",
            "A friend recommended {this}.",
            "I read {this} over {dur}.",
        ],
    },
    {
        "code": "SHO", "plural": True,
        "products": [
            ("Stride Runner 3 running shoes", "running shoes"), ("Alpine Trek hiking boots", "boots"),
            ("CityWalk leather sneakers", "sneakers"), ("Breeze canvas slip-ons", "slip-ons"),
            ("Summit GTX trail shoes", "trail shoes"), ("Loft wool slippers", "slippers"),
        ],
        "pos": [
            "They fit true to size.",
            "They were comfortable straight out of the box, no break-in needed.",
            "They look smarter in person than in the photos.",
            "There's plenty of room in the toe box.",
            "The grip is excellent on wet pavement.",
            "The cushioning makes a real difference on long days on my feet.",
            "They're light and my feet don't get sweaty.",
        ],
        "neg": [
            "They run at least half a size small.",
            "The sole started separating after a month.",
            "They gave me blisters on the first walk.",
            "They squeak with every step.",
            "The color is much more orange than in the pictures.",
            "The insole slides around inside.",
            "The stitching came apart at the heel.",
        ],
        "neu": [
            "The fit is as expected; I ordered my usual size.",
            "They're comfortable enough for everyday errands.",
            "The color is slightly different from the photo, but fine.",
            "They're a bit stiff, maybe they'll soften up.",
        ],
    },
    {
        "code": "FUR", "plural": False,
        "products": [
            ("Ergo Pro office chair", "chair", [
                "My back feels noticeably better after long workdays.",
                "The armrests adjust in every direction."], [
                "The gas lift sinks slowly through the day.",
                "The seat cushion flattened within two months."]),
            ("Linden 3-seat sofa", "sofa", [
                "The cushions are firm but comfortable for movie nights.",
                "The cover zips off and washes well."], [
                "The seat cushions already sag in the middle.",
                "The fabric pills badly."]),
            ("Fjord 5-shelf bookcase", "bookcase", [
                "It holds all my hardcovers without bowing."], [
                "The shelves bow under a few paperbacks."]),
            ("Oakline dining table", "table", [
                "It seats six comfortably."], [
                "The top marks if you so much as put a wet glass on it."]),
            ("Nest bedside table", "bedside table", [
                "The drawer slides smoothly and closes quietly."], [
                "The drawer sticks."]),
            ("Atlas standing desk", "desk", [
                "The motor is quiet and the height presets are handy."], [
                "It shakes when raised to standing height."]),
        ],
        "pos": [
            "Assembly took about forty minutes with two people.",
            "It feels sturdy and doesn't wobble at all.",
            "The finish looks more expensive than it was.",
            "All the screws were labeled and the instructions were clear.",
            "It fits perfectly in our small apartment.",
        ],
        "neg": [
            "Two of the pre-drilled holes didn't line up.",
            "It arrived with a deep scratch on the top.",
            "It wobbles no matter how much I tighten the bolts.",
            "A piece was missing and it took three weeks to get a replacement.",
            "The veneer started peeling at the corners.",
        ],
        "neu": [
            "Assembly was straightforward but took most of an afternoon.",
            "It's smaller than it looks in the photos, so measure first.",
            "The color is a shade darker than shown.",
        ],
    },
    {
        "code": "LAP", "plural": False,
        "products": [
            ("Vertex 14 ultrabook", "laptop"), ("Cobalt 15 laptop", "laptop"),
            ("Aero Book Air 13", "laptop"), ("Titan G7 gaming laptop", "laptop"),
        ],
        "pos": [
            "It boots in seconds and handles dozens of browser tabs without slowing down.",
            "The keyboard is a joy to type on.",
            "The battery lasts a full workday of writing and video calls.",
            "The display is sharp and accurate enough for photo editing.",
            "It's light enough that I forget it's in my bag.",
            "The fans stay quiet unless I'm gaming.",
        ],
        "neg": [
            "The fans are loud even when I'm just browsing.",
            "The trackpad randomly stops responding.",
            "There are only two USB-C ports, and one is needed for charging.",
            "The screen hinge wobbles when I type.",
            "Battery life is half of what was advertised.",
            "The webcam is grainy even in good light.",
        ],
        "neu": [
            "Performance is fine for office work; I haven't tried anything heavier.",
            "It's a capable laptop, though nothing about it stands out.",
            "It came with the usual trial software preinstalled.",
        ],
    },
    {
        "code": "WCH", "plural": False,
        "products": [
            ("Pulse Fit 4 smartwatch", "watch"), ("Meridian GPS watch", "watch"),
            ("Vita Band 2 fitness tracker", "tracker"),
        ],
        "pos": [
            "Sleep tracking is surprisingly accurate.",
            "GPS locks on within seconds at the start of a run.",
            "The battery lasts about nine days with notifications on.",
            "It's comfortable enough to wear to bed.",
            "The display is easy to read even in bright sun.",
        ],
        "neg": [
            "Heart rate readings jump around during workouts.",
            "It loses the connection to my phone every few hours.",
            "The strap gave me a rash.",
            "The screen is hard to read outdoors.",
            "The step count goes up when I'm driving.",
        ],
        "neu": [
            "The step count seems roughly right.",
            "Notifications work, but you can't do much with them.",
            "It's fine for basic tracking.",
        ],
    },
    {
        "code": "VAC", "plural": False,
        "products": [
            ("CleanSweep V8 cordless vacuum", "vacuum", [
                "It's light enough to carry up the stairs easily."], [
                "The battery dies after twelve minutes on max power."]),
            ("RoboNest S2 robot vacuum", "robot vacuum", [
                "It maps the whole flat and cleans while I'm at work."], [
                "It keeps getting stuck under the sofa."]),
            ("DustLite handheld vacuum", "handheld vacuum", [
                "It's perfect for crumbs in the car."], [
                "The suction is too weak for anything but dust."]),
        ],
        "pos": [
            "It picks up pet hair from carpets in one pass.",
            "Emptying the bin is quick and mess-free.",
            "It's much quieter than our old one.",
        ],
        "neg": [
            "The brush roll gets tangled with hair constantly.",
            "The filter clogs after every use.",
            "The bin latch broke in the second week.",
        ],
        "neu": [
            "It cleans about as well as our old one.",
            "Suction is decent on hard floors, less so on rugs.",
        ],
    },
    {
        "code": "BAG", "plural": False,
        "products": [
            ("Voyager 20-inch carry-on", "suitcase", [
                "It fits in the overhead bin on budget airlines.",
                "The wheels glide smoothly even on cobblestones."], [
                "A wheel cracked on its first trip.",
                "The telescopic handle rattles and sticks."]),
            ("Trailhead 28 L backpack", "backpack", [
                "The hip belt takes the weight off my shoulders on long hikes."], [
                "The straps dig into my shoulders."]),
            ("Metro laptop backpack", "backpack", [
                "The padded sleeve fits my 15-inch laptop snugly."], [
                "The laptop sleeve is too tight for a 15-inch laptop."]),
        ],
        "pos": [
            "There's a pocket for everything.",
            "The fabric shrugged off a downpour.",
            "The zips are sturdy and run smoothly.",
        ],
        "neg": [
            "The zipper broke after two weeks.",
            "The fabric is thinner than it looks.",
            "The seams started fraying within a month.",
        ],
        "neu": [
            "It's roomy enough for a weekend away.",
            "It does the job, nothing more.",
        ],
    },
]

GENERIC = {
    "pos": [
        "It arrived two days early and well packed.",
        "Great value for the price.",
        "Customer service replaced a faulty part within a week.",
        "Delivery was quick and the packaging was recyclable.",
    ],
    "neg": [
        "The box arrived crushed.",
        "Customer service never answered my emails.",
        "It's overpriced for what you get.",
        "It took three weeks to arrive.",
        "It was clearly a returned item sold as new.",
    ],
    "neu": [
        "Delivery took about a week.",
        "The price is about the same as in stores.",
        "The packaging was minimal.",
    ],
}

CONTEXTS = [
    "Bought {this} for my daughter's dorm room.",
    "I got {this} as a birthday present for my dad.",
    "I've been using {this} every day for {dur}.",
    "Ordered {this} to replace one that lasted {years} years.",
    "Picked {this} up during a sale.",
    "We've had {this} for {dur} now.",
    "Bought {this} after my old one died.",
    "I've had {this} for {dur}.",
]
DURATIONS = ["two weeks", "a month", "three months", "about six months", "nearly a year", "ten days",
             "a couple of weeks", "five weeks", "two months", "over a year"]
YEARS = ["three", "four", "five", "six", "seven", "eight", "ten", "twelve"]

OPENERS = {
    "pos": ["Really happy with {this}.", "Exactly what I was looking for.", "Best purchase I've made this year.",
            "Honestly impressed.", "Five stars.", "Bought {this} after reading the reviews here and I'm glad I did.",
            "I don't usually write reviews, but {this} deserve{s} one.", "Pleasantly surprised by {the_name}.",
            "So far so good.", "Wow."],
    "neg": ["Very disappointed.", "Do not buy.", "I wanted to like {this}, but no.", "What a letdown.",
            "One star, and that's generous.", "I had high hopes for {the_name}.", "I regret buying {this}.",
            "Not happy."],
    "mix": ["Mixed feelings about {this}.", "Good, but not perfect.", "Some things I love, some I really don't.",
            "Decent, with a few caveats.", "Three stars.", "Almost great."],
    "neu": ["It's okay.", "Fine.", "Nothing special.", "Average.", "No strong feelings either way."],
}
CLOSERS = {
    "pos": ["Would buy again.", "Highly recommend.", "Worth every penny.", "10/10.", "No regrets.",
            "Already ordered another one as a gift.", "Can't fault {it}."],
    "neg": ["Returning {it}.", "Save your money.", "Avoid.", "Waiting on a refund now.", "Never again.",
            "Back in the box {they} go{es}."],
    "mix": ["Good, not great.", "I'd recommend {it} with reservations.", "Fix that and it'd be five stars.",
            "Still on the fence about keeping {it}.", "Three stars for now."],
    "neu": ["Will update after a few more weeks.", "No complaints so far, no excitement either.",
            "Time will tell.", "It is what it is."],
}
CONTRAST_NEG = ["But ", "Unfortunately, ", "That said, ", "My only complaint: ", "On the downside, ",
                "The catch: ", "However, "]
CONTRAST_POS = ["On the plus side, ", "Still, ", "To be fair, ", "Then again, "]
SHORT = {
    "pos": ["Love it, thanks!", "Great {short}, highly recommend.", "Works perfectly, thank you!", "Exactly as described.",
            "Excellent value for money.", "Best {short} I've ever owned.", "Super happy with this purchase.",
            "Five stars, no complaints.", "Arrived fast, works great.", "Absolutely love {it}!",
            "Really great quality.", "A perfect gift."],
    "neg": ["Broke after one week.", "Not worth the money.", "Arrived damaged, returning {it}.",
            "Worst {short} I've ever bought.", "Stopped working after three days.", "DO NOT BUY.",
            "Cheap and flimsy.", "Complete waste of money.", "Terrible quality, honestly.", "Very poor quality."],
    "neu": ["It's fine overall.", "Does the job.", "Just as expected.", "Okay for the price.", "Average {short}, nothing special.",
            "Arrived on time.", "Works as described."],
    "mix": ["Good quality, slow delivery.", "Great {short}, terrible packaging.", "Looks nice, feels cheap.",
            "Works well but overpriced.", "Nice design, poor instructions."],
}
EMOJI = {
    "pos": ["😍", "👍", "🔥", "💯", "🙌", "⭐⭐⭐⭐⭐", "❤️", "😊"],
    "neg": ["😡", "👎", "🙄", "😤", "😞", "🤬"],
    "mix": ["🤷", "😐", "🤔"],
    "neu": ["🙂", "😐", "👌"],
}
STARS = {
    "pos": ["5/5. ", "★★★★★ ", "5 stars. ", "4/5. "],
    "neg": ["1/5. ", "★☆☆☆☆ ", "1 star. ", "2/5. "],
    "mix": ["3/5. ", "★★★☆☆ ", "3 stars. "],
    "neu": ["3 stars. ", "3/5. "],
}
LABEL = {"pos": "positive", "neg": "negative", "mix": "mixed", "neu": "neutral"}

# Foreign-language reviews: self-contained sentences about "the product", so no agreement is needed.
FOREIGN = {
    "de": {
        "pos_open": ["Sehr zufrieden!", "Absolut empfehlenswert.", "Top Qualität, gerne wieder.",
                     "Hat meine Erwartungen übertroffen.", "Klare Kaufempfehlung."],
        "pos": ["Die Lieferung kam schneller als angekündigt.", "Die Verarbeitung ist hochwertig.",
                "Das Preis-Leistungs-Verhältnis stimmt.", "Die Einrichtung war in wenigen Minuten erledigt.",
                "Es sieht in echt noch besser aus als auf den Fotos.", "Ich benutze es jeden Tag und bin begeistert.",
                "Die Anleitung ist verständlich geschrieben."],
        "neg_open": ["Leider eine Enttäuschung.", "Nicht zu empfehlen.", "Finger weg!", "Schade um das Geld."],
        "neg": ["Nach zwei Wochen ging es kaputt.", "Die Verpackung war beschädigt und ein Teil fehlte.",
                "Der Kundenservice hat nie geantwortet.", "Die Qualität ist deutlich schlechter als erwartet.",
                "Es riecht stark nach Plastik.", "Die Rücksendung war kompliziert.",
                "Es ist viel kleiner, als es auf den Bildern aussieht."],
        "neu": ["Ganz okay für den Preis.", "Erfüllt seinen Zweck.", "Nichts Besonderes, aber auch nichts Schlechtes.",
                "Die Lieferung hat etwa eine Woche gedauert.", "Entspricht der Beschreibung."],
        "but": "Aber ", "lower": {"Die", "Der", "Das", "Es", "Nach", "Ich"},
        "short": {"pos": ["Super Produkt, danke!", "Alles bestens, danke."], "neg": ["Nie wieder, ehrlich.", "Das ist totaler Schrott."],
                  "neu": ["Passt schon, danke.", "Ist ganz okay."], "mix": ["Gut, aber teuer."]},
    },
    "es": {
        "pos_open": ["¡Muy contento con la compra!", "Totalmente recomendable.", "Calidad excelente.",
                     "Superó mis expectativas."],
        "pos": ["Llegó antes de lo previsto.", "Los acabados son de muy buena calidad.",
                "La relación calidad-precio es inmejorable.", "Es muy fácil de usar.",
                "Lo uso todos los días y funciona perfecto.", "En persona es aún más bonito que en las fotos."],
        "neg_open": ["Una decepción.", "No lo recomiendo.", "Dinero tirado.", "Muy mala experiencia."],
        "neg": ["Se rompió a las dos semanas.", "El paquete llegó dañado y faltaba una pieza.",
                "El servicio de atención al cliente no responde.", "La calidad es mucho peor de lo que esperaba.",
                "Huele muchísimo a plástico.", "La devolución fue un lío.", "Es bastante más pequeño de lo que parece."],
        "neu": ["Está bien por el precio.", "Cumple su función.", "Nada especial, la verdad.", "El envío tardó una semana.",
                "Es tal como se describe."],
        "but": "Pero ", "lower": {"El", "La", "Los", "Las", "Lo", "Llegó", "Se", "Es", "Huele", "En"},
        "short": {"pos": ["¡Me encanta, gracias!", "Todo perfecto, gracias."], "neg": ["No funciona nada.", "Fatal, no funciona."],
                  "neu": ["Es normalito, nada más.", "Correcto y nada más."], "mix": ["Bonito pero caro."]},
    },
    "fr": {
        "pos_open": ["Très satisfait !", "Je recommande vivement.", "Excellent rapport qualité-prix.",
                     "Parfait, rien à redire."],
        "pos": ["La livraison a été plus rapide que prévu.", "Les finitions sont impeccables.",
                "Il est très simple à utiliser.", "Je m'en sers tous les jours et il fonctionne parfaitement.",
                "Le rendu est encore plus joli qu'en photo.", "La notice est claire."],
        "neg_open": ["Très déçu.", "À éviter.", "Je ne recommande pas.", "Quelle déception."],
        "neg": ["Il est tombé en panne au bout de deux semaines.", "Le colis est arrivé abîmé et il manquait une pièce.",
                "Le service client ne répond jamais.", "La qualité est bien en dessous de mes attentes.",
                "Il dégage une forte odeur de plastique.", "Le retour a été compliqué.",
                "Il est beaucoup plus petit qu'il n'y paraît."],
        "neu": ["Correct pour le prix.", "Il fait le travail.", "Rien de spécial.", "Livraison en une semaine environ.",
                "Conforme à la description."],
        "but": "Mais ", "lower": {"Le", "La", "Les", "Il", "Je", "Une"},
        "short": {"pos": ["Génial, merci beaucoup !", "Vraiment au top."], "neg": ["Nul, à éviter.", "Ne fonctionne pas."],
                  "neu": ["Correct, sans plus.", "Ça fait l'affaire."], "mix": ["Joli mais fragile."]},
    },
}


def lc_first(s: str) -> str:
    """Lower-cases the first word when it is an ordinary capitalised word (not I, I'm, Wi-Fi, GPS, USB-C...)."""
    base = s.split(" ", 1)[0].split("'", 1)[0]
    if base == "I" or not base.isalpha() or not base[1:].islower():
        return s
    return s[0].lower() + s[1:]


class Product:
    def __init__(self, cat: dict, entry: tuple, sku: str):
        self.cat = cat
        self.name = entry[0]
        self.short = entry[1]
        self.plural = cat["plural"]
        extra_pos, extra_neg = [], []
        if len(entry) == 3 and entry[2] == "fiction":
            extra_pos, extra_neg = cat["fiction_pos"], cat["fiction_neg"]
        elif len(entry) == 4:
            extra_pos, extra_neg = entry[2], entry[3]
        self.pos = list(cat["pos"]) + list(extra_pos) * 2  # product-specific lines a little more often
        self.neg = list(cat["neg"]) + list(extra_neg) * 2
        self.neu = list(cat["neu"])
        self.sku = sku

    def fill(self, s: str, rng: random.Random) -> str:
        this = ("these " if self.plural else "this ") + self.short
        return s.format(
            this=this, it="them" if self.plural else "it", It="They" if self.plural else "It",
            they="they" if self.plural else "it", s="" if self.plural else "s", es="" if self.plural else "es",
            name=self.name, the_name=self.name if self.cat["code"] == "BOK" else "the " + self.name,
            short=self.short,
            the="the " + self.short, The="The " + self.short,
            dur=rng.choice(DURATIONS), years=rng.choice(YEARS))


def make_products(rng: random.Random) -> list[Product]:
    products = []
    used = set()
    for cat in CATEGORIES:
        for entry in cat["products"]:
            while True:
                sku = f"{cat['code']}-{rng.randint(1000, 9999)}"
                if sku not in used:
                    used.add(sku)
                    break
            products.append(Product(cat, entry, sku))
    return products


def english_review(p: Product, tone: str, rng: random.Random) -> str:
    """One review of product p with the given tone (pos/neg/mix/neu); 3 to ~80 words."""
    fill = lambda s: p.fill(s, rng)  # noqa: E731
    contexts = p.cat.get("contexts", CONTEXTS)
    if rng.random() < 0.16:
        text = fill(rng.choice(SHORT[tone]))
    else:
        parts: list[str] = []
        long_form = tone in ("pos", "neg") and rng.random() < 0.06  # the ones who write an essay
        if long_form or rng.random() < 0.45:
            parts.append(fill(rng.choice(OPENERS[tone])))
        if long_form or rng.random() < 0.35:
            parts.append(fill(rng.choice(contexts)))
        size = rng.choice([5, 6]) if long_form else rng.choices([1, 2, 3, 4, 5], weights=[4, 4, 3, 2, 1])[0]
        if tone in ("pos", "neg"):
            pool = p.pos if tone == "pos" else p.neg
            body = [fill(x) for x in rng.sample(sorted(set(pool)), min(size, len(set(pool))))]
            parts += body
            if long_form or rng.random() < 0.3:
                parts.append(rng.choice(GENERIC[tone]))
        elif tone == "neu":
            parts += [fill(x) for x in rng.sample(p.neu, min(max(1, size - 1), len(p.neu)))]
            if rng.random() < 0.4:
                parts.append(rng.choice(GENERIC["neu"]))
        else:  # mixed: good and bad, joined by a contrast
            goods = [fill(x) for x in rng.sample(sorted(set(p.pos)), rng.choice([1, 1, 2]))]
            bads = [fill(x) for x in rng.sample(sorted(set(p.neg)), rng.choice([1, 1, 2]))]
            if rng.random() < 0.7:
                parts += goods
                parts.append(rng.choice(CONTRAST_NEG) + lc_first(bads[0]))
                parts += bads[1:]
            else:
                parts += bads
                parts.append(rng.choice(CONTRAST_POS) + lc_first(goods[0]))
                parts += goods[1:]
        if long_form or rng.random() < 0.4:
            parts.append(fill(rng.choice(CLOSERS[tone])))
        while len(" ".join(parts).split()) > 82 and len(parts) > 2:
            parts.pop(len(parts) // 2)
        text = " ".join(parts)
        if rng.random() < 0.07:
            text = rng.choice(STARS[tone]) + text
    r = rng.random()
    if r < 0.06:
        text += " " + rng.choice(EMOJI[tone]) * rng.choice([1, 1, 2])
    elif r < 0.09:
        text = text.lower().rstrip(".")
    return text


def foreign_review(lang: str, tone: str, rng: random.Random) -> str:
    f = FOREIGN[lang]
    if rng.random() < 0.15:
        return rng.choice(f["short"][tone])
    parts: list[str] = []
    if tone == "pos":
        if rng.random() < 0.7:
            parts.append(rng.choice(f["pos_open"]))
        parts += rng.sample(f["pos"], rng.choice([1, 2, 2, 3]))
    elif tone == "neg":
        if rng.random() < 0.7:
            parts.append(rng.choice(f["neg_open"]))
        parts += rng.sample(f["neg"], rng.choice([1, 2, 2, 3]))
    elif tone == "neu":
        parts += rng.sample(f["neu"], rng.choice([1, 2]))
    else:
        parts.append(rng.choice(f["pos"]))
        bad = rng.choice(f["neg"])
        word = bad.split(" ", 1)[0]
        parts.append(f["but"] + (bad[0].lower() + bad[1:] if word in f["lower"] else bad))
    text = " ".join(parts)
    if rng.random() < 0.08:
        text += " " + rng.choice(EMOJI[tone])
    return text


def review_stream(rng: random.Random, products: list[Product], count: int, distinct_long: bool = True):
    """Yields (text, product, lang, label). Long reviews are kept distinct; short ones may repeat, as in life."""
    seen: set[str] = set()
    tones = ["pos", "neg", "mix", "neu"]
    weights = [42, 28, 15, 15]
    produced = 0
    while produced < count:
        tone = rng.choices(tones, weights)[0]
        product = rng.choice(products)
        lang = rng.choices(["en", "de", "es", "fr"], weights=[93, 3, 2, 2])[0]
        for _ in range(50):
            text = english_review(product, tone, rng) if lang == "en" else foreign_review(lang, tone, rng)
            if text not in seen or (distinct_long and len(text.split()) <= 7):
                break
        seen.add(text)
        produced += 1
        yield text, product, lang, LABEL[tone]


def write_reviews() -> list[str]:
    rng = rng_for("reviews")
    products = make_products(rng_for("skus"))
    lines = []
    for i, (text, product, lang, label) in enumerate(review_stream(rng, products, N_REVIEWS), start=1):
        lines.append(dumps({
            "id": f"rev-{i:06d}", "model": "gpt-4o-mini", "task": "sentiment", "input": text,
            "submitter": "reviews-svc", "batch": "reviews-2026-11-23", "priority": "normal",
            "metadata": {"row": i, "sku": product.sku, "lang": lang, "label": label},
        }))
    return lines


# ---------------------------------------------------------------------------------------------------------------
# Translation sources
# ---------------------------------------------------------------------------------------------------------------
LANG_NAMES = {"en": "English", "fr": "French", "ja": "Japanese", "de": "German", "es": "Spanish"}

EN_UI = [
    "Add to cart", "Proceed to checkout", "Your cart is empty.", "Sign in to see your orders.", "Forgot your password?",
    "Create an account", "Continue shopping", "Save for later", "Remove", "Apply coupon", "Enter your coupon code",
    "Order summary", "Estimated delivery", "Track your package", "Write a review", "Sort by: Price, low to high",
    "Sort by: Most popular", "Filter results", "Clear all filters", "No results found. Try a different search.",
    "Out of stock", "In stock", "Notify me when available", "Choose a size", "Choose a color", "Size guide",
    "Quantity", "Subtotal", "Shipping and taxes calculated at checkout.", "Place order", "Edit shipping address",
    "Change payment method", "Your order has been placed.", "Something went wrong. Please try again.",
    "Your session has expired. Please sign in again.", "Added to your wishlist.", "Removed from your wishlist.",
    "Compare products", "Customers also bought", "Recently viewed", "Back to top", "Load more",
    "Accept all cookies", "Manage cookie preferences", "Subscribe to our newsletter",
    "You're subscribed! Check your inbox to confirm.", "Secure checkout", "Gift wrapping available",
    "Ships from and sold by our store.", "Return policy", "Contact us", "Help center", "My orders", "Sign out",
    "Please enter a valid email address.", "Password must be at least 8 characters.", "Passwords do not match.",
    "Verify your phone number", "We sent a 6-digit code to your phone.", "Resend code", "Free returns",
]

EN_SUPPORT = [
    "Your order {order} has shipped and should arrive within {n} business days.",
    "We're sorry, the {item} is currently out of stock.",
    "You can return unused items within {d} days of delivery.",
    "Your refund has been issued and should appear on your statement within {n} business days.",
    "Could you send us a photo of the damaged {item}?",
    "We've sent a replacement {item} at no extra cost.",
    "Thanks for your patience while we look into this.",
    "Please include your order number in your reply.",
    "The {item} comes with a {y}-year limited warranty.",
    "We can't change the delivery address once an order has shipped.",
    "Your order {order} has been cancelled and you have not been charged.",
    "The courier attempted delivery but nobody was home.",
    "Your package is waiting at the nearest pickup point.",
    "We'll email you as soon as the {item} is back in stock.",
    "Unfortunately, we don't ship to PO boxes.",
    "Express shipping is available for an extra {price}.",
    "This promotion can't be combined with other discounts.",
    "Your account has been verified.",
    "We have received your return and are processing it now.",
    "Is there anything else I can help you with today?",
    "I've escalated your case to our technical team.",
    "Please restart the {item} and try pairing it again.",
    "Hold the power button for ten seconds to reset the {item}.",
    "The charger included with the {item} works worldwide.",
    "Sorry for the delay; your order {order} left our warehouse this morning.",
    "You'll receive a prepaid return label by email within 24 hours.",
    "Our support team is available Monday to Friday, 9 am to 6 pm.",
    "We're experiencing higher than usual volumes, so replies may take a little longer.",
]

EN_CATALOGUE_ITEMS = [
    ("water bottle", ["Stainless steel", "BPA-free plastic", "Double-walled"],
     ["a leak-proof lid", "a wide mouth for ice cubes", "a carry loop"], ["500 ml", "750 ml", "1 L"]),
    ("backpack", ["Water-resistant", "Recycled polyester", "Waxed canvas"],
     ["a padded 15-inch laptop sleeve", "hidden anti-theft pockets", "a luggage strap"], ["20 L", "28 L", "32 L"]),
    ("T-shirt", ["Organic cotton", "Merino wool", "Slub cotton"],
     ["a relaxed fit", "reinforced seams", "a crew neck"], ["sizes XS to XXL", "sizes S to XL"]),
    ("desk lamp", ["Aluminium", "Matte steel", "Bamboo"],
     ["three brightness levels", "a USB charging port", "an adjustable arm"], ["40 cm", "45 cm"]),
    ("wireless mouse", ["Ergonomic", "Compact", "Silent-click"],
     ["a 12-month battery life", "Bluetooth and USB receiver", "six programmable buttons"], ["right-handed"]),
    ("frying pan", ["Cast iron", "Non-stick aluminium", "Tri-ply stainless steel"],
     ["a stay-cool handle", "an oven-safe design up to 260 °C", "a pouring lip"], ["24 cm", "28 cm"]),
    ("yoga mat", ["Natural rubber", "TPE", "Cork"],
     ["a non-slip surface", "alignment lines", "a carrying strap"], ["4 mm", "6 mm"]),
    ("phone case", ["Clear silicone", "Leather", "Recycled plastic"],
     ["raised edges to protect the camera", "a card slot", "MagSafe-compatible magnets"], ["6.1-inch", "6.7-inch"]),
    ("duvet cover set", ["Linen", "Cotton percale", "Brushed cotton"],
     ["hidden button fastening", "two matching pillowcases", "corner ties"], ["double", "king size"]),
    ("coffee mug", ["Stoneware", "Enamel", "Porcelain"],
     ["a hand-glazed finish", "a comfortable handle", "a matching saucer"], ["350 ml", "450 ml"]),
    ("rain jacket", ["Waterproof", "Packable", "Lightweight"],
     ["taped seams", "an adjustable hood", "pit zips for ventilation"], ["sizes S to XXL"]),
    ("Bluetooth speaker", ["Portable", "Waterproof", "Compact"],
     ["up to 20 hours of playback", "a built-in microphone", "USB-C charging"], ["10 W", "20 W"]),
    ("throw blanket", ["Chunky knit", "Fleece", "Wool-blend"],
     ["fringed edges", "a soft brushed finish", "a reversible design"], ["130 x 170 cm", "150 x 200 cm"]),
    ("chef's knife", ["Japanese steel", "Forged stainless steel", "Damascus steel"],
     ["a full-tang handle", "a protective sheath", "a hand-sharpened edge"], ["20 cm", "18 cm"]),
]
EN_COLORS = ["matte black", "white", "sage green", "navy", "sand", "charcoal grey", "terracotta", "ocean blue",
             "dusty pink", "olive"]
EN_CATALOGUE_FIXED = [
    "Machine washable at 30 °C.", "Dishwasher safe (top rack only).", "Batteries not included.",
    "Assembly required; tools included.", "Ships in 1–2 business days.", "Hand wash only.",
    "Do not tumble dry.", "Suitable for all hob types, including induction.", "Not suitable for microwave use.",
    "Includes a USB-C charging cable; power adapter sold separately.", "Made from 100% recycled materials.",
    "Colors may vary slightly from the images shown.", "Limited edition: only while stocks last.",
    "Bestseller in Home & Kitchen.", "Free engraving on orders placed before Friday.",
]
EN_CATALOGUE_TEMPLATES = [
    "{Mat} {noun}, {size}, {color}.",
    "{Mat} {noun} with {feat}.",
    "{Mat} {noun} with {feat}, available in {color}.",
    "{Noun} ({size}) with {feat} and {feat2}.",
    "Our best-selling {noun}, now in {color}.",
    "{Mat} {noun} in {color}: {size}, with {feat}.",
]
EN_SUPPORT_ITEMS = ["headphones", "kettle", "backpack", "smartwatch", "blender", "desk lamp", "phone case",
                    "speaker", "vacuum cleaner", "office chair", "coffee maker", "running shoes"]

JA_NOUNS = {
    "electronics": ["ワイヤレスイヤホン", "スマートフォン", "モバイルバッテリー", "ノートパソコン", "タブレット",
                    "スマートウォッチ", "Bluetoothスピーカー", "ワイヤレスマウス", "ヘッドホン", "デジタルカメラ",
                    "電動歯ブラシ", "ヘアドライヤー", "ロボット掃除機", "加湿器"],
    "kitchen_app": ["電気ケトル", "炊飯器", "コーヒーメーカー", "ブレンダー", "トースター", "電子レンジ"],
    "kitchen_ware": ["フライパン", "両手鍋", "保温マグ", "水筒"],
    "clothes": ["レインコート", "ダウンジャケット", "Tシャツ"],
    "shoes": ["スニーカー", "ランニングシューズ", "革靴"],
    "furniture": ["デスクチェア", "ソファ", "本棚", "ダイニングテーブル", "ベッドフレーム", "収納ボックス"],
    "bags": ["リュック", "スーツケース", "トートバッグ"],
}
JA_PHONE_ACCESSORIES = ["ワイヤレスイヤホン", "スマートウォッチ", "Bluetoothスピーカー", "ヘッドホン", "モバイルバッテリー"]
JA_COOKWARE = ["フライパン", "両手鍋"]
JA_COLORS = ["ブラック", "ホワイト", "ネイビー", "グレー", "ベージュ", "レッド", "ブルー", "グリーン"]
ALL_JA = None  # all categories
JA_TEMPLATES = [
    ("この{N}の保証期間はどのくらいですか？", ALL_JA),
    ("{N}の色違いはありますか？", ALL_JA),
    ("この{N}はいつ再入荷しますか？", ALL_JA),
    ("注文した{N}がまだ届いていません。", ALL_JA),
    ("届いた{N}が初期不良でした。交換をお願いします。", ["electronics", "kitchen_app"]),
    ("この{N}はギフトラッピングに対応していますか？", ALL_JA),
    ("{N}を返品したいので、返送先を教えてください。", ALL_JA),
    ("この{N}は日本製ですか？", ALL_JA),
    ("{N}を購入しましたが、付属品が入っていませんでした。", ["electronics", "kitchen_app", "furniture"]),
    ("{N}は明日までに届きますか？", ALL_JA),
    ("同じ{N}をもう一つ注文したいです。", ALL_JA),
    ("レビューを見て{N}を購入しました。とても満足しています。", ALL_JA),
    ("この{N}の重さを教えてください。", ["electronics", "kitchen_app", "kitchen_ware", "bags", "furniture"]),
    ("{N}の注文をキャンセルしたいのですが、まだ間に合いますか？", ALL_JA),
    ("この{N}は防水ですか？", ["electronics", "clothes", "shoes", "bags"]),
    ("この{N}は海外でも使えますか？", ["electronics", "kitchen_app"]),
    ("{N}の充電にはどのくらい時間がかかりますか？", ["electronics"]),
    ("{N}の電源が入らなくなりました。修理は可能ですか？", ["electronics", "kitchen_app"]),
    ("{N}の取扱説明書はどこでダウンロードできますか？", ["electronics", "kitchen_app", "furniture"]),
    ("使用中に{N}から異音がするようになりました。", ["electronics", "kitchen_app"]),
    ("この{N}はiPhoneに対応していますか？", "phone_acc"),
    ("この{N}は食洗機で洗えますか？", ["kitchen_ware"]),
    ("この{N}はIH対応ですか？", "cookware"),
    ("{N}の容量はどのくらいですか？", ["kitchen_app", "bags"]),
    ("{N}のサイズ交換はできますか？", ["clothes", "shoes"]),
    ("この{N}は洗濯機で洗えますか？", ["clothes"]),
    ("{N}のサイズ感は普段通りで大丈夫ですか？", ["clothes", "shoes"]),
    ("この{N}は幅広の足でも履けますか？", ["shoes"]),
    ("{N}の組み立ては必要ですか？", ["furniture"]),
    ("この{N}の耐荷重は何キロですか？", ["furniture"]),
    ("{N}の組み立てサービスはありますか？", ["furniture"]),
    ("この{N}は機内に持ち込めますか？", ["bags"]),
    ("この{N}にノートパソコンは入りますか？", ["bags"]),
]
JA_CATALOGUE_TEMPLATES = [
    ("軽量で持ち運びに便利な{N}です。", ["electronics", "bags", "kitchen_ware"]),
    ("毎日のお手入れが簡単な{N}です。", ["kitchen_app", "kitchen_ware"]),
    ("ただいま{N}は{pct}%オフのセール中です。", ALL_JA),
    ("{N}は{d}営業日以内に発送いたします。", ALL_JA),
    ("こちらの{N}は{c1}と{c2}の2色展開です。", ALL_JA),
    ("{N}の新色（{c1}）が入荷しました。", ALL_JA),
    ("人気の{N}が再入荷しました。", ALL_JA),
    ("{N}は期間限定で送料無料です。", ALL_JA),
]
JA_UI = [
    "カートに追加", "ご注文手続きへ", "カートは空です。", "ログインしてください。", "パスワードをお忘れですか？",
    "配送先住所を変更する", "お気に入りに追加しました。", "在庫切れ", "残りわずか", "送料無料", "レビューを書く",
    "注文履歴を見る", "クーポンコードを入力してください。", "お支払い方法を選択してください。",
    "ご注文ありがとうございました。", "確認メールを送信しました。", "数量を選択してください。",
    "再入荷のお知らせを受け取る", "並び替え：おすすめ順", "検索結果が見つかりませんでした。", "もう一度お試しください。",
    "通信エラーが発生しました。", "セッションの有効期限が切れました。再度ログインしてください。", "買い物を続ける",
    "新規会員登録", "ログアウト", "この商品をシェアする", "サイズガイドを見る", "お届け予定日を確認する",
]
JA_SUPPORT = [
    "この商品は防水ですか？", "ご不便をおかけして申し訳ございません。", "注文番号を教えていただけますか？",
    "返金は5〜7営業日以内に処理されます。", "領収書を発行してもらえますか？", "代金引換は利用できますか？",
    "配送日時を指定できますか？", "コンビニで受け取ることはできますか？", "ポイントはいつ付与されますか？",
    "クレジットカードの分割払いは可能ですか？", "登録したメールアドレスを変更したいです。",
    "退会の手続き方法を教えてください。", "商品が破損した状態で届きました。", "箱が潰れていましたが、中身は無事でした。",
    "思っていた色と違いました。", "説明書が英語しか入っていませんでした。", "日本語の説明書はありますか？",
    "お問い合わせありがとうございます。担当者より2営業日以内にご連絡いたします。",
    "ただいま電話が大変混み合っております。", "商品到着後7日以内であれば返品を承ります。",
    "交換品を本日発送いたしました。", "お手数ですが、商品の写真をお送りいただけますか？",
    "在庫がないため、ご注文をキャンセルさせていただきました。", "配送業者の都合により、お届けが1日遅れる見込みです。",
    "不在票が入っていたので、再配達をお願いしたいです。", "注文確認メールが届きません。",
    "同じ商品が2つ届きました。", "請求金額が間違っているようです。", "ギフト用に金額のわからない明細書にできますか？",
    "海外への発送はしていますか？", "この商品の対象年齢は何歳ですか？", "予約注文はいつ発送されますか？",
    "会員ランクによって送料は変わりますか？", "支払い方法を後から変更することはできますか？",
    "使い方がよく分からないので教えてください。", "修理に出す場合、費用はどのくらいかかりますか？",
]

DE_NOUNS = [("der Rucksack", "den Rucksack"), ("die Jacke", "die Jacke"), ("das Ladekabel", "das Ladekabel"),
            ("der Wasserkocher", "den Wasserkocher"), ("die Pfanne", "die Pfanne"),
            ("der Bürostuhl", "den Bürostuhl"), ("die Schreibtischlampe", "die Schreibtischlampe"),
            ("die Handyhülle", "die Handyhülle"), ("der Koffer", "den Koffer"), ("die Kaffeemaschine", "die Kaffeemaschine")]
DE_TEMPLATES = [
    "Wann ist {nom} wieder lieferbar?",
    "Ich habe {acc} gestern bestellt, aber noch keine Versandbestätigung erhalten.",
    "{Nom} ist leider defekt angekommen.",
    "Gibt es {acc} auch in Schwarz?",
]
DE_FIXED = [
    "Der Artikel ist derzeit nicht auf Lager.", "Kostenloser Versand ab 50 € Bestellwert.",
    "Wie lange dauert die Lieferung nach Österreich?", "Ich möchte meine Bestellung stornieren.",
    "Die Rücksendung ist innerhalb von 30 Tagen kostenlos.", "In den Warenkorb", "Zur Kasse",
    "Ihr Passwort wurde erfolgreich geändert.", "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
    "Ihre Bestellung wurde versandt.", "Wir melden uns innerhalb von 24 Stunden bei Ihnen.",
    "Kann ich per Rechnung bezahlen?", "Das Paket wurde bei meinem Nachbarn abgegeben.",
    "Mein Paket ist beschädigt angekommen.", "Gibt es eine Bedienungsanleitung auf Deutsch?",
    "Die Größe fällt eher klein aus.", "Maschinenwäsche bei 30 °C.", "Spülmaschinengeeignet.",
    "Batterien nicht im Lieferumfang enthalten.", "Lieferzeit: 2–4 Werktage.", "Nur noch 3 Stück auf Lager.",
    "Jetzt kaufen", "Merkzettel", "Mein Konto", "Abmelden", "Gutscheincode einlösen", "Zahlungsart ändern",
    "Lieferadresse bearbeiten", "Vielen Dank für Ihre Bestellung!",
    "Die Rückerstattung erfolgt innerhalb von 5 Werktagen.", "Beim Bezahlen ist leider ein Fehler aufgetreten.",
    "Bitte versuchen Sie es später erneut.", "Kann ich die Lieferadresse noch ändern?",
    "Wo finde ich meine Rechnung?", "Aus 100 % Bio-Baumwolle.", "Der Akku hält bis zu 20 Stunden.",
    "Hergestellt in Deutschland, zwei Jahre Garantie.",
]
ES_NOUNS = [("la mochila", "a"), ("la chaqueta", "a"), ("el cable de carga", "o"), ("el hervidor", "o"),
            ("la sartén", "a"), ("la silla de oficina", "a"), ("la lámpara de escritorio", "a"),
            ("la funda del móvil", "a"), ("la maleta", "a"), ("el altavoz", "o")]
ES_TEMPLATES = [
    "¿Cuándo vuelve a estar disponible {n}?",
    "Pedí {n} ayer y todavía no he recibido la confirmación de envío.",
    "{N} llegó dañad{g}.",
    "¿Tienen {n} en negro?",
]
ES_FIXED = [
    "Envío gratis en pedidos superiores a 40 €.", "¿Cuánto tarda el envío a Canarias?", "Quiero cancelar mi pedido.",
    "Tienes 30 días para devolver el producto.", "Añadir al carrito", "Finalizar compra",
    "Tu contraseña se ha cambiado correctamente.", "Introduce una dirección de correo electrónico válida.",
    "Tu pedido ha sido enviado.", "Te responderemos en un plazo de 24 horas.", "¿Puedo pagar contra reembolso?",
    "El paquete llegó abierto.", "¿Hay manual de instrucciones en español?", "La talla es un poco pequeña.",
    "Lavable a máquina a 30 °C.", "Apto para lavavajillas.", "Pilas no incluidas.",
    "Plazo de entrega: 2-4 días laborables.", "¡Solo quedan 3 unidades!", "Comprar ahora", "Lista de deseos",
    "Mi cuenta", "Cerrar sesión", "Aplicar cupón", "Cambiar método de pago", "Editar dirección de envío",
    "¡Gracias por tu compra!", "El reembolso se procesará en 5 días hábiles.",
    "Se ha producido un error al procesar el pago.", "Por favor, inténtalo de nuevo más tarde.",
    "¿Todavía puedo cambiar la dirección de entrega?", "¿Dónde encuentro mi factura?",
    "100 % algodón orgánico.", "La batería dura hasta 20 horas.", "¿Este producto es resistente al agua?",
    "¿El producto tiene garantía?",
]

DE_ES_CATALOGUE = {
    "Kostenloser Versand ab 50 € Bestellwert.", "Maschinenwäsche bei 30 °C.", "Spülmaschinengeeignet.",
    "Batterien nicht im Lieferumfang enthalten.", "Lieferzeit: 2–4 Werktage.", "Nur noch 3 Stück auf Lager.",
    "Aus 100 % Bio-Baumwolle.", "Der Akku hält bis zu 20 Stunden.", "Hergestellt in Deutschland, zwei Jahre Garantie.",
    "Der Artikel ist derzeit nicht auf Lager.", "Die Größe fällt eher klein aus.",
    "Envío gratis en pedidos superiores a 40 €.", "Lavable a máquina a 30 °C.", "Apto para lavavajillas.",
    "Pilas no incluidas.", "Plazo de entrega: 2-4 días laborables.", "¡Solo quedan 3 unidades!",
    "100 % algodón orgánico.", "La batería dura hasta 20 horas.", "La talla es un poco pequeña.",
}


def cap(s: str) -> str:
    return s[0].upper() + s[1:]


def english_source(rng: random.Random) -> tuple[str, str]:
    """(text, kind) with kind in catalogue / support / ui."""
    kind = rng.choices(["catalogue", "support", "ui"], weights=[45, 30, 25])[0]
    if kind == "ui":
        return rng.choice(EN_UI), kind
    if kind == "support":
        t = rng.choice(EN_SUPPORT)
        return t.format(order=f"#{rng.randint(100000, 999999)}", n=rng.choice([2, 3, 5, 7]),
                        d=rng.choice([14, 30, 60]), y=rng.choice([1, 2, 3]),
                        price=rng.choice(["$4.99", "€5.90", "£3.95"]),
                        item=rng.choice(EN_SUPPORT_ITEMS)), kind
    if rng.random() < 0.12:
        return rng.choice(EN_CATALOGUE_FIXED), kind
    noun, mats, feats, sizes = rng.choice(EN_CATALOGUE_ITEMS)
    f1, f2 = rng.sample(feats, 2)
    return rng.choice(EN_CATALOGUE_TEMPLATES).format(
        Mat=rng.choice(mats), noun=noun, Noun=cap(noun), size=rng.choice(sizes), color=rng.choice(EN_COLORS),
        feat=f1, feat2=f2), kind


def japanese_source(rng: random.Random) -> tuple[str, str]:
    r = rng.random()
    if r < 0.09:
        return rng.choice(JA_UI), "ui"
    if r < 0.24:
        return rng.choice(JA_SUPPORT), "support"
    if r < 0.42:
        kind, (template, cats) = "catalogue", rng.choice(JA_CATALOGUE_TEMPLATES)
    else:
        kind, (template, cats) = "support", rng.choice(JA_TEMPLATES)
    if cats == "phone_acc":
        nouns = JA_PHONE_ACCESSORIES
    elif cats == "cookware":
        nouns = JA_COOKWARE
    elif cats is None:
        nouns = [n for ns in JA_NOUNS.values() for n in ns]
    else:
        nouns = [n for c in cats for n in JA_NOUNS[c]]
    c1, c2 = rng.sample(JA_COLORS, 2)
    text = template.format(N=rng.choice(nouns), pct=rng.choice([10, 15, 20, 30, 50]), d=rng.choice([1, 2, 3]),
                           c1=c1, c2=c2)
    return text, kind


def fixed_kind(text: str) -> str:
    if text in DE_ES_CATALOGUE:
        return "catalogue"
    return "ui" if not text.endswith((".", "?", "!")) else "support"


def german_source(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.55:
        t = rng.choice(DE_FIXED)
        return t, fixed_kind(t)
    nom, acc = rng.choice(DE_NOUNS)
    return rng.choice(DE_TEMPLATES).format(nom=nom, acc=acc, Nom=cap(nom)), "support"


def spanish_source(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.55:
        t = rng.choice(ES_FIXED)
        return t, fixed_kind(t)
    n, g = rng.choice(ES_NOUNS)
    return rng.choice(ES_TEMPLATES).format(n=n, N=cap(n), g=g), "support"


# (source, target, count) for the translation file: 1,200 jobs, >= 300 from Japanese.
TRANSLATION_PLAN = [
    ("ja", "en", 330), ("de", "en", 48), ("de", "ja", 12), ("es", "en", 48), ("es", "fr", 12),
    ("en", "fr", 300), ("en", "ja", 240), ("en", "de", 110), ("en", "es", 100),
]
SOURCES = {"en": english_source, "ja": japanese_source, "de": german_source, "es": spanish_source}


def translation_jobs(rng: random.Random, plan) -> list[tuple[str, str, str, str]]:
    """(text, source, target, kind) tuples; a (text, target) pair never repeats, shuffled."""
    jobs = []
    seen: set[tuple[str, str]] = set()
    for source, target, count in plan:
        made = 0
        attempts = 0
        while made < count:
            attempts += 1
            if attempts > count * 200:
                raise SystemExit(f"cannot make {count} distinct {source}->{target} texts")
            text, kind = SOURCES[source](rng)
            if (text, target) in seen:
                continue
            seen.add((text, target))
            jobs.append((text, source, target, kind))
            made += 1
    rng.shuffle(jobs)
    return jobs


def translate_messages(target: str, text: str) -> list[dict]:
    return [{"role": "system",
             "content": f"Translate the user's text to {LANG_NAMES[target]}. Reply with the translation only."},
            {"role": "user", "content": text}]


def write_translations() -> list[str]:
    rng = rng_for("translations")
    lines = []
    for i, (text, source, target, kind) in enumerate(translation_jobs(rng, TRANSLATION_PLAN), start=1):
        lines.append(dumps({
            "id": f"tr-{i:06d}", "model": "gpt-4o-mini", "messages": translate_messages(target, text),
            "max_tokens": 120, "temperature": 0, "submitter": "catalogue-svc", "batch": "catalogue-fr-ja",
            "metadata": {"row": i, "source": source, "target": target, "kind": kind},
        }))
    return lines


# ---------------------------------------------------------------------------------------------------------------
# Mixed file: valid jobs of every shape plus deliberately bad lines
# ---------------------------------------------------------------------------------------------------------------
MIXED_BATCH = "mixed-2026-11-23"
PAST = "2020-01-01T00:00:00Z"
FUTURE = "2099-12-31T23:59:59Z"
EXTRACT_SYSTEM = ('Extract the product type and the overall sentiment from the review. Reply in JSON with the keys '
                  '"product_type" and "sentiment".')


def oversize_text(rng: random.Random, products: list[Product], chars: int) -> str:
    """An export pasted whole into one prompt: numbered review rows, cut at exactly `chars` characters.
    Digits and codes tokenise densely, so this is well over 128k tokens by any estimate (chars/4 = 175k)."""
    rows = []
    total = 0
    i = 0
    while total < chars:
        i += 1
        p = rng.choice(products)
        tone = rng.choice(["pos", "neg", "mix", "neu"])
        row = f"row {i:06d} | {p.sku} | {LABEL[tone]} | {english_review(p, tone, rng)}\n"
        rows.append(row)
        total += len(row)
    return "".join(rows)[:chars]


def bad_lines(rng: random.Random, products: list[Product]) -> list[tuple[str, str, str]]:
    """(line, expect, fault). expect: dlq = no result (unparseable, or no usable id); rejected = a `rejected`
    result for the bad- id (and a DLQ record); expired = an `expired` result."""
    S = "sentiment"

    def job(id_, expect, fault, **fields):
        obj = {"id": id_, "model": "gpt-4o-mini"}
        obj.update(fields)
        if "messages" not in fields and "task" not in fields:
            obj.update(task=S, input="Decent headphones, a bit tight on the head.")
        obj.setdefault("submitter", "qa-svc")
        obj.setdefault("batch", MIXED_BATCH)
        obj["metadata"] = {"expect": expect, "fault": fault}
        return dumps(obj), expect, fault

    def raw(line, expect, fault):
        return line, expect, fault

    msgs = translate_messages("fr", "Add to cart")
    out = [
        # --- not JSON at all, or not one JSON object: DLQ only -----------------------------------------------
        raw('{"id":"bad-truncated","model":"gpt-4o-mini","task":"sentiment","input":"Great phone, terrible ba',
            "dlq", "truncated_json"),
        raw('{"id":"bad-trailing-comma","model":"gpt-4o-mini","task":"sentiment","input":"Love it!",'
            '"metadata":{"expect":"dlq","fault":"trailing_comma"},}', "dlq", "trailing_comma"),
        raw("{'id':'bad-single-quotes','model':'gpt-4o-mini','task':'sentiment','input':'Nice kettle',"
            "'metadata':{'expect':'dlq','fault':'single_quotes'}}", "dlq", "single_quotes"),
        raw('{id:"bad-unquoted-keys",model:"gpt-4o-mini",task:"sentiment",input:"Comfy shoes",'
            'metadata:{expect:"dlq",fault:"unquoted_keys"}}', "dlq", "unquoted_keys"),
        raw('this is not json: id=bad-plain-text expect=dlq', "dlq", "plain_text"),
        raw('[{"id":"bad-array","model":"gpt-4o-mini","task":"sentiment","input":"ok"}]', "dlq", "array_not_object"),
        raw('null', "dlq", "json_null"),
        raw('42', "dlq", "json_number"),
        raw('"bad-string: a JSON string, not a job"', "dlq", "json_string"),
        raw('{"id":"bad-two-objects-1","model":"gpt-4o-mini","task":"sentiment","input":"Fine.",'
            '"metadata":{"expect":"dlq","fault":"trailing_tokens"}} {"id":"bad-two-objects-2","model":"gpt-4o-mini",'
            '"task":"sentiment","input":"Bad."}', "dlq", "trailing_tokens"),
        raw('{"id":"bad-duplicate-key","id":"bad-duplicate-key-2","model":"gpt-4o-mini","task":"sentiment",'
            '"input":"Works.","metadata":{"expect":"dlq","fault":"duplicate_key"}}', "dlq", "duplicate_key"),
        raw('{"id":"bad-nan","model":"gpt-4o-mini","task":"sentiment","input":"Meh.","temperature":NaN,'
            '"metadata":{"expect":"dlq","fault":"nan_literal"}}', "dlq", "nan_literal"),
        raw('{"id":"bad-missing-brace","model":"gpt-4o-mini","task":"sentiment","input":"Solid desk.",'
            '"metadata":{"expect":"dlq","fault":"missing_brace"}', "dlq", "missing_brace"),
        raw('{"id":"bad-raw-tab","model":"gpt-4o-mini","task":"sentiment","input":"tab\there, unescaped",'
            '"metadata":{"expect":"dlq","fault":"unescaped_control_char"}}', "dlq", "unescaped_control_char"),
        raw('{"id":"bad-comment", /* a comment */ "model":"gpt-4o-mini","task":"sentiment","input":"Nice.",'
            '"metadata":{"expect":"dlq","fault":"comment"}}', "dlq", "comment"),
        raw('{"id":"bad-python-literals","model":"gpt-4o-mini","task":"sentiment","input":"Fine.","response_format":None,'
            '"metadata":{"expect":"dlq","fault":"python_literal"}}', "dlq", "python_literal"),
        raw('{}', "dlq", "empty_object"),
    ]
    # --- JSON objects without a usable id: nothing to address a result to, so DLQ only ------------------------
    no_id = {"model": "gpt-4o-mini", "task": S, "input": "The blender is loud but powerful.",
             "submitter": "qa-svc", "batch": MIXED_BATCH}
    out.append((dumps({**no_id, "metadata": {"expect": "dlq", "fault": "missing_id"}}), "dlq", "missing_id"))
    out.append((dumps({"id": None, **no_id, "metadata": {"expect": "dlq", "fault": "null_id"}}), "dlq", "null_id"))
    out.append((dumps({"id": "", **no_id, "metadata": {"expect": "dlq", "fault": "blank_id"}}), "dlq", "blank_id"))
    out.append((dumps({"id": 12345, **no_id, "metadata": {"expect": "dlq", "fault": "numeric_id"}}),
                "dlq", "numeric_id"))
    out.append((dumps({"id": ["bad-id-in-array"], **no_id, "metadata": {"expect": "dlq", "fault": "array_id"}}),
                "dlq", "array_id"))
    out.append((dumps({"id": "bad-" + "x" * 296, **no_id, "metadata": {"expect": "dlq", "fault": "id_too_long"}}),
                "dlq", "id_too_long"))

    # --- parse, have an id, break the contract or the config: `rejected` result (+ DLQ record) ---------------
    R = "rejected"
    out += [
        job("bad-unknown-model-1", R, "unknown_model", model="gpt-9-ultra"),
        job("bad-unknown-model-2", R, "unknown_model", model="gpt-9-ultra", messages=msgs, max_tokens=120),
        job("bad-unknown-task-1", R, "unknown_task", task="summarize-legal", input="Clause 4.2 applies."),
        job("bad-unknown-task-2", R, "unknown_task", task="sentimnet", input="Great kettle."),
        job("bad-max-tokens-negative", R, "max_tokens_negative", messages=msgs, max_tokens=-5),
        job("bad-max-tokens-zero", R, "max_tokens_zero", messages=msgs, max_tokens=0),
        job("bad-max-tokens-string", R, "max_tokens_wrong_type", messages=msgs, max_tokens="50"),
        job("bad-max-tokens-fraction", R, "max_tokens_wrong_type", messages=msgs, max_tokens=2.5),
        job("bad-messages-string", R, "messages_not_array", messages="Translate 'Add to cart' to French."),
        job("bad-messages-object", R, "messages_not_array", messages={"role": "user", "content": "Hello"}),
        job("bad-messages-empty", R, "messages_empty", messages=[]),
        job("bad-messages-system-only", R, "messages_no_user",
            messages=[{"role": "system", "content": "You are a helpful assistant."}]),
        job("bad-messages-role", R, "messages_unknown_role", messages=[{"role": "robot", "content": "Beep."}]),
        job("bad-messages-content-number", R, "messages_content_wrong_type",
            messages=[{"role": "user", "content": 42}]),
        job("bad-messages-content-null", R, "messages_content_wrong_type",
            messages=[{"role": "user", "content": None}]),
        job("bad-messages-item-string", R, "messages_item_not_object", messages=["Translate this to German."]),
        job("bad-task-and-messages", R, "task_and_messages", task=S, input="Nice.", messages=msgs),
        job("bad-task-without-input", R, "task_without_input", task=S),
        job("bad-input-number", R, "input_wrong_type", task=S, input=5),
        job("bad-input-object", R, "input_wrong_type", task=S, input={"text": "Great phone"}),
        job("bad-task-array", R, "task_wrong_type", task=[S], input="Great phone"),
        job("bad-model-number", R, "model_wrong_type", model=4),
        job("bad-temperature-string", R, "temperature_wrong_type", messages=msgs, temperature="zero"),
        job("bad-temperature-range", R, "temperature_out_of_range", messages=msgs, temperature=5),
        job("bad-priority-unknown", R, "priority_unknown", priority="urgent"),
        job("bad-priority-number", R, "priority_wrong_type", priority=1),
        job("bad-deadline-format", R, "deadline_not_iso", deadline="tomorrow"),
        job("bad-response-format-string", R, "response_format_wrong_type", messages=msgs, response_format="json"),
        job("bad-n-too-large", R, "n_out_of_range", messages=msgs, n=99),
        job("bad-submitter-number", R, "submitter_wrong_type", submitter=7),
    ]
    big_rng = rng_for("oversize")
    out.append(job("bad-context-overflow-messages", R, "context_window_exceeded", messages=[
        {"role": "system", "content": "Summarise the customer feedback below in three bullet points."},
        {"role": "user", "content": oversize_text(big_rng, products, OVERSIZE_CHARS)}], max_tokens=300))
    out.append(job("bad-context-overflow-task", R, "context_window_exceeded", task=S,
                   input=oversize_text(big_rng, products, OVERSIZE_CHARS)))

    # --- valid, but the deadline has passed: `expired` result, never sent to a region ------------------------
    E = "expired"
    out += [
        job("bad-deadline-past-1", E, "deadline_past", deadline=PAST),
        job("bad-deadline-past-2", E, "deadline_past", messages=msgs, max_tokens=120, deadline=PAST),
        job("bad-deadline-past-3", E, "deadline_past", priority="high", deadline="2024-06-30T12:00:00Z"),
        job("bad-deadline-past-4", E, "deadline_past", task="translate", input="この商品は防水ですか？",
            deadline="2025-11-23T08:00:00Z"),
    ]
    return out


def valid_mixed_jobs(rng: random.Random, products: list[Product]) -> list[dict]:
    """N_MIXED_VALID valid jobs without ids/rows yet: task sentiment, task translate, messages translate,
    messages JSON extraction; some with priorities, future deadlines and unknown extra fields."""
    reviews = review_stream(rng, products, 10_000)
    translations = translation_jobs(rng, [("en", "fr", 150), ("en", "ja", 120), ("ja", "en", 80)])
    translate_inputs = translation_jobs(rng, [("ja", "en", 70), ("de", "en", 15), ("es", "en", 15)])
    jobs: list[dict] = []
    for _ in range(430):
        text, product, lang, label = next(reviews)
        jobs.append({"model": "gpt-4o-mini", "task": "sentiment", "input": text, "submitter": "reviews-svc",
                     "_meta": {"sku": product.sku, "lang": lang, "label": label}})
    for text, source, target, kind in translate_inputs:
        jobs.append({"model": "gpt-4o-mini", "task": "translate", "input": text, "submitter": "catalogue-svc",
                     "_meta": {"source": source, "target": "en", "kind": kind}})
    for text, source, target, kind in translations:
        jobs.append({"model": "gpt-4o-mini", "messages": translate_messages(target, text), "max_tokens": 120,
                     "temperature": 0, "submitter": "catalogue-svc",
                     "_meta": {"source": source, "target": target, "kind": kind}})
    for _ in range(N_MIXED_VALID - len(jobs)):
        text, product, lang, label = next(reviews)
        jobs.append({"model": "gpt-4o-mini",
                     "messages": [{"role": "system", "content": EXTRACT_SYSTEM}, {"role": "user", "content": text}],
                     "max_tokens": 40, "temperature": 0, "response_format": {"type": "json_object"},
                     "submitter": "insights-svc", "_meta": {"sku": product.sku}})
    rng.shuffle(jobs)
    for j in jobs:
        r = rng.random()
        if r < 0.06:
            j["priority"] = "high"
        elif r < 0.14:
            j["priority"] = "low"
        if rng.random() < 0.05:
            j["deadline"] = FUTURE
    for j in rng.sample(jobs, 6):  # unknown fields must be ignored
        j["trace_id"] = f"{rng.getrandbits(64):016x}"
        j["client_version"] = "2.3.1"
    return jobs


def write_mixed() -> tuple[list[str], dict]:
    rng = rng_for("mixed")
    products = make_products(rng_for("skus"))
    valid = valid_mixed_jobs(rng, products)
    bad = bad_lines(rng, products)
    rng.shuffle(bad)  # spread the kinds of fault through the file, not in blocks
    total = len(valid) + len(bad)
    bad_rows = set(rng.sample(range(1, total + 1), len(bad)))
    bad_iter = iter(bad)
    valid_iter = iter(valid)
    lines = []
    counts = {"succeeded": 0, "dlq": 0, "rejected": 0, "expired": 0}
    faults = {}
    for row in range(1, total + 1):
        if row in bad_rows:
            line, expect, fault = next(bad_iter)
            counts[expect] += 1
            faults[fault] = faults.get(fault, 0) + 1
            lines.append(line)
            continue
        j = next(valid_iter)
        meta = j.pop("_meta")
        obj = {"id": f"mix-{row:06d}"}
        obj.update(j)
        obj["batch"] = MIXED_BATCH
        obj["metadata"] = {"row": row, "expect": "succeeded", **meta}
        lines.append(dumps(obj))
        counts["succeeded"] += 1
    return lines, {"counts": counts, "faults": faults}


# ---------------------------------------------------------------------------------------------------------------
def write(name: str, lines: list[str]) -> str:
    path = os.path.join(HERE, name)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line)
            f.write("\n")
    return path


def strict_json(line: str):
    """Parses like the worker's mapper: RFC 8259 only (no NaN / Infinity), duplicate keys are an error."""
    def no_constants(name):
        raise ValueError(f"non-standard constant {name}")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate key")
        return dict(pairs)

    return json.loads(line, parse_constant=no_constants, object_pairs_hook=no_duplicates)


def check_file(path: str, expect_all_valid: bool) -> tuple[int, int, int]:
    """Returns (lines, strictly valid JSON lines, bytes); fails if the file is not UTF-8 or, when required, if any
    line is not strict JSON."""
    data = open(path, "rb").read()
    text = data.decode("utf-8")  # raises on invalid UTF-8
    lines = text.split("\n")
    assert lines[-1] == "", f"{path}: missing final newline"
    lines = lines[:-1]
    ok = 0
    for n, line in enumerate(lines, start=1):
        try:
            strict_json(line)
            ok += 1
        except ValueError:
            if expect_all_valid:
                raise SystemExit(f"{path}:{n}: not valid JSON")
    return len(lines), ok, len(data)


def main() -> int:
    reviews = write_reviews()
    translations = write_translations()
    mixed, summary = write_mixed()

    review_texts = [json.loads(line)["input"] for line in reviews]
    distinct_reviews = len(set(review_texts))
    assert len(reviews) == N_REVIEWS and distinct_reviews >= 1200, distinct_reviews
    words = [len(t.split()) for t in review_texts]
    assert min(words) <= 3 and 70 <= max(words) <= 90, (min(words), max(words))
    tr = [json.loads(line) for line in translations]
    ja_sources = sum(1 for j in tr if j["metadata"]["source"] == "ja")
    assert len(tr) == N_TRANSLATIONS and ja_sources >= 300, ja_sources
    distinct_ja = len({j["messages"][1]["content"] for j in tr if j["metadata"]["source"] == "ja"})
    assert distinct_ja >= 300, distinct_ja

    paths = [write(REVIEWS_FILE, reviews), write(TRANSLATE_FILE, translations), write(MIXED_FILE, mixed)]
    for path, all_valid in zip(paths, [True, True, False]):
        n, ok, size = check_file(path, all_valid)
        print(f"{os.path.basename(path)}: {n} lines, {ok} strictly valid JSON, {size:,} bytes")
    assert os.path.getsize(paths[2]) < 2_000_000, "mixed file must stay under 2 MB"
    by_lang = {}
    for line in reviews:
        lang = json.loads(line)["metadata"]["lang"]
        by_lang[lang] = by_lang.get(lang, 0) + 1
    print(f"reviews: {distinct_reviews} distinct texts, {min(words)}-{max(words)} words, languages {by_lang}")
    pairs = {}
    for j in tr:
        k = f'{j["metadata"]["source"]}->{j["metadata"]["target"]}'
        pairs[k] = pairs.get(k, 0) + 1
    print(f"translations: {distinct_ja} distinct Japanese sources; {pairs}")
    print(f"mixed: expected outcomes {summary['counts']}")
    print(f"mixed: faults {dict(sorted(summary['faults'].items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
