"""Multilingual pattern tables for the cleaning stage (en, nb/no, de, fr, es, sv, da).

Kept apart from the algorithm in ``clean.py`` so a language can be added by editing data only.
Each pattern matches a *whole line* (after whitespace normalisation) unless said otherwise,
because matching inside running text removes real content (a sentence may well say "read
more about it"). The lists come from the seed documents, the ScrapingHub and WCXB evaluation
pages, and the usual newspaper widgets; ``storyline eval extraction`` measures what they cost.
"""

from __future__ import annotations

import re

__all__ = [
    "AGENCIES",
    "BOILERPLATE_LINE",
    "COOKIE_LINE",
    "COPYRIGHT_LINE",
    "COPYRIGHT_MARK",
    "CREDIT_GLUED",
    "CREDIT_LINE",
    "DATELINE",
    "DISCLOSURE_LINE",
    "END_MARKER",
    "HEAD_META_LINE",
    "READ_MORE",
    "RELATED_MARKER",
    "RESERVED",
]

_I = re.IGNORECASE

#: "Read more »" and its translations: a teaser's link, never body text.
READ_MORE = re.compile(
    r"[»›>→▸\s]*(?:read\s+(?:more|the\s+full\s+(?:story|article))|continue\s+reading|keep\s+reading"
    r"|les\s+mer|les\s+hele\s+(?:saken|artikkelen)|läs\s+mer|läs\s+hela|læs\s+(?:mere|hele)"
    r"|weiterlesen|mehr\s+lesen|lire\s+la\s+suite|en\s+savoir\s+plus|leer\s+más|seguir\s+leyendo"
    r"|lees\s+meer)[\s.…]*[»›>→▸]*\s*",
    _I,
)

#: Headings that open a block of teasers for other articles ("Similar News:", "Les også").
#: The teasers after them become ``RelatedLink`` records.
RELATED_MARKER = re.compile(
    r"(?:similar\s+(?:news|stories|articles|posts)"
    r"|related(?:\s+(?:news|articles?|stories|posts?|content|coverage|links|reading|topics|videos?))?"
    r"|more\s+(?:news|stories|articles|headlines|on\s+this\s+(?:story|topic))"
    r"|more\s+from\s+[^:]{1,40}|also\s+read|read\s+also|read\s+(?:this\s+)?next|see\s+also|up\s+next"
    r"|you\s+(?:may|might)\s+(?:also\s+)?(?:like|enjoy|be\s+interested\s+in)"
    r"|recommended(?:\s+(?:for\s+you|reading|stories|articles|posts))?|editor'?s\s+picks?"
    r"|most\s+(?:popular|read|viewed|shared)|popular(?:\s+(?:now|today|stories|articles|posts|news))?"
    r"|trending(?:\s+(?:now|stories|articles|news))?|top\s+stories|in\s+other\s+news"
    r"|(?:latest|recent)\s+(?:news|stories|articles|posts|headlines)|don'?t\s+miss|further\s+reading"
    r"|explore\s+more[^:]{0,40}"
    # Norwegian (bokmål/nynorsk)
    r"|les\s+også|du\s+kan\s+også\s+lese|relaterte\s+(?:saker|artikler|nyheter)"
    r"|lignende\s+(?:saker|nyheter|artikler)|mer\s+(?:fra|om)\s+[^:]{1,30}|mest\s+lest"
    r"|flere\s+(?:nyheter|saker)|anbefalte?\s+(?:saker|artikler)"
    # German
    r"|ähnliche\s+(?:nachrichten|artikel|beiträge)|weitere\s+(?:nachrichten|artikel|beiträge)"
    r"|mehr\s+zum\s+thema|lesen\s+sie\s+auch|auch\s+interessant|meistgelesen"
    r"|das\s+könnte\s+sie\s+auch\s+interessieren|verwandte\s+artikel"
    # French
    r"|articles?\s+(?:similaires|liés|connexes)|à\s+lire\s+aussi|lire\s+aussi|voir\s+aussi"
    r"|sur\s+le\s+même\s+sujet|les\s+plus\s+lus|vous\s+aimerez\s+aussi"
    # Spanish
    r"|noticias\s+relacionadas|artículos\s+relacionados|(?:también\s+)?te\s+puede\s+interesar"
    r"|lee\s+también|lea\s+también|más\s+noticias|lo\s+más\s+leído"
    # Swedish / Danish
    r"|läs\s+(?:också|även)|relaterade\s+(?:artiklar|nyheter)|liknande\s+nyheter|mest\s+läst"
    r"|fler\s+nyheter|læs\s+også|relaterede\s+(?:artikler|nyheder)|mest\s+læste"
    r"|flere\s+nyheder|lignende\s+nyheder)"
    r"\s*(?::|»|›|\.\.\.|…|$)",
    _I,
)

