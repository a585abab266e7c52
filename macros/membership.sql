{#-
    True when a membership row (valid_from inclusive, valid_to exclusive or null) covers the
    given date. Monthly figures use the month's last day: a country that left on 31 January
    (the UK, EU) still counts in January and no longer in February; one that joined mid-month
    counts for that month.
-#}
{% macro is_member_on(membership, on_date) -%}
    ({{ membership }}.valid_from <= {{ on_date }}
        and ({{ membership }}.valid_to is null or {{ membership }}.valid_to > {{ on_date }}))
{%- endmacro %}

{#- The last day of a month given year and month integers, adapter-neutral. -#}
{% macro month_end_date(year, month) -%}
    {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, make_date_from_parts(year, month, 1))) }}
{%- endmacro %}

{#- make_date exists under this name on DuckDB and Spark; one place to change for other engines. -#}
{% macro make_date_from_parts(year, month, day) -%}
    make_date({{ year }}, {{ month }}, {{ day }})
{%- endmacro %}
