//! The overview's thirty days as two bar charts (cards issued, money spent), drawn on the server
//! as SVG, and the same figures as a table. Each chart is one image for assistive technology,
//! named by its title and summed up by its description; every bar has its own tooltip; the
//! table under the charts has every figure.

use leptos::prelude::*;

use super::scroll_table::ScrollTable;
use crate::domain::{
    merchant_activity::{DayActivity, MerchantActivity, ACTIVITY_DAYS},
    Cents,
};

const WIDTH: f64 = 600.0;
const PLOT_HEIGHT: f64 = 120.0;
/// Room above the plot for the largest value, and below it for the dates.
const TOP: f64 = 16.0;
const BOTTOM: f64 = 20.0;
const GAP: f64 = 4.0;

/// A bar's height for `value` when the largest is `max`; a day with anything gets at least a
/// sliver, so it never looks like a day with nothing.
fn bar_height(value: i64, max: i64) -> f64 {
    if value <= 0 || max <= 0 {
        return 0.0;
    }
    (value as f64 / max as f64 * PLOT_HEIGHT).max(2.0)
}

/// One chart: a bar per day, the largest value written at the top, and the first, middle and
/// last dates under the bars.
#[component]
fn BarChart(
    id: &'static str,
    title: &'static str,
    days: Vec<DayActivity>,
    value: fn(&DayActivity) -> i64,
    show: fn(i64) -> String,
) -> impl IntoView {
    let max = days.iter().map(value).max().unwrap_or(0);
    let total: i64 = days.iter().map(value).sum();
    let busiest = days
        .iter()
        .filter(|day| value(day) > 0)
        .max_by_key(|day| value(day));
    let description = match busiest {
        None => format!("Nothing in the last {ACTIVITY_DAYS} days."),
        Some(day) => format!(
            "{} in the last {ACTIVITY_DAYS} days; the most on {}: {}.",
            show(total),
            day.date(),
            show(value(day))
        ),
    };
    let slot = WIDTH / days.len().max(1) as f64;
    let labelled = [0, days.len() / 2, days.len().saturating_sub(1)];
    let height = TOP + PLOT_HEIGHT + BOTTOM;
    let title_id = format!("{id}-title");
    let description_id = format!("{id}-description");
    let labelled_by = format!("{title_id} {description_id}");
    let bars = days
        .iter()
        .enumerate()
        .map(|(index, day)| {
            let figure = value(day);
            let bar = bar_height(figure, max);
            let x = index as f64 * slot + GAP / 2.0;
            let label = labelled.contains(&index).then(|| {
                // The first and last dates align to the chart's edges, so neither is cut off.
                let (label_x, anchor) = match index {
                    0 => (x, "start"),
                    last if last + 1 == days.len() => (x + slot - GAP, "end"),
                    _ => (x + (slot - GAP) / 2.0, "middle"),
                };
                view! {
                    <text
                        class="chart-label"
                        x=format!("{label_x:.1}")
                        y=format!("{:.1}", height - 4.0)
                        text-anchor=anchor
                    >
                        {day.short_date()}
                    </text>
                }
            });
            view! {
                <rect
                    class="chart-bar"
                    x=format!("{x:.1}")
                    y=format!("{:.1}", TOP + PLOT_HEIGHT - bar)
                    width=format!("{:.1}", slot - GAP)
                    height=format!("{bar:.1}")
                >
                    <title>{format!("{}: {}", day.date(), show(figure))}</title>
                </rect>
                {label}
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg
                viewBox=format!("0 0 {WIDTH} {height}")
                role="img"
                aria-labelledby=labelled_by
                data-testid=id
            >
                <title id=title_id>{title}</title>
                <desc id=description_id>{description.clone()}</desc>
                <line
                    class="chart-axis"
                    x1="0"
                    x2=WIDTH.to_string()
                    y1=(TOP + PLOT_HEIGHT).to_string()
                    y2=(TOP + PLOT_HEIGHT).to_string()
                ></line>
                <text class="chart-label" x="0" y="12">
                    {format!("most: {}", show(max))}
                </text>
                {bars}
            </svg>
            <figcaption>{title} ": " {description}</figcaption>
        </figure>
    }
}

/// The overview's activity: money in and out of the wallet, the two charts, and the table.
#[component]
pub fn ActivityPanel(activity: MerchantActivity) -> impl IntoView {
    let rows = activity
        .days
        .iter()
        .rev()
        .map(|day| {
            view! {
                <tr>
                    <th scope="row">{day.date()}</th>
                    <td class="number">{day.cards_issued}</td>
                    <td class="number">{day.spent.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="activity-heading">
            <h2 id="activity-heading">{format!("Last {ACTIVITY_DAYS} days")}</h2>
            <dl class="figures" data-testid="money-flow">
                <div>
                    <dt>"Into the wallet"</dt>
                    <dd data-testid="money-in">{activity.money_in.to_string()}</dd>
                </div>
                <div>
                    <dt>"Out of the wallet"</dt>
                    <dd data-testid="money-out">{activity.money_out.to_string()}</dd>
                </div>
                <div>
                    <dt>"Cards issued"</dt>
                    <dd data-testid="cards-issued-30d">{activity.cards_issued()}</dd>
                </div>
                <div>
                    <dt>"Spent with cards"</dt>
                    <dd>{activity.spent().to_string()}</dd>
                </div>
            </dl>
            <BarChart
                id="chart-issued"
                title="Cards issued per day"
                days=activity.days.clone()
                value=|day| day.cards_issued
                show=|count| match count {
                    1 => "1 card".to_owned(),
                    count => format!("{count} cards"),
                }
            />
            <BarChart
                id="chart-spent"
                title="Money spent per day"
                days=activity.days.clone()
                value=|day| day.spent.0
                show=|cents| Cents(cents).to_string()
            />
            <details>
                <summary>"Every day's figures"</summary>
                <ScrollTable
                    label="Figures by day"
                    caption="Cards issued and money spent per day (UTC), newest first"
                    testid="activity-table"
                >
                    <thead>
                        <tr>
                            <th scope="col">"Day"</th>
                            <th scope="col">"Cards issued"</th>
                            <th scope="col">"Spent"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </ScrollTable>
            </details>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_a_small_day_stays_visible() {
        assert_eq!(bar_height(10, 10), PLOT_HEIGHT);
        assert_eq!(bar_height(5, 10), PLOT_HEIGHT / 2.0);
        assert_eq!(bar_height(1, 1_000_000), 2.0);
        assert_eq!(bar_height(0, 10), 0.0);
        assert_eq!(bar_height(0, 0), 0.0);
    }
}