#: Headings after which nothing is article text any more (author boxes, tags, comments).
#: Only honoured in the second half of a body (see ``clean.trim_tail``).
END_MARKER = re.compile(
    r"(?:about\s+the\s+(?:authors?|reviewers?|writer|contributors?)|meet\s+the\s+author"
    r"|written\s+by|tags?|filed\s+under|categories|category|footnotes"
    r"|article\s+sources|sources|share(?:\s+this)?(?:\s+(?:article|story|post|page))?"
    r"|leave\s+a\s+(?:comment|reply)|\d*\s*comments?|post\s+navigation|join\s+the\s+conversation"
    r"|(?:sign\s+up\s+for|subscribe\s+to|get)\s+(?:our|the)\s+[^:]{0,40}newsletters?"
    r"|[\w'’ ]{0,30}newsletters?|subscribe|references\s+(?:&|and)\s+citations"
    r"|(?:medically\s+|expert\s+)?reviewed\s+by|fact[-\s]checked\s+by|edited\s+by"
    # Norwegian / Danish / Swedish
    r"|om\s+(?:forfatteren|skribenten|författaren)|emneord|stikkord|tagger|taggar|emner"
    r"|kommentarer|del\s+(?:artikkelen|saken|artiklen|artikeln)|dela\s+artikeln"
    # German / French / Spanish
    r"|über\s+(?:den\s+autor|die\s+autorin)|schlagwörter|kommentare|artikel\s+teilen|quellen"
    r"|à\s+propos\s+de\s+l['’]auteur|commentaires|mots[-\s]clés|partager(?:\s+cet\s+article)?"
    r"|sobre\s+el\s+autor|comentarios|etiquetas|compartir(?:\s+este\s+artículo)?|fuentes)"
    r"\s*[:,]?",
    _I,
)

#: Whole lines that are page chrome in any position: ads, share/follow prompts, newsletter
#: prompts, aggregator taglines ("Norge Siste Nytt, Norge Overskrifter").
BOILERPLATE_LINE = re.compile(
    r"(?:advertisement|skip\s+advertisement|sponsored(?:\s+content)?|annonse|annons|annonce"
    r"|anzeige|werbung|publicité|publicidad|reklame"
    r"|(?:story|article)\s+continues\s+(?:below|after)(?:\s+(?:this\s+)?(?:advertisement|ad))?"
    r"|scroll\s+to\s+continue(?:\s+with\s+content)?|back\s+to\s+top|print(?:\s+this)?\s+article"
    r"|share\s+(?:this\s+)?(?:article|story|post)?\s*(?:on\s+)?(?:facebook|twitter|x|linkedin|whatsapp|e-?mail)"
    r"(?:\s*(?:,|or|and)\s*(?:facebook|twitter|x|linkedin|whatsapp|e-?mail))*"
    r"|follow\s+us\s+on\s+[\w ,&]{2,60}"
    r"|(?:sign\s+up|subscribe)\s+(?:(?:for|to)\s+)?(?:our|the)\s+(?:free\s+)?"
    r"(?:daily\s+|weekly\s+)?newsletters?[^.]{0,60}"
    r"|click\s+here\s+to\s+(?:subscribe|sign\s+up|read\s+more)[^.]{0,40}"
    r"|[\w'’ .-]{2,40}\s+(?:siste\s+nytt|latest\s+news|breaking\s+news|top\s+news"
    r"|neueste\s+nachrichten|aktuelle\s+nachrichten|dernières\s+nouvelles|últimas\s+noticias|senaste\s+nytt|seneste\s+nyt)"
    r"\s*[,|–-]\s*[\w'’ .-]{2,40}\s+(?:overskrifter|headlines|schlagzeilen|gros\s+titres|titulares"
    r"|rubriker|nyheter|news))\s*[.!]?",
    _I,
)

