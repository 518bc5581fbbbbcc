import {registry} from "@web/core/registry";

// A 1x1 PNG, the "photo" of the defect.
const PHOTO = Uint8Array.from(
    atob(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    ),
    (char) => char.charCodeAt(0)
);

registry.category("web_tour.tours").add("quality_complaint_portal_tour", {
    url: "/my/quality/complaint/new",
    steps: () => [
        {
            content: "Choose the product",
            trigger: "select#product_id",
            run: "selectByLabel Tour Purifier",
        },
        {
            content: "Give the lot from the label",
            trigger: "input#lot",
            run: "edit TOUR-LOT-1",
        },
        {
            content: "Two units are affected",
            trigger: "input#quantity",
            run: "edit 2",
        },
        {
            content: "Subject",
            trigger: "input#subject",
            run: "edit Leaking tour purifier",
        },
        {
            content: "Describe the problem",
            trigger: "textarea#description",
            run: "edit Water drips from the membrane housing.",
        },
        {
            content: "Attach a photo",
            trigger: "input#attachment",
            run() {
                const transfer = new DataTransfer();
                transfer.items.add(new File([PHOTO], "leak.png", {type: "image/png"}));
                this.anchor.files = transfer.files;
            },
        },
        {
            content: "Send the complaint",
            trigger: "button.o_quality_complaint_submit",
            run: "click",
        },
        {
            content: "The page confirms the complaint was registered, with its number",
            trigger: ".o_quality_complaint_registered:contains('was registered')",
        },
        {
            content: "The complaint page shows the affected product and lot",
            trigger: ".o_quality_portal_lines td:contains('TOUR-LOT-1')",
        },
        {
            content: "Go to the list of tickets",
            trigger: "a[href^='/my/tickets']",
            run: "click",
        },
        {
            content: "The complaint is listed",
            trigger: "table a:contains('Leaking tour purifier')",
        },
    ],
});

registry.category("web_tour.tours").add("quality_complaint_backend_tour", {
    url: "/odoo/action-quality_complaint.helpdesk_ticket_action_quality",
    steps: () => [
        {
            content: "Switch to the list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "Open the complaint filed on the portal",
            trigger: ".o_data_row td:contains('Leaking tour purifier')",
            run: "click",
        },
        {
            content: "Open the Quality tab",
            trigger: ".o_notebook a[name='quality']",
            run: "click",
        },
        {
            content: "Add an affected product line",
            trigger:
                ".o_field_widget[name='complaint_line_ids'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Product",
            trigger:
                ".o_field_widget[name='complaint_line_ids'] .o_data_row .o_field_widget[name='product_id'] input",
            run: "edit Tour Purifier",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Purifier')",
            run: "click",
        },
        {
            content: "Quantity",
            trigger:
                ".o_field_widget[name='complaint_line_ids'] .o_data_row .o_field_widget[name='quantity'] input",
            run: "edit 3",
        },
        {
            content: "Move the complaint to investigation",
            trigger: ".o_statusbar_status button:contains('Investigation')",
            run: "click",
        },
        {
            content: "The complaint is in investigation",
            trigger:
                ".o_statusbar_status button.o_arrow_button_current:contains('Investigation')",
        },
        {
            content: "and saved",
            trigger: ".o_form_status_indicator_buttons.invisible:not(:visible)",
        },
    ],
});
