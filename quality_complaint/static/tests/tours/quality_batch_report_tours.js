import {registry} from "@web/core/registry";

// A 1x1 PNG, the photo of the failing unit.
const PHOTO = Uint8Array.from(
    atob(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    ),
    (char) => char.charCodeAt(0)
);

registry.category("web_tour.tours").add("quality_batch_report_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "The service station reports a batch problem from its portal",
            trigger: "a[href='/my/batch/report/new']",
            run: "click",
        },
        {
            content: "Choose the product",
            trigger: "select#product_id",
            run: "selectByLabel Station Tour Purifier",
        },
        {
            content: "The failed component",
            trigger: "select#component_id",
            run: "selectByLabel Station Tour Membrane",
        },
        {
            content: "The failure",
            trigger: "select#defect_type_id",
            run: "selectByLabel Station tour leak",
        },
        {
            content: "The lots from the labels",
            trigger: "input#lots",
            run: "edit ST-TOUR-1",
        },
        {
            content: "Four units fail",
            trigger: "input#units",
            run: "edit 4",
        },
        {
            content: "Where they are",
            trigger: "textarea#sites",
            run: "edit Riverside hotel, 4 kitchens",
        },
        {
            content: "What happens",
            trigger: "textarea#description",
            run: "edit The membrane housing leaks after two weeks.",
        },
        {
            content: "Attach a photo",
            trigger: "input#attachment",
            run() {
                const transfer = new DataTransfer();
                transfer.items.add(new File([PHOTO], "housing.png", {type: "image/png"}));
                this.anchor.files = transfer.files;
            },
        },
        {
            content: "Send the report",
            trigger: "button.o_quality_batch_report_submit",
            run: "click",
        },
        {
            content: "The report is waiting for its review",
            trigger: ".o_quality_batch_report_state:contains('Reported')",
        },
        {
            content: "with its photo",
            trigger: ".o_quality_batch_report_evidence a:contains('housing.png')",
        },
        {
            content: "Go to the station's reports",
            trigger: ".breadcrumb a[href='/my/batch/reports']",
            run: "click",
        },
        {
            content: "The report is listed with its state",
            trigger: ".o_quality_batch_reports tr:contains('Station Tour Purifier'):contains('Reported')",
        },
    ],
});
