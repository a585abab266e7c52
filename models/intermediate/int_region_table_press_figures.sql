{#-
    The press year-to-date figures GACC's region table is compared with, keyed to the table's
    cell: a yuan figure (int_region_trade_ytd) for the world and all products, of the place, year,
    month (the figure's month_end) and flow of the cell. fct_region_official_trade_ytd shows it
    beside the table; int_region_table_checks flags one outside the table's rounding.
-#}

with

press as (
    select * from {{ ref('int_region_trade_ytd') }}
    where partner_scope = 'world' and product = 'all' and figure_id_cny is not null
),

keyed as (
    select
        region_code,
        year,
        month_end as month,
        flow,
        figure_id_cny as press_figure_id,
        value_cny as press_value_cny,
        lower_bound_cny as press_lower_bound_cny,
        upper_bound_cny as press_upper_bound_cny
    from press
)

select * from keyed
