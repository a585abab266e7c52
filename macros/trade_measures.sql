{#- The grain every GACC detail mart starts from: a region's trade flow in one month. -#}
{% macro monthly_trade_grain() -%}
    region_code, year, month, period_start, flow
{%- endmacro %}

{#-
    The measures every GACC detail mart aggregates, the same way: sums in yuan and dollars, and
    whether any summed value was converted from the other currency.
-#}
{% macro sum_trade_measures() -%}
    cast(sum(value_usd) as decimal(38, 2)) as value_usd,
    cast(sum(value_cny) as decimal(38, 2)) as value_cny,
    bool_or(is_value_usd_converted) as is_value_usd_converted,
    bool_or(is_value_cny_converted) as is_value_cny_converted
{%- endmacro %}
