from . import test_followup_policy
from . import test_followup_run
from . import test_followup_channels
