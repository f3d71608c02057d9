from odoo import models


class CollectionRequestMixin(models.AbstractModel):
    """What a customer says or asks (a dispute, a promise to approve, a payment plan request)
    is owned by a person who can act on it: the customer's collector, else the company's
    default collector, else the collections managers of the company — never the public or a
    portal user. The owner gets a to-do on the record; the desk lists them."""

    _name = "collection.request.mixin"
    _description = "Customer Request Owned by a Collector"

    def _collection_request_owners(self, fallback=None):
        """The users who own this request: one collector, else every collections manager of
        the company. ``fallback``: the user recording it in the backend, if no collector is
        set."""
        self.ensure_one()
        company = self.company_id
        partner = self.partner_id.commercial_partner_id.with_company(company).sudo()

        def can_act(user):
            # Reading other users' groups and companies: sudo, only to choose the owner.
            user = user.sudo()
            return (
                user.active
                and not user.share
                and company in user.company_ids
                and user.has_group("collection_followup.group_collection_user")
            )

        for user in (
            partner.collection_responsible_id,
            company.sudo().collection_responsible_id,
            fallback,
        ):
            if user and can_act(user):
                return user
        managers = self.env.ref("collection_followup.group_collection_manager").sudo().users
        return managers.filtered(can_act)

    def _collection_schedule_owner_activity(self, summary, fallback=None):
        """A to-do on this request for each of its owners."""
        self.ensure_one()
        for user in self._collection_request_owners(fallback):
            # The customer (public or portal user) cannot create activities: the request does.
            self.sudo().activity_schedule(
                "mail.mail_activity_data_todo", summary=summary, user_id=user.id
            )

    def _collection_close_owner_activities(self, feedback):
        """Mark the owners' to-dos of this request done."""
        self.sudo().activity_ids.action_feedback(feedback=feedback)
