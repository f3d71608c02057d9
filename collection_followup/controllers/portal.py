from datetime import timedelta

from werkzeug.exceptions import NotFound

from odoo import fields, http, tools
from odoo.exceptions import UserError, ValidationError
from odoo.http import content_disposition, request
from odoo.tools.translate import LazyTranslate

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..const import (
    DISPUTE_REASONS,
    PORTAL_CODE_MINUTES,
    PORTAL_UPLOAD_MAX_BYTES,
    PORTAL_UPLOAD_MAX_FILES,
)
from ..models.res_lang import counted
from ..tools import log_redaction
from ..tools.portal_input import (
    UPLOAD_TYPES_TEXT,
    InputError,
    parse_amount,
    parse_choice,
    parse_date,
    parse_id,
    parse_int,
    parse_text,
    sniff_upload,
)

# The secret of a link is in the first request's path (/c/<secret>): keep it out of the log.
log_redaction.install()

LINK_PAGE = "/collections"  # link visitors, once /c/<secret> bound the link to their session
PORTAL_PAGE = "/my/collections"  # logged-in portal users, for their own commercial partner
LINK_KEY = "collection_portal_link_id"
LANG_KEY = "collection_portal_lang"
MESSAGE_KEY = "collection_portal_message"
MAX_MESSAGE_CHARS = 5000
INSTALLMENTS = (2, 24)

_lt = LazyTranslate(__name__)
CODE_SENT = _lt(
    "{minutes, plural, one {We emailed a code to %(email)s: enter it with your answer within "
    "# minute.} other {We emailed a code to %(email)s: enter it with your answer within # "
    "minutes.}}"
)
UPLOAD_HINT = _lt(
    "{count, plural, one {PDF, images or office documents: up to # file, %(size)s MB "
    "together.} other {PDF, images or office documents: up to # files, %(size)s MB together.}}"
)
AT_MOST_FILES = _lt(
    "{count, plural, one {Send at most # proof file, %(size)s MB together.} other {Send at "
    "most # proof files, %(size)s MB together.}}"
)


class TooManyRequests(Exception):
    """The customer is over the throttle of its collections page."""


