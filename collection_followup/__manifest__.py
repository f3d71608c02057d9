{
    "name": "Collection Follow-up",
    "summary": "Get customers to pay on time: escalating reminders, "
    "late fees, payment plans and a collections portal",
    "version": "18.0.2.2.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/collection-followup/collection_followup",
    "author": "Collection Followup Developers",
    "license": "LGPL-3",
    "depends": [
        "account",
        "account_debit_note",
        "sms",
        "portal",
        "account_payment",
        "resource",
    ],
    "external_dependencies": {
        "python": ["phonenumbers", "qrcode", "xlsxwriter", "jdatetime", "hijridate"]
    },
    "data": [
        # security
        "security/collection_security.xml",
        "security/ir.model.access.csv",
        "security/collection_analysis_security.xml",
        # data
        "data/mail_template_data.xml",
        "data/sms_template_data.xml",
        "data/plan_data.xml",
        "data/late_fee_data.xml",
        "data/reference_rate_data.xml",
        "data/factoring_data.xml",
        "data/collection_agency_data.xml",
        "data/discount_data.xml",
        "data/ir_cron_data.xml",
        # views
        "views/collection_followup_policy_views.xml",
        "views/collection_followup_action_views.xml",
        "views/collection_followup_run_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "views/res_lang_views.xml",
        "views/collection_plan_views.xml",
        "views/collection_promise_dispute_views.xml",
        "views/collection_late_fee_views.xml",
        "views/collection_discount_views.xml",
        "views/collection_factoring_views.xml",
        "views/collection_agency_views.xml",
        "views/portal_templates.xml",
        # wizards
        "wizards/collection_followup_wizard_views.xml",
        # reports
        "report/followup_letter_report.xml",
        "report/statement_report.xml",
        "report/invoice_report.xml",
        "report/report_invoice_factoring.xml",
        "report/collection_case_file_report.xml",
        "report/demand_letter_report.xml",
        "report/collection_aged_balance_views.xml",
        "report/collection_kpi_views.xml",
        "report/collection_effectiveness_views.xml",
        "views/collection_dashboard_views.xml",
        "report/collection_worklist_views.xml",
        # menus
        "views/collection_menus.xml",
    ],
    "demo": [
        "demo/collection_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "collection_followup/static/src/dashboard/*.js",
            "collection_followup/static/src/dashboard/*.xml",
        ],
        "web.report_assets_common": ["collection_followup/static/src/scss/collection_report.scss"],
        "web.assets_tests": ["collection_followup/static/tests/tours/*.js"],
    },
    "post_init_hook": "_collection_post_init",
    "installable": True,
    "application": False,
}
