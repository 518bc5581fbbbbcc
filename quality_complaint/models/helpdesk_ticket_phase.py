# The phases of a complaint: the gate that checks what each phase needs before
# a complaint enters it, and the rule that a complaint that left intake is kept.
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import is_html_empty

from .helpdesk_ticket_stage import FORWARD_PHASES, QUALITY_PHASES


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    rejection_reason = fields.Text(tracking=True)
    has_left_intake = fields.Boolean(
        readonly=True,
        copy=False,
        help="The complaint left intake once: it is kept for the record, even if "
        "it went back to intake since (archive it instead of deleting it).",
    )

    @api.model
    def _get_guarded_states(self):
        # once set, only superuser code may clear it
        return dict(super()._get_guarded_states(), has_left_intake=[False, True])

    @api.ondelete(at_uninstall=False)
    def _unlink_except_past_intake(self):
        started = self.filtered(
            lambda t: t.is_quality_complaint
            and (t.has_left_intake or t.quality_phase not in (False, "intake"))
        )
        if started:
            raise UserError(
                self.env._(
                    "Complaints that left intake cannot be deleted, archive them "
                    "instead: %(numbers)s",
                    numbers=", ".join(started.mapped("number")),
                )
            )

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    def _has_reached_phase(self, phase):
        self.ensure_one()
        current = self.quality_phase
        return current in FORWARD_PHASES and FORWARD_PHASES.index(
            current
        ) >= FORWARD_PHASES.index(phase)

    def _mark_left_intake(self):
        """Hook of create/write, after the gates: remember the complaints that
        are past intake now."""
        left = self.filtered(
            lambda t: t.is_quality_complaint
            and not t.has_left_intake
            and t.quality_phase not in (False, "intake")
        )
        if left:
            with self._workflow_writes():
                left.has_left_intake = True

    def _filtered_entering(self, previous_phases, phase):
        """The complaints that have just entered `phase`.

        :param previous_phases: {ticket id: phase before the write}
        """
        return self.filtered(
            lambda t: t.is_quality_complaint
            and t.quality_phase == phase
            and previous_phases.get(t.id) != phase
        )

    def _check_phase_gates(self, previous_phases):
        """Refuse to enter a phase whose conditions do not hold.

        Going back is free; going forward checks every phase entered, so a
        complaint may skip a phase only when the skipped phase's gate holds.
        """
        phase_labels = dict(QUALITY_PHASES)
        phase_labels.update(
            self.env["helpdesk.ticket.stage"]
            ._fields["quality_phase"]
            ._description_selection(self.env)
        )
        for ticket in self.filtered("is_quality_complaint"):
            new_phase = ticket.stage_id.quality_phase
            if not new_phase:
                raise UserError(
                    self.env._(
                        "Stage %(stage)s has no quality phase: complaint %(number)s "
                        "can only move through the stages of its quality team.",
                        stage=ticket.stage_id.name,
                        number=ticket.number,
                    )
                )
            failures = []
            for phase in self._get_phases_entered(
                previous_phases.get(ticket.id), new_phase
            ):
                failures += [
                    f"{phase_labels[phase]}: {missing}"
                    for missing in ticket._get_gate_failures(phase)
                ]
            if failures:
                raise UserError(
                    self.env._(
                        "Complaint %(number)s cannot move to %(stage)s. Missing:\n"
                        "%(failures)s",
                        number=ticket.number,
                        stage=ticket.stage_id.name,
                        failures="\n".join(f"- {failure}" for failure in failures),
                    )
                )

    @api.model
    def _get_phases_entered(self, old_phase, new_phase):
        """Phases whose gate must hold to go from `old_phase` to `new_phase`."""
        if new_phase == "rejected":
            return [] if old_phase == "rejected" else ["rejected"]
        old_index = (
            FORWARD_PHASES.index(old_phase) if old_phase in FORWARD_PHASES else 0
        )
        return FORWARD_PHASES[old_index + 1 : FORWARD_PHASES.index(new_phase) + 1]

    def _get_gate_failures(self, phase):
        """What this complaint lacks to enter `phase`, one sentence each."""
        self.ensure_one()
        method = getattr(self, f"_get_gate_failures_{phase}", None)
        return method() if method else []

    def _get_gate_failures_investigation(self):
        failures = []
        if not self.severity:
            failures.append(self.env._("a severity"))
        if not self.complaint_line_ids.filtered(
            lambda line: line.product_id and line.quantity > 0
        ):
            failures.append(
                self.env._("at least one affected product line with a quantity")
            )
        if not self.defect_type_id:
            failures.append(self.env._("a defect type"))
        return failures

    def _get_gate_failures_solution(self):
        failures = []
        if is_html_empty(self.root_cause):
            failures.append(self.env._("a root cause"))
        if not self.cause_category:
            failures.append(self.env._("a cause category"))
        elif self.cause_category == "material" and not self.responsible_partner_id:
            failures.append(
                self.env._("the responsible vendor (the cause is supplier material)")
            )
        return failures

    def _get_gate_failures_execution(self):
        if not self.remedy_type:
            return [self.env._("a remedy type")]
        if self.remedy_state == "to_approve":
            return [self.env._("the approval of the remedy (a review is pending)")]
        if self.remedy_state == "rejected":
            return [self.env._("an approved remedy (the remedy was refused)")]
        # need_validation has no dependencies: never trust a cached value
        self.invalidate_recordset(["need_validation"])
        if self.remedy_state == "draft" and self.need_validation:
            return [self.env._("the approval of the remedy (request it)")]
        return []

    def _get_gate_failures_done(self):
        failures = []
        feedback = self.satisfaction and (self.follow_up_feedback or "").strip()
        if not feedback and self.follow_up_attempt_count < 3:
            failures.append(
                self.env._(
                    "the customer's feedback (satisfaction and comment) or three "
                    "unanswered follow-up calls"
                )
            )
        open_actions = self.sudo().action_ids.filtered(lambda a: a.state == "open")
        if open_actions:
            failures.append(
                self.env._(
                    "every action done or cancelled (open: %(actions)s)",
                    actions=", ".join(open_actions.mapped("name")),
                )
            )
        return failures

    def _get_gate_failures_rejected(self):
        if not (self.rejection_reason or "").strip():
            return [self.env._("a rejection reason")]
        return []
