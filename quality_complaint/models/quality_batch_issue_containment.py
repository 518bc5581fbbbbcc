# Containment of a batch problem (SPEC §4, §11.3): its lots held with
# stock_lock_lot, where their stock lies, the customers they reached.
from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError


class QualityBatchIssue(models.Model):
    _inherit = "quality.batch.issue"

    # Containment
    held_lot_ids = fields.Many2many(
        comodel_name="stock.lot",
        relation="quality_batch_issue_held_lot_rel",
        column1="issue_id",
        column2="lot_id",
        string="Held Lots",
        copy=False,
        groups="base.group_user",
    )
    lots_auto_held = fields.Boolean(
        readonly=True,
        copy=False,
        help="The rule held the lots once; after a manager released them, "
        "detection does not hold them again.",
    )
    has_lots_to_hold = fields.Boolean(
        compute="_compute_has_lots_to_hold",
        help="Some lot of the problem is not held yet.",
    )
    held_quant_ids = fields.Many2many(
        comodel_name="stock.quant",
        string="Held Stock",
        compute="_compute_held_quant_ids",
        groups="base.group_user",
        help="Where the stock of the held lots lies.",
    )
    delivered_move_line_ids = fields.Many2many(
        comodel_name="stock.move.line",
        string="Delivered To",
        compute="_compute_delivered_move_line_ids",
        groups="base.group_user",
        help="Deliveries of the issue's lots to customers: the customers who "
        "may complain next.",
    )
    customer_count = fields.Integer(
        string="Customers Reached",
        compute="_compute_delivered_move_line_ids",
        groups="base.group_user",
    )

    @api.depends("lot_id", "line_ids.lot_id", "held_lot_ids")
    def _compute_has_lots_to_hold(self):
        for issue in self:
            issue.has_lots_to_hold = bool(issue._get_lots() - issue.held_lot_ids)

    @api.depends("held_lot_ids")
    def _compute_held_quant_ids(self):
        quants = self.env["stock.quant"].search(
            [
                ("lot_id", "in", self.held_lot_ids.ids),
                ("location_id.usage", "=", "internal"),
                ("quantity", "!=", 0),
            ]
        )
        for issue in self:
            issue.held_quant_ids = quants.filtered(
                lambda quant, i=issue: quant.lot_id in i.held_lot_ids
            )

    @api.depends("lot_id", "line_ids.lot_id")
    def _compute_delivered_move_line_ids(self):
        lots_by_issue = {issue: issue._get_lots() for issue in self}
        all_lots = self.env["stock.lot"].browse(
            {lot.id for lots in lots_by_issue.values() for lot in lots}
        )
        move_lines = self.env["stock.move.line"].search(
            [
                ("lot_id", "in", all_lots.ids),
                ("state", "=", "done"),
                ("location_dest_id.usage", "=", "customer"),
            ]
        )
        for issue in self:
            lines = move_lines.filtered(
                lambda ml, lots=lots_by_issue[issue]: ml.lot_id in lots
            )
            issue.delivered_move_line_ids = lines
            issue.customer_count = len(lines.picking_partner_id.commercial_partner_id)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_hold_lots(self):
        self._check_manager()
        self._hold_lots()
        return True

    def action_release_lots(self):
        self._check_manager()
        for issue in self.filtered("held_lot_ids"):
            lots = issue.held_lot_ids
            lots.with_context(bypass_lock_permission_check=True).write(
                {"locked": False}
            )
            issue.held_lot_ids = [Command.clear()]
            issue.message_post(
                body=self.env._(
                    "Lots released: %(lots)s", lots=", ".join(lots.mapped("name"))
                )
            )
        return True

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    def _get_lots(self):
        return self.lot_id | self.line_ids.lot_id

    def _check_manager(self):
        if not self.env.user.has_group("quality_complaint.group_quality_manager"):
            raise AccessError(
                self.env._("Only quality managers can hold or release lots.")
            )

    def _hold_lots(self):
        """Block the issues' lots with stock_lock_lot. A lot reserved for a
        transfer cannot be blocked: those reservations are removed first and the
        transfers told why; no lot is skipped."""
        for issue in self:
            lots = issue._get_lots() - issue.held_lot_ids
            if not lots:
                continue
            reserved = self.env["stock.move.line"].search(
                [
                    ("lot_id", "in", lots.ids),
                    ("state", "not in", ("done", "cancel")),
                    ("move_id", "!=", False),
                ]
            )
            moves = reserved.move_id
            if moves:
                lots_by_picking = defaultdict(set)
                for move_line in reserved:
                    lots_by_picking[move_line.picking_id].add(move_line.lot_id.name)
                moves._do_unreserve()
                issue.message_post(
                    body=self.env._(
                        "Reservations removed to hold the lots: %(pickings)s",
                        pickings=", ".join(p.name for p in lots_by_picking if p) or "-",
                    )
                )
                for picking, lot_names in lots_by_picking.items():
                    if picking:
                        picking.message_post(
                            body=self.env._(
                                "Reservation of lot(s) %(lots)s removed: held for "
                                "batch problem %(issue)s.",
                                lots=", ".join(sorted(lot_names)),
                                issue=issue.name,
                            )
                        )
            lots.with_context(bypass_lock_permission_check=True).write({"locked": True})
            issue.held_lot_ids = [Command.link(lot.id) for lot in lots]
            issue.message_post(
                body=self.env._(
                    "Lots held: %(lots)s", lots=", ".join(lots.mapped("name"))
                )
            )
