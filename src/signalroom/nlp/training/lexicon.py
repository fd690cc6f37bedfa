"""The sentiment lexicon that training bakes into the model, as hashes.

Three sources: VADER's English lexicon (vaderSentiment 3.3.2, MIT licence: words and
emoticons with a strength from -4 to 4), VADER's emoji descriptions scored with that
lexicon (emoji hold in every language), and short lists of clearly polar words per
language written for Signalroom (:data:`SEED_WORDS`): the training tweets are too few for
the model to learn that "wunderbar" or "orribile" matter, while a lexicon feature learned
from every language's data carries to words the data barely shows.

Training-only: reads the installed vaderSentiment files. The result is a
:class:`signalroom.nlp.hashed.Lexicon` of hashed keys, so no word is stored in the model.
"""

from __future__ import annotations

import importlib.resources

import numpy as np

from signalroom.nlp.hashed import (
    ANY_LANGUAGE,
    HashedFeaturizer,
    Lexicon,
    lexicon_keys,
    token_hashes,
    tokenize,
)

SEED_STRENGTH = 2.5
"""Strength given to a seed word: a clear but not extreme word on VADER's scale."""

# Written for Signalroom from general knowledge of each language: common, unambiguous
# words and their frequent forms. Words that are also common neutral words in another of
# these languages are fine: entries are per language.
SEED_WORDS: dict[str, tuple[str, str]] = {
    "hu": (
        "jó jól jó! szuper szupi király remek kiváló nagyszerű csodálatos gyönyörű szép "
        "fantasztikus imádom imádtam imádjuk szeretem szerettem tetszik tetszett köszönöm "
        "köszi köszönjük boldog boldogság örülök öröm hálás gratulálok gratula tökéletes "
        "zseniális kedves aranyos legjobb ajánlom élmény siker sikeres hurrá",
        "rossz rosszul borzalmas borzasztó szörnyű szar szarul utálom utáltam gyűlölöm "
        "undorító pocsék gyenge csalódás csalódott csalódtam szomorú dühös ideges botrány "
        "botrányos katasztrófa kár sajnos hiba hibás gáz béna nyomorult szégyen szégyen! "
        "legrosszabb vacak fáj fájdalom halál félelem",
    ),
    "de": (
        "gut gute guten guter gutes super toll tolle toller wunderbar wunderbare wunderbaren "
        "wundervoll großartig großartige grossartig klasse prima genial geniale schön schöne "
        "schönen wunderschön perfekt perfekte fantastisch fantastische liebe lieben liebt "
        "danke dankeschön glücklich freue freude froh beste besten bester hervorragend "
        "ausgezeichnet spitze herrlich empfehlenswert",
        "schlecht schlechte schlechten schlechter schlechteste schlechtesten schrecklich "
        "schreckliche furchtbar furchtbare katastrophe katastrophal scheiße scheisse mist "
        "hasse hass ekelhaft widerlich traurig wütend ärgerlich ärger enttäuscht enttäuschung "
        "enttäuschend peinlich mies miese miserabel grauenhaft grausam schade leider "
        "unverschämt skandal nervig",
    ),
    "es": (
        "bueno buena buenos buenas bien genial excelente maravilloso maravillosa fantástico "
        "fantástica increíble hermoso hermosa precioso preciosa bonito bonita perfecto "
        "perfecta encanta encantó amo amor feliz felices gracias alegría mejor mejores "
        "estupendo estupenda brillante divertido divertida guapo guapa bravo felicidades",
        "malo mala malos malas mal horrible horribles terrible terribles pésimo pésima peor "
        "peores odio odia asco asqueroso asquerosa triste tristeza vergüenza desastre "
        "decepción decepcionado decepcionante fatal basura mierda lamentable molesto "
        "enfadado furioso miedo porquería penoso patético",
    ),
    "fr": (
        "bon bonne bons bonnes bien super génial géniale excellent excellente magnifique "
        "magnifiques merveilleux merveilleuse formidable fantastique parfait parfaite beau "
        "belle beaux adore adoré aime j'adore j'aime merci heureux heureuse content contente "
        "joie meilleur meilleure bravo sublime top chouette incroyable félicitations",
        "mauvais mauvaise mal horrible horribles terrible nul nulle nuls pire déteste "
        "détesté haine honte honteux dégoûtant dégueulasse triste déçu déçue déception "
        "décevant catastrophe désastre merde merdique pourri pourrie lamentable pitoyable "
        "affreux affreuse scandale scandaleux énervé colère minable",
    ),
    "it": (
        "buono buona buoni buone bene bello bella belli belle bellissimo bellissima ottimo "
        "ottima ottimi eccellente fantastico fantastica meraviglioso meravigliosa stupendo "
        "stupenda perfetto perfetta adoro amo amore felice felici grazie gioia migliore "
        "migliori splendido splendida bravo brava bravi complimenti geniale magnifico",
        "cattivo cattiva male brutto brutta brutti orribile orribili terribile terribili "
        "pessimo pessima pessimi peggio peggiore schifo schifoso schifosa odio triste "
        "tristezza vergogna vergognoso delusione deluso delusa deludente disastro merda "
        "squallido penoso pietoso arrabbiato paura ridicolo",
    ),
    "pt": (
        "bom boa bons boas bem ótimo ótima otimo excelente maravilhoso maravilhosa "
        "fantástico fantástica incrível lindo linda lindos perfeito perfeita adoro adorei "
        "amo amei amor feliz felizes obrigado obrigada alegria melhor melhores parabéns "
        "sensacional legal show massa demais top gostei gosto",
        "mau má ruim ruins mal horrível horrivel terrível péssimo péssima pessimo pior "
        "piores odeio ódio nojo nojento nojenta triste tristeza vergonha desastre decepção "
        "decepcionado decepcionante lixo merda porcaria lamentável raiva medo chato chata "
        "absurdo ridículo",
    ),
    "ar": (
        "جميل جميلة رائع رائعة ممتاز ممتازة أحب احب حب سعيد سعيدة شكرا شكراً الحمدلله "
        "مبروك أفضل افضل جيد جيدة حلو حلوة عظيم مذهل",
        "سيء سيئ سيئة فاشل فاشلة أكره اكره كره حزين حزينة زفت قرف مقرف سخيف غبي خايس "
        "أسوأ اسوأ كارثة ظلم حرام للأسف",
    ),
    "hi": (
        "accha achha acha accha! badhiya badiya shandar zabardast mast pyaar pyar khush "
        "dhanyavad shukriya behtareen kamaal kamal sundar अच्छा बढ़िया शानदार ज़बरदस्त "
        "प्यार खुश धन्यवाद शुक्रिया बेहतरीन कमाल सुंदर",
        "bura buri bekar bakwas ghatiya bekaar sharam dukh gussa nafrat बुरा बुरी बेकार "
        "बकवास घटिया शर्म दुख दुःख गुस्सा नफरत",
    ),
}