#: Cookie banners: a line about cookies that asks for consent or explains the site's use.
COOKIE_LINE = re.compile(
    r"(?=.*\bcookies?\b)(?=.*\b(?:consent|accept|we\s+use|this\s+(?:web)?site\s+uses|necessary|"
    r"preferences|opt[-\s]out|browser|samtykke|einwilligung|consentement|consentimiento|samtycke))"
    r".{0,800}|manage\s+(?:consent|cookies|preferences)|cookie\s+(?:settings|policy|preferences)",
    _I | re.S,
)

#: Affiliate/commission disclosures ("We may earn commission on some of the items ...").
DISCLOSURE_LINE = re.compile(
    r"(?=.*\b(?:affiliate|commissions?|sponsored|partner\s+links?)\b)"
    r"(?=.*\b(?:earn|receive|paid|links?|purchases?|buy|compensat\w*)\b).{0,600}",
    _I | re.S,
)

#: Page furniture above an article: dates, reading times, "Published", breadcrumbs, bylines.
HEAD_META_LINE = re.compile(
    r"(?:(?i:posted|published|updated|last\s+updated|publisert|oppdatert|veröffentlicht|aktualisiert"
    r"|publié|mis\s+à\s+jour|publicado|actualizado|publicerad|uppdaterad|opdateret)(?i:\s+on|\s+at|:)?"
    r"(?:\s+(?=.{0,40}\d).{0,40})?"
    r"|\d{1,3}\s*[-\s]?(?i:min(?:ute)?s?|mins?\.?)(?i:\s+read(?:ing)?(?:\s+time)?|\s+lesetid|\s+lesezeit)?"
    r"|(?i:reading\s+time|lesetid|lesezeit|temps\s+de\s+lecture)\s*:?\s*\d{1,3}\s*\w{0,8}"
    r"|(?i:back\s+to\s+[\w ]{2,20}|home\s*[»›>/|].{0,120})"
    r"|(?i:by|av|von|par|por)\s+[A-ZÀ-Þ][\w'’.-]+(?:\s+[A-ZÀ-Þ][\w'’.-]+){0,3}(?:\s*[,|–-].{0,40})?"
    r"|(?:\w+day,?\s+)?(?:\d{1,2}\.?\s+)?[A-Za-zÀ-ÿ]{3,10}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
    r"(?:\s*(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?)?"
    r"|\d{1,2}\.?\s+[A-Za-zÀ-ÿ]{3,10}\.?,?\s+\d{4}|\d{4}-\d{2}-\d{2}(?:[T ][\d:.+Z-]+)?"
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4})\s*\.?",
    re.S,
)

#: "All rights reserved" in the supported languages (copyright notices).
RESERVED = re.compile(
    r"all\s+rights\s+reserved|alle\s+rettigheter\s+(?:reservert|forbeholdt)|alle\s+rechte\s+vorbehalten"
    r"|tous\s+droits\s+réservés|todos\s+los\s+derechos\s+reservados|alla\s+rättigheter\s+förbehållna"
    r"|alle\s+rettigheder\s+forbeholdes",
    _I,
)
#: Marks that start a copyright statement.
COPYRIGHT_MARK = re.compile(r"©|\(c\)|™|\bcopyright\b|\bopphavsrett\b|\bupphovsrätt\b", _I)
#: A short line that is only a copyright statement ("© 2024 Cable News Network").
COPYRIGHT_LINE = re.compile(
    r"(?:copyright\s*)?(?:©|\(c\))\s*\w.{0,200}|copyright\s+(?:\d{4}|by\s).{0,200}", _I
)

