import logging
import re

from lxml import etree
from lxml import html as lxml_html
from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.tools.translate import LazyTranslate

from ..tools import calendar as cal
from ..tools import plural

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

# The sentences of customer documents that carry figures, each a whole sentence with named
# placeholders (the translator places them); a counted one is a plural message (tools/plural:
# one branch per plural category of the language, ``#`` is the count). CustomerFormat.say().
SENTENCES = {
    "days_late": _lt("{count, plural, one {# day late} other {# days late}}"),
    "days_until_due": _lt("{count, plural, one {Due in # day} other {Due in # days}}"),
    "instalments": _lt("{count, plural, one {# instalment} other {# instalments}}"),
    "discount_offer": _lt(
        "Invoice %(invoice)s: pay %(amount)s by %(deadline)s instead of %(amount_full)s "
        "(%(percent)s %% early-payment discount)."
    ),
    "late_fee_today": _lt(
        "Invoice %(invoice)s: if you pay it today, late fees of %(amount)s will be added."
    ),
    "plan_line": _lt("Payment plan %(plan)s of %(amount)s: next instalment on %(date)s."),
    "promise_line": _lt("You promised to pay %(amount)s by %(date)s."),
    "promise_bounds": _lt("At least %(amount)s, by %(date)s at the latest."),
    "fee_terms": _lt("Our terms: %(terms)s."),
    "total_overdue": _lt("Total overdue: %(amount)s"),
    "total_due_all": _lt("Total due, including what is not due yet: %(amount)s"),
    "statement_overdue": _lt("Overdue: %(amount)s"),
    "statement_total_due": _lt("Total due: %(amount)s"),
    "terms_accepted": _lt("You accepted them on %(date)s."),
    "code_is": _lt("Your confirmation code is %(code)s."),
    "code_minutes": _lt(
        "{count, plural, one {Enter it on your collections page within # minute.} "
        "other {Enter it on your collections page within # minutes.}} If you did not ask "
        "for it, ignore this email: nothing is done without the code."
    ),
    "greeting": _lt("Dear %(customer)s,"),
    "formal_demand": _lt(
        "{count, plural, one {The following amounts are seriously overdue and our previous "
        "reminders have gone unanswered. We formally demand payment of the full amount within "
        "# day.} other {The following amounts are seriously overdue and our previous reminders "
        "have gone unanswered. We formally demand payment of the full amount within # days.}} "
        "Without payment or a reply by then, we will take further steps to recover the debt, "
        "which may include additional costs."
    ),
    "demand_unpaid": _lt(
        "Despite our previous reminders, the amounts listed below, which you owe to "
        "%(company)s, remain unpaid."
    ),
    "demand_total": _lt(
        "We hereby formally demand payment of the total amount of %(total)s no later than "
        "%(deadline)s."
    ),
    "demand_bank": _lt(
        "Please pay to %(company)s, account %(account)s, with the reference %(reference)s."
    ),
    "case_file_title": _lt("Agency file %(case)s"),
    "case_summary": _lt(
        "Agency: %(agency)s · handed over on %(date)s · status: %(status)s · commission: "
        "%(commission)s %%"
    ),
    "court_file_title": _lt("Court case file: %(customer)s"),
    "factoring_assigned": _lt(
        "This invoice has been assigned to %(factor)s; pay only to %(account)s."
    ),
    "factoring_amount": _lt(
        "Amount assigned: %(amount)s. A payment made to anyone else does not settle it."
    ),
    "loyalty_thanks": _lt(
        "{count, plural, one {You have paid your last invoice on time: thank you!} "
        "other {You have paid your last # invoices on time: thank you!}} Customers like you "
        "make our work easier."
    ),
}

# Text between tags of rendered HTML (figures are converted there, never inside a tag).
_HTML_TEXT_RE = re.compile(r"(<[^>]*>)")
_ARABIC_SCRIPT_RE = re.compile(
    "[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]"
)
# A word, and the punctuation around it (Latin and Arabic).
_WORD_RE = re.compile(r"^([\(\[«\"']*)(.*?)([.,:;!?\)\]»\"'\u060c\u061b\u061f\u06d4]*)$", re.S)
ZWNJ = "\u200c"


