import logging

from odoo import api, models, tools
from odoo.exceptions import UserError
from odoo.tools import split_every

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from ..tools import pdf_batch

_logger = logging.getLogger(__name__)

# Documents per wkhtmltopdf call: one process start-up for many documents, without holding
# thousands of pages in memory at once.
PDF_BATCH_SIZE = 100

# The style sheets of Odoo's asset bundles as the follow-up inlines them in its PDFs (see
# ``_collection_stylesheet``), by database and address; the address carries the bundle's
# version, so an entry never goes stale.
_STYLESHEETS = {}


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    @api.model
    def _collection_render_pdfs(self, report_ref, res_ids, data=None):
        """Render ``report_ref`` for ``res_ids``, one document per record, in as few
        wkhtmltopdf calls as the batch size allows, with the Debian/Ubuntu build (unpatched Qt)
        as with the patched one.

        Under test, like Odoo's reports, the HTML of each document is returned instead, unless
        the context has ``force_report_rendering`` (Odoo's own switch for real PDFs in tests).

        :return: ``({res_id: content}, report_type)`` with ``report_type`` ``"pdf"`` or
            ``"html"``.
        """
        report = self._get_report(report_ref)
        data = dict(data or {}, report_type="pdf", debug=False)
        if self._is_invoice_report(report_ref):
            # As Odoo's invoice PDF does (account's _pre_render_qweb_pdf).
            if self.env["ir.config_parameter"].sudo().get_param("account.display_name_in_footer"):
                data["display_name_in_footer"] = True
        res_ids = list(dict.fromkeys(res_ids))
        if not res_ids:
            return {}, "pdf"
        testing = tools.config["test_enable"] or tools.config["test_file"]
        if testing and not self.env.context.get("force_report_rendering"):
            documents = {}
            for chunk in split_every(PDF_BATCH_SIZE, res_ids, list):
                html = self._render_qweb_html(report_ref, chunk, data=data)[0]
                bodies, html_ids = report._prepare_html(html, report_model=report.model)[:2]
                pairs = zip(html_ids, bodies, strict=True)
                documents.update({res_id: str(body).encode() for res_id, body in pairs})
            return documents, "html"
        if self.get_wkhtmltopdf_state() == "install":
            raise UserError(
                self.env._("Unable to find Wkhtmltopdf on this system. The PDF can not be created.")
            )
        documents = {}
        for chunk in split_every(PDF_BATCH_SIZE, res_ids, list):
            documents.update(self._collection_render_pdf_batch(report, chunk, data))
        return documents, "pdf"

    def _collection_render_pdf_batch(self, report, res_ids, data):
        """``{res_id: pdf}`` for ``res_ids`` in one wkhtmltopdf call, marked and split (see
        ``tools/pdf_batch``); one call per record when the batch cannot be split."""
        report = report.with_context(debug=False)
        html = report._render_qweb_html(report.id, res_ids, data=data)[0]
        bodies, html_ids, header, footer, paper_args = report._prepare_html(
            html, report_model=report.model
        )
        binary = _get_wkhtmltopdf_bin()
        patched = pdf_batch.is_patched_build(binary)
        args = self._build_wkhtmltopdf_args(
            report.get_paperformat(),
            self.env.context.get("landscape"),
            specific_paperformat_args=paper_args,
            set_viewport_size=self.env.context.get("set_viewport_size"),
        )

        def render(documents):
            if patched:
                # Left as Odoo links them: this build embeds the web font as a font, and with
                # the style sheets inline it made the same PDF, byte for byte, no faster (see
                # _collection_inline_stylesheets).
                return pdf_batch.run_wkhtmltopdf(binary, args, documents, header, footer)
            document = self._collection_inline_stylesheets(pdf_batch.join(documents))
            return pdf_batch.run_wkhtmltopdf(binary, args, [document])

        try:
            if len(res_ids) == 1:
                return {res_ids[0]: render(bodies)}
            if html_ids != res_ids:
                raise pdf_batch.PdfBatchError(
                    f"{len(bodies)} documents for {len(res_ids)} records (no data-oe-id?)"
                )
            marked = [pdf_batch.mark(body, index) for index, body in enumerate(bodies)]
            return dict(zip(res_ids, pdf_batch.split(render(marked), len(res_ids)), strict=True))
        except pdf_batch.PdfBatchError as error:
            if len(res_ids) == 1:
                raise UserError(
                    self.env._(
                        "The PDF of %(report)s could not be created: %(error)s",
                        report=report.name,
                        error=error,
                    )
                ) from error
            _logger.info("%s: one wkhtmltopdf call per document (%s)", report.report_name, error)
        documents = {}
        for res_id in res_ids:
            documents.update(self._collection_render_pdf_batch(report, [res_id], data))
        return documents

    @api.model
    def _collection_inline_stylesheets(self, html):
        """``html`` (a report's document) with its style sheets from Odoo's asset bundles
        inlined, less the ``@font-face`` rules of the font families installed on this server
        (``_collection_stylesheet``). Anything that cannot be done leaves the ``<link>`` as
        it is, and the PDF as it was.

        Why: the Debian/Ubuntu wkhtmltopdf (unpatched Qt) draws the text set in a web font
        (the reports' Lato) as outlines, heavy and not searchable; set in the same font
        installed on the server, the text is embedded as a real font, ~90x smaller and ~5x
        faster to render, and looks the same. Only for that build: the patched build embeds
        the web font as a font, and the same documents with their style sheets inline came
        out the same, byte for byte, no faster (100 invoices, 31 s either way); with the
        documents inline but the header and footer linked, some batches could not be split.
        """
        if not html:
            return html
        try:
            return pdf_batch.inline_stylesheets(html, self._collection_stylesheet)
        except Exception:  # noqa: BLE001 - the links stay: the PDF comes out as before
            _logger.info("Style sheets not inlined in the PDF", exc_info=True)
            return html

    @api.model
    def _collection_stylesheet(self, href):
        """The style sheet of Odoo's asset bundle at ``href`` (``/web/assets/<version>/
        <bundle>.min.css``) without the ``@font-face`` rules of the font families installed
        on this server (the locally installed font serves), or ``None`` when it cannot be
        had: no fontconfig, no such bundle or version, a style sheet that cannot be read.
        Kept in memory by database and address (the address changes with the bundle)."""
        families = pdf_batch.installed_font_families()
        if not families:
            return None
        key = (self.env.cr.dbname, href)
        if key in _STYLESHEETS:
            return _STYLESHEETS[key]
        try:
            bundle_name, rtl, asset_type = self.env["ir.asset"]._parse_bundle_name(
                href.rpartition("/")[2], False
            )
            if asset_type != "css":
                return None
            # The bundle as Odoo's /web/assets/ route serves it to wkhtmltopdf, found (or
            # built, then saved) by Odoo's own API, which reads and writes the bundle's public
            # attachment as superuser whoever prints; in a savepoint, so that a failed write
            # leaves the transaction usable.
            with self.env.cr.savepoint():
                bundle = self.env["ir.qweb"]._get_asset_bundle(
                    bundle_name, css=True, js=False, rtl=rtl
                )
                if not bundle.stylesheets or bundle.get_link("css") != href:
                    return None
                attachment = bundle.css()
                if len(attachment) != 1 or attachment.url != href:
                    return None
                raw = attachment.raw
            css = pdf_batch.strip_font_faces(raw.decode(), families)
        except Exception:  # noqa: BLE001 - the link stays: the PDF comes out as before
            _logger.info("Style sheet %s not inlined in the PDF", href, exc_info=True)
            return None
        _STYLESHEETS[key] = css
        return css

    @api.model
    def _collection_invoice_pdfs(self, invoices):
        """The PDF of each invoice as the customer gets it with a reminder:
        ``{invoice_id: (filename, content)}``.

        A PDF is rendered again only when something it shows may have changed: Odoo's stored
        invoice PDF (the one sent with the invoice) serves while nothing was paid or credited
        on the invoice; otherwise the copy kept by the follow-up serves while the invoice's
        fingerprint (state, amounts, payments and credits matched, last edit, language) is the
        one it was rendered with. What must be rendered is rendered in batches.
        """
        invoices = invoices.filtered(lambda move: move.is_invoice(include_receipts=True))
        invoices._collection_ensure_portal_tokens()
        Kept = self.env["collection.invoice.pdf"]
        fingerprints = Kept._fingerprints(invoices)
        pdfs = Kept._reusable(invoices, fingerprints)
        to_render = invoices.filtered(lambda invoice: invoice.id not in pdfs)
        report_type = "pdf"
        if to_render:
            documents, report_type = self._collection_render_pdfs(
                "account.account_invoices", to_render.ids
            )
            if report_type == "pdf":
                Kept._keep(documents, fingerprints)
            pdfs.update(documents)
        return {
            invoice.id: (
                invoice._get_invoice_report_filename(
                    extension="pdf" if invoice not in to_render else report_type
                ),
                pdfs[invoice.id],
            )
            for invoice in invoices
        }

    @api.model
    def _collection_renders_pdfs(self):
        """Whether the follow-up's reports are rendered by wkhtmltopdf (not as HTML, as under
        test without ``force_report_rendering``)."""
        testing = tools.config["test_enable"] or tools.config["test_file"]
        return not testing or bool(self.env.context.get("force_report_rendering"))

    @api.model
    def _collection_invoices_to_render(self, invoices):
        """The invoices among ``invoices`` whose PDF cannot be reused (see
        ``collection.invoice.pdf``), without reading any PDF."""
        invoices = invoices.filtered(lambda move: move.is_invoice(include_receipts=True))
        invoices._collection_ensure_portal_tokens()
        Kept = self.env["collection.invoice.pdf"]
        reusable = Kept._reusable_sources(invoices, Kept._fingerprints(invoices))
        return invoices.filtered(lambda invoice: invoice.id not in reusable)

    @api.model
    def _collection_prepare_invoice_pdfs(self, invoices):
        """Render and keep, in batches of ``PDF_BATCH_SIZE`` documents, the PDFs of
        ``invoices`` (invoices whose PDF cannot be reused), ahead of the reminders of several
        customers: each email then finds its PDFs kept. Returns whether it went through; when
        not (an invoice that cannot be rendered...), nothing is kept and each email renders
        what it still needs, alone."""
        if not invoices:
            return True
        Kept = self.env["collection.invoice.pdf"]
        try:
            with self.env.cr.savepoint():
                documents, report_type = self._collection_render_pdfs(
                    "account.account_invoices", invoices.ids
                )
                if report_type == "pdf":
                    Kept._keep(documents, Kept._fingerprints(invoices))
            return True
        except Exception:  # noqa: BLE001 - each email renders what it still needs, and says why
            _logger.info("Invoice PDFs not rendered ahead of the reminders", exc_info=True)
            return False
