from . import test_complaint_intake
from . import test_traceability
from . import test_service_partner
from . import test_phase_gates
from . import test_security
from . import test_i18n
from . import test_demo
from . import test_sla
