{#-
    dbt's `where` test config, with one placeholder resolved when the test runs (a `where` is
    rendered when the project is parsed, so run-time facts cannot be written into it directly):

        where: "__gacc_refreshed_by(<incremental model>, <period column>[, <kind>])__"

    becomes gacc_refreshed_this_run_predicate(<incremental model>, <period column>, <kind>): the
    periods that model (re)built in this invocation. <incremental model> `self` is the tested
    model; <kind> is `period` ('YYYY-MM' text, the default) or `date` (the month's first day).
    So a monthly build tests the month it loaded and not the whole landed history again, while a
    full refresh or a `dbt test` on its own tests everything. Anything else in `where` is used
    as written.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if not where -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set resolved = namespace(where=where) -%}
    {%- set placeholder = modules.re.compile('__gacc_refreshed_by[(] *(\\w+) *, *(\\w+) *(?:, *(\\w+) *)?[)]__') -%}
    {%- for found in placeholder.finditer(where) -%}
        {%- set model_name = relation.identifier if found.group(1) == 'self' else found.group(1) -%}
        {%- set predicate = gacc_refreshed_this_run_predicate(model_name, found.group(2), found.group(3) or 'period') -%}
        {%- set resolved.where = resolved.where | replace(found.group(0), '(' ~ predicate ~ ')') -%}
    {%- endfor -%}
    {%- set where = resolved.where -%}
    {%- if '__gacc_refreshed_by' in where -%}
        {{ exceptions.raise_compiler_error(
            "test where config: cannot read the placeholder in '" ~ config.get('where')
            ~ "'; write __gacc_refreshed_by(<model>, <column>[, period|date])__"
        ) }}
    {%- endif -%}
    {%- set filtered -%}
        (select * from {{ relation }} where {{ where }}) as dbt_subquery
    {%- endset -%}
    {{ return(filtered) }}
{%- endmacro %}
