{#-
    Fails for every combination of the given columns that occurs more than once: the
    primary-key test for models whose grain is several columns.

    Two steps, so that a test over millions of landed rows stays cheap: rows are first grouped
    by one hash of the columns (one 64-bit key instead of several text columns), and only the
    rows whose hash occurs more than once, normally none, are grouped by the columns
    themselves. A hash collision therefore costs a little time, never a wrong result.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{%- set columns = combination_of_columns | join(', ') %}

with

repeated_hashes as (
    select hash({{ columns }}) as key_hash
    from {{ model }}
    group by hash({{ columns }})
    having count(*) > 1
),

grouped as (
    select
        {{ columns }},
        count(*) as row_count
    from {{ model }}
    where hash({{ columns }}) in (select key_hash from repeated_hashes)
    group by {{ columns }}
)

select * from grouped
where row_count > 1

{% endtest %}
