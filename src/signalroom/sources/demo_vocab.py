"""The words of the demo scenario: fictional brands, people and outlets, and sentence
templates in English, Hungarian, Spanish and German, by tone.

Everything here was written for Signalroom; nothing is taken from a data set, and every
brand, person, outlet and domain is invented (domains use the reserved ``.example`` top-level
domain so no link can ever point at a real site). Data only: no logic, no randomness.

Templates are ``str.format`` strings. Slots: ``{brand}`` short brand name, ``{full}`` full
brand name, ``{at}`` the brand's @handle, ``{other}`` a rival's short name, ``{city}`` a
city in the post's language (Hungarian also ``{city_to}``: "to the city"), ``{hub}`` the
city of the current crisis, ``{hours}``, ``{minutes}``, ``{gate}``, ``{flight}``,
``{euros}``, ``{tag}`` the campaign hashtag, ``{parent}`` the @handle replied to, ``{link}``
a link to the brand's site, and emoji ``{pe}`` (positive), ``{ne}`` (negative), ``{xe}``
(neutral). Hungarian templates never inflect a brand name (``a {brand} járata``), so any
brand fits any template.

English posts are worded so a sentiment model reads their tone clearly; posts in the other
languages carry emoji that signal it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Lang = Literal["en", "hu", "es", "de"]
Tone = Literal["positive", "neutral", "negative"]
BrandKey = Literal["ours", "rival_a", "rival_b"]
Category = Literal[
    "brand_positive",
    "brand_neutral",
    "brand_negative",
    "compare",
    "reply_positive",
    "reply_neutral",
    "reply_negative",
    "support",
    "campaign_positive",
    "campaign_neutral",
    "chatter",
    "hiring",
]
CrisisCategory = Literal["complaint", "reply", "question"]

LANGS: Final[tuple[Lang, ...]] = ("en", "hu", "es", "de")


@dataclass(frozen=True, slots=True)
class Brand:
    key: BrandKey
    name: str
    full_name: str
    handle: str
    followers: int
    site: str


@dataclass(frozen=True, slots=True)
class Persona:
    """A named account: a brand's, an influencer's, a journalist's or a news outlet's."""

    handle: str
    name: str
    followers: int
    lang: Lang
    domain: str = ""
    """For news outlets: the site their article links point at."""


@dataclass(frozen=True, slots=True)
class City:
    en: str
    hu: str
    hu_to: str
    es: str
    de: str


@dataclass(frozen=True, slots=True)
class CrisisStory:
    """A complaint about our brand that goes viral: who starts it, what people say, what
    the brand answers and what the press writes."""

    key: str
    hashtag: str
    root_author: str
    root_text: str
    texts: dict[Lang, dict[CrisisCategory, tuple[str, ...]]]
    quotes: tuple[str, ...]
    acknowledge: dict[Lang, str]
    resolved: str
    news: dict[Lang, tuple[tuple[str, str], ...]]


OURS: Final = Brand("ours", "Kestrava", "Kestrava Air", "kestrava", 850_000, "kestrava.example")
RIVAL_A: Final = Brand(
    "rival_a", "Bluvane", "Bluvane Airways", "bluvane", 1_400_000, "bluvane.example"
)
RIVAL_B: Final = Brand("rival_b", "Zephora", "Zephora Air", "zephora", 620_000, "zephora.example")
BRANDS: Final[tuple[Brand, ...]] = (OURS, RIVAL_A, RIVAL_B)

CAMPAIGN_TAG: Final = "#KestravaSummer"
CAMPAIGN_LINK: Final = "https://kestrava.example/summer"
SUPPORT: Final = Persona("kestrava_help", "Kestrava Help", 120_000, "en")
SOCIAL_SITE: Final = "social.example"

CITIES: Final[tuple[City, ...]] = (
    City("Lisbon", "Lisszabon", "Lisszabonba", "Lisboa", "Lissabon"),
    City("Madrid", "Madrid", "Madridba", "Madrid", "Madrid"),
    City("Budapest", "Budapest", "Budapestre", "Budapest", "Budapest"),
    City("Berlin", "Berlin", "Berlinbe", "Berlín", "Berlin"),
    City("Vienna", "Bécs", "Bécsbe", "Viena", "Wien"),
    City("Rome", "Róma", "Rómába", "Roma", "Rom"),
    City("Paris", "Párizs", "Párizsba", "París", "Paris"),
    City("Athens", "Athén", "Athénba", "Atenas", "Athen"),
    City("Amsterdam", "Amszterdam", "Amszterdamba", "Ámsterdam", "Amsterdam"),
    City("Barcelona", "Barcelona", "Barcelonába", "Barcelona", "Barcelona"),
    City("London", "London", "Londonba", "Londres", "London"),
    City("Munich", "München", "Münchenbe", "Múnich", "München"),
    City("Dublin", "Dublin", "Dublinba", "Dublín", "Dublin"),
    City("Copenhagen", "Koppenhága", "Koppenhágába", "Copenhague", "Kopenhagen"),
    City("Prague", "Prága", "Prágába", "Praga", "Prag"),
    City("Málaga", "Málaga", "Málagába", "Málaga", "Málaga"),
)

# Emoji a lexicon model scores in the intended direction (checked against VADER's emoji
# lexicon: some that look positive, like 🔥, score negative, and 💔 scores positive).
EMOJI: Final[dict[Tone, tuple[str, ...]]] = {
    "positive": ("😊", "😍", "🥰", "🎉", "😀"),
    "negative": ("😠", "😞", "😢", "😭"),
    "neutral": ("✈️", "🧳", "🌍", "🛫"),
}

HASHTAGS: Final[dict[Lang, tuple[str, ...]]] = {
    "en": ("#travel", "#avgeek", "#wanderlust", "#flying", "#traveltips"),
    "hu": ("#utazás", "#nyaralás", "#repülés"),
    "es": ("#viajes", "#vacaciones", "#aviación"),
    "de": ("#reisen", "#urlaub", "#fliegen"),
}

LANG_WEIGHTS: Final[dict[Lang, float]] = {"en": 0.64, "hu": 0.12, "es": 0.13, "de": 0.11}

FIRST_NAMES: Final[dict[Lang, tuple[str, ...]]] = {
    "en": (
        "Emma", "Olivia", "Liam", "Noah", "Ava", "Mia", "James", "Lucas", "Grace", "Ethan",
        "Chloe", "Jack", "Ruby", "Leo", "Harper", "Owen", "Isla", "Sam", "Priya", "Omar",
        "Zoe", "Daniel", "Hannah", "Marcus", "Aisha", "Ben", "Nora", "Theo", "Maya", "Ryan",
    ),
    "hu": (
        "Anna", "Eszter", "Réka", "Zsófia", "Katalin", "Dóra", "Petra", "Lilla", "Bence",
        "Máté", "Dániel", "Gergő", "Balázs", "Ádám", "Tamás", "Levente", "Zoltán", "Noémi",
        "Krisztina", "Bálint",
    ),
    "es": (
        "Lucía", "Martina", "Sofía", "Paula", "Carmen", "Elena", "Alba", "Irene", "Javier",
        "Pablo", "Diego", "Alejandro", "Sergio", "Adrián", "Marcos", "Hugo", "Nuria", "Raúl",
        "Andrea", "Mateo",
    ),
    "de": (
        "Lena", "Hannah", "Lea", "Marie", "Julia", "Laura", "Anna", "Sophie", "Lukas", "Jonas",
        "Felix", "Leon", "Paul", "Maximilian", "Tobias", "Niklas", "Katrin", "Stefan", "Jan",
        "Miriam",
    ),
}  # fmt: skip

LAST_NAMES: Final[dict[Lang, tuple[str, ...]]] = {
    "en": (
        "Carter", "Hughes", "Patel", "Morgan", "Bennett", "Reid", "Foster", "Shaw", "Hayes",
        "Brooks", "Ellis", "Price", "Walsh", "Quinn", "Fraser", "Doyle", "Marsh", "Lloyd",
        "Barker", "Nash",
    ),
    "hu": (
        "Kovács", "Nagy", "Szabó", "Tóth", "Horváth", "Varga", "Kiss", "Molnár", "Németh",
        "Farkas", "Balogh", "Papp", "Lakatos", "Takács", "Juhász", "Mészáros", "Simon",
        "Fekete",
    ),
    "es": (
        "García", "Martínez", "López", "Sánchez", "Romero", "Navarro", "Torres", "Ruiz",
        "Moreno", "Jiménez", "Díaz", "Herrera", "Castillo", "Ortega", "Vidal", "Molina",
    ),
    "de": (
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann",
        "Schulz", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Braun", "Zimmermann",
    ),
}  # fmt: skip

NOTABLES: Final[tuple[Persona, ...]] = (
    Persona("mirawanders", "Mira Solvang", 2_400_000, "en"),
    Persona("devtravels", "Dev Arora", 1_600_000, "en"),
    Persona("rachelmoneywise", "Rachel Okafor", 1_200_000, "en"),
    Persona("tomaldridge", "Tom Aldridge | aviation reporter", 1_050_000, "en"),
    Persona("priyaflies", "Priya Raman", 310_000, "en"),
    Persona("theavgeekdad", "Sam Whitlock", 85_000, "en"),
    Persona("boriutazik", "Bori utazik", 640_000, "hu"),
    Persona("szalaimarton", "Szalai Márton", 120_000, "hu"),
    Persona("carlaviajera", "Carla Viajera", 1_800_000, "es"),
    Persona("lucia_aviacion", "Lucía Ferrer", 95_000, "es"),
    Persona("jonasfernweh", "Jonas Fernweh", 1_100_000, "de"),
    Persona("anjakessler_reise", "Anja Kessler", 72_000, "de"),
)

OUTLETS: Final[dict[Lang, tuple[Persona, ...]]] = {
    "en": (
        Persona("aerowire", "AeroWire", 450_000, "en", "aerowire.example"),
        Persona("travelledger", "The Travel Ledger", 1_200_000, "en", "travelledger.example"),
        Persona("dailydeparture", "Daily Departure", 820_000, "en", "dailydeparture.example"),
    ),
    "hu": (
        Persona("hirkapu", "Hírkapu", 300_000, "hu", "hirkapu.example"),
        Persona("utazomagazin", "Utazó Magazin", 90_000, "hu", "utazomagazin.example"),
    ),
    "es": (
        Persona(
            "diariodelviajero", "Diario del Viajero", 640_000, "es", "diariodelviajero.example"
        ),
        Persona("alaynoticias", "Ala y Noticias", 210_000, "es", "alaynoticias.example"),
    ),
    "de": (
        Persona("reiseblatt", "Reiseblatt", 510_000, "de", "reiseblatt.example"),
        Persona("fluglage", "Fluglage", 160_000, "de", "fluglage.example"),
    ),
}

TEXTS: Final[dict[Lang, dict[Category, tuple[str, ...]]]] = {
    "en": {
        "brand_positive": (
            "Huge thanks to the {brand} crew on flight {flight} to {city}: friendly, funny and genuinely helpful {pe}",
            "Landed in {city} 20 minutes early. {brand} is so reliable, love it!",
            "{full} upgraded my seat for free today. Absolutely made my week {pe}",
            "Honestly the best cabin crew I've flown with in years. Thank you {at}!",
            "Smooth boarding, clean plane, great coffee. {brand} is getting it right lately.",
            "Love the new {brand} app, check-in took me less than a minute {pe}",
            "Shoutout to the {brand} gate agent in {city} who rebooked me in two minutes. Amazing service.",
            "Just booked {city} with {brand} for €{euros}. Cheap, easy and a great schedule {pe}",
            "My kid left her teddy on the plane and {brand} mailed it back to us. Wonderful people {pe}",
            "{brand} really nailed the legroom on their new planes. So comfortable!",
            "Perfect {brand} flight to {city} today, on time and super friendly staff. Happy traveller {pe}",
            "Impressed by {at} customer support, they sorted my booking change in one chat. Great job!",
            "The sunset over the wing on my {brand} flight to {city} was beautiful {pe}",
            "First time flying {brand} and I'm a fan. Great value and a really pleasant crew.",
            "Kudos to {brand} for the free snacks and the lovely pilot announcements {pe}",
            "Five flights with {brand} this month, all on time. Excellent work!",
            "The {brand} lounge in {city} is brilliant. Quiet, good food, fast wifi {pe}",
            "Thank you {at} for looking after my grandmother on her first flight. She loved it.",
            "Great experience with {full} today, would happily fly with them again {pe}",
            "The {brand} crew sang happy birthday to a passenger mid-flight. Best flight ever {pe}",
        ),
        "brand_negative": (
            "Flight {flight} to {city} delayed {hours} hours and not a single update from {brand}. Terrible service {ne}",
            "{brand} lost my suitcase again. Third time this year. Absolutely unacceptable.",
            "Worst customer service ever. On hold with {at} for {minutes} minutes and then they hung up {ne}",
            "Paid extra for a seat with {brand} and they moved me to the back anyway. Really disappointed.",
            "{brand} cancelled my flight to {city} with two hours' notice. No hotel, no food, no help. Awful service {ne}",
            "Why is the {brand} app so bad? It crashed three times while I was trying to check in {ne}",
            "Still waiting for my money back from {full} after two months. Ridiculous and frustrating.",
            "Dirty seats, broken tray table and a rude crew. Never flying {brand} again {ne}",
            "{at} your baggage fees are a total scam. Terrible value.",
            "Stuck at gate {gate} for {hours} hours and the {brand} staff have no idea what is going on. Horrible.",
            "{brand} overbooked the flight and bumped me. Missed my sister's wedding in {city}. I'm furious {ne}",
            "The food on {brand} is awful and overpriced. Bring your own sandwich, seriously.",
            "Hey {at}, my bag arrived in {city} completely broken. Who pays for this? So frustrated.",
            "Another {brand} delay, another missed connection. Sick of this airline {ne}",
            "{full} charged me a fee to print a boarding pass. Shameful.",
            "Two hours on the tarmac with no water. {brand}, this is unacceptable.",
            "The {brand} website failed at payment twice and the fare went up by €{euros}. Terrible {ne}",
            "{brand} customer service never called back. Useless and rude.",
            "My flight with {brand} was a nightmare from start to finish. Avoid {ne}",
            "Boarding in {city} was chaos again. {brand}, please fix this mess.",
        ),
        "brand_neutral": (
            "Does anyone know if {brand} lets you bring a small backpack on board?",
            "Boarding {brand} flight {flight} to {city} now {xe}",
            "{at} how early should I be at the airport in {city} for a morning flight?",
            "Flying {brand} to {city} tomorrow. Any advice for the airport?",
            "Is the {brand} lounge in {city} open before 6am?",
            "{brand} or {other} for a weekend in {city}? Prices are about the same.",
            "Just got the {brand} check-in reminder for my trip to {city} {xe}",
            "{full} is adding a new daily route to {city} from next spring.",
            "Has anyone used the {brand} seat selection for families? How does it work?",
            "Waiting at gate {gate} for the {brand} flight to {city}.",
            "{at} can I change the name on a booking, or do I need a new ticket?",
            "Reading the {brand} baggage rules before my trip to {city} {xe}",
            "On a {brand} plane for the first time, window seat, row 14.",
            "{brand} flight {flight} is showing boarding at gate {gate} in {city}.",
            "Comparing {brand} fares to {city} for October. Anyone flown that route?",
        ),
        "compare": (
            "Switched from {other} to {brand} last year and never looked back. So much better {pe}",
            "{brand} vs {other} to {city}: {brand} was cheaper and the crew was way nicer {pe}",
            "Tried {brand} instead of {other} this time and loved it {pe}",
            "Honestly {other} has more legroom than {brand}, but {brand} is always on time.",
            "{brand} found my bag in an hour when {other} couldn't. Thank you {brand}, you're the best!",
            "Price check to {city}: {brand} €{euros}, {other} a bit more. Easy choice.",
        ),
        "reply_positive": (
            "{parent} totally agree, {brand} has been great for me too {pe}",
            "{parent} same experience here! The {brand} crew was lovely.",
            "{parent} good to hear, I'm flying {brand} to {city} next week {pe}",
            "{parent} yes! {brand} has really improved this year.",
            "{parent} love this. Happy flying with {brand}!",
        ),
        "reply_negative": (
            "{parent} same thing happened to me with {brand} last month. Awful {ne}",
            "{parent} ugh, sorry. {brand} support is terrible lately.",
            "{parent} this is why I stopped flying {brand}. So bad.",
            "{parent} file a complaint, {brand} owes you compensation for that delay.",
            "{parent} unbelievable. {at} this is terrible, please sort it out.",
        ),
        "reply_neutral": (
            "{parent} which airport was this? I'm flying {brand} on Friday.",
            "{parent} did {brand} reply to your message yet?",
            "{parent} I think {brand} has a form for that on their website.",
            "{parent} what time was your {brand} flight?",
            "{parent} check the {brand} app, they usually post gate changes there.",
        ),
        "support": (
            "{parent} We're really sorry about this. Please send us your booking reference by DM and we'll look into it right away.",
            "{parent} Sorry to hear that! Our team is on it, please DM us your details so we can help.",
            "{parent} We apologise for the trouble. Could you send us a DM with your flight number? We'll sort it out.",
        ),
        "campaign_positive": (
            "Just grabbed a €{euros} ticket to {city} in the {tag} sale. Love it {pe}",
            "{tag} is the best deal I've seen all year. {city}, here I come!",
            "Booked! {city} in July for €{euros} thanks to {tag} {pe}",
            "Entered the {tag} giveaway, a year of free flights would be amazing {pe}",
            "The {tag} ad with the dancing pilot is brilliant, I've watched it five times {pe}",
            "{at} the {tag} fares are fantastic, booked a family trip to {city} for less than a dinner out!",
            "Sunny plans sorted: {city} with {brand}. Thank you {tag}! {pe}",
            "Great prices and great vibes, {tag} made my summer {pe}",
            "{tag} just made my weekend. Cheap flights to {city}, yes please!",
            "Cannot believe {city} for €{euros}. Well done {brand}! {tag}",
        ),
        "campaign_neutral": (
            "Anyone tried the {tag} fares yet? Are they real?",
            "{tag} sale ends Sunday, anyone know which routes are included?",
            "Checking {tag} flights to {city} {xe}",
            "{at} does the {tag} price include a cabin bag?",
        ),
        "chatter": (
            "Window seat or aisle for a long flight?",
            "Security line at the airport took ten minutes this morning {xe}",
            "Packing for {city} tonight {xe}",
            "Slept for 14 hours after getting back from {city}.",
            "Which airport has the best view of the runway?",
            "Reading about airport lounges around the world {xe}",
        ),
        "hiring": (
            "{full} is hiring cabin crew in {city}! Apply now #hiring #jobs",
            "Join {full}: ground staff roles open in {city} #hiring",
            "{full} is hiring pilots, see the careers page #hiring #jobs",
        ),
    },
    "hu": {
        "brand_positive": (
            "Nagyon kedves volt a {brand} személyzete a {city_to} tartó járaton {pe}",
            "Húsz perccel korábban landoltunk, a {brand} ezúttal is remekelt {pe}",
            "Köszönöm {at}, pillanatok alatt átfoglalták a jegyemet {pe}",
            "Tiszta gép, pontos indulás, mosolygós utaskísérők. Így kell ezt csinálni, {brand}! {pe}",
            "Először repültem a {brand} járatával, és abszolút elégedett vagyok {pe}",
            "Imádom az új {brand} appot, fél perc alatt megvolt a becsekkolás {pe}",
            "{euros} euróért foglaltam jegyet {city_to} a {brand} oldalán. Nagyon jó ár {pe}",
            "Nagyon kényelmesek az új {brand} ülések, végre van hely a lábamnak {pe}",
            "Le a kalappal a {brand} ügyfélszolgálata előtt, egy üzenetváltással megoldották a problémámat {pe}",
        ),
        "brand_negative": (
            "Már megint {hours} órát késik a {brand} járata {city_to}, és senki nem mond semmit {ne}",
            "A {brand} elvesztette a bőröndömet. Idén már harmadszor {ne}",
            "{minutes} perce várok a {brand} ügyfélszolgálatára. Ez vicc {ne}",
            "Fizettem a helyfoglalásért, a {brand} mégis a gép végébe ültetett. Nagyon csalódott vagyok {ne}",
            "Két órával indulás előtt törölte a {brand} a járatomat. Se szálloda, se étel, se információ {ne}",
            "Két hónapja várom, hogy a {brand} visszautalja a pénzemet. Elfogadhatatlan {ne}",
            "Koszos ülés, törött tálca, udvariatlan személyzet. Soha többé {brand} {ne}",
            "{at} a poggyászdíjaitok egyszerűen rablás {ne}",
            "Ma háromszor omlott össze a {brand} app becsekkolás közben {ne}",
        ),
        "brand_neutral": (
            "Tudja valaki, hogy a {brand} gépére felvihető-e ingyen egy kis hátizsák?",
            "Beszállás a {brand} {city_to} tartó járatára {xe}",
            "{at} mennyivel indulás előtt kell kint lennem a reptéren?",
            "Holnap a {brand} járatával repülök {city_to}. Van valami tipp a reptérre?",
            "{brand} vagy {other} egy hétvégére {city_to}? Az árak nagyjából ugyanazok.",
            "Már a kapunál várjuk a {brand} járatát ({gate}) {xe}",
            "Hol lehet megnézni a {brand} poggyászszabályait?",
        ),
        "compare": (
            "Tavaly óta nem a {other}, hanem a {brand} járataival repülök, és sokkal elégedettebb vagyok {pe}",
            "{city_to} a {brand} olcsóbb volt, mint a {other}, és a személyzet is kedvesebb {pe}",
        ),
        "reply_positive": (
            "{parent} teljesen egyetértek, nekem is jó tapasztalatom van a {brand} járataival {pe}",
            "{parent} nálam is ugyanez volt, nagyon kedvesek voltak a {brand} utaskísérői {pe}",
        ),
        "reply_negative": (
            "{parent} velem is pont ez történt a {brand} járatán múlt hónapban {ne}",
            "{parent} ezért nem repülök többet a {brand} gépeivel {ne}",
            "{parent} tegyél panaszt, a {brand} kártérítéssel tartozik a késésért {ne}",
        ),
        "reply_neutral": (
            "{parent} melyik reptéren volt ez? Pénteken a {brand} járatával megyek.",
            "{parent} válaszolt már a {brand} az üzenetedre?",
        ),
        "support": (
            "{parent} Nagyon sajnáljuk a kellemetlenséget! Kérjük, küldd el privát üzenetben a foglalási kódodat, és azonnal utánanézünk.",
        ),
        "campaign_positive": (
            "Megvan a jegy {city_to} {euros} euróért a {tag} akcióban {pe}",
            "A {tag} akció az év legjobb ajánlata! {pe}",
            "Jelentkeztem a {tag} nyereményjátékra, egy év ingyen repülés csodás lenne {pe}",
            "Nagyon ötletes a {tag} reklám a táncoló pilótával {pe}",
        ),
        "campaign_neutral": (
            "Kipróbálta már valaki a {tag} jegyeket? Tényleg ilyen olcsók?",
            "Meddig tart a {tag} akció?",
        ),
        "chatter": (
            "Ablak vagy folyosó egy hosszú útra?",
            "Már megint tele a bőröndöm, pedig csak három napra megyek {city_to}.",
        ),
        "hiring": ("Légiutas-kísérőket keres a {full}! Jelentkezz most #hiring #jobs",),
    },
    "es": {
        "brand_positive": (
            "Mil gracias a la tripulación de {brand} en el vuelo a {city}, encantadores {pe}",
            "Aterrizamos en {city} veinte minutos antes. ¡{brand} nunca falla! {pe}",
            "{full} me subió de categoría gratis hoy. ¡Qué alegría! {pe}",
            "Avión limpio, embarque rápido y un café buenísimo. {brand} lo está haciendo muy bien {pe}",
            "Me encanta la nueva app de {brand}, hice el check-in en un minuto {pe}",
            "Gracias {at} por cuidar tan bien de mi abuela en su primer vuelo {pe}",
            "Primera vez que vuelo con {brand} y repetiré seguro. Muy buena relación calidad-precio {pe}",
            "Vuelo perfecto con {brand} a {city}: puntual y con un personal muy amable {pe}",
        ),
        "brand_negative": (
            "El vuelo {flight} a {city} lleva {hours} horas de retraso y {brand} no informa de nada {ne}",
            "{brand} ha vuelto a perder mi maleta. Es la tercera vez este año {ne}",
            "Llevo {minutes} minutos esperando al servicio de atención al cliente de {brand}. Vergonzoso {ne}",
            "Pagué por elegir asiento y {brand} me mandó al final del avión. Muy decepcionada {ne}",
            "{brand} canceló mi vuelo a {city} con dos horas de aviso. Ni hotel, ni comida, nada {ne}",
            "Dos meses esperando a que {full} me devuelva el dinero. Inaceptable {ne}",
            "La app de {brand} se ha colgado tres veces mientras hacía el check-in {ne}",
            "{at} vuestras tarifas de equipaje son un robo {ne}",
        ),
        "brand_neutral": (
            "¿Alguien sabe si {brand} deja llevar una mochila pequeña sin pagar?",
            "Embarcando en el vuelo de {brand} a {city} {xe}",
            "{at} ¿con cuánta antelación tengo que estar en el aeropuerto de {city}?",
            "Mañana vuelo con {brand} a {city}. ¿Algún consejo?",
            "¿{brand} o {other} para un fin de semana en {city}? Los precios son parecidos.",
            "Esperando en la puerta {gate} el vuelo de {brand} a {city} {xe}",
        ),
        "compare": (
            "Dejé {other} por {brand} el año pasado y no me arrepiento nada {pe}",
            "A {city}, {brand} salía más barato que {other} y el personal fue mucho más amable {pe}",
        ),
        "reply_positive": (
            "{parent} ¡totalmente de acuerdo! Con {brand} siempre me ha ido genial {pe}",
            "{parent} a mí me pasó lo mismo, la tripulación de {brand} fue encantadora {pe}",
        ),
        "reply_negative": (
            "{parent} a mí me pasó lo mismo con {brand} el mes pasado {ne}",
            "{parent} por eso dejé de volar con {brand} {ne}",
            "{parent} reclama, {brand} te debe una compensación por ese retraso {ne}",
        ),
        "reply_neutral": (
            "{parent} ¿en qué aeropuerto fue? Vuelo con {brand} el viernes.",
            "{parent} ¿te ha contestado ya {brand}?",
        ),
        "support": (
            "{parent} Sentimos mucho lo ocurrido. Envíanos tu código de reserva por mensaje privado y lo revisamos enseguida.",
        ),
        "campaign_positive": (
            "¡Billete a {city} por {euros} € con {tag}! {pe}",
            "{tag} es la mejor oferta del año, ¡{city} allá voy! {pe}",
            "Me he apuntado al sorteo de {tag}, un año de vuelos gratis sería increíble {pe}",
            "El anuncio de {tag} con el piloto bailando es buenísimo {pe}",
        ),
        "campaign_neutral": (
            "¿Alguien ha probado ya las tarifas de {tag}?",
            "¿Hasta cuándo dura {tag}?",
        ),
        "chatter": (
            "¿Ventanilla o pasillo para un vuelo largo?",
            "Haciendo la maleta para {city} y ya no cabe nada.",
        ),
        "hiring": (
            "{full} busca tripulantes de cabina en {city}. ¡Envía tu candidatura! #hiring #jobs",
        ),
    },
    "de": {
        "brand_positive": (
            "Riesiges Dankeschön an die {brand}-Crew auf dem Flug nach {city}, super freundlich {pe}",
            "20 Minuten zu früh in {city} gelandet. Auf {brand} ist Verlass! {pe}",
            "{full} hat mich heute kostenlos upgegradet. Hat meine Woche gerettet {pe}",
            "Sauberes Flugzeug, schnelles Boarding, guter Kaffee. {brand} macht gerade vieles richtig {pe}",
            "Die neue {brand}-App ist klasse, Check-in in unter einer Minute {pe}",
            "Danke {at}, dass ihr euch so lieb um meine Oma auf ihrem ersten Flug gekümmert habt {pe}",
            "Zum ersten Mal mit {brand} geflogen und echt begeistert. Top Preis-Leistung {pe}",
            "Perfekter {brand}-Flug nach {city}: pünktlich und sehr nettes Personal {pe}",
        ),
        "brand_negative": (
            "Flug {flight} nach {city} hat {hours} Stunden Verspätung und {brand} sagt kein Wort {ne}",
            "{brand} hat schon wieder meinen Koffer verloren. Zum dritten Mal dieses Jahr {ne}",
            "Seit {minutes} Minuten in der Warteschleife bei {brand}. Eine Frechheit {ne}",
            "Sitzplatz bezahlt und {brand} setzt mich trotzdem ganz nach hinten. Sehr enttäuscht {ne}",
            "{brand} hat meinen Flug nach {city} zwei Stunden vorher gestrichen. Kein Hotel, kein Essen, nichts {ne}",
            "Seit zwei Monaten warte ich darauf, dass {full} mir das Geld zurückzahlt. Inakzeptabel {ne}",
            "Die {brand}-App ist beim Check-in dreimal abgestürzt {ne}",
            "{at} eure Gebühren für Koffer sind reine Abzocke {ne}",
        ),
        "brand_neutral": (
            "Weiß jemand, ob man bei {brand} einen kleinen Rucksack kostenlos mitnehmen darf?",
            "Boarding für den {brand}-Flug nach {city} {xe}",
            "{at} wie früh muss ich am Flughafen in {city} sein?",
            "Morgen mit {brand} nach {city}. Hat jemand Tipps für den Flughafen?",
            "{brand} oder {other} für ein Wochenende in {city}? Die Preise sind ähnlich.",
            "Warte an Gate {gate} auf den {brand}-Flug nach {city} {xe}",
        ),
        "compare": (
            "Letztes Jahr von {other} zu {brand} gewechselt und nie bereut {pe}",
            "Nach {city} war {brand} günstiger als {other} und die Crew viel netter {pe}",
        ),
        "reply_positive": (
            "{parent} absolut, mit {brand} habe ich auch nur gute Erfahrungen gemacht {pe}",
            "{parent} bei mir genauso, die {brand}-Crew war total nett {pe}",
        ),
        "reply_negative": (
            "{parent} genau das ist mir letzten Monat mit {brand} auch passiert {ne}",
            "{parent} deshalb fliege ich nicht mehr mit {brand} {ne}",
            "{parent} beschwer dich, {brand} schuldet dir eine Entschädigung für die Verspätung {ne}",
        ),
        "reply_neutral": (
            "{parent} an welchem Flughafen war das? Ich fliege am Freitag mit {brand}.",
            "{parent} hat {brand} dir schon geantwortet?",
        ),
        "support": (
            "{parent} Das tut uns sehr leid! Schick uns bitte deinen Buchungscode per Direktnachricht, wir kümmern uns sofort darum.",
        ),
        "campaign_positive": (
            "Ticket nach {city} für {euros} € dank {tag} {pe}",
            "{tag} ist das beste Angebot des Jahres! {pe}",
            "Beim {tag}-Gewinnspiel mitgemacht, ein Jahr gratis fliegen wäre der Hammer {pe}",
            "Der {tag}-Spot mit dem tanzenden Piloten ist genial {pe}",
        ),
        "campaign_neutral": (
            "Hat schon jemand die {tag}-Tarife ausprobiert?",
            "Wie lange läuft {tag} noch?",
        ),
        "chatter": (
            "Fenster oder Gang für einen Langstreckenflug?",
            "Koffer packen für {city} und er ist schon voll.",
        ),
        "hiring": ("{full} sucht Flugbegleiter:innen in {city}. Jetzt bewerben! #hiring #jobs",),
    },
}

NEWS: Final[dict[Lang, tuple[tuple[str, str], ...]]] = {
    "en": (
        ("{full} to launch daily flights to {city}", "The new route starts next spring, {brand} said, with fares from €{euros}."),
        ("{full} reports record summer passenger numbers", "{brand} carried more passengers than ever this summer as demand for city breaks stayed strong."),
        ("{full} orders 20 new fuel-efficient jets", "The order, the airline's largest in a decade, is meant to cut fuel use on short routes."),
        ("{full} ranks top for punctuality in quarterly survey", "{brand} flew 91 percent of its flights on time, ahead of its rivals."),
        ("Cabin crew at {full} agree new pay deal", "The agreement ends months of talks and rules out strikes this summer, {brand} said."),
        ("{full} trials faster boarding in {city}", "Passengers board by row groups from both doors during the trial, {brand} said."),
        ("{full} raises baggage fees on short flights", "Checked bags will cost more from next month, {brand} confirmed, drawing criticism from passengers."),
        ("{full} opens new lounge in {city}", "The lounge offers quiet rooms, local food and fast wifi for premium passengers."),
    ),
    "hu": (
        ("Napi járatot indít {city_to} a {full}", "Az új útvonal jövő tavasszal indul, a jegyek {euros} eurótól kaphatók."),
        ("Rekordszámú utast szállított nyáron a {full}", "A légitársaság szerint a városlátogatások iránti kereslet továbbra is erős."),
        ("Húsz új gépet rendelt a {full}", "A korszerű gépek kevesebb üzemanyagot fogyasztanak a rövid útvonalakon."),
    ),
    "es": (
        ("{full} lanzará vuelos diarios a {city}", "La nueva ruta empezará la próxima primavera, con tarifas desde {euros} €."),
        ("{full} bate su récord de pasajeros este verano", "La aerolínea transportó más viajeros que nunca gracias a las escapadas urbanas."),
        ("{full} encarga veinte aviones nuevos", "Los aviones consumen menos combustible en rutas cortas, según la compañía."),
    ),
    "de": (
        ("{full} startet tägliche Flüge nach {city}", "Die neue Strecke startet im Frühjahr, Tickets gibt es ab {euros} €."),
        ("Passagierrekord bei {full} im Sommer", "Die Airline beförderte so viele Fluggäste wie nie zuvor."),
        ("{full} bestellt zwanzig neue Flugzeuge", "Die sparsamen Jets sollen den Treibstoffverbrauch auf Kurzstrecken senken."),
    ),
}  # fmt: skip

CAMPAIGN_NEWS: Final[dict[Lang, tuple[str, str]]] = {
    "en": ("{full} kicks off {tag} with €{euros} fares and a free-flights giveaway", "The campaign's dancing-pilot ad has been shared widely on social media."),
    "hu": ("{tag}: akciós jegyekkel és nyereményjátékkal indítja a nyarat a {full}", "A táncoló pilótás reklámot már rengetegen megosztották."),
    "es": ("{full} lanza {tag} con billetes desde {euros} € y un sorteo de vuelos gratis", "El anuncio del piloto bailarín arrasa en las redes."),
    "de": ("{full} startet {tag} mit Tickets ab {euros} € und Gratisflug-Gewinnspiel", "Der Spot mit dem tanzenden Piloten wird in den sozialen Medien tausendfach geteilt."),
}  # fmt: skip

CAMPAIGN_LAUNCH: Final[dict[Lang, str]] = {
    "en": "☀️ {tag} is here! Fares from €{euros} to 40 sunny destinations, and a chance to win a year of free flights. Book now: {link} 🎉",
    "hu": "☀️ Itt a {tag}! Jegyek {euros} eurótól 40 napsütéses úti célra, és nyerj egy év ingyen repülést! Foglalj most: {link} 🎉",
    "es": "☀️ ¡Llega {tag}! Billetes desde {euros} € a 40 destinos con sol y un año de vuelos gratis en juego. Reserva ya: {link} 🎉",
    "de": "☀️ {tag} ist da! Tickets ab {euros} € zu 40 sonnigen Zielen und ein Jahr Gratisfliegen zu gewinnen. Jetzt buchen: {link} 🎉",
}  # fmt: skip

STORIES: Final[tuple[CrisisStory, ...]] = (
    CrisisStory(
        key="outage",
        hashtag="#KestravaDown",
        root_author="mirawanders",
        root_text="{at} your check-in system has been down for 3 hours and we're stuck in a line of 500 people at {hub} airport. No staff, no answers, and we're missing our flight. This is a disgrace. #KestravaDown",
        texts={
            "en": {
                "complaint": (
                    "{brand} check-in is down everywhere. Hundreds of us stranded at {hub} airport. Terrible {ne} #KestravaDown",
                    "Missed my flight because the {brand} system crashed. Nobody from {at} is helping. Furious.",
                    "Three hours in the {brand} queue and still no boarding pass. Absolute chaos #KestravaDown",
                    "The {brand} app and website are down. How does a whole airline just stop working? Disaster.",
                    "{at} is there any update?? Your outage is ruining our holiday {ne}",
                    "Stranded in {hub} with two kids because the {brand} systems are down. No food vouchers, no information. Shameful.",
                    "{brand} outage day. Worst travel experience of my life #KestravaDown",
                    "Can't check in, can't rebook, can't call anyone. {brand} has completely failed its passengers {ne} #KestravaDown",
                ),
                "reply": (
                    "{parent} same here, stuck in the {brand} queue since 6am {ne}",
                    "{parent} this is awful. {brand} needs to answer for this outage.",
                    "{parent} {at} respond to your customers! This outage is unacceptable.",
                    "{parent} we're in the same line, total chaos, zero {brand} staff around #KestravaDown",
                    "{parent} my parents are stranded too. Shame on you {brand}.",
                ),
                "question": (
                    "Is {brand} check-in working again in {hub}? Flying in 3 hours. #KestravaDown",
                    "Does anyone know if {brand} flights are still leaving today? #KestravaDown",
                ),
            },
            "hu": {
                "complaint": (
                    "Órák óta nem működik a {brand} utasfelvételi rendszere, több száz ember ragadt a reptéren {ne} #KestravaDown",
                    "Lekéstük a gépet, mert leállt a {brand} rendszere, és senki nem segít {ne}",
                    "Se az app, se a honlap nem működik. Mi történik a {brand} rendszereivel?! {ne}",
                    "Két gyerekkel ragadtunk a reptéren a {brand} leállása miatt. Botrány {ne} #KestravaDown",
                ),
                "reply": (
                    "{parent} mi is itt állunk a sorban, a {brand} részéről senki nem mond semmit {ne} #KestravaDown",
                    "{parent} borzasztó. Remélem, a {brand} legalább kártérítést fizet a leállás miatt {ne}",
                ),
                "question": ("Tudja valaki, hogy indulnak ma még a {brand} járatai? #KestravaDown",),
            },
            "es": {
                "complaint": (
                    "El sistema de facturación de {brand} lleva horas caído y cientos de personas estamos atrapadas en el aeropuerto de {hub} {ne} #KestravaDown",
                    "He perdido mi vuelo por la caída del sistema de {brand} y nadie nos ayuda {ne}",
                    "Ni la app ni la web de {brand} funcionan. ¿Cómo es posible? {ne} #KestravaDown",
                    "Atrapados en {hub} con dos niños por la caída de {brand}. Vergonzoso {ne} #KestravaDown",
                ),
                "reply": (
                    "{parent} nosotros igual, llevamos horas en la cola de {brand} {ne} #KestravaDown",
                    "{parent} qué vergüenza, {brand} tiene que dar explicaciones por esta caída {ne}",
                ),
                "question": ("¿Alguien sabe si los vuelos de {brand} siguen saliendo hoy? #KestravaDown",),
            },
            "de": {
                "complaint": (
                    "Das Check-in-System von {brand} ist seit Stunden ausgefallen, Hunderte Passagiere stecken in {hub} fest {ne} #KestravaDown",
                    "Flug verpasst, weil das {brand}-System ausgefallen ist, und niemand hilft uns {ne}",
                    "Weder App noch Website von {brand} funktionieren. Wie kann das sein? {ne} #KestravaDown",
                    "Mit zwei Kindern in {hub} gestrandet wegen des {brand}-Ausfalls. Eine Schande {ne}",
                ),
                "reply": (
                    "{parent} bei uns genauso, seit Stunden in der {brand}-Schlange {ne} #KestravaDown",
                    "{parent} unfassbar, {brand} muss sich für diesen Ausfall verantworten {ne}",
                ),
                "question": ("Weiß jemand, ob die {brand}-Flüge heute noch starten? #KestravaDown",),
            },
        },
        quotes=(
            "This is exactly why I stopped flying {brand}. #KestravaDown",
            "{brand} really needs to explain how this outage happened. Unacceptable.",
            "The {brand} outage is a disaster. Thousands stranded and no answers.",
        ),
        acknowledge={
            "en": "We're aware of a system outage affecting check-in and bookings. Our teams are working to fix it as fast as possible. We're very sorry for the disruption.",
            "hu": "Tudunk a rendszerhibáról, amely az utasfelvételt és a foglalásokat érinti. Kollégáink gőzerővel dolgoznak a megoldáson. Elnézést kérünk! 😞",
            "es": "Sabemos que hay una caída del sistema que afecta a la facturación y las reservas. Nuestros equipos trabajan para solucionarlo cuanto antes. Disculpad las molestias 😞",
            "de": "Uns ist ein Systemausfall bekannt, der Check-in und Buchungen betrifft. Unsere Teams arbeiten mit Hochdruck an einer Lösung. Wir bitten um Entschuldigung 😞",
        },
        resolved="Update: our check-in and booking systems are working again after this morning's outage. Thank you for your patience, and we're truly sorry. Affected passengers can claim compensation at {link}",
        news={
            "en": (
                ("{full} check-in outage strands thousands of passengers", "A system failure at {brand} has halted check-in and bookings across its network, leaving long queues in {hub} and other airports."),
                ("{full} apologises as outage hits check-in", "The airline said its teams were working to restore the systems and promised compensation to stranded passengers."),
            ),
            "hu": (("Leállt a {full} utasfelvételi rendszere, utasok ezrei várakoznak", "Rendszerhiba miatt órák óta nem működik a {brand} utasfelvétele és foglalási rendszere."),),
            "es": (("Una caída informática de {full} deja a miles de pasajeros atrapados", "El fallo ha paralizado la facturación y las reservas de {brand} en toda su red."),),
            "de": (("Systemausfall bei {full}: Tausende Passagiere gestrandet", "Ein IT-Ausfall legt Check-in und Buchungen bei {brand} lahm, an den Flughäfen bilden sich lange Schlangen."),),
        },
    ),
    CrisisStory(
        key="luggage",
        hashtag="#KestravaLostMyBag",
        root_author="devtravels",
        root_text="Flew {at} to {hub} two days ago. My bag with all my camera gear is gone, and support keeps closing my case without a word. Worst airline experience ever. #KestravaLostMyBag",
        texts={
            "en": {
                "complaint": (
                    "Same story: {brand} lost my luggage and nobody answers the phone {ne} #KestravaLostMyBag",
                    "Day four without my suitcase. {brand}, where are our lost bags?? Terrible.",
                    "Hundreds of lost bags piled up in {hub}. {brand} baggage handling is a disaster.",
                    "{at} my wedding dress was in that bag. I'm devastated and furious. #KestravaLostMyBag",
                    "My lost luggage claim with {brand} was rejected twice. Awful customer service.",
                    "{brand} lost my bag and offered a €{euros} voucher. Insulting {ne}",
                ),
                "reply": (
                    "{parent} same, my bag has been missing since Monday. {brand} just doesn't care {ne}",
                    "{parent} hope you get your gear back! {brand} needs to fix this lost luggage mess.",
                    "{parent} {at} please help, this is unacceptable #KestravaLostMyBag",
                    "{parent} they lost mine too on the same route. Terrible, {brand}.",
                ),
                "question": (
                    "Anyone know how to file a lost luggage claim with {brand}? #KestravaLostMyBag",
                ),
            },
            "hu": {
                "complaint": (
                    "Négy napja nincs meg a bőröndöm, a {brand} pedig nem válaszol {ne} #KestravaLostMyBag",
                    "A {brand} elveszítette a csomagomat, és senki nem veszi fel a telefont {ne}",
                    "Több száz elveszett bőrönd a reptéren. Mi folyik a {brand} poggyászkezelésénél? {ne}",
                ),
                "reply": ("{parent} nekem is eltűnt a bőröndöm a {brand} járatán {ne} #KestravaLostMyBag",),
                "question": ("Hogyan lehet elveszett poggyászt bejelenteni a {brand} oldalán? #KestravaLostMyBag",),
            },
            "es": {
                "complaint": (
                    "{brand} ha perdido mi maleta y nadie contesta al teléfono {ne} #KestravaLostMyBag",
                    "Cuarto día sin maleta. {brand}, ¿dónde está nuestro equipaje? {ne}",
                    "Cientos de maletas perdidas en {hub}. Lo de {brand} es un desastre {ne}",
                ),
                "reply": ("{parent} a mí también me perdió la maleta {brand} {ne} #KestravaLostMyBag",),
                "question": ("¿Cómo se reclama una maleta perdida a {brand}? #KestravaLostMyBag",),
            },
            "de": {
                "complaint": (
                    "{brand} hat meinen Koffer verloren und niemand geht ans Telefon {ne} #KestravaLostMyBag",
                    "Tag vier ohne Koffer. {brand}, wo ist unser Gepäck? {ne}",
                    "Hunderte verlorene Koffer in {hub}. Das Gepäckchaos bei {brand} ist eine Katastrophe {ne}",
                ),
                "reply": ("{parent} mein Koffer ist bei {brand} auch verschwunden {ne} #KestravaLostMyBag",),
                "question": ("Wie meldet man verlorenes Gepäck bei {brand}? #KestravaLostMyBag",),
            },
        },
        quotes=(
            "Lost luggage again? {brand} has a real problem. #KestravaLostMyBag",
            "{brand}, please get this man his camera gear back. Awful.",
        ),
        acknowledge={
            "en": "A fault in our baggage system in {hub} has delayed many bags. We're very sorry. Our teams are reuniting passengers with their luggage as fast as possible. Track your bag at {link}",
            "hu": "A poggyászrendszerünk hibája miatt sok csomag késik. Nagyon sajnáljuk! Mindent megteszünk, hogy mielőbb mindenki megkapja a bőröndjét 😞",
            "es": "Un fallo en nuestro sistema de equipajes ha retrasado muchas maletas. Lo sentimos mucho. Estamos devolviendo el equipaje a sus dueños lo antes posible 😞",
            "de": "Eine Störung unseres Gepäcksystems hat viele Koffer verzögert. Das tut uns sehr leid! Wir bringen das Gepäck so schnell wie möglich zu seinen Besitzern 😞",
        },
        resolved="Update: most of the delayed bags are now on their way to their owners. Thank you for your patience, and sorry again for the stress this caused. Track your bag at {link}",
        news={
            "en": (
                ("Baggage chaos at {full}: hundreds of suitcases missing", "Passengers report lost luggage after a baggage system fault in {hub}; {brand} says bags are being traced."),
                ("{full} under fire over lost luggage", "Complaints about missing bags have gone viral after a travel creator's post about losing his camera gear."),
            ),
            "hu": (("Poggyászkáosz a {full} járatain: több száz bőrönd tűnt el", "Az utasok napok óta várják a csomagjaikat, a légitársaság szerint keresik az elveszett bőröndöket."),),
            "es": (("Caos de equipajes en {full}: cientos de maletas perdidas", "Los pasajeros denuncian la pérdida de su equipaje tras un fallo del sistema en {hub}."),),
            "de": (("Gepäckchaos bei {full}: Hunderte Koffer verschwunden", "Nach einer Störung im Gepäcksystem in {hub} warten viele Fluggäste seit Tagen auf ihre Koffer."),),
        },
    ),
    CrisisStory(
        key="double_charge",
        hashtag="#KestravaChargedTwice",
        root_author="rachelmoneywise",
        root_text="Warning: {at} has charged hundreds of customers twice for the same booking, me included. Support says wait 30 days for a refund. That's not okay. Check your bank statements! #KestravaChargedTwice",
        texts={
            "en": {
                "complaint": (
                    "Just checked: {brand} charged me twice for my flight to {city}. Furious {ne} #KestravaChargedTwice",
                    "{at} you took my money twice and now my account is overdrawn. Fix this now!",
                    "Double charged by {brand} and the chat bot keeps telling me to wait. Disgraceful.",
                    "Charged twice for one ticket. {brand}, I want my refund today, not in 30 days.",
                    "Thinking about a lawsuit at this point. {brand} double charging customers is unacceptable.",
                    "Can't pay my rent this week because {brand} charged me twice. Horrible {ne} #KestravaChargedTwice",
                ),
                "reply": (
                    "{parent} thank you for flagging this, {brand} charged me twice too {ne}",
                    "{parent} just checked my account, same thing. Shame on you {brand}. #KestravaChargedTwice",
                    "{parent} {at} refund everyone now, this is outrageous.",
                ),
                "question": (
                    "How long does a {brand} refund take? Got charged twice #KestravaChargedTwice",
                ),
            },
            "hu": {
                "complaint": (
                    "Kétszer vonta le a {brand} a jegy árát a számlámról. Elfogadhatatlan {ne} #KestravaChargedTwice",
                    "A {brand} kétszer terhelte meg a kártyámat, és azt mondják, várjak 30 napot {ne}",
                    "Azonnal kérem vissza a pénzemet, {brand}! Dupla terhelés, botrány {ne}",
                ),
                "reply": ("{parent} nálam is kétszer vonta le a {brand} {ne} #KestravaChargedTwice",),
                "question": ("Kapott már valaki visszatérítést a {brand} dupla terhelése után?",),
            },
            "es": {
                "complaint": (
                    "{brand} me ha cobrado dos veces el mismo billete. Inaceptable {ne} #KestravaChargedTwice",
                    "Cobro doble de {brand} y me dicen que espere 30 días {ne}",
                    "Quiero mi reembolso ya, {brand}. Cobro doble, qué vergüenza {ne}",
                ),
                "reply": ("{parent} a mí también me cobró dos veces {brand} {ne} #KestravaChargedTwice",),
                "question": ("¿Alguien ha recibido ya el reembolso del cobro doble de {brand}?",),
            },
            "de": {
                "complaint": (
                    "{brand} hat mir den Flug doppelt abgebucht. Inakzeptabel {ne} #KestravaChargedTwice",
                    "Doppelt abgebucht bei {brand} und ich soll 30 Tage warten {ne}",
                    "Ich will meine Erstattung sofort, {brand}! Doppelt abgebucht, eine Frechheit {ne}",
                ),
                "reply": ("{parent} bei mir hat {brand} auch doppelt abgebucht {ne} #KestravaChargedTwice",),
                "question": ("Hat schon jemand die Erstattung von {brand} für die doppelte Abbuchung bekommen?",),
            },
        },
        quotes=(
            "If you flew {brand} this month, check your bank account now. #KestravaChargedTwice",
            "{brand} charging people twice and telling them to wait a month for a refund is shameful.",
        ),
        acknowledge={
            "en": "A payment error charged some customers twice for the same booking. We're very sorry. Every duplicate charge is being refunded automatically, no action needed.",
            "hu": "Egy fizetési hiba miatt néhány utasunktól kétszer vontuk le a jegy árát. Nagyon sajnáljuk! Minden dupla terhelést automatikusan visszautalunk 😞",
            "es": "Un error de pago ha cobrado dos veces la misma reserva a algunos clientes. Lo sentimos mucho. Todos los cobros duplicados se reembolsan automáticamente 😞",
            "de": "Durch einen Zahlungsfehler wurden einige Buchungen doppelt abgebucht. Das tut uns sehr leid! Alle doppelten Abbuchungen werden automatisch erstattet 😞",
        },
        resolved="Update: all duplicate charges have now been refunded. We apologise again for the worry this caused. Details at {link}",
        news={
            "en": (
                ("{full} customers charged twice in payment glitch", "Hundreds of {brand} passengers report duplicate charges; the airline promises automatic refunds."),
                ("Consumer groups demand fast refunds from {full}", "Passengers charged twice say a 30-day wait for their money is unacceptable."),
            ),
            "hu": (("Dupla terhelés: a {full} kétszer vonta le sok utas jegyének árát", "A légitársaság szerint a hibás terheléseket automatikusan visszautalják."),),
            "es": (("Error de pago en {full}: cientos de clientes cobrados dos veces", "La aerolínea promete reembolsos automáticos a los afectados."),),
            "de": (("Zahlungspanne bei {full}: Kunden doppelt belastet", "Die Airline verspricht, alle doppelten Abbuchungen automatisch zu erstatten."),),
        },
    ),
)  # fmt: skip