def _word_spans(text, convert=None):
    """``text`` as a leading text and span elements, one per word, punctuation apart, words
    cut at zero-width non-joiners; the spaces are the spans' tails. Qt WebKit as Debian builds
    wkhtmltopdf neither wraps a run of Arabic script nor places punctuation after it right,
    and joins across a ZWNJ; words shaped one span at a time are laid out right."""
    lead_text, spans = "", []
    for token in re.split(r"(\s+)", text):
        if not token:
            continue
        if token.isspace():
            if spans:
                spans[-1].tail = (spans[-1].tail or "") + " "
            else:
                lead_text += " "
            continue
        lead, core, trail = _WORD_RE.match(token).groups()
        for part in (lead, *core.split(ZWNJ), trail):
            if part:
                span = etree.Element("span")
                span.text = convert(part) if convert else part
                spans.append(span)
    return lead_text, spans


def shape_arabic_html(html, convert=None):
    """``html`` (a fragment) with every text holding Arabic script cut into word spans (see
    _word_spans), each word passed through ``convert`` if given; other text and the markup
    unchanged."""
    root = lxml_html.fragment_fromstring(f"<div>{html}</div>")
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.tag in ("script", "style"):
            continue
        text = element.text
        if text and _ARABIC_SCRIPT_RE.search(text):
            element.text, spans = _word_spans(text, convert)
            for index, span in enumerate(spans):
                element.insert(index, span)
        tail = element.tail
        if element is not root and tail and _ARABIC_SCRIPT_RE.search(tail):
            element.tail, spans = _word_spans(tail, convert)
            parent = element.getparent()
            position = parent.index(element)
            for offset, span in enumerate(spans, start=1):
                parent.insert(position + offset, span)
    inner = str(tools.html_escape(root.text or "")) + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in root
    )
    return Markup(inner)


class CustomerFormat:
    """How the documents of a customer writing ``lang`` look: direction, script, dates in the
    language's calendar and figures in its digits. Templates get one from
    ``env['res.lang']._collection_format()``."""

    def __init__(self, env, lang):
        self.env = env(context=dict(env.context, lang=lang))
        self.lang = lang
        record = env["res.lang"]._lang_get(lang)
        self.calendar = record.collection_calendar if record else cal.default_calendar(lang)
        self.native_digits = bool(record and record.collection_native_digits)
        self.direction = "rtl" if cal.is_rtl(lang) else "ltr"
        self.start = "right" if self.direction == "rtl" else "left"
        self.end = "left" if self.direction == "rtl" else "right"
        self.script = cal.script(lang)
        # Class of a document's page: fonts of the script (see static/src/scss).
        self.css_class = f"o_collection_doc o_collection_script_{self.script}"

    def digits(self, text):
        """``text`` with the language's native digits when the language asks for them."""
        if not self.native_digits or text is None:
            return text
        return cal.to_native_digits(str(text), self.lang)

    def html_digits(self, html):
        """Native digits in the text of rendered HTML, never inside its tags."""
        if not self.native_digits or not html:
            return html
        parts = _HTML_TEXT_RE.split(str(html))
        return Markup("").join(
            Markup(part) if part.startswith("<") else Markup(self.digits(part)) for part in parts
        )

    def pdf_html(self, html):
        """The body of a PDF document, laid out for wkhtmltopdf: Arabic-script text cut into
        word spans (see shape_arabic_html), its figures in native digits when the language
        asks for them (the figures of translated sentences too); unchanged for other
        scripts."""
        if self.script != "arabic" or not html:
            return html
        return shape_arabic_html(html, self.digits if self.native_digits else None)

    def date(self, day):
        """``day`` in the customer's calendar and digits."""
        if not day:
            return ""
        gregorian = tools.format_date(self.env, day)
        return self.digits(cal.format_date(day, self.calendar, gregorian))

    def sms_date(self, day):
        """``day`` for a text message: as date() but always in figures (31/03/2026 rather than
        "31 مارس, 2026"), so that the SMS stays short."""
        if not day:
            return ""
        date_format = self.env["res.lang"]._lang_get(self.lang).date_format or ""
        if any(code in date_format for code in ("%b", "%B", "%a", "%A")):
            gregorian = day.strftime("%d/%m/%Y")
        else:
            gregorian = tools.format_date(self.env, day)
        return self.digits(cal.format_date(day, self.calendar, gregorian))

    def amount(self, amount, currency, sms=False):
        """``amount`` in ``currency`` the customer's way. ``sms``: plain spaces, because a
        non-breaking space is not in the GSM-7 alphabet and makes an SMS cost twice as much."""
        text = tools.format_amount(self.env, amount, currency)
        if sms:
            text = text.replace("\N{NO-BREAK SPACE}", " ").replace("\N{NARROW NO-BREAK SPACE}", " ")
        return self.digits(text)

    def number(self, value):
        return self.digits(str(value))

    def parse_date(self, text):
        """The date the customer typed, in its calendar (see tools.calendar.parse_date)."""
        return cal.parse_date(text, self.calendar)

    def date_input(self, day):
        """``day`` written the way parse_date reads it back (Latin digits, for an input)."""
        if not day:
            return ""
        if self.calendar == cal.JALALI:
            return cal.format_date(day, cal.JALALI, "")
        return fields.Date.to_string(day)

    @staticmethod
    def strong(text):
        """``text`` in bold, for a placeholder of say()."""
        return Markup("<strong>%s</strong>") % text

    @staticmethod
    def bdi(text):
        """``text`` isolated from the direction of the sentence (references, amounts)."""
        return Markup("<bdi>%s</bdi>") % text

    def say(self, key, count=None, **params):
        """The sentence ``key`` of SENTENCES (or a lazy message) in the customer's language,
        as HTML: the plural branch of ``count`` (written in the customer's digits) chosen,
        ``params`` put in their places (escaped unless Markup). A malformed translation gives
        the English sentence and a warning in the log, never a broken document."""
        message = SENTENCES[key] if isinstance(key, str) else key
        return counted(self.env, message, count, self.number, markup=True, **params)


