import { registry } from "@web/core/registry";

// A customer on its collections page (from the reminder link, or logged in to the portal):
// promises to pay, asks for a payment plan, disputes an invoice, then goes to pay everything
// overdue.
function collectionSteps() {
    return [
        {
            content: "Promise to pay in 30 days",
            trigger: "form.o_collection_promise input[name=date]",
            run() {
                // A native date picker: set the value as the browser would.
                const day = new Date();
                day.setDate(day.getDate() + 30);
                const input = document.querySelector("form.o_collection_promise input[name=date]");
                input.value = day.toISOString().slice(0, 10);
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
            content: "Ask for a plan in 3 instalments",
            trigger: "form.o_collection_plan select[name=installments]",
            run: "select 3",
        },
        {
            trigger: "form.o_collection_plan button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The plan request is acknowledged",
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
            content: "Odoo's payment form for the overdue invoices, for what they still owe",
            trigger: "#o_payment_form[data-amount='1250.0'] button[name=o_payment_submit_button]",
        },
    ];
}

registry.category("web_tour.tours").add("collection_followup_portal", { steps: collectionSteps });