class CollectionPortal(CustomerPortal):
    """The customer's collections page: in the portal for logged-in customers (/my/collections),
    and through the link sent in every reminder for everyone else (/c/<secret> binds the link
    to the visitor's session, then /collections).

    One route per thing the customer does; each checks who the visitor is (and counts the
    request against the customer's throttle), parses its input strictly, and calls the model
    that owns the rule. Refused input answers a 400 page in the customer's language.
    """

    # ------------------------------------------------------------------
    # Portal home
    # ------------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "collection_item_count" in counters:
            partner = request.env.user.partner_id.commercial_partner_id
            Line = request.env["account.move.line"]
            # Portal users cannot read journal items: counted for their own customer only.
            values["collection_item_count"] = Line.sudo().search_count(
                Line._collection_portal_items_domain(partner)
            )
        return values

    # ------------------------------------------------------------------
    # Who is the visitor
    # ------------------------------------------------------------------

    def _collection_check_access(self, kind):
        """``(partner_sudo, link_sudo)`` of the visitor, its request counted against the
        customer's throttle (``kind``: "view" or "say"). Under /my/collections the logged-in
        user's commercial partner (no link); elsewhere the link bound to the session, still
        valid. Nobody or an invalid link: NotFound, the same answer for every case."""
        Link = request.env["collection.portal.link"]
        if PORTAL_PAGE in request.httprequest.path:
            if request.env.user._is_public():
                raise NotFound()
            # The page shows the customer's receivables, which portal users cannot read.
            partner_sudo = request.env.user.partner_id.commercial_partner_id.sudo()
            link_sudo = Link.sudo()
        else:
            # The link's record is not readable by its visitor; its validity is checked here.
            link_sudo = Link.sudo().browse(request.session.get(LINK_KEY)).exists()
            if not link_sudo or not link_sudo._is_valid():
                request.session.pop(LINK_KEY, None)
                raise NotFound()
            partner_sudo = link_sudo.partner_id
        self._collection_set_lang(partner_sudo, bool(link_sudo))
        if not request.env["collection.portal.throttle"].sudo()._hit(partner_sudo, kind):
            raise TooManyRequests()
        return partner_sudo.with_env(request.env(su=True)), link_sudo.with_env(request.env(su=True))

    def _collection_set_lang(self, partner_sudo, is_link):
        """Link visitors read the customer's language, or the one they chose (?lang=...)."""
        installed = dict(request.env["res.lang"].get_installed())
        chosen = request.params.get("lang")
        if chosen in installed:
            request.session[LANG_KEY] = chosen
        lang = request.session.get(LANG_KEY) or (partner_sudo.lang if is_link else None)
        if lang in installed:
            request.update_context(lang=lang)

    @staticmethod
    def _collection_page():
        """Where the visitor's page is: the portal's, or the link visitor's."""
        return PORTAL_PAGE if PORTAL_PAGE in request.httprequest.path else LINK_PAGE

    def _collection_who(self, link_sudo):
        if link_sudo:
            return request.env._("a visitor with the link sent in the reminders")
        return request.env.user.name

    def _collection_company(self, partner_sudo, company_id):
        """One of the companies the customer owes something to (its id as sent), sudo-ed: its
        collection settings are read for a visitor who is not its user."""
        company_sudo = request.env["res.company"].sudo().browse(parse_id(company_id, "company"))
        if company_sudo not in self._collection_companies(partner_sudo):
            raise InputError("company", "format")
        return company_sudo

    def _collection_companies(self, partner_sudo):
        return (
            request.env["report.collection_followup.report_statement"]
            .sudo()
            ._companies(partner_sudo)
        )

    # ------------------------------------------------------------------
    # Answers
    # ------------------------------------------------------------------

    def _collection_error_page(self, text, status):
        return request.render(
            "collection_followup.portal_collections_error",
            {
                "page_name": "collections",
                "message": text,
                "page_path": self._collection_page(),
                "direction": request.env["res.lang"]._get_data(code=request.env.lang).direction,
            },
            status=status,
        )

    def _collection_too_many(self):
        return self._collection_error_page(
            request.env._("Too many requests: please try again in a few minutes."), 429
        )

    def _collection_input_message(self, error):
        """The sentence for refused input, in the visitor's language."""
        _ = request.env._
        if error.field == "date" and error.reason == "range":
            return _(
                "Choose a date from %(first)s to %(last)s.",
                first=tools.format_date(request.env, error.details["earliest"]),
                last=tools.format_date(request.env, error.details["latest"]),
            )
        if error.field == "installments":
            return _(
                "Choose between %(low)s and %(high)s instalments.",
                low=INSTALLMENTS[0],
                high=INSTALLMENTS[1],
            )
        if error.field == "upload" and error.reason == "type":
            return _("A proof file must be one of: %(types)s.", types=UPLOAD_TYPES_TEXT)
        if error.field == "upload":
            return counted(
                request.env,
                AT_MOST_FILES,
                PORTAL_UPLOAD_MAX_FILES,
                size=PORTAL_UPLOAD_MAX_BYTES // (1024 * 1024),
            )
        messages = {
            "amount": _("Give the amount as a number, for example 1250.00."),
            "date": _("Give the date as year-month-day, for example 2026-12-31."),
            "company": _("There is nothing owed to this company."),
            "invoice": _("Choose one of your invoices."),
            "plan": _("This payment plan is not waiting for your answer."),
            "reason": _("Choose a reason."),
            "message": _(
                "Your message is too long: at most %(count)s characters.", count=MAX_MESSAGE_CHARS
            ),
            "mobile": _("Give your mobile number."),
            "code": _("Give the code we emailed you."),
            "version": _("The terms changed since you opened the page: please read them again."),
        }
        return messages.get(error.field) or _("This request is not valid.")

    def _collection_say(self, say, binding=False, code=None):
        """Carry out a statement of the customer (a POST): ``say(partner_sudo, link_sudo,
        who)`` returns the thank-you text. Throttled; a binding act from a link needs the
        one-time code (checked outside the savepoint, so that a wrong code counts); what the
        model refuses is rolled back and answered by a 400 page."""
        try:
            partner_sudo, link_sudo = self._collection_check_access("say")
        except TooManyRequests:
            return self._collection_too_many()
        who = self._collection_who(link_sudo)
        try:
            if binding and link_sudo:
                link_sudo._check_code(code)
                who = request.env._(
                    "a visitor with the link, confirmed by a code sent to %(email)s",
                    email=partner_sudo._collection_recipient().email,
                )
            with request.env.cr.savepoint():
                text = say(partner_sudo, link_sudo, who)
        except InputError as error:
            return self._collection_error_page(self._collection_input_message(error), 400)
        except (UserError, ValidationError) as error:
            return self._collection_error_page(str(error), 400)
        request.session[MESSAGE_KEY] = {"type": "success", "text": text}
        return request.redirect(self._collection_page())

    # ------------------------------------------------------------------
    # The page
    # ------------------------------------------------------------------

    @http.route("/c/<string:secret>", type="http", auth="public", website=True, sitemap=False)
    def collections_link(self, secret, **kwargs):
        """The link of a reminder: bind it to the visitor's session, then show the page at an
        address without the secret (which then stays out of history, referrers and logs)."""
        link_sudo = request.env["collection.portal.link"]._find(secret)
        if not link_sudo:
            raise NotFound()
        self._collection_set_lang(link_sudo.partner_id, True)
        if not request.env["collection.portal.throttle"].sudo()._hit(link_sudo.partner_id, "view"):
            return self._collection_too_many()
        request.session[LINK_KEY] = link_sudo.id
        link_sudo.last_used = fields.Datetime.now()
        lang = kwargs.get("lang")
        return request.redirect(f"{LINK_PAGE}?lang={lang}" if lang else LINK_PAGE)

    @http.route([PORTAL_PAGE, LINK_PAGE], type="http", auth="public", website=True, sitemap=False)
    def collections_page(self, **kwargs):
        if PORTAL_PAGE in request.httprequest.path and request.env.user._is_public():
            return request.redirect(f"/web/login?redirect={PORTAL_PAGE}")
        try:
            partner_sudo, link_sudo = self._collection_check_access("view")
        except TooManyRequests:
            return self._collection_too_many()
        return request.render(
            "collection_followup.portal_collections",
            {
                "page_name": "collections",
                "partner": partner_sudo,
                "is_link": bool(link_sudo),
                "sections": self._collection_sections(partner_sudo),
                "page_path": self._collection_page(),
                "message": request.session.pop(MESSAGE_KEY, None),
                "direction": request.env["res.lang"]._get_data(code=request.env.lang).direction,
                "reasons": request.env["collection.dispute"]
                ._fields["reason"]
                ._description_selection(request.env),
                "installments": range(INSTALLMENTS[0], 13),
                "upload_hint": UPLOAD_HINT,
                "upload_max_files": PORTAL_UPLOAD_MAX_FILES,
                "upload_max_mb": PORTAL_UPLOAD_MAX_BYTES // (1024 * 1024),
            },
            headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
        )

    def _collection_sections(self, partner_sudo):
        """What the customer sees: per company it owes, the sections of its statement of
        account (items, totals, level reached), the discounts and fees, the plans, promises,
        disputes and terms, and the bounds of a promise."""
        today = fields.Date.context_today(partner_sudo)
        env = partner_sudo.env
        Acceptance = env["collection.terms.acceptance"]
        sections = env["report.collection_followup.report_statement"]._sections(partner_sudo)
        for section in sections:
            company_sudo, currency, policy = (
                section["company"],
                section["currency"],
                section["policy"],
            )
            moves = env["account.move"].union(*(item["move"] for item in section["items"]))
            moves = moves.sorted("invoice_date_due")
            previews = moves._collection_late_fee_preview(today)
            mine = [("partner_id", "=", partner_sudo.id), ("company_id", "=", company_sudo.id)]
            version = Acceptance._terms_version(policy)
            section.update(
                {
                    "late_fees": [
                        {"move": move, **previews[move.id]} for move in moves if move.id in previews
                    ],
                    "fee_terms": [
                        rule._terms_text()
                        for rule in env["collection.late.fee.rule"]._policy_rules(policy)
                    ],
                    "discounts": [
                        {"move": move, **offer}
                        for move in moves
                        for offer in [move._collection_discount_offer(today)]
                        if offer
                    ],
                    "plans": env["collection.payment.plan"].search(
                        [*mine, ("state", "in", ("accepted", "running"))]
                    ),
                    "proposed_plans": env["collection.payment.plan"].search(
                        [*mine, ("state", "=", "proposed")]
                    ),
                    "plan_requested": bool(
                        env["collection.payment.plan"].search_count(
                            [*mine, ("source", "=", "portal"), ("state", "=", "draft")]
                        )
                    ),
                    "promises": env["collection.promise"].search(
                        [*mine, ("state", "in", ("open", "to_approve"))]
                    ),
                    "disputes": env["collection.dispute"].search([*mine, ("state", "=", "open")]),
                    "promise_min": currency.round(
                        section["situation"].overdue
                        * company_sudo.collection_promise_min_percent
                        / 100
                    ),
                    "promise_last": today
                    + timedelta(days=company_sudo.collection_promise_horizon_days),
                    "terms_text": Acceptance._terms_text(policy),
                    "terms_version": version,
                    "terms_accepted": version
                    and Acceptance._accepted(partner_sudo, company_sudo, version),
                }
            )
        return sections

    @http.route(
        [f"{PORTAL_PAGE}/statement/<int:company_id>", f"{LINK_PAGE}/statement/<int:company_id>"],
        type="http",
        auth="public",
        website=True,
        sitemap=False,
    )
    def collections_statement(self, company_id, **kwargs):
        """The statement of account of this customer with this company, as a PDF."""
        try:
            partner_sudo, link_sudo = self._collection_check_access("view")
        except TooManyRequests:
            return self._collection_too_many()
        try:
            company_sudo = self._collection_company(partner_sudo, str(company_id))
        except InputError as error:
            return self._collection_error_page(self._collection_input_message(error), 400)
        # The statement report reads the customer's receivables: rendered for its visitor.
        report_sudo = request.env["ir.actions.report"].sudo()
        content, report_type = report_sudo._render_qweb_pdf(
            "collection_followup.action_report_statement",
            partner_sudo.ids,
            data={"company_id": company_sudo.id},
        )
        filename = request.env._(
            "Statement %(customer)s.%(ext)s", customer=partner_sudo.name, ext=report_type
        )
        mimetype = "application/pdf" if report_type == "pdf" else "text/html"
        return request.make_response(
            content,
            [("Content-Type", mimetype), ("Content-Disposition", content_disposition(filename))],
        )

    # ------------------------------------------------------------------
    # What the customer says
    # ------------------------------------------------------------------

    @http.route(
        [f"{PORTAL_PAGE}/promise", f"{LINK_PAGE}/promise"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def collections_promise(self, company_id=None, date=None, amount=None, **kwargs):
        def say(partner_sudo, link_sudo, who):
            company_sudo = self._collection_company(partner_sudo, company_id)
            currency = company_sudo.currency_id
            today = fields.Date.context_today(partner_sudo)
            last = today + timedelta(days=company_sudo.collection_promise_horizon_days)
            promised = parse_amount(amount, currency.decimal_places) / 10**currency.decimal_places
            promise_sudo = (
                request.env["collection.promise"]
                .sudo()
                ._create_from_portal(
                    partner_sudo,
                    company_sudo,
                    # Typed in the calendar of the page's language (Solar Hijri for Persian).
                    parse_date(
                        date,
                        today,
                        last,
                        calendar=request.env["res.lang"]._collection_format().calendar,
                    ),
                    promised,
                )
            )
            if promise_sudo.state == "to_approve":
                return request.env._(
                    "Thank you: we will look at your promise and tell you whether we can wait."
                )
            return request.env._("Thank you: we will not send you reminders until then.")

        return self._collection_say(say)

    @http.route(
        [f"{PORTAL_PAGE}/dispute", f"{LINK_PAGE}/dispute"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def collections_dispute(self, move_id=None, reason=None, message=None, **kwargs):
        def say(partner_sudo, link_sudo, who):
            invoice_sudo = request.env["account.move"].sudo().browse(parse_id(move_id, "invoice"))
            if not invoice_sudo.exists() or invoice_sudo.commercial_partner_id != partner_sudo:
                raise InputError("invoice", "format")
            request.env["collection.dispute"].sudo()._create_from_portal(
                partner_sudo,
                invoice_sudo,
                parse_choice(reason, dict(DISPUTE_REASONS), "reason"),
                parse_text(message, MAX_MESSAGE_CHARS, "message"),
                self._collection_uploaded_proofs(),
            )
            return request.env._("Thank you: we will look into it and get back to you.")

        return self._collection_say(say)

    @http.route(
        [f"{PORTAL_PAGE}/plan", f"{LINK_PAGE}/plan"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def collections_plan_request(self, company_id=None, installments=None, **kwargs):
        def say(partner_sudo, link_sudo, who):
            company_sudo = self._collection_company(partner_sudo, company_id)
            count = parse_int(installments, *INSTALLMENTS, field="installments")
            request.env["collection.payment.plan"].sudo()._create_from_portal(
                partner_sudo, company_sudo, count
            )
            return request.env._("Thank you: we will propose you a payment plan.")

        return self._collection_say(say)

    @http.route(
        [f"{PORTAL_PAGE}/plan/accept", f"{LINK_PAGE}/plan/accept"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def collections_accept_plan(self, plan_id=None, code=None, **kwargs):
        def say(partner_sudo, link_sudo, who):
            plan_sudo = (
                request.env["collection.payment.plan"].sudo().browse(parse_id(plan_id, "plan"))
            )
            if not plan_sudo.exists() or plan_sudo.partner_id.commercial_partner_id != partner_sudo:
                raise InputError("plan", "format")
            plan_sudo._action_accept_from_portal(partner_sudo, who)
            return request.env._("Thank you: your payment plan is in force.")

        return self._collection_say(say, binding=True, code=code)

    @http.route(
        [f"{PORTAL_PAGE}/terms", f"{LINK_PAGE}/terms"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def collections_accept_terms(self, company_id=None, version=None, code=None, **kwargs):
        def say(partner_sudo, link_sudo, who):
            company_sudo = self._collection_company(partner_sudo, company_id)
            acceptance_sudo = (
                request.env["collection.terms.acceptance"]
                .sudo()
                ._create_from_portal(
                    partner_sudo,
                    company_sudo,
                    parse_text(version, 64, "version"),
                    who,
                    request.httprequest.remote_addr,
                    user=None if link_sudo else request.env.user,
                    link=link_sudo,
                )
            )
            return request.env._(
                "Thank you: you accepted the collection terms on %(date)s.",
                date=tools.format_datetime(request.env, acceptance_sudo.date),
            )

        return self._collection_say(say, binding=True, code=code)

    @http.route(
        [f"{PORTAL_PAGE}/mobile", f"{LINK_PAGE}/mobile"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def collections_mobile(self, mobile=None, code=None, **kwargs):
        def say(partner_sudo, link_sudo, who):
            number = parse_text(mobile, 64, "mobile")
            if not number:
                raise InputError("mobile", "missing")
            number = partner_sudo._action_set_mobile_from_portal(number)
            # Isolated left to right: "+98..." stays "+98..." in a right-to-left sentence.
            isolated = "\N{LEFT-TO-RIGHT ISOLATE}" + number + "\N{POP DIRECTIONAL ISOLATE}"
            return request.env._(
                "Thank you: we will send our text messages to %(number)s.", number=isolated
            )

        return self._collection_say(say, binding=True, code=code)

    @http.route(f"{LINK_PAGE}/code", type="http", auth="public", methods=["POST"], website=True)
    def collections_send_code(self, **kwargs):
        """A link visitor asks for the one-time code that confirms a binding act."""

        def say(partner_sudo, link_sudo, who):
            email = link_sudo._send_code()
            name, _at, domain = email.partition("@")
            # Outside the call: Odoo's term extraction cannot read an f-string argument.
            masked = name[:1] + "***@" + domain
            return counted(request.env, CODE_SENT, PORTAL_CODE_MINUTES, email=masked)

        return self._collection_say(say)

    def _collection_uploaded_proofs(self):
        """The proof files sent with a dispute, ``[(name, content, mimetype)]``: at most
        PORTAL_UPLOAD_MAX_FILES, PORTAL_UPLOAD_MAX_BYTES together, each of an allowed type
        judged by its content."""
        uploads = [f for f in request.httprequest.files.getlist("proof") if f.filename]
        if len(uploads) > PORTAL_UPLOAD_MAX_FILES:
            raise InputError("upload", "count")
        proofs, left = [], PORTAL_UPLOAD_MAX_BYTES
        for upload in uploads:
            content = upload.read(left + 1)
            left -= len(content)
            if left < 0:
                raise InputError("upload", "size")
            mimetype, name = sniff_upload(upload.filename, content)
            proofs.append((name, content, mimetype))
        return proofs

    # ------------------------------------------------------------------
    # Paying
    # ------------------------------------------------------------------

    @http.route(
        [f"{PORTAL_PAGE}/pay/<int:company_id>", f"{LINK_PAGE}/pay/<int:company_id>"],
        type="http",
        auth="public",
        website=True,
        sitemap=False,
    )
    def collections_pay(self, company_id, **kwargs):
        """Odoo's page to pay the overdue invoices of this customer and company together, for
        link visitors too, whichever contacts of the customer the invoices are addressed to;
        the transaction goes through our route."""
        try:
            partner_sudo, link_sudo = self._collection_check_access("view")
        except TooManyRequests:
            return self._collection_too_many()
        page = self._collection_page()
        try:
            company_sudo = self._collection_company(partner_sudo, str(company_id))
            invoices_sudo = self._collection_payable_invoices(partner_sudo, company_sudo)
        except InputError as error:
            return self._collection_error_page(self._collection_input_message(error), 400)
        except UserError as error:
            return self._collection_error_page(str(error), 400)
        if not invoices_sudo:
            request.session[MESSAGE_KEY] = {
                "type": "info",
                "text": request.env._("Nothing is overdue: thank you!"),
            }
            return request.redirect(page)
        values = self._collection_pay_values(partner_sudo, link_sudo, company_sudo, invoices_sudo)
        return request.render(
            "account_payment.portal_overdue_invoices_page",
            values,
            headers={"Cache-Control": "no-store"},
        )

    def _collection_payable_invoices(self, partner_sudo, company_sudo):
        # The customer's invoices and disputes are not readable by its visitors.
        Move_sudo = request.env["account.move"].sudo()
        invoices_sudo = Move_sudo.search(
            Move_sudo._collection_portal_overdue_domain(partner_sudo, company_sudo)
        )
        if len(invoices_sudo.currency_id) > 1:
            raise UserError(
                request.env._(
                    "Your overdue invoices are in several currencies: pay them one by one."
                )
            )
        return invoices_sudo

    def _collection_pay_values(self, partner_sudo, link_sudo, company_sudo, invoices_sudo):
        """The values of account_payment's overdue invoices page, for invoices that may be
        addressed to several contacts of the customer (Odoo's own helper wants one partner):
        the customer pays them as one, and the payment is the customer's."""
        currency = invoices_sudo.currency_id
        amount = currency.round(sum(invoices_sudo.mapped("amount_residual")))
        reference = (
            company_sudo.get_next_batch_payment_communication()
            if len(invoices_sudo) > 1
            else invoices_sudo.name
        )
        page = self._collection_page()
        values = {
            "page_name": "overdue_invoices",
            "payment": {
                "date": fields.Date.context_today(partner_sudo),
                "reference": reference,
                "amount": amount,
                "currency": currency,
            },
            "amount": amount,
        }
        values |= self._get_common_page_view_values(
            invoices_data={
                "partner": partner_sudo,
                "company": company_sudo,
                "total_amount": amount,
                "currency": currency,
                "amount_residual": amount,
                "payment_reference": reference,
                "landing_route": page,
                "transaction_route": f"{page}/transaction/{company_sudo.id}",
            },
        )
        if link_sudo:
            # A link is not a login: the customer's saved cards are for its portal users.
            values["tokens_sudo"] = request.env["payment.token"].sudo()
        values["amount"] = amount
        return values

    @http.route(
        [
            f"{PORTAL_PAGE}/transaction/<int:company_id>",
            f"{LINK_PAGE}/transaction/<int:company_id>",
        ],
        type="json",
        auth="public",
    )
    def collections_transaction(self, company_id, payment_reference=None, **kwargs):
        """One transaction for all the overdue invoices. The amount is what they still owe,
        computed here: whatever amount the request carries is ignored."""
        try:
            partner_sudo, link_sudo = self._collection_check_access("say")
        except TooManyRequests as error:
            raise UserError(
                request.env._("Too many requests: please try again in a few minutes.")
            ) from error
        company_sudo = self._collection_company(partner_sudo, str(company_id))
        invoices_sudo = self._collection_payable_invoices(partner_sudo, company_sudo)
        if not invoices_sudo:
            raise UserError(request.env._("Nothing is overdue: thank you!"))
        if link_sudo and kwargs.get("flow") == "token":
            raise UserError(request.env._("Log in to pay with a saved payment method."))
        self._validate_transaction_kwargs(kwargs)
        kwargs["amount"] = invoices_sudo.currency_id.round(
            sum(invoices_sudo.mapped("amount_residual"))
        )
        payer = partner_sudo if link_sudo else request.env.user.partner_id
        return self._process_transaction(
            payer.id,
            invoices_sudo.currency_id.id,
            invoices_sudo.ids,
            payment_reference,
            **kwargs,
        )