SEED_EMOJI: dict[str, float] = {
    "😍": 3.0, "🥰": 3.0, "😘": 2.5, "❤": 3.0, "💕": 2.5, "💖": 2.5, "💙": 2.0, "💚": 2.0,
    "💜": 2.0, "💛": 2.0, "🧡": 2.0, "😊": 2.5, "☺": 2.0, "🙂": 1.5, "😀": 2.0, "😃": 2.0,
    "😄": 2.5, "😁": 2.0, "😆": 2.0, "😂": 1.5, "🤣": 1.5, "🎉": 2.5, "🥳": 2.5, "👍": 2.0,
    "👏": 2.0, "🙌": 2.0, "💪": 1.5, "✨": 1.0, "🌟": 1.5, "⭐": 1.5, "🔥": 1.5, "💯": 2.0,
    "🤩": 3.0, "😎": 1.5, "🤗": 2.0, "🙏": 1.5, "👌": 1.5, "✅": 1.0, "🏆": 2.0,
    "😡": -3.0, "🤬": -3.5, "😠": -3.0, "😤": -2.0, "😞": -2.5, "😔": -2.0, "😢": -2.5,
    "😭": -2.5, "😩": -2.0, "😫": -2.0, "😒": -2.0, "🙄": -1.5, "😑": -1.0, "😐": -0.5,
    "👎": -2.5, "💔": -2.5, "😱": -2.0, "😨": -2.0, "😰": -2.0, "🤮": -3.0, "🤢": -2.5,
    "💩": -2.5, "😣": -2.0, "😖": -2.0, "😟": -2.0, "🙁": -2.0, "☹": -2.0, "😕": -1.5,
    "❌": -1.5, "🖕": -3.5, "😬": -1.0,
}  # fmt: skip
"""Emoji strengths that override VADER's description-based ones (🔥 is praise on social
media, 💔 is not; VADER reads both the other way)."""


def build_lexicon(featurizer: HashedFeaturizer) -> Lexicon:
    """The hashed lexicon for ``featurizer``'s language seeds."""
    entries: dict[tuple[str, str], float] = {}
    words = _vader_words()
    for token, valence in words.items():
        entries[(_lang_of(token), token)] = valence
    for emoji, description in _vader_emoji().items():
        valence = sum(words.get(word, 0.0) for word in tokenize(description))
        if valence:
            entries[(ANY_LANGUAGE, emoji)] = max(-4.0, min(4.0, valence))
    for emoji, valence in SEED_EMOJI.items():
        entries[(ANY_LANGUAGE, emoji)] = valence
    for lang, (positive, negative) in SEED_WORDS.items():
        for sign, listed in ((1.0, positive), (-1.0, negative)):
            for word in listed.split():
                tokens = tokenize(word)
                if len(tokens) == 1:
                    entries[(lang, tokens[0])] = sign * SEED_STRENGTH
    ordered = sorted(entries.items())
    seeds = np.array([featurizer.lang_seed(lang) for (lang, _), _ in ordered], dtype=np.uint64)
    keys = lexicon_keys(token_hashes([token for (_, token), _ in ordered]), seeds)
    valences = np.array([valence for _, valence in ordered], dtype=np.float32)
    order = np.argsort(keys, kind="stable")
    return Lexicon(keys=keys[order], valences=valences[order])


def _lang_of(token: str) -> str:
    # VADER's words are English; its emoticons and symbols hold in every language.
    return "en" if any(ch.isalpha() for ch in token) and token.isascii() else ANY_LANGUAGE


def _vader_words() -> dict[str, float]:
    text = (importlib.resources.files("vaderSentiment") / "vader_lexicon.txt").read_text("utf-8")
    words: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        tokens = tokenize(parts[0])
        if len(tokens) == 1 and tokens[0] not in words:
            words[tokens[0]] = float(parts[1])
    return words


def _vader_emoji() -> dict[str, str]:
    resource = importlib.resources.files("vaderSentiment") / "emoji_utf8_lexicon.txt"
    emoji: dict[str, str] = {}
    for line in resource.read_text("utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        tokens = tokenize(parts[0].replace("\ufe0f", ""))
        if len(tokens) == 1 and tokens[0] not in emoji:
            emoji[tokens[0]] = parts[1]
    return emoji
