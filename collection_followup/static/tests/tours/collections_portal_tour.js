import { registry } from "@web/core/registry";

// A customer opens the collections page from the reminder link, promises to pay, disputes an
// invoice, then goes to pay everything overdue.
registry.category("web_tour.tours").add("collection_followup_portal", {
    steps: () => [
        {
            content: "Promise to pay on a date",
            trigger: "form.o_collection_promise input[name=date]",
            run() {
                // A native date picker: set the value as the browser would.
                const input = document.querySelector("form.o_collection_promise input[name=date]");
                input.value = "2099-03-01";
                input.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            trigger: "form.o_collection_promise button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The promise is acknowledged",
            trigger: ".o_collection_message.alert-success",
        },
        {
            content: "Dispute the invoice not yet due",
            trigger: "form.o_collection_dispute select[name=move_id]",
            run: "selectByIndex 1",
        },
        {
            trigger: "form.o_collection_dispute select[name=reason]",
            run: "select wrong_amount",
        },
        {
            trigger: "form.o_collection_dispute textarea[name=message]",
            run: "edit We ordered 8, not 9",
        },
        {
            trigger: "form.o_collection_dispute button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The dispute is acknowledged",
            trigger: ".o_collection_message.alert-success",
        },
        {
            content: "Go and pay everything overdue",
            trigger: "a.o_collection_pay",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Odoo's payment page for the overdue invoices",
            trigger: "#o_payment_form_pay, .o_payment_form, div:contains('1,250.00')",
        },
    ],
});
