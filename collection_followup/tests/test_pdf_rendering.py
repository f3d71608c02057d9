"""Real PDFs, read back as PDFs.

Odoo's reports render HTML under test; ``force_report_rendering`` in the context is Odoo's own
switch (``ir.actions.report._pre_render_qweb_pdf``) to run wkhtmltopdf all the same, and the
follow-up's renderer honours it. The tests are ``HttpCase``s: wkhtmltopdf loads the report's
style sheets from the test server, which answers within the test's transaction.

These tests run the wkhtmltopdf installed on the machine
(``make setup`` installs Debian's, the unpatched-Qt build most users have) and, when ``make
test`` could get one, a build against the patched Qt (CF_WKHTMLTOPDF_PATCHED). They read the PDFs
with pypdf (page count) and pdftotext (text, in order); without those tools they are skipped.
The unpatched build draws the text set in the report's web font (Lato) as outlines, which no
tool extracts, unless Lato is installed on the server (Debian/Ubuntu ``fonts-lato``, which
``make setup`` installs): the follow-up then has the installed font serve
(``ir.actions.report._collection_inline_stylesheets``), and the invoices and letters are read
as text with both builds; without it, only with the patched build.
"""

import contextlib
import io
import itertools
import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools.pdf import PdfFileReader

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from ..models import ir_actions_report
from ..tools import pdf_batch
from .common import CollectionFollowupCommon


def pdf_pages(content):
    return len(PdfFileReader(io.BytesIO(content)).pages)


def pdf_text(content):
    """The text of a PDF as pdftotext reads it, one space between words."""
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    return re.sub(r"\s+", " ", out.replace("\xa0", " ")).strip()


def pdf_font_names(content):
    """The names of the fonts the pages of a PDF use, without their subset prefix."""
    names = set()
    for page in PdfFileReader(io.BytesIO(content)).pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources is not None else None
        for font in (fonts.get_object() if fonts is not None else {}).values():
            names.add(str(font.get_object().get("/BaseFont", "")).lstrip("/").split("+")[-1])
    return names


def lato_installed():
    return "lato" in (pdf_batch.installed_font_families() or ())


