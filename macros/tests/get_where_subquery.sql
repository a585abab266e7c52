{#-
    dbt's `where` test config, with two placeholders resolved when the test runs (a `where` is
    rendered when the project is parsed, so run-time facts cannot be written into it; dbt's
    documentation suggests overriding this macro for that):

        __gacc_written_by_this_build__     rows of the tested incremental model that this build
                                           wrote: those of its newest high-water mark
        __gacc_landed_since_last_build__   landed rows newer than int_gacc_query_vintages' mark:
                                           what this build is about to process

    So a monthly build tests the month it loaded and not the whole landed history again. Both
    become `true` (test everything) on a full refresh, when the model is not part of this
    invocation (`dbt test` on its own tests all history) and on targets other than DuckDB.
    Anything else in `where` is used as written.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if not where -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- if '__gacc_written_by_this_build__' in where -%}
        {%- set where = where | replace('__gacc_written_by_this_build__', '(' ~ gacc_written_by_this_build(relation) ~ ')') -%}
    {%- endif -%}
    {%- if '__gacc_landed_since_last_build__' in where -%}
        {%- set where = where | replace('__gacc_landed_since_last_build__', '(' ~ gacc_landed_since_last_build() ~ ')') -%}
    {%- endif -%}
    {%- if '__gacc_' in where -%}
        {{ exceptions.raise_compiler_error(
            "test where config: unknown placeholder in '" ~ config.get('where')
            ~ "'; write __gacc_written_by_this_build__ or __gacc_landed_since_last_build__"
        ) }}
    {%- endif -%}
    {%- set filtered -%}
        (select * from {{ relation }} where {{ where }}) as dbt_subquery
    {%- endset -%}
    {{ return(filtered) }}
{%- endmacro %}

{#- Whether the model `unique_id` is built incrementally in this invocation (else: test all). -#}
{% macro gacc_scoped_tests(unique_id) -%}
    {{ return(execute and target.type == 'duckdb' and not flags.FULL_REFRESH and unique_id in selected_resources) }}
{%- endmacro %}

{% macro gacc_written_by_this_build(relation) -%}
    {%- if not gacc_scoped_tests('model.' ~ project_name ~ '.' ~ relation.identifier) -%}
        {{ return('true') }}
    {%- endif -%}
    {{ return('landed_through_at = (select max(landed_through_at) from ' ~ relation ~ ')') }}
{%- endmacro %}

{% macro gacc_landed_since_last_build() -%}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.int_gacc_query_vintages'] -%}
    {%- set vintages = adapter.get_relation(node.database, node.schema, node.alias or node.name) -%}
    {%- if vintages is none or not gacc_scoped_tests(node.unique_id) -%}
        {{ return('true') }}
    {%- endif -%}
    {{ return(
        "ingested_at > coalesce((select max(landed_through_at) from " ~ vintages
        ~ "), cast('-infinity' as timestamp))"
    ) }}
{%- endmacro %}
