import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formatFloat } from "@web/core/utils/numbers";

/**
 * The morning dashboard of collections: total overdue and its aging, DSO and its trend, the
 * ten customers who owe most, today's work and the 13-week cash forecast. Every figure opens
 * the records behind it (the server sends the window action with each figure).
 */
export class CollectionDashboard extends Component {
    static template = "collection_followup.CollectionDashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call("collection.dashboard", "get_dashboard_data", []);
    }

    money(value) {
        const { symbol, position, digits } = this.state.data.currency;
        const number = formatFloat(value || 0, { digits: [16, digits] });
        return position === "before" ? `${symbol} ${number}` : `${number} ${symbol}`;
    }

    days(value) {
        return formatFloat(value || 0, { digits: [16, 1] });
    }

    open(action) {
        if (action) {
            this.action.doAction(action);
        }
    }

    barHeight(value, values) {
        const max = Math.max(...values.map((v) => Math.abs(v || 0)), 0);
        return max ? Math.round((100 * Math.abs(value || 0)) / max) : 0;
    }

    get agingValues() {
        return this.state.data.aging.buckets.map((bucket) => bucket.amount);
    }

    get dsoValues() {
        return this.state.data.dso.trend.map((month) => month.dso);
    }

    get forecastValues() {
        return this.state.data.forecast.weeks.map((week) => week.total);
    }

    get title() {
        return _t("Collections Dashboard");
    }
}

registry.category("actions").add("collection_followup.dashboard", CollectionDashboard);
