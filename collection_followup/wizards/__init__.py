from . import collection_followup_send
from . import account_payment_register
from . import collection_agency_handover
from . import collection_late_fee_waive
