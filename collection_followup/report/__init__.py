from . import report_agency_case_file
from . import report_court_file
from . import report_demand_letter
from . import report_statement
from . import collection_aged_balance
from . import collection_kpi
from . import collection_effectiveness
