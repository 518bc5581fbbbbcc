# The installed base of a ratio rule's groups as its last full detection run
# found it: between full runs, the hourly run bounds a touched group's base
# from below with it and skips the groups that cannot pass at that bound.
from odoo import fields, models
from odoo.tools import create_unique_index


class QualityBatchInstalledBase(models.Model):
    _name = "quality.batch.installed.base"
    _description = "Installed Base Found by a Full Detection Run"
    # written and read in bulk by the detection's SQL only
    _log_access = False

    rule_id = fields.Many2one(
        comodel_name="quality.batch.rule",
        required=True,
        ondelete="cascade",
    )
    # the key the installed base is counted by: a lot, or a product or
    # component, with a customer or region when the scope has one. Plain ids,
    # not foreign keys: the full run writes thousands of rows, and checking
    # each key's record cost most of that (a row of a deleted record is only
    # never matched again, and replaced by the next full run).
    lot_id = fields.Integer(string="Lot ID")
    product_id = fields.Integer(string="Product ID")
    component_id = fields.Integer(string="Component ID")
    partner_id = fields.Integer(string="Customer ID")
    state_id = fields.Integer(string="State ID")
    country_id = fields.Integer(string="Country ID")
    installed = fields.Float(
        string="Installed Base",
        help="Units delivered to customers net of returns over the rule's period.",
    )
    period_start = fields.Datetime(help="The moves counted are dated from then on.")
    computed_at = fields.Datetime(string="Computed On")

    def init(self):
        # One row per rule and key (also the rule's lookup index): of two full
        # runs of a rule at once, the second to write its base fails and is
        # skipped as a concurrent run, instead of adding a second row per key.
        create_unique_index(
            self.env.cr,
            "quality_batch_installed_base_key_uniq",
            self._table,
            [
                "rule_id",
                *(
                    f"COALESCE({column}, 0)"
                    for column in (
                        "lot_id",
                        "product_id",
                        "component_id",
                        "partner_id",
                        "state_id",
                        "country_id",
                    )
                ),
            ],
        )
