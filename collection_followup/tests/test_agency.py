import csv
import io
import re

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import html2plaintext

from .common import CollectionFollowupCommon


class AgencyCommon(CollectionFollowupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agency_partner = cls.env["res.partner"].create(
            {"name": "Recovery Partners", "email": "cases@recovery.example", "is_company": True}
        )
        cls.agency = cls.env["collection.agency"].create(
            {
                "partner_id": cls.agency_partner.id,
                "commission_percent": 15.0,
                "min_days_overdue": 90,
                "min_amount": 1000.0,
            }
        )
        cls.collector = new_test_user(
            cls.env,
            "agency_collector",
            name="Carl Collector",
            groups="collection_followup.group_collection_user",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )

    def _handover(self, day, partner=None, agency=None, user=None):
        """Hand ``partner``'s overdue items over by hand on ``day``; return the case."""
        env = self.env(user=user) if user else self.env
        with freeze_time(day):
            wizard = Form(
                env["collection.agency.handover"].with_context(
                    default_partner_id=(partner or self.customer).id
                )
            )
            wizard.agency_id = agency or self.agency
            result = wizard.save().action_confirm()
        return env["collection.agency.case"].browse(result["res_id"])

    def _receivable(self, move):
        return move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")

    def _report_text(self, report_xmlid, ids, data=None):
        """The report rendered as HTML, as plain text with single spaces (no images)."""
        html, _type = self.env["ir.actions.report"]._render_qweb_html(report_xmlid, ids, data)
        html = re.sub(rb"<img[^>]*>", b"", html)
        # Direction isolates hold no text of their own (html2plaintext spaces them out).
        html = re.sub(rb"</?bdi[^>]*>", b"", html)
        text = html2plaintext(html.decode()).replace("*", "")  # no bold or italic marks
        return re.sub(r"\s+", " ", text)

    def _set_create_date(self, record, value):
        record.flush_recordset()
        self.env.cr.execute(
            f'UPDATE "{record._table}" SET create_date = %s WHERE id IN %s',  # noqa: S608
            (value, tuple(record.ids)),
        )
        record.invalidate_recordset(["create_date"])


@tagged("post_install", "-at_install")
class TestAgencyHandover(AgencyCommon):
    """Which customers go to the agency, and how a case moves from handed over to closed."""

    def test_thresholds_just_below_and_above(self):
        # 999.99 overdue 90 days (and 500.00 overdue 10 days only): one cent short.
        self._create_invoice(self.customer, 999.99, "2026-01-01", due_date="2026-01-01")
        self._create_invoice(self.customer, 500.00, "2026-03-22", due_date="2026-03-22")
        with self.assertRaisesRegex(UserError, r"999\.99 is 90 days or more overdue: below"):
            self._handover("2026-04-01")
        # 1,000.00 overdue 89 days: one day short.
        invoice = self._create_invoice(
            self.other_customer, 1000.00, "2026-01-01", due_date="2026-01-01"
        )
        with self.assertRaisesRegex(
            UserError, r"No item is 90 days overdue yet \(the oldest: 89 days\)"
        ):
            self._handover("2026-03-31", partner=self.other_customer)
        self.assertFalse(self.env["collection.agency.case"].search([]))
        # The next day it is worth it.
        case = self._handover("2026-04-01", partner=self.other_customer)
        self.assertRecordValues(
            case,
            [
                {
                    "state": "handed_over",
                    "partner_id": self.other_customer.id,
                    "agency_id": self.agency.id,
                    "amount_handover": 1000.00,
                    "amount_open": 1000.00,
                    "commission_percent": 15.0,
                    "handover_date": self._date("2026-04-01"),
                }
            ],
        )
        self.assertEqual(case.line_ids.move_line_id, self._receivable(invoice))
        self.assertTrue(case.name.startswith("AGY/2026/"))
        history = self.env["collection.followup.action"].search(
            [("partner_id", "=", self.other_customer.id)]
        )
        self.assertRecordValues(
            history,
            [{"channel": "agency", "state": "done", "agency_case_id": case.id, "amount_due": 1000}],
        )
        self.assertIn("Handed over to Recovery Partners", self.other_customer.message_ids[0].body)
        # The customer is with the agency: no second case.
        with self.assertRaisesRegex(UserError, "already with Recovery Partners"):
            self._handover("2026-04-02", partner=self.other_customer)

    def test_level_hands_over_above_the_thresholds_and_skips_below(self):
        level = self.env["collection.followup.level"].create(
            {
                "policy_id": self.policy.id,
                "name": "Collection agency",
                "delay": 90,
                "send_email": False,
                "handover_agency": True,
                "agency_id": self.agency.id,
            }
        )
        self.assertEqual(level.channel_summary, "Agency Hand-over")
        invoice = self._create_invoice(self.customer, 1200.0, "2026-01-01", due_date="2026-01-01")
        self._create_invoice(self.other_customer, 800.0, "2026-01-01", due_date="2026-01-01")
        actions, _mails = self._run("2026-04-01")
        mine = actions.filtered(lambda a: a.partner_id == self.customer)
        self.assertRecordValues(
            mine, [{"channel": "agency", "state": "done", "level_id": level.id}]
        )
        self.assertRecordValues(
            mine.agency_case_id,
            [{"state": "handed_over", "level_id": level.id, "amount_handover": 1200.0}],
        )
        self.assertEqual(mine.agency_case_id.line_ids.move_line_id, self._receivable(invoice))
        theirs = actions.filtered(lambda a: a.partner_id == self.other_customer)
        self.assertEqual(theirs.state, "skipped")
        self.assertIn(
            "$ 800.00 is 90 days or more overdue: below the $ 1,000.00",
            theirs.error.replace("\xa0", " "),
        )
        self.assertFalse(theirs.agency_case_id)
        # Both customers reached the level: it is not tried again tomorrow.
        self.assertEqual(self.other_customer.collection_last_level_id, level)
        again, _mails = self._run("2026-04-02")
        self.assertFalse(again)

    def test_booked_late_fees_go_to_the_agency_with_their_invoice(self):
        rule = self.env["collection.late.fee.rule"].create(
            {"name": "Late fee", "fixed_amount": 40.0}
        )
        invoice = self._create_invoice(self.customer, 1200.0, "2026-01-01", due_date="2026-01-01")
        with freeze_time("2026-03-31"):
            document = rule._charge(invoice, self._date("2026-03-31"), "2026-03-31").fee_move_id
        case = self._handover("2026-04-01")
        self.assertEqual(case.line_ids.move_id, invoice | document)
        self.assertEqual(case.amount_handover, 1240.0)

    def test_level_needs_an_agency_of_its_company(self):
        values = {
            "policy_id": self.policy.id,
            "name": "Agency",
            "delay": 90,
            "send_email": False,
            "handover_agency": True,
        }
        with self.assertRaisesRegex(ValidationError, "choose the agency"):
            self.env["collection.followup.level"].create(values)
        elsewhere = self.env["res.company"].create({"name": "Elsewhere Ltd"})
        foreign_agency = self.env["collection.agency"].create(
            {
                "partner_id": self.agency_partner.id,
                "company_id": elsewhere.id,
                "commission_percent": 10.0,
            }
        )
        with self.assertRaisesRegex(ValidationError, "belongs to another company"):
            self.env["collection.followup.level"].create(
                {**values, "delay": 91, "agency_id": foreign_agency.id}
            )

    def test_state_machine_and_invalid_transitions(self):
        invoice = self._create_invoice(self.customer, 1500.0, "2026-01-01", due_date="2026-01-01")
        case = self._handover("2026-04-05")
        with freeze_time("2026-04-06"):
            case.action_collecting()
        self.assertEqual(case.state, "collecting")
        self.assertEqual(case.collecting_date, self._date("2026-04-06"))
        with self.assertRaisesRegex(UserError, "is collecting: it cannot start collecting"):
            case.action_collecting()
        with freeze_time("2026-04-20"):
            self._pay(invoice, 600.0, "2026-04-20")
        self.assertEqual(case.state, "partly_collected")
        self.assertEqual(case.partly_collected_date, self._date("2026-04-20"))
        with self.assertRaisesRegex(UserError, "is partly collected: it cannot start collecting"):
            case.action_collecting()
        with freeze_time("2026-05-02"):
            self._pay(invoice, 900.0, "2026-05-02")
        self.assertRecordValues(
            case,
            [
                {
                    "state": "collected",
                    "collected_date": self._date("2026-05-02"),
                    "amount_collected": 1500.0,
                    "amount_open": 0.0,
                    "amount_commission": 225.0,
                }
            ],
        )
        with self.assertRaisesRegex(UserError, "is collected: it cannot be returned"):
            case.action_return()
        with self.assertRaisesRegex(UserError, "is collected: it cannot start collecting"):
            case.action_collecting()

        # A case the agency gives back at once, and cannot give back twice.
        self._create_invoice(self.other_customer, 2000.0, "2026-01-01", due_date="2026-01-01")
        returned = self._handover("2026-04-05", partner=self.other_customer)
        with freeze_time("2026-04-10"):
            returned.action_return()
        self.assertEqual(returned.state, "returned")
        self.assertEqual(returned.returned_date, self._date("2026-04-10"))
        with self.assertRaisesRegex(UserError, "is returned: it cannot be returned"):
            returned.action_return()
        with self.assertRaisesRegex(UserError, "is returned: it cannot start collecting"):
            returned.action_collecting()
        # Returned, the customer can be handed over again.
        self.assertEqual(
            self._handover("2026-04-11", partner=self.other_customer).state, "handed_over"
        )

    def test_follow_up_paused_while_open_and_resumed_when_returned(self):
        quick = self.env["collection.agency"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": "Fast Debt Ltd"}).id,
                "commission_percent": 10.0,
                "min_days_overdue": 5,
            }
        )
        self._create_invoice(self.customer, 1500.0, "2026-01-01", due_date="2026-01-01")
        actions, _mails = self._run("2026-01-04")
        self.assertEqual(actions.level_id, self.gentle)
        case = self._handover("2026-01-06", agency=quick)
        # The firm reminder is due on the 11th: the agency has the case, nothing goes.
        for day in ("2026-01-11", "2026-01-12", "2026-02-05"):
            actions, mails = self._run(day)
            self.assertFalse(actions, f"paused on {day}")
            self.assertFalse(self._mails_to(mails, self.customer))
        with freeze_time("2026-01-12"):
            decision = self.env["collection.followup.engine"]._decisions(
                self.company, self.customer.ids
            )[self.customer.id]
            self.customer.invalidate_recordset()
            self.assertEqual((decision.action, decision.at_agency), ("wait", True))
            # The collector's desk still shows what is owed, and no next reminder.
            self.assertEqual(self.customer.collection_overdue_amount, 1500.0)
            self.assertFalse(self.customer.collection_next_action_date)
            self.assertEqual(self.customer.collection_agency_case_id, case)
            wizard = Form(
                self.env["collection.followup.send"].with_context(
                    default_partner_id=self.customer.id
                )
            ).save()
            with self.assertRaisesRegex(UserError, "is with a collection agency"):
                wizard.action_send()
        # The agency gives the case back: the follow-up resumes at the level reached.
        with freeze_time("2026-02-06"):
            case.action_return()
        self.assertIn("the follow-up resumes", self.customer.message_ids[0].body)
        actions, mails = self._run("2026-02-06")
        self.assertEqual(actions.level_id, self.formal)
        self.assertEqual(self._mails_to(mails, self.customer).subject, "Formal demand for payment")

    def test_collector_hands_over_other_company_cannot_see(self):
        self._create_invoice(self.customer, 1500.0, "2026-01-01", due_date="2026-01-01")
        case = self._handover("2026-04-05", user=self.collector)
        self.assertEqual(case.create_uid, self.collector)
        other = self.setup_other_company(name="Branch Office")["company"]
        outsider = new_test_user(
            self.env,
            "branch_collector",
            groups="collection_followup.group_collection_user",
            company_id=other.id,
            company_ids=other.ids,
        )
        self.assertFalse(self.env["collection.agency.case"].with_user(outsider).search([]))
        with self.assertRaises(AccessError):
            case.with_user(outsider).read(["name"])
        salesman = new_test_user(self.env, "agency_sales", groups="base.group_user")
        with self.assertRaises(AccessError):
            case.with_user(salesman).read(["name"])


