from . import models
from . import wizards
from . import controllers
from . import report


def uninstall_hook(env):
    """Give helpdesk_mgmt its portal rule back (replaced while installed)."""
    rule = env.ref(
        "helpdesk_mgmt.helpdesk_ticket_rule_portal", raise_if_not_found=False
    )
    if rule:
        rule.active = True