def counted(env, message, count, number=str, markup=False, **params):
    """``message`` (a lazy plural message, see tools/plural) translated in ``env``'s
    language, the branch of ``count`` chosen (``#`` written by ``number``), then ``params``
    put in their places; HTML with the params escaped if ``markup``. A malformed translation
    falls back to the English message (logged)."""
    lang = env.lang or "en_US"

    def build(text, text_lang):
        if count is not None:
            text = plural.select(text, count, text_lang, number(count))
        if markup:
            return Markup(tools.html_escape(text)) % params
        return text % params if params else text.replace("%%", "%")

    try:
        return build(env._(message), lang)
    except (plural.PluralSyntaxError, KeyError, ValueError, TypeError):
        _logger.warning("Malformed %s translation of %r: English used", lang, message._source)
        return build(message._source, "en_US")


class ResLang(models.Model):
    _inherit = "res.lang"

    collection_calendar = fields.Selection(
        cal.CALENDARS,
        string="Calendar of Customer Documents",
        compute="_compute_collection_calendar",
        store=True,
        readonly=False,
        help="Calendar of the dates in the reminders, SMS, letters, statements, letters before "
        "action, case files and the collections page of the customers writing this language; "
        "dates typed in the collections page are read in it too.",
    )
    collection_native_digits = fields.Boolean(
        string="Native Digits in Customer Documents",
        help="Write figures in the language's own digits (Persian ۰–۹, Arabic-Indic ٠–٩) in the "
        "documents sent to its customers.",
    )

    @api.depends("code")
    def _compute_collection_calendar(self):
        for lang in self:
            if not lang.collection_calendar:
                lang.collection_calendar = cal.default_calendar(lang.code)

    @api.model
    def _collection_activate_langs(self, codes):
        """Activate the languages ``codes`` with the translations of every installed module
        (the demo's customer languages): _activate_lang alone loads none, and Odoo's own
        words (portal, addresses, country names) would stay English."""
        for code in codes:
            self._activate_lang(code)
        modules = self.env["ir.module.module"].search([("state", "=", "installed")])
        modules._update_translations(list(codes))

    @api.model
    def _collection_format(self, lang=None):
        """The CustomerFormat of ``lang`` (default: the context's language)."""
        return CustomerFormat(self.env, lang or self.env.lang or "en_US")
