{#-
    Fails for every row whose `column_name` is neither empty nor one of the accepted values: the
    `values` listed and every value of the seed columns in `references` ('seed.column'),
    compared case-insensitively when `case_insensitive`. Each failure row names the figure
    (`id_column`), the column and the value, so a failed build says which figures to fix.
    scripts/tradewh/figure_checks.py reads the same arguments: ingest refuses what this rejects.
-#}
{% test figure_values_in(model, column_name, values=[], references=[], case_insensitive=false, id_column='figure_id') %}

{%- set fold = 'lower' if case_insensitive else '' %}

with

accepted as (
    select cast(null as {{ dbt.type_string() }}) as accepted_value
    {%- for value in values %}
    union all
    select {{ fold }}({{ dbt.string_literal(value) }})
    {%- endfor %}
    {%- for reference in references %}
    {%- set seed, field = reference.split('.') %}
    union all
    select {{ fold }}(cast({{ field }} as {{ dbt.type_string() }})) from {{ ref(seed) }}
    {%- endfor %}
),

checked as (
    select
        {{ id_column }} as figure_id,
        '{{ column_name }}' as column_name,
        cast({{ column_name }} as {{ dbt.type_string() }}) as failing_value
    from {{ model }}
    where
        {{ column_name }} is not null
        and cast({{ column_name }} as {{ dbt.type_string() }}) <> ''
        and {{ fold }}(cast({{ column_name }} as {{ dbt.type_string() }})) not in (
            select accepted_value from accepted
            where accepted_value is not null
        )
)

select * from checked

{% endtest %}

{#-
    Fails for every row whose `column_name` is not a plain positive number in ASCII digits
    ('183.16'; no sign, exponent, 'inf' or full-width digits): the text the staging model casts.
    The same pattern as PLAIN_NUMBER in scripts/tradewh/figure_checks.py.
-#}
{% test figure_plain_number(model, column_name, id_column='figure_id') %}

select
    {{ id_column }} as figure_id,
    '{{ column_name }}' as column_name,
    {{ column_name }} as failing_value
from {{ model }}
where
    {{ column_name }} is not null
    and not {{ full_match(column_name, '[0-9]+([.][0-9]+)?') }}

{% endtest %}
