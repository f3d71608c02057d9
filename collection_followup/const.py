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

# The customer's collections page (controllers/portal.py and the models behind it).
# Requests per customer and per window of PORTAL_WINDOW_SECONDS: "view" for the page, the
# statement and the payment page; "say" for everything the customer sends (bad input included).
PORTAL_THROTTLE = {"view": 60, "say": 10}
PORTAL_WINDOW_SECONDS = 600
# Bytes of randomness of a link's secret: 16 bytes are 22 characters in the URL (128 bits).
PORTAL_LINK_BYTES = 16
# One-time codes that confirm a binding act of a link visitor (sent to the email on file).
PORTAL_CODE_DIGITS = 6
PORTAL_CODE_MINUTES = 15
PORTAL_CODE_ATTEMPTS = 5
PORTAL_CODE_RESEND_SECONDS = 60
# Proof files of one dispute: at most this many, and this many bytes together.
PORTAL_UPLOAD_MAX_FILES = 5
PORTAL_UPLOAD_MAX_BYTES = 10 * 1024 * 1024

# What a receivable item (its invoice) may be used for: collection.eligibility answers, each
# feature adding what it takes out of which purpose.
ELIGIBILITY_CHASE = "chase"  # reminded by the follow-up run (letters, demands, hand-overs too)
ELIGIBILITY_CHARGE = "charge"  # charged a late fee
ELIGIBILITY_SELL = "sell"  # sold to a factor
ELIGIBILITY_HAND_OVER = "hand_over"  # handed over to a collection agency (its wizard: chase)
ELIGIBILITY_PAY = "pay"  # paid together from the customer's collections page
ELIGIBILITY_PURPOSES = (
    ELIGIBILITY_CHASE,
    ELIGIBILITY_CHARGE,
    ELIGIBILITY_SELL,
    ELIGIBILITY_HAND_OVER,
    ELIGIBILITY_PAY,
)
# Why an item may not be used, as codes each use words its own way.
HELD_BLOCKED = "blocked"
HELD_DISPUTED = "disputed"
HELD_IN_PLAN = "in_plan"
HELD_AT_AGENCY = "at_agency"
