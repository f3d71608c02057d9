{
    "name": "Collection Follow-up",
    "summary": "Get customers to pay on time: escalating reminders, "
    "late fees, payment plans and a collections portal",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/collection-followup/collection_followup",
    "author": "Collection Followup Developers",
    "license": "LGPL-3",
    "depends": ["account", "sms", "portal", "account_payment"],
    "external_dependencies": {"python": ["phonenumbers", "qrcode"]},
    "data": [
        "security/collection_security.xml",
        "security/ir.model.access.csv",
        "data/mail_template_data.xml",
        "data/ir_cron_data.xml",
        "views/collection_followup_policy_views.xml",
        "views/collection_followup_action_views.xml",
        "views/res_partner_views.xml",
        "views/collection_menus.xml",
    ],
    "demo": [
        "demo/collection_demo.xml",
    ],
    "post_init_hook": "_collection_post_init",
    "installable": True,
    "application": False,
}
