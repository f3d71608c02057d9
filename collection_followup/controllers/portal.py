from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import content_disposition, request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..tools.qr import qr_png, qr_png_data_uri

MAX_PROOF_BYTES = 10 * 1024 * 1024
MESSAGE_KEY = "collection_portal_message"


class CollectionPortal(CustomerPortal):
    """The customer's collections page: in the portal for logged-in customers, and through the
    secret link sent in every reminder for everyone else. The POST routes are thin: they find
    who the visitor is, then the model validates and records what the customer says."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "collection_item_count" in counters:
            partner_sudo = request.env.user.partner_id.commercial_partner_id.sudo()
            values["collection_item_count"] = sum(
                len(section["items"]) for section in partner_sudo._collection_portal_sections()
            )
        return values

    def _collection_visitor(self, partner_id=None, token=None):
        """``(partner_sudo, page_path, who)`` of the visitor, or NotFound. With a token: the
        customer whose secret it is; without: the logged-in user's commercial partner."""
        if token is not None:
            partner_sudo = request.env["res.partner"].sudo().browse(partner_id).exists()
            # Same answer for an unknown customer and a wrong, expired or revoked secret.
            if not partner_sudo or not partner_sudo._collection_check_token(token):
                raise NotFound()
            return (
                partner_sudo,
                f"/collections/{partner_id}/{token}",
                request.env._("a visitor with the link sent in the reminders"),
            )
        if request.env.user._is_public():
            raise NotFound()
        user = request.env.user
        return user.partner_id.commercial_partner_id.sudo(), "/my/collections", user.name

    def _collection_lang(self, partner_sudo, lang=None):
        """Link visitors see the page in the customer's language, or the one they choose."""
        installed = dict(request.env["res.lang"].get_installed())
        if lang in installed:
            return lang
        if request.env.user._is_public() and partner_sudo.lang in installed:
            return partner_sudo.lang
        return None

    def _collection_render(self, partner_sudo, page_path, lang=None):
        if lang := self._collection_lang(partner_sudo, lang):
            request.update_context(lang=lang)
        page_url = partner_sudo.get_base_url() + page_path
        return request.render(
            "collection_followup.portal_collections",
            {
                "page_name": "collections",
                "partner": partner_sudo,
                "sections": partner_sudo._collection_portal_sections(),
                "page_url": page_url,
                "page_path": page_path,
                "qr_code": qr_png_data_uri(page_url),
                "message": request.session.pop(MESSAGE_KEY, None),
                "direction": request.env["res.lang"]._get_data(code=request.env.lang).direction,
                "reasons": request.env["collection.dispute"]
                ._fields["reason"]
                ._description_selection(request.env),
            },
        )

    @http.route("/my/collections", type="http", auth="user", website=True)
    def portal_my_collections(self, lang=None, **kwargs):
        partner_sudo, page_path, _who = self._collection_visitor()
        return self._collection_render(partner_sudo, page_path, lang)

    @http.route(
        "/collections/<int:partner_id>/<string:token>", type="http", auth="public", website=True
    )
    def collections_by_token(self, partner_id, token, lang=None, **kwargs):
        partner_sudo, page_path, _who = self._collection_visitor(partner_id, token)
        return self._collection_render(partner_sudo, page_path, lang)

    @http.route("/collections/<int:partner_id>/<string:token>/qr", type="http", auth="public")
    def collections_qr(self, partner_id, token, **kwargs):
        """The QR code of the link, as an image for the reminder emails."""
        partner_sudo, page_path, _who = self._collection_visitor(partner_id, token)
        png = qr_png(partner_sudo.get_base_url() + page_path)
        return request.make_response(
            png, [("Content-Type", "image/png"), ("Cache-Control", "private, max-age=3600")]
        )

    @http.route(
        [
            "/my/collections/statement/<int:company_id>",
            "/collections/<int:partner_id>/<string:token>/statement/<int:company_id>",
        ],
        type="http",
        auth="public",
    )
    def collections_statement(self, company_id, partner_id=None, token=None, **kwargs):
        """The statement of account of this customer with this company, as a PDF."""
        partner_sudo, page_path, _who = self._collection_visitor(partner_id, token)
        try:
            partner_sudo._collection_portal_company(company_id)
        except UserError as error:
            request.session[MESSAGE_KEY] = {"type": "info", "text": str(error)}
            return request.redirect(page_path)
        content, report_type = (
            request.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf(
                "collection_followup.action_report_statement",
                partner_sudo.ids,
                data={"company_id": company_id},
            )
        )
        filename = request.env._(
            "Statement %(customer)s.%(ext)s", customer=partner_sudo.name, ext=report_type
        )
        mimetype = "application/pdf" if report_type == "pdf" else "text/html"
        return request.make_response(
            content,
            [("Content-Type", mimetype), ("Content-Disposition", content_disposition(filename))],
        )

    @http.route(
        [
            "/my/collections/say/<string:what>",
            "/collections/<int:partner_id>/<string:token>/say/<string:what>",
        ],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def collections_say(self, what, partner_id=None, token=None, **post):
        """The customer promises, disputes, asks for a plan, accepts the terms or gives a
        mobile number. CSRF-checked (Odoo's default for POST) and throttled per customer."""
        partner_sudo, page_path, who = self._collection_visitor(partner_id, token)
        handlers = {
            "promise": lambda: partner_sudo._collection_portal_promise(
                post.get("company_id"), post.get("date"), post.get("amount")
            )
            and request.env._("Thank you: we will not send you reminders until then."),
            "dispute": lambda: partner_sudo._collection_portal_dispute(
                post.get("move_id"),
                post.get("reason"),
                post.get("message"),
                self._collection_uploaded_proof(),
            )
            and request.env._("Thank you: we will look into it and get back to you."),
            "plan": lambda: partner_sudo._collection_portal_plan_request(
                post.get("company_id"), post.get("installments")
            )
            and request.env._("Thank you: we will propose you a payment plan."),
            "accept_plan": lambda: partner_sudo._collection_portal_accept_plan(
                post.get("plan_id"), who
            )
            and request.env._("Thank you: your payment plan is in force."),
            "terms": lambda: partner_sudo._collection_portal_accept_terms(
                who, request.httprequest.remote_addr
            )
            or request.env._("Thank you: the collection terms are accepted."),
            "mobile": lambda: request.env._(
                "Thank you: we will send our text messages to %(number)s.",
                number=partner_sudo._collection_portal_mobile(post.get("mobile")),
            ),
        }
        if what not in handlers:
            raise NotFound()
        try:
            partner_sudo._collection_portal_throttle()
            with request.env.cr.savepoint():
                message = {"type": "success", "text": handlers[what]()}
        except (UserError, ValidationError) as error:
            message = {"type": "danger", "text": str(error)}
        request.session[MESSAGE_KEY] = message
        return request.redirect(page_path)

    @http.route(
        [
            "/my/collections/pay/<int:company_id>",
            "/collections/<int:partner_id>/<string:token>/pay/<int:company_id>",
        ],
        type="http",
        auth="public",
        website=True,
    )
    def collections_pay(self, company_id, partner_id=None, token=None, **kwargs):
        """Odoo's page to pay the overdue invoices together, for this customer and company,
        reachable with the secret link too; the payment goes through our transaction route."""
        partner_sudo, page_path, _who = self._collection_visitor(partner_id, token)
        try:
            invoices_sudo = partner_sudo._collection_overdue_invoices(company_id)
        except UserError as error:
            request.session[MESSAGE_KEY] = {"type": "info", "text": str(error)}
            return request.redirect(page_path)
        values = self._overdue_invoices_get_page_view_values(invoices_sudo, **kwargs)
        amount = sum(invoices_sudo.mapped("amount_residual"))
        values["amount"] = values["payment"]["amount"] = amount
        values.update(
            transaction_route=f"{page_path}/transaction/{company_id}", landing_route=page_path
        )
        return request.render("account_payment.portal_overdue_invoices_page", values)

    @http.route(
        [
            "/my/collections/transaction/<int:company_id>",
            "/collections/<int:partner_id>/<string:token>/transaction/<int:company_id>",
        ],
        type="json",
        auth="public",
    )
    def collections_transaction(
        self, company_id, payment_reference, partner_id=None, token=None, **kwargs
    ):
        """One transaction for all the overdue invoices. The amount is what they still owe,
        computed here: whatever amount the request carries is ignored."""
        partner_sudo, _page_path, _who = self._collection_visitor(partner_id, token)
        invoices_sudo = partner_sudo._collection_overdue_invoices(company_id)
        self._validate_transaction_kwargs(kwargs)
        kwargs["amount"] = sum(invoices_sudo.mapped("amount_residual"))
        return self._process_transaction(
            partner_sudo.id,
            invoices_sudo.currency_id.id,
            invoices_sudo.ids,
            payment_reference,
            **kwargs,
        )

    def _collection_uploaded_proof(self):
        files = [f for f in request.httprequest.files.getlist("proof") if f.filename]
        proof = []
        for upload in files[:5]:
            content = upload.read(MAX_PROOF_BYTES + 1)
            if len(content) > MAX_PROOF_BYTES:
                raise UserError(request.env._("A proof file is limited to 10 MB."))
            proof.append((upload.filename, content))
        return proof
