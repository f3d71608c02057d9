from odoo import api, models


class CollectionDateConverter(models.AbstractModel):
    """``t-options="{'widget': 'collection_date'}"``: a date of a customer document, in the
    calendar and digits of the language it is rendered in (res.lang collection_* fields)."""

    _name = "ir.qweb.field.collection_date"
    _description = "Qweb Field Date of a Customer Document"
    _inherit = "ir.qweb.field.date"

    @api.model
    def value_to_html(self, value, options):
        if not value:
            return ""
        return self.env["res.lang"]._collection_format().date(value)


class CollectionMonetaryConverter(models.AbstractModel):
    """``t-options="{'widget': 'collection_monetary', ...}"``: the monetary widget, in the
    digits of the language it is rendered in."""

    _name = "ir.qweb.field.collection_monetary"
    _description = "Qweb Field Monetary of a Customer Document"
    _inherit = "ir.qweb.field.monetary"

    @api.model
    def value_to_html(self, value, options):
        html = super().value_to_html(value, options)
        return self.env["res.lang"]._collection_format().html_digits(html)


class CollectionIntegerConverter(models.AbstractModel):
    """``t-options="{'widget': 'collection_integer'}"``: a count in the language's digits."""

    _name = "ir.qweb.field.collection_integer"
    _description = "Qweb Field Integer of a Customer Document"
    _inherit = "ir.qweb.field.integer"

    @api.model
    def value_to_html(self, value, options):
        return (
            self.env["res.lang"]._collection_format().digits(super().value_to_html(value, options))
        )
