"""Synthetic short posts in English, Hungarian, Spanish and German, for benchmarks and tests.

Every sentence here was written for Signalroom (no dataset text). Posts are built from a
seeded ``random.Random``, so the same seed gives the same posts. Brands and handles are
made up. Must not do I/O.
"""

from __future__ import annotations

import random
from typing import Literal

from signalroom.models import Author, Engagement, Post

SyntheticLanguage = Literal["en", "hu", "es", "de"]
LANGUAGES: tuple[SyntheticLanguage, ...] = ("en", "hu", "es", "de")

BRANDS = ("Acme", "Nimbus Air", "Velora", "Kettle & Co", "Brightline Bank", "Orbita")

SENTENCES: dict[SyntheticLanguage, tuple[str, ...]] = {
    "en": (
        "Just tried the new {brand} app and it is honestly great",
        "My {brand} order arrived two days late and nobody answered my emails",
        "Does anyone know if {brand} is open on Sunday?",
        "Worst customer service ever, {brand} charged me twice",
        "The {brand} ad during the game was so funny",
        "Switching to {brand} was the best decision this year",
        "Waiting on hold with {brand} for forty minutes now",
        "Nice to see {brand} sponsoring the local marathon",
        "The update from {brand} broke everything on my phone",
        "Not sure how I feel about the new {brand} logo",
        "Thanks {brand} for fixing my problem so quickly",
        "{brand} prices went up again, really disappointing",
    ),
    "hu": (
        "Ma kipróbáltam a {brand} új alkalmazását, nagyon tetszik",
        "A {brand} rendelésem két napot késett, senki nem válaszolt",
        "Tudja valaki, hogy a {brand} nyitva van vasárnap?",
        "Soha többé nem vásárolok a {brand} boltjában",
        "A {brand} reklámja a meccs alatt nagyon vicces volt",
        "Negyven perce várok a {brand} ügyfélszolgálatán",
        "Köszönöm a {brand} csapatának a gyors segítséget",
        "A {brand} frissítése után semmi sem működik a telefonomon",
        "Szerintem a {brand} új logója egész jó lett",
        "Megint drágább lett minden a {brand} üzletekben",
    ),
    "es": (
        "Acabo de probar la nueva aplicación de {brand} y me encanta",
        "Mi pedido de {brand} llegó con dos días de retraso",
        "¿Alguien sabe si {brand} abre el domingo?",
        "El peor servicio al cliente, {brand} me cobró dos veces",
        "El anuncio de {brand} durante el partido fue muy gracioso",
        "Llevo cuarenta minutos esperando al teléfono con {brand}",
        "Gracias a {brand} por resolver mi problema tan rápido",
        "La actualización de {brand} rompió todo en mi móvil",
        "No sé qué pensar del nuevo logo de {brand}",
        "Otra vez subieron los precios en {brand}, qué decepción",
    ),
    "de": (
        "Habe gerade die neue App von {brand} ausprobiert und sie ist wirklich gut",
        "Meine Bestellung bei {brand} kam zwei Tage zu spät an",
        "Weiß jemand, ob {brand} am Sonntag geöffnet hat?",
        "Der schlechteste Kundenservice überhaupt, {brand} hat doppelt abgebucht",
        "Die Werbung von {brand} während des Spiels war echt lustig",
        "Ich hänge seit vierzig Minuten in der Warteschleife von {brand}",
        "Danke an {brand} für die schnelle Hilfe",
        "Das Update von {brand} hat auf meinem Handy alles kaputt gemacht",
        "Ich weiß nicht, was ich vom neuen Logo von {brand} halten soll",
        "Schon wieder sind die Preise bei {brand} gestiegen, sehr enttäuschend",
    ),
}

HASHTAGS = ("#SuperBowl", "#fail", "#customerservice", "#launch", "#Velora", "#ad")
MENTIONS = ("@acme.bsky.social", "@nimbusair", "@velora_help", "@orbita.bsky.social")
EMOJI = ("😀", "😡", "🙄", "👍", "🔥", "😂", "💔")
ENDINGS = (".", "!", "!!", "", "...", " :)")


def synthetic_posts(count: int, seed: int = 0, start: float = 1_700_000_000.0) -> list[Post]:
    """``count`` short posts spread evenly over the four languages, one second apart."""
    rng = random.Random(seed)
    posts: list[Post] = []
    for index in range(count):
        lang = LANGUAGES[index % len(LANGUAGES)]
        text = rng.choice(SENTENCES[lang]).format(brand=rng.choice(BRANDS)) + rng.choice(ENDINGS)
        if rng.random() < 0.3:
            text += " " + rng.choice(HASHTAGS)
        if rng.random() < 0.2:
            text = f"{rng.choice(MENTIONS)} {text}"
        if rng.random() < 0.15:
            text += f" https://example.com/p/{rng.randrange(10_000)}"
        if rng.random() < 0.25:
            text += " " + rng.choice(EMOJI) * rng.randint(1, 3)
        created_at = start + index
        posts.append(
            Post(
                source="demo",
                native_id=f"syn-{seed}-{index}",
                url=f"https://example.com/posts/{seed}/{index}",
                author=Author(
                    handle=f"user{rng.randrange(5_000)}.example",
                    followers=int(rng.paretovariate(1.2) * 20),
                ),
                text=text,
                created_at=created_at,
                received_at=created_at + 0.5,
                engagement=Engagement(
                    likes=rng.randrange(50),
                    reposts=rng.randrange(5),
                    replies=rng.randrange(5),
                    quotes=rng.randrange(2),
                ),
                lang_hint=lang if rng.random() < 0.5 else None,
            )
        )
    return posts
