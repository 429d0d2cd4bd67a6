"""Word lists the rules share: titles, organisation and place cues, function words.

Kept small and explicit on purpose: each list is something a reviewer can read. Languages are
those the seeds and evaluation sets hold (en, fr, de, es, pt, nl, no/nb, sv, da, it).
"""

from __future__ import annotations

__all__ = [
    "CAPITALISED_FUNCTION_WORDS",
    "NAME_PARTICLES",
    "ORG_WORDS",
    "PERSON_CUES",
    "PLACE_FIRST_WORDS",
    "PLACE_PREPOSITIONS",
    "PLACE_WORDS",
    "STOPWORDS",
    "TITLES",
    "TITLE_ENDINGS",
]


def _words(*groups: str) -> frozenset[str]:
    return frozenset(word for group in groups for word in group.split())


#: Titles and roles that precede a person's name; stripped when names are canonicalised.
#: Lower-case; multi-word titles are matched word by word ("prime minister").
TITLES = _words(
    "president vice prime minister secretary senator sen rep representative governor gov",
    "mayor chancellor king queen prince princess pope sheikh emir general gen lt col colonel",
    "captain capt admiral sir dame lord lady dr doctor prof professor mr mrs ms miss judge",
    "justice chief director ceo chairman chairwoman chair spokesperson spokesman spokeswoman",
    "ambassador envoy commissioner leader premier coach deputy former late",
    "président présidente ministre premier sénateur maire roi reine général m. mme",
    "präsident präsidentin bundeskanzler bundeskanzlerin kanzler kanzlerin ministerpräsident",
    "ministerin außenminister aussenminister herr frau",
    "presidente ministro ministra primeiro primer senador senadora governador gobernador",
    "prefeito alcalde rey rainha reina señor señora sr sra",
    "minister-president premier koning koningin burgemeester de heer mevrouw",
    "statsminister utenriksminister president kung drottning ordförande statsministeren",
    "presidenten ministeren bürgermeister bürgermeisterin vorsitzende vorsitzender parteichef",
    "sprecher sprecherin técnico atacante jogador empresário prefeita prefeito dona",
)

#: Endings of compound titles ("SPÖ-Parteichef", "Außenminister", "Regierungssprecher").
TITLE_ENDINGS = ("chef", "minister", "ministerin", "präsident", "sprecher", "meister", "-chef")

#: First words of place names ("São Paulo", "Porto Velho", "Fort Benning", "New Jersey").
PLACE_FIRST_WORDS = _words(
    "são santa santo porto praia vila rio lago monte san sankt saint sainte puerto los las",
    "new fort mount lake cape port north south east west bad",
)

#: Prepositions that put a following name in a place, by language.
PLACE_PREPOSITIONS: dict[str, frozenset[str]] = {
    "en": _words("in from near at"),
    "pt": _words("em no na nos nas do da"),
    "es": _words("en desde"),
    "fr": _words("à en dans vers"),
    "de": _words("in im nach aus bei"),
    "nl": _words("in naar uit bij"),
    "sv": _words("i från till"),
    "no": _words("i fra til"),
    "nb": _words("i fra til"),
    "da": _words("i fra til"),
    "it": _words("a in da"),
}

#: Nouns just before a name that make it a person even if the model said otherwise.
PERSON_CUES = _words(
    "spokesperson spokesman spokeswoman secretary director minister president senator",
    "governor mayor chancellor ambassador envoy commissioner chief ceo chairman chairwoman",
    "adviser advisor aide analyst correspondent reporter professor dr mr mrs ms judge",
    "official officer lawyer attorney economist author writer",
    "porte-parole ministre président sprecher sprecherin präsident minister",
    "portavoz porta-voz ministro presidente woordvoerder talsperson",
)

#: Words that make a capitalised span an organisation (last or first word).
ORG_WORDS = _words(
    "agency association authority bank board church club coalition commission committee",
    "company congress corporation council court department federation forces foundation",
    "front fund group inc institute league ltd ministry movement network office organisation",
    "organization parliament party police senate service society team tribunal union",
    "university news times post press corp co airlines house",
    "ministère parti assemblée conseil banque société université",
    "ministerium partei bundestag regierung gewerkschaft bank verband",
    "ministerio partido gobierno ministério governo banco universidade",
    "ministerie partij regering departementet partiet regeringen",
    "polícia policía agência agencia forças fuerzas movimento exército ejército prefeitura",
    "câmara conselho instituto fundação grupo folha estado associação",
    "kamer biblioteket bibliotek biblioteca bibliothek bibliothèque polisen",
)

#: Nouns that make the capitalised word before them a place ("Philadelphi corridor").
PLACE_WORDS = _words(
    "corridor strip border crossing valley river mountains mountain island islands bay sea",
    "gulf strait lake province county region district peninsula desert coast airport",
)

#: Lower-case particles allowed inside a name ("Luiz Inácio Lula da Silva", "van Gogh").
NAME_PARTICLES = _words("da de do dos das del della di du van von der den ter bin al la le of")

#: Capitalised words that start sentences but are not names (for the fallback recogniser).
CAPITALISED_FUNCTION_WORDS = _words(
    "the a an and but or if in on at of for to from by with as after before when while this",
    "that these those there here it its he she they we i you his her their our my your what",
    "who why how where which also however meanwhile according yesterday today tomorrow",
    "monday tuesday wednesday thursday friday saturday sunday",
    "january february march april may june july august september october november december",
    "le la les un une des du de et mais ou dans sur pour avec par ce cette ces il elle ils",
    "der die das ein eine und aber oder in im am auf für mit von zu bei nach es sie er wir",
    "el los las una y pero en con por para este esta o os um uma e mas em no na nos nas",
    "het een en maar of op voor met door dit deze dat er zij hij wij",
    "den det en ett och men eller på för med av till som när han hon de vi er",
    "il lo gli una e ma o nel con per questo questa",
    "mr mrs ms dr",
)

#: Function words for keyphrase candidates (a candidate never starts or ends with one).
STOPWORDS = CAPITALISED_FUNCTION_WORDS | _words(
    "is are was were be been being has have had do does did will would can could should may",
    "might must shall not no nor so than too very just about over into out up down off again",
    "further then once all any both each few more most other some such only own same said says",
    "said told say new one two three year years last week weeks day days time first per",
    "est sont été être avoir a ont plus pas ne qui que se sa son ses au aux leur",
    "ist sind war waren wird werden hat haben nicht auch sich den dem des einen einem",
    "es son fue ser ha han más que se su sus lo al del como",
    "é são foi ser tem mais que se seu sua ao aos pelo pela",
    "is zijn was werd heeft hebben niet ook zich van",
    "är var har inte också sig om att",
    "er var har ikke også seg om at å",
)