class RealPdfCommon(CollectionFollowupCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.wkhtmltopdf = _get_wkhtmltopdf_bin()
        except OSError:
            cls.wkhtmltopdf = None
        cls.company.partner_id.write({"street": "5 Market Street", "city": "Springfield"})

    def setUp(self):
        super().setUp()
        if not self.wkhtmltopdf or not shutil.which("pdftotext"):
            self.skipTest("wkhtmltopdf and pdftotext are needed (make setup installs them)")
        self.patched_build = pdf_batch.is_patched_build(self.wkhtmltopdf)

    @property
    def reads_text(self):
        """Whether the PDFs carry their text: the patched build embeds the report's font; the
        unpatched one only the font installed on the server (see the module's docstring)."""
        return self.patched_build or lato_installed()

    def _use_patched_build(self):
        binary = os.environ.get("CF_WKHTMLTOPDF_PATCHED")
        if not binary or not os.access(binary, os.X_OK):
            self.skipTest("no patched wkhtmltopdf (CF_WKHTMLTOPDF_PATCHED)")
        self.assertTrue(pdf_batch.is_patched_build(binary))
        self.patched_build = True
        self.startPatcher(
            patch(
                "odoo.addons.collection_followup.models.ir_actions_report._get_wkhtmltopdf_bin",
                return_value=binary,
            )
        )

    @contextlib.contextmanager
    def _frozen(self, day):
        """``freeze_time(day)``, except while wkhtmltopdf runs; yields the list of its calls
        (number of documents given to each).

        The time is let go while wkhtmltopdf loads the style sheets and fonts from the test
        server: served under a frozen clock, the patched build draws nothing of the page (a
        blank PDF of under 2 KB)."""
        calls = []
        real_run = pdf_batch.run_wkhtmltopdf
        frozen = freeze_time(day)

        def counting_run(binary, args, bodies, *rest, **kwargs):
            frozen.stop()
            try:
                content = real_run(binary, args, bodies, *rest, **kwargs)
            finally:
                frozen.start()
            calls.append(sum(body.count('data-oe-model="') for body in bodies))
            return content

        frozen.start()
        try:
            with patch.object(pdf_batch, "run_wkhtmltopdf", side_effect=counting_run):
                yield calls
        finally:
            frozen.stop()

    def _run_real(self, day):
        """The follow-up run of ``day`` with real PDFs; also the wkhtmltopdf calls it made
        (number of documents given to each)."""
        with self._frozen(day) as calls, self.mock_mail_gateway():
            actions = (
                self.env["collection.followup.engine"]
                .with_context(force_report_rendering=True)
                ._run_followup(self.company)
            )
            mails = self._new_mails
        return actions, mails, calls

    def _attachments(self, mail):
        """``{filename: pdf}`` of the mail, checked to be PDFs."""
        result = {}
        for attachment in mail.attachment_ids:
            self.assertEqual(attachment.mimetype, "application/pdf", attachment.name)
            self.assertTrue(attachment.raw.startswith(b"%PDF-"), attachment.name)
            result[attachment.name] = attachment.raw
        return result

    def assertInOrder(self, text, *parts):
        position = 0
        for part in parts:
            found = text.find(part, position)
            self.assertNotEqual(
                found, -1, f"{part!r} not found after position {position} in {text}"
            )
            position = found + len(part)


@tagged("post_install", "-at_install")
class TestRealInvoicePdfs(RealPdfCommon):
    """Every invoice PDF attached to a reminder, whatever the number of invoices and the
    wkhtmltopdf build, rendered in batches across the customers of a run.

    The text of every PDF is read with the patched build, and with the unpatched build where
    Lato is installed; otherwise (the unpatched build draws the report's web font as outlines)
    each PDF is checked to be one page with a drawing (not blank) and, with the others, one PDF
    per invoice."""

    def _customers_with(self, counts):
        customers = {}
        for count in counts:
            customer = self._create_customer(f"Customer {count:02d}", f"ap{count}@example.com")
            invoices = self.env["account.move"]
            for index in range(count):
                invoices |= self._create_invoice(
                    customer, 100.0 * count + index + 0.25, "2026-01-01", due_date="2026-01-01"
                )
            customers[count] = (customer, invoices)
        return customers

    def _check_reminders(self, customers, mails, read_text=True):
        for count, (customer, invoices) in customers.items():
            mail = self._mails_to(mails, customer)
            self.assertEqual(mail.subject, "Payment reminder")
            pdfs = self._attachments(mail)
            self.assertEqual(
                sorted(pdfs),
                sorted(f"{invoice.name.replace('/', '_')}.pdf" for invoice in invoices),
            )
            self.assertEqual(len(set(pdfs.values())), len(invoices), "one PDF per invoice")
            for index, invoice in enumerate(invoices):
                content = pdfs[f"{invoice.name.replace('/', '_')}.pdf"]
                self.assertEqual(pdf_pages(content), 1, invoice.name)
                self.assertGreater(len(content), 5000, invoice.name)  # a page drawn, not blank
                if not (self.reads_text and read_text):
                    continue
                text = pdf_text(content)
                amount = f"{100.0 * count + index + 0.25:,.2f}"
                self.assertInOrder(
                    text,
                    customer.name,
                    f"Invoice {invoice.name}",
                    "Invoice Date Due Date 01/01/2026 01/01/2026",
                    f"Consulting 1.00 {amount} $ {amount}",
                    f"Total $ {amount}",
                )
                # Only this invoice: none of the others of the batch.
                others = invoices - invoice
                self.assertFalse(
                    [o.name for o in others if re.search(rf"{re.escape(o.name)}\b", text)]
                )

    def test_invoice_text_set_in_the_installed_lato(self):
        """With Lato installed on the server, the invoice PDF sent with a reminder carries its
        text in Lato, embedded as a font: its number and amounts read back, and it weighs a
        few dozen KB (the unpatched build's outlines of the web font: ~370 KB a page)."""
        if not lato_installed():
            self.skipTest("Lato is not installed (Debian/Ubuntu: apt-get install fonts-lato)")
        customers = self._customers_with([1])
        customer, invoice = customers[1]
        actions, mails, calls = self._run_real("2026-01-05")
        self.assertEqual(actions.mapped("state"), ["done"], actions.mapped("error"))
        self.assertEqual(calls, [1])
        content = self._attachments(self._mails_to(mails, customer))[
            f"{invoice.name.replace('/', '_')}.pdf"
        ]
        self.assertEqual(pdf_pages(content), 1)
        self.assertLess(len(content), 150_000)
        # Lato-Regular (Debian's build) or Lato-Medium (the patched one) and Lato-Bold.
        lato = {name for name in pdf_font_names(content) if name.startswith("Lato-")}
        self.assertIn("Lato-Bold", lato)
        self.assertGreaterEqual(len(lato), 2, lato)
        self.assertInOrder(
            pdf_text(content),
            customer.name,
            f"Invoice {invoice.name}",
            "Consulting 1.00 100.25 $ 100.25",
            "Total $ 100.25",
        )

    def test_one_two_and_twelve_invoices_with_the_installed_build(self):
        customers = self._customers_with([1, 2, 12])
        actions, mails, calls = self._run_real("2026-01-05")
        self.assertEqual(
            sorted(actions.mapped("state")), ["done", "done", "done"], actions.mapped("error")
        )
        self._check_reminders(customers, mails)
        # One wkhtmltopdf call for the 15 invoices of the three customers, before their emails.
        self.assertEqual(calls, [15])

    def test_rendered_ahead_then_reused_by_each_email_when_time_passes(self):
        """As in production, where every write of the run is dated by its own transaction
        (the test's cursor gives one time to the whole test): each write is a second later.
        The link to pay that the email carries gives the invoice a portal token, a write that
        changes its last edit, part of its fingerprint: the token is made before the invoices
        are rendered ahead, so the email finds them kept and nothing is rendered again."""
        customers = self._customers_with([1, 2, 12])
        # Invoices that were never shared: no portal token yet (as the benchmark's).
        for _customer, invoices in customers.values():
            invoices.write({"access_token": False})
        seconds = itertools.count()
        start = datetime(2026, 1, 5, 1, 0, 0)
        with patch.object(
            type(self.env.cr), "now", lambda cr: start + timedelta(seconds=next(seconds))
        ):
            actions, mails, calls = self._run_real("2026-01-05")
        self.assertEqual(actions.mapped("state"), ["done"] * 3, actions.mapped("error"))
        self._check_reminders(customers, mails)
        self.assertEqual(calls, [15])

    def test_batches_across_customers_of_one_call(self):
        """The invoices of the customers of one call are rendered ahead in batches of the batch
        size across customers: ceil(15 / 5) calls for 15 invoices in batches of 5."""
        customers = self._customers_with([1, 2, 12])
        with patch.object(ir_actions_report, "PDF_BATCH_SIZE", 5):
            actions, mails, calls = self._run_real("2026-01-05")
        self.assertEqual(actions.mapped("state"), ["done"] * 3, actions.mapped("error"))
        self._check_reminders(customers, mails)
        self.assertEqual(calls, [5, 5, 5])
        # Each PDF is the page of its own document in its batch: one marker, each of the five
        # positions of a batch once per batch.
        markers = []
        for customer, _invoices in customers.values():
            for content in self._attachments(self._mails_to(mails, customer)).values():
                page = PdfFileReader(io.BytesIO(content)).pages[0]
                found = pdf_batch._page_markers(page)
                self.assertEqual(len(found), 1, found)
                markers += found
        self.assertEqual(sorted(markers), sorted(list(range(5)) * 3))

    def test_an_invoice_that_cannot_be_rendered_stops_only_its_customer(self):
        """The batch across customers fails on one invoice: each customer's email then renders
        its own invoices alone, and only the customer of the broken invoice fails."""
        customers = self._customers_with([1, 2])
        broken = customers[1][1]
        Report = type(self.env["ir.actions.report"])
        real_html = Report._render_qweb_html

        def render_html(report, report_ref, res_ids, data=None):
            if broken.id in (res_ids or []):
                message = "This invoice cannot be rendered."  # a test double of a broken template
                raise UserError(message)
            return real_html(report, report_ref, res_ids, data=data)

        with patch.object(Report, "_render_qweb_html", render_html):
            actions, mails, calls = self._run_real("2026-01-05")
        by_customer = {
            count: actions.filtered(lambda a, c=c: a.partner_id == c[0])
            for count, c in customers.items()
        }
        self.assertEqual(by_customer[1].state, "failed")
        self.assertIn("This invoice cannot be rendered.", by_customer[1].error)
        self.assertEqual(by_customer[2].state, "done", by_customer[2].error)
        del customers[1]
        self._check_reminders(customers, mails)
        # The batch failed before wkhtmltopdf ran; then the second customer's two invoices.
        self.assertEqual(calls, [2])

    def test_one_two_and_twelve_invoices_with_one_call_per_document(self):
        """A batch that cannot be split (markers lost) falls back to one call per invoice.

        The text is read in the other tests: in 15 calls in a row on a loaded machine, the
        patched build sometimes prints before the test server has served the web font, and
        WebKit leaves text in a font still loading blank."""
        customers = self._customers_with([1, 2, 12])
        with patch.object(pdf_batch, "split", side_effect=pdf_batch.PdfBatchError("lost")):
            actions, mails, calls = self._run_real("2026-01-05")
        self.assertEqual(sorted(actions.mapped("state")), ["done", "done", "done"])
        self._check_reminders(customers, mails, read_text=False)
        self.assertEqual(calls, [15] + [1] * 15)

    def test_invoice_pdf_is_reused_until_a_payment(self):
        customers = self._customers_with([2])
        customer, (first, second) = customers[2]
        _actions, mails, calls = self._run_real("2026-01-05")  # gentle reminder
        before = self._attachments(self._mails_to(mails, customer))
        self.assertEqual(calls, [2])

        _actions, mails, calls = self._run_real("2026-01-12")  # firmer reminder
        again = self._attachments(self._mails_to(mails, customer))
        self.assertEqual(again, before, "the same PDFs, not rendered again")
        self.assertEqual(calls, [])

        self._pay(first, 50.0, "2026-01-20")
        actions, mails, calls = self._run_real("2026-02-05")  # formal: email and letter
        self.assertEqual(
            sorted(actions.filtered(lambda a: a.channel != "sms").mapped("state")),
            ["done", "done"],
        )
        after = self._attachments(self._mails_to(mails, customer))
        second_name = f"{second.name.replace('/', '_')}.pdf"
        first_name = f"{first.name.replace('/', '_')}.pdf"
        self.assertEqual(after[second_name], before[second_name])
        self.assertNotEqual(after[first_name], before[first_name])
        if self.reads_text:
            self.assertInOrder(
                pdf_text(after[first_name]),
                "Total $ 200.25",
                "Paid on 01/20/2026 $ 50.00",
                "Amount Due $ 150.25",
            )
        # The paid invoice alone, then the letter.
        self.assertEqual(calls, [1, 1])

    def test_odoo_stored_invoice_pdf_serves_until_paid(self):
        customers = self._customers_with([1])
        customer, invoice = customers[1]
        stored = self.env["ir.attachment"].create(
            {
                "name": "stored.pdf",
                "raw": b"%PDF-1.4 stored copy",
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": invoice.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        invoice.invalidate_recordset(["invoice_pdf_report_id"])
        self.assertEqual(invoice.invoice_pdf_report_id, stored)
        # The reminder attaches the stored PDF: no wkhtmltopdf call.
        _actions, mails, calls = self._run_real("2026-01-05")
        mail = self._mails_to(mails, customer)
        self.assertEqual(
            [(a.name, a.raw) for a in mail.attachment_ids],
            [(f"{invoice.name.replace('/', '_')}.pdf", b"%PDF-1.4 stored copy")],
        )
        self.assertEqual(calls, [])
        # Paid in part: the stored PDF no longer says what is owed, the invoice is rendered.
        self._pay(invoice, 10.0, "2026-01-08")
        _actions, mails, calls = self._run_real("2026-01-12")
        self.assertEqual(calls, [1])
        rendered = self._attachments(self._mails_to(mails, customer))
        rendered = rendered[f"{invoice.name.replace('/', '_')}.pdf"]
        self.assertEqual(pdf_pages(rendered), 1)
        if self.reads_text:
            self.assertInOrder(pdf_text(rendered), invoice.name, "Amount Due $ 90.25")


@tagged("post_install", "-at_install")
class TestRealInvoicePdfsPatchedBuild(TestRealInvoicePdfs):
    """The same with a wkhtmltopdf built against the patched Qt (Odoo's recommended kind):
    ``make test`` gets one from a PyPI package and gives its path in CF_WKHTMLTOPDF_PATCHED."""

    allow_inherited_tests_method = True

    def setUp(self):
        super().setUp()
        self._use_patched_build()


@tagged("post_install", "-at_install")
class TestRealLetterPdfs(RealPdfCommon):
    """The reminder letter and the letter before action as PDFs."""

    def test_reminder_letter(self):
        invoices = [
            self._create_invoice(self.customer, 2500.0, "2026-01-01", due_date="2026-01-01"),
            self._create_invoice(self.customer, 1200.5, "2026-01-01", due_date="2026-01-02"),
        ]
        actions, _mails, _calls = self._run_real("2026-02-05")
        letter = actions.filtered(lambda a: a.channel == "letter")
        self.assertEqual(letter.state, "done", letter.error)
        self.assertEqual(letter.attachment_id.mimetype, "application/pdf")
        content = letter.attachment_id.raw
        self.assertEqual(pdf_pages(content), 1)
        self.assertGreater(len(content), 5000)
        if not self.reads_text:
            return  # the unpatched build without Lato installed draws it as outlines
        text = pdf_text(content)
        self.assertInOrder(
            text,
            "Northwind Traders",
            "Formal demand 02/05/2026",
            "We formally demand payment",
            "Invoice Invoice date Due date Amount due",
            f"{invoices[0].name} 01/01/2026 01/01/2026 $ 2,500.00",
            f"{invoices[1].name} 01/01/2026 01/02/2026 $ 1,200.50",
            "Total overdue: $ 3,700.50",
        )
        # The copy kept on the action carries no link to the customer's page.
        self.assertNotIn("/c/", text)

    def test_letters_of_one_call_in_one_batch(self):
        """The invoices of the customers of one call in one wkhtmltopdf call before their
        emails, their letters in one call after them."""
        first = self._create_invoice(self.customer, 2500.0, "2026-01-01", due_date="2026-01-01")
        second = self._create_invoice(
            self.other_customer, 310.75, "2026-01-01", due_date="2026-01-01"
        )
        actions, mails, calls = self._run_real("2026-02-05")
        self.assertEqual(calls, [2, 2])
        letters = actions.filtered(lambda a: a.channel == "letter")
        self.assertEqual(letters.mapped("state"), ["done", "done"], letters.mapped("error"))
        for customer, invoice, total in (
            (self.customer, first, "$ 2,500.00"),
            (self.other_customer, second, "$ 310.75"),
        ):
            letter = letters.filtered(lambda a, customer=customer: a.partner_id == customer)
            content = letter.attachment_id.raw
            self.assertEqual(letter.attachment_id.mimetype, "application/pdf")
            self.assertEqual(pdf_pages(content), 1)
            pdf = self._attachments(self._mails_to(mails, customer))
            self.assertEqual(list(pdf), [f"{invoice.name.replace('/', '_')}.pdf"])
            if self.reads_text:
                self.assertInOrder(
                    pdf_text(content), customer.name, invoice.name, f"Total overdue: {total}"
                )

    def test_letter_before_action(self):
        first = self._create_invoice(self.customer, 1234.56, "2026-01-01", "2026-01-01")
        second = self._create_invoice(self.customer, 765.44, "2026-01-15", "2026-02-01")
        with self._frozen("2026-03-02"):
            report_action = self.customer.with_context(
                force_report_rendering=True
            ).action_collection_demand_letter()
        action = self.env["collection.followup.action"].browse(
            report_action["context"]["active_ids"]
        )
        self.assertEqual(action.attachment_id.mimetype, "application/pdf")
        content = action.attachment_id.raw
        # The patched build prints the letterhead and footer, which take the second page.
        self.assertEqual(pdf_pages(content), 2 if self.patched_build else 1)
        self.assertGreater(len(content), 5000)
        if not self.reads_text:
            return  # the unpatched build without Lato installed draws it as outlines
        text = pdf_text(content)
        self.assertInOrder(
            text,
            "Letter before action: final demand for payment",
            f"{first.name} 01/01/2026 01/01/2026 60 $ 1,234.56",
            f"{second.name} 01/15/2026 02/01/2026 29 $ 765.44",
            "$ 2,000.00",
        )


@tagged("post_install", "-at_install")
class TestRealLetterPdfsPatchedBuild(TestRealLetterPdfs):
    """The same letters with a wkhtmltopdf built against the patched Qt, read as text."""

    allow_inherited_tests_method = True

    def setUp(self):
        super().setUp()
        self._use_patched_build()


@tagged("post_install", "-at_install")
class TestPdfBatchSplit(RealPdfCommon):
    """The batch of several documents is split on its markers, whatever their page counts."""

    def test_documents_of_one_two_and_three_pages(self):
        bodies = [
            "<html><head><title>t</title></head><body>"
            + "".join(f"<p>Document {doc} paragraph {n}</p>" for n in range(lines))
            + "</body></html>"
            for doc, lines in enumerate([1, 80, 150])
        ]
        marked = [pdf_batch.mark(body, index) for index, body in enumerate(bodies)]
        if pdf_batch.is_patched_build(self.wkhtmltopdf):
            content = pdf_batch.run_wkhtmltopdf(self.wkhtmltopdf, ["--quiet"], marked)
        else:
            content = pdf_batch.run_wkhtmltopdf(
                self.wkhtmltopdf, ["--quiet"], [pdf_batch.join(marked)]
            )
        documents = pdf_batch.split(content, 3)
        self.assertEqual([pdf_pages(document) for document in documents], [1, 3, 5])
        for index, document in enumerate(documents):
            text = pdf_text(document)
            self.assertTrue(text.startswith(f"Document {index} paragraph 0"), text[:60])
            self.assertNotIn(f"Document {index + 1} ", text)
        with self.assertRaisesRegex(pdf_batch.PdfBatchError, "Found 3 of 4 document markers"):
            pdf_batch.split(content, 4)


@tagged("post_install", "-at_install")
class TestInlineStylesheets(TransactionCase):
    """The report's style sheets inlined for wkhtmltopdf, less the ``@font-face`` rules of the
    font families installed on the server; whatever cannot be done leaves the ``<link>``."""

    CSS = (
        "/* @font-face{font-family:'Lato'} in a comment */"
        "@font-face{font-family: 'Lato'; src: url(\"/web/static/fonts/lato/Lato-Reg.woff\");"
        " font-weight: 400;}"
        "@font-face{font-family:\"Odoo Unicode Support Noto\";src:url('https://x/a.woff2')}"
        '@media (max-width: 575.98px){.a{content:"}"}@font-face{font-family:LATO;src:x}'
        ".b{font-family:'Lato'}}"
        ".c{font-family:'Lato', sans-serif}"
        "@media print{@page{margin:0}.d{color:red}}"
    )

    def setUp(self):
        super().setUp()
        self.startPatcher(patch.dict(ir_actions_report._STYLESHEETS, clear=True))
        self.families = frozenset({"lato", "dejavu sans"})
        self.startPatcher(
            patch.object(pdf_batch, "installed_font_families", return_value=self.families)
        )
        self.Report = self.env["ir.actions.report"]
        self.href = (
            self.env["ir.qweb"]
            ._get_asset_bundle("web.report_assets_common", js=False)
            .get_link("css")
        )
        self.html = (
            '<html><head><base href="http://127.0.0.1:8069"/>'
            f'<link type="text/css" rel="stylesheet" href="{self.href}"/>'
            '<meta charset="utf-8"/></head><body><p>x</p></body></html>'
        )

    def test_font_faces_of_installed_families_removed_others_kept(self):
        css = pdf_batch.strip_font_faces(self.CSS, self.families)
        self.assertEqual(
            css,
            "/* @font-face{font-family:'Lato'} in a comment */"
            "@font-face{font-family:\"Odoo Unicode Support Noto\";src:url('https://x/a.woff2')}"
            "@media (max-width: 575.98px){.a{content:\"}\"}.b{font-family:'Lato'}}"
            ".c{font-family:'Lato', sans-serif}"
            "@media print{@page{margin:0}.d{color:red}}",
        )
        # Nothing installed: the style sheet as it was.
        self.assertEqual(pdf_batch.strip_font_faces(self.CSS, frozenset()), self.CSS)

    def test_style_sheet_that_cannot_be_read_raises(self):
        for css in (
            ".a{color:red",
            ".a{color:red}}",
            "@font-face{font-family:'Lato'",
            ".a{content:'open}",
            "/* open",
        ):
            with self.subTest(css=css), self.assertRaises(ValueError):
                pdf_batch.strip_font_faces(css, self.families)

    def test_bundle_inlined_without_the_installed_families(self):
        html = self.Report._collection_inline_stylesheets(self.html)
        self.assertNotIn("<link", html)
        style = re.search(r'<style type="text/css">(.*)</style>', html, re.DOTALL).group(1)
        bundle_css = (
            self.env["ir.attachment"].sudo().search([("url", "=", self.href)], limit=1).raw
        ).decode()
        self.assertIn("font-family: 'Lato'", bundle_css)
        self.assertNotIn("font-family: 'Lato'", style)
        # The web fonts of families not installed keep their @font-face; the rest is as is.
        self.assertIn("@font-face{font-family: 'Odoo Unicode Support Noto'", style)
        self.assertEqual(style, pdf_batch.strip_font_faces(bundle_css, self.families))
        self.assertTrue(html.startswith('<html><head><base href="http://127.0.0.1:8069"/>'))
        self.assertTrue(html.endswith('<meta charset="utf-8"/></head><body><p>x</p></body></html>'))
        # Kept in memory for the next documents.
        self.assertEqual(ir_actions_report._STYLESHEETS[(self.env.cr.dbname, self.href)], style)

    def test_link_kept_when_anything_fails(self):
        Report = type(self.Report)
        stale = self.html.replace(self.href, self.href.replace("/web/assets/", "/web/assets/0"))
        other = self.html.replace(self.href, "/web/static/src/scss/fonts.css")
        for html in (stale, other):
            with self.subTest(html=html):
                self.assertEqual(self.Report._collection_inline_stylesheets(html), html)
        with patch.object(pdf_batch, "strip_font_faces", side_effect=ValueError("cut")):
            self.assertEqual(self.Report._collection_inline_stylesheets(self.html), self.html)
        with patch.object(pdf_batch, "installed_font_families", return_value=None):
            self.assertEqual(self.Report._collection_inline_stylesheets(self.html), self.html)
        with patch.object(Report, "_collection_stylesheet", side_effect=KeyError("boom")):
            self.assertEqual(self.Report._collection_inline_stylesheets(self.html), self.html)
        self.assertFalse(ir_actions_report._STYLESHEETS)
