import { registry } from "@web/core/registry";

// A collector opens the morning dashboard, follows the overdue total to the items behind it,
// comes back and opens the disputes to resolve.
registry.category("web_tour.tours").add("collection_followup_dashboard", {
    steps: () => [
        {
            content: "The overdue total is shown",
            trigger: ".o_collection_dashboard .o_cd_overdue:contains(1,000.00)",
        },
        {
            content: "The oldest bucket holds the old invoice",
            trigger: ".o_collection_dashboard .o_cd_amount_5_over_180:contains(600.00)",
        },
        {
            content: "The top customer is the late one",
            trigger: ".o_collection_dashboard .o_cd_top_customer:contains(Northwind Traders)",
        },
        {
            content: "Open the overdue items",
            trigger: ".o_collection_dashboard .o_cd_overdue",
            run: "click",
        },
        {
            content: "The list shows the two overdue items",
            trigger: ".o_list_view:has(.o_data_row:nth-child(2)):not(:has(.o_data_row:nth-child(3)))",
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "Open the disputes to resolve",
            trigger: ".o_collection_dashboard .o_cd_work_disputes .badge:contains(1)",
            run: "click",
        },
        {
            content: "The dispute is listed",
            trigger: ".o_list_view:has(.o_data_row):not(:has(.o_data_row:nth-child(2)))",
        },
    ],
});
