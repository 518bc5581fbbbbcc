import {registry} from "@web/core/registry";

// The reviewer sees the remedy waiting for approval above the form, and
// approves it from there.
registry.category("web_tour.tours").add("quality_complaint_remedy_banner_tour", {
    steps: () => [
        {
            content: "The banner says the remedy awaits approval",
            trigger: ".o_form_view .o_quality_remedy_approval_banner:contains('awaits approval')",
        },
        {
            content: "Approve from the banner",
            trigger: ".o_quality_remedy_approval_banner button[name='validate_tier']",
            run: "click",
        },
        {
            content: "Once approved, the banner is gone",
            trigger: ".o_form_view:not(:has(.o_quality_remedy_approval_banner))",
        },
    ],
});

// Supplier material without a responsible vendor: the Solution gate answers
// in its own words (not the form's "Invalid fields").
registry.category("web_tour.tours").add("quality_complaint_solution_gate_tour", {
    steps: () => [
        {
            content: "Move the complaint to Solution",
            trigger: ".o_statusbar_status button:contains('Solution')",
            run: "click",
        },
        {
            content: "The gate names what is missing",
            trigger: ".modal .modal-body:contains('the responsible vendor')",
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Discard the move: the complaint stays in investigation",
            trigger: ".o_form_button_cancel",
            run: "click",
        },
        {
            content: "Still in investigation",
            trigger:
                ".o_statusbar_status button.o_arrow_button_current:contains('Investigation')",
        },
    ],
});
