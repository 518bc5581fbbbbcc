# States that approvals or reviews guard (SPEC §7, version 2): only the model's
# workflow methods move them; a plain create or write of the field is refused.
from contextlib import contextmanager
from contextvars import ContextVar

from odoo import api, models
from odoo.exceptions import UserError

# Set by workflow_writes() around the writes of a workflow method. A context
# variable, not an env.context key: a JSON-RPC call can send any context key,
# it cannot set this.
_workflow_writes = ContextVar("quality_complaint_workflow_writes", default=False)


@contextmanager
def workflow_writes():
    """Let the workflow method that opens this block write guarded states
    (and the tier reviews that decide them)."""
    token = _workflow_writes.set(True)
    try:
        yield
    finally:
        _workflow_writes.reset(token)


def may_write_guarded(env):
    """Inside a workflow method, or superuser-mode code (migrations)."""
    return env.su or _workflow_writes.get()


class QualityGuardedStateMixin(models.AbstractModel):
    """A model whose `_guarded_states` fields move only through its workflow
    methods, which check the reviews and the user's group, then write inside
    ``with self._workflow_writes():``. Any other write of those fields is
    refused, for every user, administrators included; superuser-mode code
    (``sudo()``, data migrations) passes, as Odoo's own access rules do."""

    _name = "quality.guarded.state.mixin"
    _description = "Quality Guarded State"

    # {field name: values a record may be created with, the default first}
    _guarded_states = {}

    @api.model
    def _get_guarded_states(self):
        """The guarded fields; a model whose concerns live in several files
        extends this instead of redefining `_guarded_states`."""
        return dict(self._guarded_states)

    @api.model_create_multi
    def create(self, vals_list):
        if not self._may_write_guarded_states():
            guarded = self._get_guarded_states()
            for vals in vals_list:
                for fname, initial_states in guarded.items():
                    if vals.get(fname, initial_states[0]) not in initial_states:
                        raise self._guarded_state_error(fname)
        return super().create(vals_list)

    def write(self, vals):
        if not self._may_write_guarded_states():
            for fname in self._get_guarded_states():
                # writing the value a record already has moves nothing
                if fname in vals and any(rec[fname] != vals[fname] for rec in self):
                    raise self._guarded_state_error(fname)
        return super().write(vals)

    def _workflow_writes(self):
        """``with self._workflow_writes():`` around a workflow method's writes."""
        return workflow_writes()

    def _may_write_guarded_states(self):
        return may_write_guarded(self.env)

    def _guarded_state_error(self, fname):
        return UserError(
            self.env._(
                "%(field)s of %(model)s changes only through its buttons (request "
                "approval, approve, submit, confirm...), which check the reviews "
                "and your rights; it cannot be written directly.",
                field=self._fields[fname]._description_string(self.env),
                model=self.env["ir.model"]._get(self._name).name,
            )
        )