@tagged("post_install", "-at_install")
class TestAgencyCommission(AgencyCommon):
    """The agency's commission on the money that comes in while it has the case."""

    def test_commission_to_the_cent_on_a_partial_collection(self):
        invoice = self._create_invoice(self.customer, 2469.14, "2026-01-01", due_date="2026-01-01")
        self._pay(invoice, 100.0, "2026-02-01")  # before the hand-over: not the agency's
        case = self._handover("2026-04-05")
        self.assertEqual(case.amount_handover, 2369.14)
        with freeze_time("2026-04-20"):
            self._pay(invoice, 1234.57, "2026-04-20")
        self.assertRecordValues(
            case.commission_ids,
            [
                {
                    "date": self._date("2026-04-20"),
                    "move_id": invoice.id,
                    "amount_collected": 1234.57,
                    "commission_percent": 15.0,
                    "amount_commission": 185.19,  # 185.1855
                }
            ],
        )
        self.assertRecordValues(
            case,
            [
                {
                    "state": "partly_collected",
                    "amount_collected": 1234.57,
                    "amount_open": 1134.57,
                    "amount_commission": 185.19,
                    "amount_to_bill": 185.19,
                }
            ],
        )
        # A credit note lowers what is owed but brings the agency nothing.
        refund = self._create_invoice(
            self.customer, 200.0, "2026-04-22", move_type="out_refund", post=True
        )
        with freeze_time("2026-04-22"):
            (self._receivable(invoice) | self._receivable(refund)).reconcile()
        self.assertEqual(len(case.commission_ids), 1)
        self.assertEqual(case.amount_open, 934.57)
        # Recording again finds nothing new.
        self.assertFalse(case._collection_record_collections())
        # The commission goes on one draft bill of the agency.
        with freeze_time("2026-04-30"):
            action = case.action_create_commission_bill()
        bill = self.env["account.move"].browse(action["res_id"])
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "state": "draft",
                    "partner_id": self.agency_partner.id,
                    "ref": case.name,
                }
            ],
        )
        self.assertEqual(bill.invoice_line_ids.mapped("price_unit"), [185.19])
        self.assertEqual(
            bill.invoice_line_ids.name.replace("\xa0", " "),
            f"Commission 15.00 % on $ 1,234.57 collected on {invoice.name} (04/20/2026)",
        )
        self.assertEqual(case.commission_ids.bill_id, bill)
        self.assertEqual((case.amount_to_bill, case.bill_count), (0.0, 1))
        with self.assertRaisesRegex(UserError, "no commission left to bill"):
            case.action_create_commission_bill()

    def test_invoicing_user_registers_the_payment_commission_recorded(self):
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        case = self._handover("2026-04-05")
        clerk = new_test_user(
            self.env,
            "billing_clerk",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        with freeze_time("2026-04-07"):
            (
                self.env["account.payment.register"]
                .with_user(clerk)
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({"amount": 1000.0, "payment_date": "2026-04-07"})
                ._create_payments()
            )
        self.assertEqual(case.state, "collected")
        self.assertEqual(case.amount_commission, 150.0)

    # ------------------------------------------------------------------
    # Commissions follow the matching they came from
    # ------------------------------------------------------------------

    def _chatter(self, record):
        return " ".join(html2plaintext(m.body) for m in record.message_ids).replace("\xa0", " ")

    def _clerk(self):
        return new_test_user(
            self.env,
            "unmatching_clerk",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )

    def _clerk_pays(self, clerk, invoice, amount, day):
        with freeze_time(day):
            payment = (
                self.env["account.payment.register"]
                .with_user(clerk)
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({"amount": amount, "payment_date": day})
                ._create_payments()
            )
        return payment.move_id.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )

    def _clerk_unmatches(self, clerk, invoice, payment_line, day):
        partial = payment_line.matched_debit_ids
        self.assertEqual(len(partial), 1)
        with freeze_time(day):
            invoice.with_user(clerk).js_remove_outstanding_partial(partial.id)

    def _clerk_matches(self, clerk, invoice, payment_line, day):
        with freeze_time(day):
            invoice.with_user(clerk).js_assign_outstanding_line(payment_line.id)

    def test_payment_unmatched_and_matched_again_counts_once(self):
        """500.00 paid at 20 %: 100.00 of commission. The billing clerk unmatches the payment
        (the commission, not billed yet, is removed and the case is no longer partly collected)
        and matches it again: 100.00, not 200.00."""
        invoice = self._create_invoice(self.customer, 1500.0, "2026-01-01", due_date="2026-01-01")
        case = self._handover("2026-04-05", user=self.collector)
        case.commission_percent = 20.0
        clerk = self._clerk()
        payment_line = self._clerk_pays(clerk, invoice, 500.0, "2026-04-10")
        self.assertRecordValues(
            case,
            [{"state": "partly_collected", "amount_collected": 500.0, "amount_commission": 100.0}],
        )
        self._clerk_unmatches(clerk, invoice, payment_line, "2026-04-11")
        self.assertRecordValues(
            case,
            [
                {
                    "state": "handed_over",
                    "partly_collected_date": False,
                    "amount_open": 1500.0,
                    "amount_collected": 0.0,
                    "amount_commission": 0.0,
                }
            ],
        )
        self.assertFalse(case.commission_ids)
        self.assertIn("its commission $ 100.00 is removed", self._chatter(case))
        self._clerk_matches(clerk, invoice, payment_line, "2026-04-12")
        self.assertRecordValues(
            case.commission_ids,
            [{"amount_collected": 500.0, "amount_commission": 100.0, "reversed_id": False}],
        )
        self.assertRecordValues(
            case,
            [
                {
                    "state": "partly_collected",
                    "partly_collected_date": self._date("2026-04-12"),
                    "amount_open": 1000.0,
                    "amount_collected": 500.0,
                    "amount_commission": 100.0,
                    "amount_to_bill": 100.0,
                }
            ],
        )

    def test_collected_case_reopens_and_a_billed_commission_is_taken_back(self):
        """1,000.00 collected at 15 %: 150.00 billed. The payment is unmatched: the case reopens
        (collecting), a reversal line of -150.00 is recorded and goes on a vendor credit note;
        matched again, 150.00 is billed again: 150.00 in all."""
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        case = self._handover("2026-04-05", user=self.collector)
        with freeze_time("2026-04-06"):
            case.with_user(self.collector).action_collecting()
        clerk = self._clerk()
        payment_line = self._clerk_pays(clerk, invoice, 1000.0, "2026-04-10")
        self.assertRecordValues(
            case, [{"state": "collected", "amount_open": 0.0, "amount_commission": 150.0}]
        )
        manager = new_test_user(
            self.env,
            "agency_manager",
            groups="collection_followup.group_collection_manager",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        with freeze_time("2026-04-30"):
            first_bill = self.env["account.move"].browse(
                case.with_user(manager).action_create_commission_bill()["res_id"]
            )
        self.assertRecordValues(first_bill, [{"move_type": "in_invoice", "amount_untaxed": 150.0}])
        original = case.commission_ids

        self._clerk_unmatches(clerk, invoice, payment_line, "2026-05-04")
        self.assertRecordValues(
            case,
            [
                {
                    "state": "collecting",
                    "collected_date": False,
                    "amount_open": 1000.0,
                    "amount_collected": 0.0,
                    "amount_commission": 0.0,
                    "amount_to_bill": -150.0,
                }
            ],
        )
        self.assertRecordValues(
            case.commission_ids.sorted("id"),
            [
                {
                    "date": self._date("2026-04-10"),
                    "amount_collected": 1000.0,
                    "amount_commission": 150.0,
                    "bill_id": first_bill.id,
                    "reversed_id": False,
                },
                {
                    "date": self._date("2026-05-04"),
                    "amount_collected": -1000.0,
                    "amount_commission": -150.0,
                    "bill_id": False,
                    "reversed_id": original.id,
                },
            ],
        )
        self.assertIn(
            f"Case {case.name} reopened: a payment was unmatched and $ 1,000.00 is owed again",
            self._chatter(self.customer),
        )
        self.assertIn("its commission $ 150.00, already billed, is taken back", self._chatter(case))
        with freeze_time("2026-05-05"):
            credit_note = self.env["account.move"].browse(
                case.with_user(manager).action_create_commission_bill()["res_id"]
            )
        self.assertRecordValues(
            credit_note,
            [
                {
                    "move_type": "in_refund",
                    "partner_id": self.agency_partner.id,
                    "amount_untaxed": 150.0,
                }
            ],
        )
        self.assertEqual(
            credit_note.invoice_line_ids.name.replace("\xa0", " "),
            f"Commission taken back: the payment of $ 1,000.00 on {invoice.name} of 04/10/2026 "
            "was unmatched",
        )

        self._clerk_matches(clerk, invoice, payment_line, "2026-05-06")
        self.assertRecordValues(
            case,
            [
                {
                    "state": "collected",
                    "collected_date": self._date("2026-05-06"),
                    "amount_collected": 1000.0,
                    "amount_commission": 150.0,
                    "amount_to_bill": 150.0,
                }
            ],
        )
        self.assertEqual(len(case.commission_ids), 3)

    def test_a_payment_made_before_the_handover_is_not_the_agencys(self):
        invoice = self._create_invoice(self.customer, 1500.0, "2026-01-01", due_date="2026-01-01")
        clerk = self._clerk()
        payment_line = self._clerk_pays(clerk, invoice, 300.0, "2026-03-01")
        case = self._handover("2026-04-05", user=self.collector)
        self._clerk_unmatches(clerk, invoice, payment_line, "2026-04-10")
        self.assertEqual(case.amount_open, 1500.0)
        self._clerk_matches(clerk, invoice, payment_line, "2026-04-11")
        self.assertEqual(case.amount_open, 1200.0)
        self.assertFalse(case.commission_ids)
        self.assertEqual(case.state, "handed_over")

    def test_collected_by_a_credit_note_reopens_when_it_is_unmatched(self):
        """No commission on a credit note, but the case it closed reopens when the clerk
        unmatches it: the customer owes the 1,000.00 again."""
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        case = self._handover("2026-04-05", user=self.collector)
        refund = self._create_invoice(
            self.customer, 1000.0, "2026-04-10", move_type="out_refund", post=True
        )
        clerk = self._clerk()
        refund_line = self._receivable(refund)
        self._clerk_matches(clerk, invoice, refund_line, "2026-04-10")
        self.assertRecordValues(case, [{"state": "collected", "amount_commission": 0.0}])
        self._clerk_unmatches(clerk, invoice, refund_line, "2026-04-12")
        self.assertRecordValues(
            case,
            [{"state": "handed_over", "collected_date": False, "amount_open": 1000.0}],
        )

    def test_commissions_are_read_only_for_collectors(self):
        invoice = self._create_invoice(self.customer, 1000.0, "2026-01-01", due_date="2026-01-01")
        case = self._handover("2026-04-05", user=self.collector)
        self._pay(invoice, 400.0, "2026-04-10")
        commission = case.commission_ids
        self.assertEqual(commission.with_user(self.collector).amount_commission, 60.0)
        with self.assertRaises(AccessError):
            commission.with_user(self.collector).write({"amount_commission": 1.0})
        with self.assertRaises(AccessError):
            commission.with_user(self.collector).unlink()
        with self.assertRaises(AccessError):
            case.with_user(self.collector).action_create_commission_bill()
        self.assertRecordValues(commission, [{"amount_commission": 60.0, "bill_id": False}])


@tagged("post_install", "-at_install")
class TestAgencyCaseFile(AgencyCommon):
    """The case file the agency gets: the customer, the items, the full history (PDF, CSV)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write(
            {
                "vat": "US-123456",
                "street": "1 Harbour Road",
                "zip": "1000",
                "city": "Springfield",
                "country_id": cls.env.ref("base.us").id,
            }
        )

    def _story(self):
        """Reminded, promised and broke it, disputed another invoice, replied, paid a part,
        then handed over, and paid a part to the agency."""
        invoice = self._create_invoice(self.customer, 1500.0, "2026-01-01", due_date="2026-01-01")
        self._run("2026-01-04")
        with freeze_time("2026-01-05"):
            promise = self.env["collection.promise"].create(
                {"partner_id": self.customer.id, "amount": 500.0, "date": "2026-01-10"}
            )
        self._set_create_date(promise, "2026-01-05 10:00:00")
        with freeze_time("2026-01-14"):
            self.env["collection.promise"]._cron_check_promises()
        self._pay(invoice, 300.0, "2026-01-20")
        disputed = self._create_invoice(self.customer, 200.0, "2026-01-15", due_date="2026-02-01")
        dispute = self.env["collection.dispute"].create(
            {"move_id": disputed.id, "reason": "wrong_amount", "message": "Not the quoted price"}
        )
        self._set_create_date(dispute, "2026-02-03 09:00:00")
        with freeze_time("2026-02-10 08:00:00"):
            self.customer.message_post(
                body="We will pay next week.",
                subject="Re: Gentle reminder",
                author_id=self.customer.id,
                message_type="email",
            )
        case = self._handover("2026-04-05")
        with freeze_time("2026-04-20"):
            self._pay(invoice, 500.0, "2026-04-20")
        return invoice, disputed, case

    def test_csv_line_by_line(self):
        invoice, disputed, case = self._story()
        first_payment, second_payment = (
            self._receivable(invoice).matched_credit_ids.sorted("id").credit_move_id.move_id
        )
        with freeze_time("2026-04-30"):
            content = self.env["collection.case.file"]._case_csv(case).decode()
        rows = list(csv.reader(io.StringIO(content)))
        self.assertEqual(
            rows[0],
            [
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
            ],
        )
        customer = [
            case.name,
            "Recovery Partners",
            "Northwind Traders",
            "US-123456",
            "1 Harbour Road, 1000 Springfield, United States",
            "billing@northwind.example",
            "",
        ]
        nbsp = "\xa0"
        expected = [
            [
                "item",
                "2026-01-01",
                invoice.name,
                "2026-01-01",
                "119",
                "1200.00",
                "700.00",
                "USD",
                "open",
                self._receivable(invoice).name or "",
            ],
            [
                "reminder",
                "2026-01-04",
                "Gentle reminder",
                "",
                "",
                "1500.00",
                "",
                "USD",
                "Email",
                "Email to Northwind Traders",
            ],
            [
                "promise",
                "2026-01-05",
                invoice.name,
                "",
                "",
                "500.00",
                "",
                "USD",
                "Broken",
                f"Promised to pay ${nbsp}500.00 by 01/10/2026",
            ],
            [
                "payment",
                "2026-01-20",
                first_payment.name,
                "",
                "",
                "300.00",
                "",
                "USD",
                "",
                f"Payment on {invoice.name}",
            ],
            [
                "dispute",
                "2026-02-03",
                disputed.name,
                "",
                "",
                "200.00",
                "",
                "USD",
                "Open",
                "Wrong amount — Not the quoted price",
            ],
            [
                "reply",
                "2026-02-10",
                "Re: Gentle reminder",
                "",
                "",
                "",
                "",
                "USD",
                "Northwind Traders",
                "We will pay next week.",
            ],
            [
                "handover",
                "2026-04-05",
                case.name,
                "",
                "",
                "1200.00",
                "",
                "USD",
                "Partly Collected",
                "Handed over to Recovery Partners",
            ],
            [
                "payment",
                "2026-04-20",
                second_payment.name,
                "",
                "",
                "500.00",
                "",
                "USD",
                "",
                f"Payment on {invoice.name}",
            ],
            [
                "total",
                "2026-04-30",
                "",
                "",
                "",
                "1200.00",
                "700.00",
                "USD",
                "",
                "Still owed, fees and interest included",
            ],
        ]
        self.assertEqual(len(rows), len(expected) + 1)
        for row, tail in zip(rows[1:], expected, strict=True):
            self.assertEqual(row, customer + tail)

    def test_export_button_gives_a_csv_download(self):
        _invoice, _disputed, case = self._story()
        action = case.action_export_csv()
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", case._name), ("res_id", "=", case.id)]
        )
        self.assertEqual(action["url"], f"/web/content/{attachment.id}?download=true")
        self.assertEqual(attachment.mimetype, "text/csv")
        self.assertTrue(attachment.name.endswith(".csv"))
        self.assertTrue(attachment.raw.startswith(b"case,agency,customer,"))

    def test_pdf_case_file_has_the_figures(self):
        invoice, disputed, case = self._story()
        with freeze_time("2026-04-30"):
            text = self._report_text("collection_followup.action_report_agency_case_file", case.ids)
        self.assertIn(f"Agency file {case.name}", text)
        self.assertIn("Agency: Recovery Partners", text)
        self.assertIn("Northwind Traders 1 Harbour Road Springfield 1000 United States", text)
        self.assertIn("US-123456", text)
        # The item: invoiced, handed over, still owed; then the totals and the agency's figures.
        self.assertIn(
            f"{invoice.name} 01/01/2026 01/01/2026 119 $ 1,500.00 $ 1,200.00 $ 700.00", text
        )
        self.assertIn("Items still owed $ 700.00 Fees and interest $ 0.00 Total $ 700.00", text)
        self.assertIn("Handed over $ 1,200.00 Collected since $ 500.00 Commission $ 75.00", text)
        # The history, oldest first.
        events = [
            "01/04/2026 Reminder Gentle reminder Email to Northwind Traders $ 1,500.00 Email",
            f"01/05/2026 Promise to pay {invoice.name} Promised to pay $ 500.00 by 01/10/2026 "
            "$ 500.00 Broken",
            "02/03/2026 Dispute "
            f"{disputed.name} Wrong amount — Not the quoted price $ 200.00 Open",
            "02/10/2026 Customer's reply Re: Gentle reminder We will pay next week. "
            "Northwind Traders",
            f"04/05/2026 Hand-over to an agency {case.name} Handed over to Recovery Partners "
            "$ 1,200.00 Partly Collected",
        ]
        positions = [text.index(event) for event in events]
        self.assertEqual(positions, sorted(positions))
