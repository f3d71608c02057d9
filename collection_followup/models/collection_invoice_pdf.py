import base64
import hashlib

from odoo import api, fields, models


class CollectionInvoicePdf(models.Model):
    """The follow-up's copy of an invoice's PDF, with the fingerprint of the invoice it was
    rendered from: the next reminder attaches it again while the fingerprint is the same,
    instead of rendering the invoice every night. Kept apart from the invoice so that keeping
    it does not touch the invoice (nor its last-edit date, part of the fingerprint)."""

    _name = "collection.invoice.pdf"
    _description = "Follow-up Copy of an Invoice PDF"

    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, ondelete="cascade", index=True
    )
    fingerprint = fields.Char(required=True)
    pdf = fields.Binary(string="PDF", attachment=True, required=True)

    _sql_constraints = [
        ("move_unique", "unique(move_id)", "One kept PDF per invoice."),
    ]

    @api.model
    def _fingerprints(self, invoices):
        """``{invoice_id: fingerprint}`` of what an invoice PDF shows that may change after
        posting: state, payment state, amounts, the payments and credits matched on it, its
        last edit, its customer's language and its company's last edit (letterhead)."""
        result = {}
        for invoice in invoices:
            receivable = invoice.line_ids.filtered(
                lambda line: line.account_id.account_type
                in ("asset_receivable", "liability_payable")
            )
            partials = receivable.matched_debit_ids | receivable.matched_credit_ids
            parts = (
                invoice.state,
                invoice.payment_state,
                invoice.currency_id.name,
                invoice.currency_id.round(invoice.amount_total),
                invoice.currency_id.round(invoice.amount_residual),
                fields.Datetime.to_string(invoice.write_date),
                invoice.partner_id.lang or "",
                fields.Datetime.to_string(invoice.company_id.write_date),
                sorted((partial.id, partial.amount, str(partial.max_date)) for partial in partials),
            )
            result[invoice.id] = hashlib.sha256(repr(parts).encode()).hexdigest()
        return result

    @api.model
    def _partials(self, invoice):
        """The payments and credits matched on ``invoice``'s receivable (payable) lines."""
        lines = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type in ("asset_receivable", "liability_payable")
        )
        return lines.matched_debit_ids | lines.matched_credit_ids

    @api.model
    def _reusable_sources(self, invoices, fingerprints):
        """``{invoice_id: record holding the PDF}`` of the invoices whose PDF need not be
        rendered again, without reading any PDF: this kept copy while the fingerprint is
        unchanged, else Odoo's stored invoice PDF (an ``ir.attachment``) while nothing was paid
        or credited on the invoice."""
        # The kept copies are the follow-up's bookkeeping, read whoever runs it.
        kept = {
            copy.move_id.id: copy for copy in self.sudo().search([("move_id", "in", invoices.ids)])
        }
        result = {}
        for invoice in invoices:
            copy = kept.get(invoice.id)
            if copy and copy.fingerprint == fingerprints[invoice.id]:
                result[invoice.id] = copy
                continue
            stored = invoice.sudo().invoice_pdf_report_id  # readable with the invoice
            untouched = invoice.state == "posted" and not self._partials(invoice)
            if stored and untouched and stored.mimetype == "application/pdf":
                result[invoice.id] = stored
        return result

    @api.model
    def _reusable(self, invoices, fingerprints):
        """``{invoice_id: pdf}`` of the invoices whose PDF need not be rendered again (see
        :meth:`_reusable_sources`)."""
        return {
            invoice_id: base64.b64decode(source.pdf) if source._name == self._name else source.raw
            for invoice_id, source in self._reusable_sources(invoices, fingerprints).items()
        }

    @api.model
    def _keep(self, pdfs, fingerprints):
        """Keep ``pdfs`` (``{invoice_id: pdf}``) with the ``fingerprints`` they were rendered
        with, replacing older copies."""
        copies = self.sudo().search([("move_id", "in", list(pdfs))])  # bookkeeping, see above
        by_move = {copy.move_id.id: copy for copy in copies}
        create = []
        for move_id, content in pdfs.items():
            values = {"fingerprint": fingerprints[move_id], "pdf": base64.b64encode(content)}
            if move_id in by_move:
                by_move[move_id].write(values)
            else:
                create.append({"move_id": move_id, **values})
        if create:
            self.sudo().create(create)