#: Photo/news agencies seen in credits; longest first so "AP Photo" wins over "AP".
AGENCIES: tuple[str, ...] = tuple(
    sorted(
        (
            "AP",
            "AP Photo",
            "The Associated Press",
            "Associated Press",
            "AFP",
            "AFP via Getty Images",
            "Reuters",
            "Getty Images",
            "Getty",
            "via Getty Images",
            "NTB",
            "NTB Scanpix",
            "NTB scanpix",
            "Scanpix",
            "Ritzau Scanpix",
            "Ritzau",
            "TT",
            "TT Nyhetsbyrån",
            "EPA",
            "EPA-EFE",
            "EFE",
            "dpa",
            "picture alliance",
            "picture-alliance",
            "Bloomberg",
            "Shutterstock",
            "iStock",
            "Alamy",
            "REX",
            "Rex Features",
            "PA",
            "PA Images",
            "PA Wire",
            "AAP",
            "ANP",
            "ANSA",
            "Belga",
            "Keystone",
            "Xinhua",
            "Anadolu",
            "Anadolu Agency",
            "Kyodo",
            "Yonhap",
            "UPI",
            "ZUMA Press",
            "Zuma",
            "SIPA",
            "Sipa",
            "NurPhoto",
            "SOPA Images",
            "Imago",
            "Pool",
            "Handout",
        ),
        key=len,
        reverse=True,
    )
)
_AGENCY = "(?:" + "|".join(re.escape(a) for a in AGENCIES) + ")"
_NAME_WORD = r"(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|de|van|von|der|da|di|la|le)"
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,4}}"
_LABEL = (
    r"(?i:(?:photo(?:graph)?|image|picture|foto|bilde|bild|kuva|credit)s?"
    r"\s*(?::|\s+by\b|\s+av\b|\s+von\b|\s+par\b|\s+de\b))"
)
#: After a credit, the text goes on with a capital (glued: "AP" + "Israeli ...") or ends.
_AFTER = r"(?=[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ’']|[\s\"“'‘(]|$)"

#: A credit glued into running text: "| Evan Vucci/APIsraeli ...", "Foto: NTB Scanpix".
#: Either a leading "|" or a label ("Photo:", "Foto:") is required, or the "Name/AGENCY" form.
CREDIT_GLUED = re.compile(
    rf"(?:\s*\|\s*(?:{_LABEL}\s*)?(?:©\s*)?(?P<piped>(?:{_NAME}\s*/\s*)?{_AGENCY}(?:\s*/\s*{_AGENCY})?)"
    rf"|\s*\(?{_LABEL}\s*(?:©\s*)?(?P<labelled>(?:{_NAME}\s*/\s*)?{_AGENCY}(?:\s*/\s*{_AGENCY})?"
    rf"|{_NAME}(?=\s*[|)]))\)?"
    rf"|(?<=[.!?”\"])\s*(?P<named>{_NAME}\s*/\s*{_AGENCY}(?:\s*/\s*{_AGENCY})?))"
    rf"{_AFTER}"
)
#: A whole line that is a credit or caption credit ("Photo: Jane Doe", "Jane Doe/Reuters").
CREDIT_LINE = re.compile(
    rf"\(?(?:{_LABEL}\s*(?:©\s*)?(?P<label_text>[^\n]{{2,80}}?)"
    rf"|(?:©\s*)?(?P<named_text>(?:{_NAME}\s*/\s*)?{_AGENCY}(?:\s*/\s*{_AGENCY})?))\)?\s*\.?"
)

#: A news dateline opening the first paragraph: "(CNN) —", "WASHINGTON (AP) —", "OSLO (NTB):".
DATELINE = re.compile(
    r"(?:[A-ZÀ-Þ][A-ZÀ-Þ .,'-]{1,40}\s*)?\((?:[A-Z][\w.&' -]{0,30})\)\s*[—–:-]+\s*"
    r"|[A-ZÀ-Þ][A-ZÀ-Þ .'-]{2,30}\s*[—–]\s+"
)
