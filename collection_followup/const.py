"""Constants shared by the models, wizards, reports and controllers of the addon."""

CHANNELS = [
    ("fee", "Late Fee"),
    ("email", "Email"),
    ("sms", "SMS"),
    ("letter", "Letter"),
    ("call", "Phone Call"),
    ("hold", "Credit Hold"),
    ("demand", "Letter Before Action"),
    ("agency", "Agency Hand-over"),
]

AGENCY_CASE_STATES = [
    ("handed_over", "Handed Over"),
    ("collecting", "Collecting"),
    ("partly_collected", "Partly Collected"),
    ("collected", "Collected"),
    ("returned", "Returned"),
]

# While a case is in one of these states the agency chases the customer and our follow-up waits.
AGENCY_OPEN_STATES = ("handed_over", "collecting", "partly_collected")

PLAN_ACTIVE_STATES = ("accepted", "running")

INVOICE_PAID_STATES = ("paid", "in_payment")

DISPUTE_REASONS = [
    ("not_received", "Never received the invoice"),
    ("already_paid", "Already paid"),
    ("wrong_amount", "Wrong amount"),
    ("not_satisfied", "Not satisfied with the work"),
    ("other", "Other"),
]

REGIMES = [
    ("ecb_mro", "ECB main refinancing rate"),
    ("de_basiszins", "Deutsche Bundesbank Basiszinssatz"),
    ("boe_base", "Bank of England Bank Rate"),
    ("cbr_key", "Bank of Russia key rate"),
    ("ir_cpi", "Central Bank of Iran price index"),
]

INDEX_REGIMES = ("ir_cpi",)
