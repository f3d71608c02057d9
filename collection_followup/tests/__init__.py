from . import test_followup_policy
from . import test_followup_run
from . import test_followup_channels
from . import test_billing_plan
from . import test_payment_plan
from . import test_followup_languages
from . import test_promise_dispute
from . import test_portal
