# The follow-up of a complaint: the call planned after execution on working
# days, its unanswered attempts, and the customer's satisfaction or rating.
from datetime import timedelta

from odoo import fields, models

SATISFACTION_LEVELS = [
    ("1", "Very Dissatisfied"),
    ("2", "Dissatisfied"),
    ("3", "Neutral"),
    ("4", "Satisfied"),
    ("5", "Very Satisfied"),
]


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    follow_up_feedback = fields.Text(
        string="Customer Feedback",
        tracking=True,
        copy=False,
        help="What the customer said at the follow-up call.",
    )
    follow_up_attempt_count = fields.Integer(
        string="Unanswered Follow-up Calls",
        readonly=True,
        copy=False,
        help="After three unanswered calls the complaint may be closed without "
        "feedback.",
    )
    satisfaction = fields.Selection(
        selection=SATISFACTION_LEVELS,
        string="Customer Satisfaction",
        tracking=True,
        copy=False,
    )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_log_follow_up_attempt(self):
        """The customer did not answer the follow-up call: log it and call
        again the next working day."""
        for ticket in self:
            ticket.follow_up_attempt_count += 1
            ticket.message_post(
                body=self.env._(
                    "Follow-up call %(attempt)s: the customer did not answer.",
                    attempt=ticket.follow_up_attempt_count,
                )
            )
            if ticket.follow_up_attempt_count < 3:
                ticket._schedule_follow_up(days=1)
            else:
                ticket._follow_up_activities().action_feedback(
                    feedback=self.env._("Three unanswered calls.")
                )
        return True

    def _follow_up_activities(self):
        activity_type = self.env.ref("quality_complaint.mail_activity_type_follow_up")
        return self.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)

    def _schedule_follow_up(self, days=None):
        """A follow-up call `days` working days from now (the team's delay by
        default), on the team's working calendar, for the complaint's owner."""
        now = fields.Datetime.now()
        for ticket in self:
            calendar = (
                ticket.team_id.resource_calendar_id
                or ticket.company_id.resource_calendar_id
            )
            delay = days or ticket.team_id.follow_up_delay_days or 2
            if calendar:
                # plan_days counts the current day as the first one
                when = calendar.plan_days(delay + 1, now, compute_leaves=True) or now
            else:
                when = now + timedelta(days=delay)
            ticket._follow_up_activities().unlink()
            ticket.activity_schedule(
                act_type_xmlid="quality_complaint.mail_activity_type_follow_up",
                date_deadline=when.date(),
                user_id=(ticket.user_id or self.env.user).id,
            )

    def _follow_up_on_phase_entered(self, previous_phases):
        """Hook of `write`: plan the call on entering execution, close it with
        the complaint."""
        self._filtered_entering(previous_phases, "execution")._schedule_follow_up()
        self._filtered_entering(
            previous_phases, "done"
        )._follow_up_activities().action_feedback(
            feedback=self.env._("Complaint closed.")
        )

    def _send_ticket_rating_mail(self, force_send=False):
        # Queued, not sent at once: a gate refusing the stage change after the
        # rating request must roll the e-mail back with the move.
        complaints = self.filtered("is_quality_complaint")
        super(HelpdeskTicket, complaints)._send_ticket_rating_mail(force_send=False)
        return super(HelpdeskTicket, self - complaints)._send_ticket_rating_mail(
            force_send=force_send
        )

    def rating_apply(self, rate, token=None, rating=None, feedback=None, **kwargs):
        # A customer's rating (e-mail or portal) is the follow-up result.
        rating = super().rating_apply(
            rate, token=token, rating=rating, feedback=feedback, **kwargs
        )
        for ticket in self.sudo().filtered("is_quality_complaint"):
            values = {"satisfaction": str(min(5, max(1, round(rate))))}
            if feedback and not ticket.follow_up_feedback:
                values["follow_up_feedback"] = feedback
            ticket.write(values)
        return rating
