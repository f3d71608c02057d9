from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..tools.qr import qr_png_data_uri


class CollectionPortal(CustomerPortal):
    """The customer's collections page: in the portal for logged-in customers, and through the
    secret link sent in every reminder for everyone else."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "collection_item_count" in counters:
            partner_sudo = request.env.user.partner_id.commercial_partner_id.sudo()
            values["collection_item_count"] = sum(
                len(section["items"]) for section in partner_sudo._collection_portal_sections()
            )
        return values

    def _collection_page_values(self, partner_sudo, page_url):
        return {
            "page_name": "collections",
            "partner": partner_sudo,
            "sections": partner_sudo._collection_portal_sections(),
            "page_url": page_url,
            "qr_code": qr_png_data_uri(page_url),
        }

    @http.route("/my/collections", type="http", auth="user", website=True)
    def portal_my_collections(self, **kwargs):
        partner_sudo = request.env.user.partner_id.commercial_partner_id.sudo()
        page_url = partner_sudo.get_base_url() + "/my/collections"
        return request.render(
            "collection_followup.portal_collections",
            self._collection_page_values(partner_sudo, page_url),
        )

    @http.route(
        "/collections/<int:partner_id>/<string:token>", type="http", auth="public", website=True
    )
    def collections_by_token(self, partner_id, token, **kwargs):
        partner_sudo = request.env["res.partner"].sudo().browse(partner_id).exists()
        # Same answer for an unknown customer, a wrong, expired or revoked secret: nothing leaks.
        if not partner_sudo or not partner_sudo._collection_check_token(token):
            raise NotFound()
        page_url = f"{partner_sudo.get_base_url()}/collections/{partner_id}/{token}"
        return request.render(
            "collection_followup.portal_collections",
            self._collection_page_values(partner_sudo, page_url),
        )
