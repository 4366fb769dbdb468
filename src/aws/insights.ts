/**
 * The business insights as Athena SQL over the curated tables (saved as named queries in the
 * analytics workgroup). They read only non-PII columns, so analysts can run every one of them.
 */
export interface InsightQuery {
  readonly id: string;
  readonly title: string;
  readonly sql: string;
}

export function insightQueries(curatedDatabase: string): InsightQuery[] {
  const t = (table: string): string => `"${curatedDatabase}"."${table}"`;
  return [
    {
      id: "energy-sold-by-type",
      title: "Energy sold by type: kWh, revenue and average price per energy type",
      sql: [
        "SELECT energy_type, count(*) AS sales, sum(quantity_kwh) AS kwh_sold, sum(quantity_kwh * price) AS revenue,",
        "       sum(quantity_kwh * price) / nullif(sum(quantity_kwh), 0) AS avg_price_per_kwh",
        `FROM ${t("transactions")}`,
        "WHERE transaction_type = 'sell'",
        "GROUP BY energy_type",
        "ORDER BY kwh_sold DESC",
      ].join("\n"),
    },
    {
      id: "top-customers-by-consumption",
      title: "Top 10 customers by energy bought from us (kWh), with city and segment",
      sql: [
        "SELECT t.counterparty_id AS customer_id, c.city, c.segment, sum(t.quantity_kwh) AS kwh_consumed, sum(t.quantity_kwh * t.price) AS amount_billed",
        `FROM ${t("transactions")} AS t`,
        `LEFT JOIN ${t("customers")} AS c ON c.customer_id = t.counterparty_id`,
        "WHERE t.transaction_type = 'sell'",
        "GROUP BY t.counterparty_id, c.city, c.segment",
        "ORDER BY kwh_consumed DESC",
        "LIMIT 10",
      ].join("\n"),
    },
    {
      id: "provider-performance",
      title: "Provider performance: purchases, kWh bought, average price and share of capacity",
      sql: [
        "SELECT p.provider_id, p.provider_name, p.energy_type, p.capacity_mw, count(t.transaction_id) AS purchases,",
        "       coalesce(sum(t.quantity_kwh), 0) AS kwh_bought, sum(t.quantity_kwh * t.price) / nullif(sum(t.quantity_kwh), 0) AS avg_price_per_kwh",
        `FROM ${t("providers")} AS p`,
        `LEFT JOIN ${t("transactions")} AS t ON t.counterparty_id = p.provider_id AND t.transaction_type = 'buy'`,
        "GROUP BY p.provider_id, p.provider_name, p.energy_type, p.capacity_mw",
        "ORDER BY kwh_bought DESC",
      ].join("\n"),
    },
  ];
}
