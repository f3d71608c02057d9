import hashlib
import logging
import re

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import JsonRpcException, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MockEmail

from .common import CollectionsPortalCommon


@tagged("post_install", "-at_install")
class TestCollectionsLink(CollectionsPortalCommon, MockEmail):
    """The link is a key: stored hashed, read by managers only, revoked by managers only, kept
    out of the chatter and the access log, and binding acts need a second factor."""

    def _secret(self, path):
        return path.rsplit("/", 1)[1]

    def test_link_is_stored_as_a_hash_readable_by_managers_only(self):
        path = self._link()
        secret = self._secret(path)
        link = self.env["collection.portal.link"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(link.token_hash, hashlib.sha256(secret.encode()).hexdigest())
        self.assertNotIn(secret, str(link.read()[0]))
        self.assertEqual(link.with_user(self.manager).read(["partner_id"])[0]["id"], link.id)
        for user in (self.clerk, self.collector, self.employee, self.customer_user):
            with self.assertRaises(AccessError, msg=user.login):
                link.with_user(user).read(["token_hash"])
        self.assertNotIn("collection_access_token", self.env["res.partner"]._fields)

    def test_only_a_manager_revokes_links_rpc_included(self):
        path, other_path = self._link(), self._link(self.other)
        for user in (self.customer_user, self.employee, self.clerk, self.collector):
            with self.assertRaises(AccessError, msg=user.login):
                self.customer.with_user(user).action_collection_revoke_link()
        self.authenticate("northwind_portal", "northwind_portal")
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self.make_jsonrpc_request(
                "/web/dataset/call_kw/res.partner/action_collection_revoke_link",
                {
                    "model": "res.partner",
                    "method": "action_collection_revoke_link",
                    "args": [[self.customer.id]],
                    "kwargs": {},
                },
            )
        links = self.env["collection.portal.link"].search([])
        self.assertFalse(any(links.mapped("revoked")), "nothing revoked")
        self.authenticate(None, None)
        self.assertEqual(self.url_open(path).status_code, 200, "still opens")

        second = self._link()
        self.customer.with_user(self.manager).action_collection_revoke_link()
        mine = links.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(mine), 2)
        self.assertTrue(all(mine.mapped("revoked")))
        self.assertEqual(mine.mapped("revoked_by_id"), self.manager)
        for revoked in (path, second):
            self.authenticate(None, None)
            self.assertEqual(self.url_open(revoked).status_code, 404)
        self.authenticate(None, None)
        self.assertEqual(self.url_open(other_path).status_code, 200, "another customer's")
        self.assertIn("links revoked by manager", str(self.customer.message_ids.mapped("body")))

    def test_reminder_email_carries_the_link_and_qr_inline_the_chatter_copy_neither(self):
        with self.mock_mail_gateway():
            actions = self.env["collection.followup.engine"]._run_followup(self.company)
        email = actions.filtered(lambda a: a.partner_id == self.customer and a.channel == "email")
        self.assertEqual(email.state, "done", email.error)
        mail = self._new_mails.filtered(lambda m: self.customer in m.recipient_ids)
        self.assertEqual(len(mail), 1)
        body = str(mail.body_html)
        secret = re.search(r'href="[^"]*/c/([\w-]{22})"', body).group(1)
        self.assertRegex(
            body, r'<img alt="QR code"[^>]* src="data:image/png;base64,[A-Za-z0-9+/=]+"'
        )
        self.assertNotIn("/qr", body, "no image fetched from the server")
        link = self.env["collection.portal.link"]._find(secret)
        self.assertEqual((link.partner_id, link.action_id), (self.customer, email))
        self.assertTrue(mail.auto_delete, "the mail with the secret goes once sent")

        chatter = email.mail_message_id
        self.assertEqual(chatter, mail.mail_message_id)
        self.assertEqual(chatter.model, "res.partner")
        self.assertIn(self.invoice.name, str(chatter.body))
        self.assertNotIn(secret, str(chatter.body))
        self.assertNotIn("/c/", str(chatter.body))
        self.assertNotIn("data:image", str(chatter.body))
        self.assertIn("not kept in this copy", str(chatter.body))
        self.assertEqual(chatter.partner_ids, self.customer)
        self.assertEqual(chatter.notification_ids.mail_mail_id, mail)
        for message in self.customer.message_ids:
            self.assertNotIn(secret, str(message.body))
        self.authenticate(None, None)
        self.assertIn(self.invoice.name, self.url_open(f"/c/{secret}").text)

    def test_access_log_never_shows_the_secret(self):
        path = self._link()
        secret = self._secret(path)
        self.authenticate(None, None)
        lines = []
        handler = logging.Handler()
        handler.emit = lambda record: lines.append(record.getMessage())
        logger = logging.getLogger("werkzeug")
        logger.addHandler(handler)
        try:
            self.url_open(path)
            self.url_open("/c/" + "y" * 22)
        finally:
            logger.removeHandler(handler)
        log = "\n".join(lines)
        self.assertIn("/c/[redacted]", log)
        self.assertNotIn(secret, log)
        self.assertNotIn("y" * 22, log)
        self.assertIn("GET /collections HTTP", log)

    def test_old_style_link_and_qr_routes_are_gone(self):
        self.authenticate(None, None)
        secret = self._secret(self._link())
        for path in (
            f"/collections/{self.customer.id}/{secret}",
            f"/collections/{self.customer.id}/{secret}/qr",
            f"/c/{secret}/qr",
        ):
            self.assertEqual(self.url_open(path).status_code, 404, path)

    def _code_from_mail(self):
        mail = self._new_mails.filtered(lambda m: "confirmation code" in (m.subject or ""))
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertFalse(mail.mail_message_id.model, "not posted in any chatter")
        return re.search(r"<strong>(\d{6})</strong>", str(mail.body_html)).group(1)

    def test_binding_acts_from_a_link_need_the_emailed_code(self):
        self.company.collection_policy_id.invoice_terms = "<p>Pay by bank transfer.</p>"
        self.customer.country_id = self.env.ref("base.ir")
        self._visit()
        version = re.search(r'name="version" value="(\w+)"', self.url_open("/collections").text)
        terms = {"company_id": self.company.id, "version": version.group(1)}
        no_code = self._post("terms", terms)
        self.assertEqual(no_code.status_code, 400)
        self.assertEqual(
            self._error(no_code), "Ask for a code first: we email it to your address on file."
        )
        refused = self._post("mobile", {"mobile": "0912 345 6789"})
        self.assertEqual(refused.status_code, 400)
        self.assertFalse(self.customer.mobile)

        with self.mock_mail_gateway():
            self._post("code")
            code = self._code_from_mail()
        self.assertEqual(
            self._message(),
            "We emailed a code to a***@northwind.example: enter it with your answer within 15 "
            "minutes.",
        )
        link = self.env["collection.portal.link"].search([("partner_id", "=", self.customer.id)])
        self.assertTrue(link.code_hash)
        self.assertNotIn(code, link.code_hash)
        wrong = self._post("terms", {**terms, "code": "000000" if code != "000000" else "111111"})
        self.assertEqual(
            self._error(wrong), "This code is not right: check the last email we sent."
        )
        self.assertEqual(link.code_attempts, 1, "a wrong code counts")
        self.assertFalse(self.env["collection.terms.acceptance"].search([]))

        self.assertEqual(self._post("terms", {**terms, "code": code}).status_code, 303)
        acceptance = self.env["collection.terms.acceptance"].search([])
        self.assertEqual(
            acceptance.accepted_by,
            "a visitor with the link, confirmed by a code sent to ap@northwind.example",
        )
        self.assertEqual(acceptance.link_id, link)
        reused = self._post("mobile", {"mobile": "0912 345 6789", "code": code})
        self.assertEqual(reused.status_code, 400, "a code is used once")
        self.assertFalse(self.customer.mobile)

    def test_too_many_wrong_codes_void_the_code(self):
        self._visit()
        with self.mock_mail_gateway():
            self._post("code")
            code = self._code_from_mail()
        wrong = "000000" if code != "000000" else "111111"
        for _attempt in range(5):
            self._post("mobile", {"mobile": "+98 912 345 6789", "code": wrong})
        response = self._post("mobile", {"mobile": "+98 912 345 6789", "code": code})
        self.assertEqual(self._error(response), "Too many wrong codes: ask for a new one.")
        response = self._post("mobile", {"mobile": "+98 912 345 6789", "code": code})
        self.assertEqual(
            self._error(response), "Ask for a code first: we email it to your address on file."
        )
        self.assertFalse(self.customer.mobile)

    def test_portal_user_needs_no_code_and_the_number_is_stored_in_e164(self):
        self.customer.country_id = self.env.ref("base.ir")
        self.authenticate("northwind_portal", "northwind_portal")
        response = self._post("mobile", {"mobile": "0912 345 6789"}, page="/my/collections")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.customer.mobile, "+989123456789")
        self.assertEqual(
            self._message("/my/collections"),
            # The number is isolated left to right (LRI ... PDI), so that "+98…" does not
            # turn into "…98+" inside right-to-left text.
            "Thank you: we will send our text messages to \u2066+989123456789\u2069.",
        )
        refused = self._post("mobile", {"mobile": "12"}, page="/my/collections")
        self.assertEqual(refused.status_code, 400)
        self.assertIn("The mobile number 12 of", self._error(refused))
        self.assertEqual(self.customer.mobile, "+989123456789")

    def test_code_is_sent_to_the_address_on_file_only(self):
        self.customer.email = False
        self._visit()
        response = self._post("code")
        self.assertEqual(response.status_code, 400)
        self.assertIn("We have no email address to send you a code", self._error(response))
        link = self.env["collection.portal.link"].search([("partner_id", "=", self.customer.id)])
        with self.assertRaises(UserError):
            link._send_code()

    def test_printed_letter_carries_a_new_link_the_archived_copy_none(self):
        self.company.collection_policy_id.level_ids.write({"send_letter": True})
        actions = self.env["collection.followup.engine"]._run_followup(self.company)
        letter = actions.filtered(lambda a: a.partner_id == self.customer and a.channel == "letter")
        self.assertEqual(letter.state, "done", letter.error)
        archived = letter.attachment_id.raw.decode(errors="replace")
        self.assertNotIn("/c/", archived)
        self.assertIn("not kept in this copy", archived)
        Link = self.env["collection.portal.link"]
        before = Link.search([("action_id", "=", letter.id)])
        html = (
            self.env["ir.actions.report"]
            .with_user(self.collector)
            ._render_qweb_html("collection_followup.action_report_followup_letter", letter.ids)[0]
            .decode()
        )
        secret = re.search(r"/c/([\w-]{22})", html).group(1)
        minted = Link.search([("action_id", "=", letter.id)]) - before
        self.assertEqual(len(minted), 1)
        self.assertEqual(Link._find(secret), minted)
        self.assertRegex(html, r'<img alt="QR code"[^>]* src="data:image/png;base64,')
        self.assertNotIn('alt="QR code"', archived)
        self.assertGreater(minted.expiry, fields.Datetime.now())
