from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False, imported_module=False):
        """A language installed after the addon also names the default follow-up levels."""
        result = super()._load_module_terms(
            modules, langs, overwrite=overwrite, imported_module=imported_module
        )
        if "collection_followup" in modules and langs and self.env.registry.loaded:
            companies = self.env["res.company"].sudo().search([])
            companies._collection_translate_default_levels(
                companies.collection_policy_id.level_ids, langs
            )
        return result
