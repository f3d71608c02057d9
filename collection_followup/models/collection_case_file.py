import csv
import io
import textwrap
from datetime import timedelta

from odoo import api, fields, models, tools

from ..tools.csv_safe import neutralise_cell

# The columns of the agency case file export (CSV). Every row carries the case and the customer,
# so that each row can be read on its own; ``record_type`` says what the row is (see README.md).
CSV_COLUMNS = [
    "case",
    "agency",
    "customer",
    "customer_vat",
    "customer_address",
    "customer_email",
    "customer_phone",
    "record_type",
    "date",
    "reference",
    "due_date",
    "days_overdue",
    "amount",
    "open_amount",
    "currency",
    "status",
    "details",
]
# Written by the addon itself (figures, ISO dates): a minus sign there is a negative amount.
CSV_NUMERIC_COLUMNS = {"date", "due_date", "days_overdue", "amount", "open_amount"}


class CollectionCaseFile(models.AbstractModel):
    """What a collection agency or a small-claims court needs about a customer's debt: the
    customer, the items with what they still owe, fees and interest, and the full history of
    reminders, replies, promises, disputes, payments and hand-overs. One set of values feeds the
    agency case file (PDF and CSV), the court file and the letter before action."""

    _name = "collection.case.file"
    _description = "Collection Case File"

    @api.model
    def _values(self, partner, company, lines, on_date=None, case=None, with_history=True):
        """The case file of ``partner``'s receivable ``lines`` in ``company`` on ``on_date``.

        Amounts are in company currency. Descriptions are in the language of the context (call
        with the reader's language)."""
        on_date = on_date or fields.Date.context_today(self)
        partner = partner.commercial_partner_id
        currency = company.currency_id
        handed_over = (
            {line.move_line_id: line.amount_handover for line in case.line_ids} if case else {}
        )
        lines = lines.sorted(lambda line: (line.date_maturity or line.date, line.id))
        items = []
        for line in lines:
            due_date = line.date_maturity or line.date
            items.append(
                {
                    "line": line,
                    "move": line.move_id,
                    "reference": line.move_id.name,
                    "invoice_date": line.move_id.invoice_date or line.date,
                    "due_date": due_date,
                    "days_late": max((on_date - due_date).days, 0),
                    "amount_original": line.balance,
                    "amount_handover": handed_over.get(line),
                    "amount_open": line.amount_residual,
                    "foreign_currency": line.currency_id if line.currency_id != currency else False,
                    "amount_open_currency": line.amount_residual_currency,
                }
            )
        fees = self._fees_and_interest(lines, on_date)
        total_open = currency.round(sum(item["amount_open"] for item in items))
        total_fees = currency.round(sum(fee["amount"] for fee in fees))
        return {
            "partner": partner,
            "company": company,
            "currency": currency,
            "date": on_date,
            "case": case,
            "items": items,
            "fees": fees,
            "total_open": total_open,
            "total_fees": total_fees,
            "total": currency.round(total_open + total_fees),
            "history": self._history(partner, company, lines, case) if with_history else [],
        }

    @api.model
    def _fees_and_interest(self, lines, on_date):
        """Fees and interest owed on ``lines`` on ``on_date`` that are not booked yet: what the
        late fee rules of the customer's policy would add if the invoices were paid that day
        (``account.move._collection_late_fee_preview``).

        Returns ``[{"move": invoice, "label": str, "amount": float}]``, amounts in company
        currency. Booked fees (fee invoices, debit notes) are receivable items of their own and
        are listed with the items."""
        fees = []
        moves = lines.move_id.sorted(lambda move: (move.invoice_date_due or move.date, move.id))
        previews = moves._collection_late_fee_preview(on_date)
        for move in moves.filtered(lambda m: m.id in previews):
            preview = previews[move.id]
            company = move.company_id
            fees.append(
                {
                    "move": move,
                    "label": self.env._(
                        "%(invoice)s: %(explanation)s",
                        invoice=move.name,
                        explanation=" · ".join(preview["texts"]),
                    ),
                    "amount": preview["currency"]._convert(
                        preview["amount"], company.currency_id, company, on_date
                    ),
                }
            )
        return fees

    @api.model
    def _claim_lines(self, lines, on_date):
        """The items of a claim on ``on_date``: the overdue ones among ``lines``, and the late
        fees booked on their invoices and still open (fee documents are due at once, so one
        booked that day counts too)."""
        overdue = lines.filtered(lambda line: (line.date_maturity or line.date) < on_date)
        if not overdue:
            return overdue
        fees = self.env["account.move.line"].search(
            [
                ("move_id.collection_late_fee_origin_id", "in", overdue.move_id.ids),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
            ]
        )
        return overdue | fees

    @api.model
    def _history(self, partner, company, lines, case=None):
        """Everything that happened about the debt, oldest first: reminders sent (date,
        channel, level, recipient), the customer's replies, promises (kept, broken...),
        disputes, payments on the items and hand-overs to agencies."""
        _ = self.env._

        # Selection labels in the language of the file (the customer's), not the source's.
        def labels_of(model, field):
            return dict(self.env[model]._fields[field]._description_selection(self.env))

        channels = labels_of("collection.followup.action", "channel")
        promise_states = labels_of("collection.promise", "state")
        reasons = labels_of("collection.dispute", "reason")
        resolutions = labels_of("collection.dispute", "resolution")
        case_states = labels_of("collection.agency.case", "state")
        events = []
        actions = self.env["collection.followup.action"].search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("state", "=", "done"),
                ("channel", "!=", "agency"),  # hand-overs are listed from their cases
            ],
            order="date, id",
        )
        for action in actions:
            events.append(
                {
                    "date": action.date,
                    "kind": "reminder",
                    "reference": action.level_id.name or channels[action.channel],
                    "description": _(
                        "%(channel)s to %(recipient)s",
                        channel=channels[action.channel],
                        recipient=action.recipient_id.display_name or partner.display_name,
                    ),
                    "amount": action.amount_due,
                    "status": channels[action.channel],
                }
            )
        replies = self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("message_type", "in", ("email", "comment")),
                ("author_id", "child_of", partner.id),
            ],
            order="date, id",
        )
        for message in replies:
            text = tools.html2plaintext(message.body or "").strip()
            events.append(
                {
                    "date": message.date.date(),
                    "kind": "reply",
                    "reference": message.subject or "",
                    "description": textwrap.shorten(text, 200, placeholder="…"),
                    "amount": None,
                    "status": message.author_id.display_name,
                }
            )
        promises = self.env["collection.promise"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", company.id)], order="id"
        )
        for promise in promises:
            events.append(
                {
                    "date": promise.create_date.date(),
                    "kind": "promise",
                    "reference": ", ".join(promise.move_ids.mapped("name")),
                    "description": _(
                        "Promised to pay %(amount)s by %(date)s",
                        amount=tools.format_amount(self.env, promise.amount, promise.currency_id),
                        date=tools.format_date(self.env, promise.date),
                    ),
                    "amount": promise.amount,
                    "status": promise_states[promise.state],
                }
            )
        disputes = self.env["collection.dispute"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", company.id)], order="id"
        )
        for dispute in disputes:
            status = (
                _("Resolved: %(resolution)s", resolution=resolutions.get(dispute.resolution, ""))
                if dispute.state == "resolved"
                else _("Open")
            )
            events.append(
                {
                    "date": dispute.create_date.date(),
                    "kind": "dispute",
                    "reference": dispute.move_id.name,
                    "description": " — ".join(
                        filter(None, [reasons[dispute.reason], dispute.message])
                    ),
                    "amount": dispute.move_id.amount_total_signed,
                    "status": status,
                }
            )
        for line in lines:
            for partial in line.matched_credit_ids | line.matched_debit_ids:
                counterpart = (
                    partial.credit_move_id
                    if partial.debit_move_id == line
                    else partial.debit_move_id
                )
                move = counterpart.move_id
                if move.origin_payment_id or move.statement_line_id:
                    kind, description = "payment", _("Payment on %(item)s", item=line.move_id.name)
                else:
                    kind, description = "credit", _("Credited on %(item)s", item=line.move_id.name)
                events.append(
                    {
                        "date": partial.max_date,
                        "kind": kind,
                        "reference": move.name,
                        "description": description,
                        "amount": partial.amount,
                        "status": "",
                    }
                )
        cases = self.env["collection.agency.case"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", company.id)], order="id"
        )
        for agency_case in cases:
            events.append(
                {
                    "date": agency_case.handover_date,
                    "kind": "handover",
                    "reference": agency_case.name,
                    "description": _(
                        "Handed over to %(agency)s", agency=agency_case.agency_id.display_name
                    ),
                    "amount": agency_case.amount_handover,
                    "status": case_states[agency_case.state],
                }
            )
            if agency_case.returned_date:
                events.append(
                    {
                        "date": agency_case.returned_date,
                        "kind": "return",
                        "reference": agency_case.name,
                        "description": _(
                            "Returned by %(agency)s", agency=agency_case.agency_id.display_name
                        ),
                        "amount": agency_case.amount_open,
                        "status": case_states[agency_case.state],
                    }
                )
        labels = {
            "handover": _("Hand-over to an agency"),
            "reminder": _("Reminder"),
            "reply": _("Customer's reply"),
            "promise": _("Promise to pay"),
            "dispute": _("Dispute"),
            "payment": _("Payment"),
            "credit": _("Credit"),
            "return": _("Returned by the agency"),
        }
        order = list(labels)
        for event in events:
            event["kind_label"] = labels[event["kind"]]
        events.sort(key=lambda event: (event["date"], order.index(event["kind"])))
        return events

    @api.model
    def _open_lines(self, partner, company):
        """The customer's open receivable items in ``company`` (disputed ones included)."""
        return self.env["account.move.line"].search(
            [
                ("partner_id", "child_of", partner.commercial_partner_id.id),
                ("company_id", "=", company.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "!=", 0),
            ]
        )

    @api.model
    def _partner_values(self, partner, company, on_date=None):
        """The court file of a customer: every open item and the full history."""
        return self._values(partner, company, self._open_lines(partner, company), on_date)

    @api.model
    def _case_values(self, case, on_date=None):
        """The agency case file: the items handed over, what they still owe, the history."""
        return self._values(
            case.partner_id, case.company_id, case.line_ids.move_line_id, on_date, case=case
        )

    @api.model
    def _demand_values(self, action):
        """The letter before action of a follow-up action: its items still open (the claim of
        the letter's date), fees and interest on that date, and the final deadline."""
        lines = action.line_ids.filtered(lambda line: not line.reconciled)
        # The letter states the claim; the history goes in the case and court files.
        values = self._values(
            action.partner_id, action.company_id, lines, action.date, with_history=False
        )
        values["deadline"] = action.date + timedelta(days=action.company_id.collection_demand_days)
        return values

    # ------------------------------------------------------------------
    # CSV export
    # ------------------------------------------------------------------

    @api.model
    def _case_csv(self, case, on_date=None):
        """The agency case file as CSV (UTF-8, comma separated, one header row)."""
        values = self._case_values(case, on_date)
        currency = values["currency"]
        partner = values["partner"]

        def money(amount):
            if amount is None:
                return ""
            return f"{currency.round(amount):.{currency.decimal_places}f}"

        def day(value):
            return value.isoformat() if value else ""

        base = {
            "case": case.name,
            "agency": case.agency_id.display_name,
            "customer": partner.display_name,
            "customer_vat": partner.vat or "",
            "customer_address": ", ".join(
                filter(
                    None,
                    [
                        partner.street,
                        partner.street2,
                        " ".join(filter(None, [partner.zip, partner.city])),
                        partner.country_id.name,
                    ],
                )
            ),
            "customer_email": partner.email or "",
            "customer_phone": partner.mobile or partner.phone or "",
            "currency": currency.name,
        }
        rows = []
        for item in values["items"]:
            rows.append(
                {
                    "record_type": "item",
                    "date": day(item["invoice_date"]),
                    "reference": item["reference"],
                    "due_date": day(item["due_date"]),
                    "days_overdue": item["days_late"],
                    "amount": money(item["amount_handover"]),
                    "open_amount": money(item["amount_open"]),
                    "status": "paid" if currency.is_zero(item["amount_open"]) else "open",
                    "details": item["line"].name or "",
                }
            )
        for fee in values["fees"]:
            rows.append(
                {
                    "record_type": "fee",
                    "date": day(values["date"]),
                    "reference": fee["move"].name or "",
                    "amount": money(fee["amount"]),
                    "open_amount": money(fee["amount"]),
                    "details": fee["label"],
                }
            )
        for event in values["history"]:
            rows.append(
                {
                    "record_type": event["kind"],
                    "date": day(event["date"]),
                    "reference": event["reference"],
                    "amount": money(event["amount"]),
                    "status": event["status"],
                    "details": event["description"],
                }
            )
        rows.append(
            {
                "record_type": "total",
                "date": day(values["date"]),
                "amount": money(case.amount_handover),
                "open_amount": money(values["total"]),
                "details": self.env._("Still owed, fees and interest included"),
            }
        )
        stream = io.StringIO()
        writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            cells = {column: "" for column in CSV_COLUMNS} | base | row
            writer.writerow(
                {
                    column: value if column in CSV_NUMERIC_COLUMNS else neutralise_cell(value)
                    for column, value in cells.items()
                }
            )
        return stream.getvalue().encode()
