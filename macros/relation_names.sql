{#-
    ref() and source() without the database (catalog) part: `staging.stg_x`, not
    `china_regional_trade.staging.stg_x`. DuckDB stores a view's SQL as written, so a view naming
    its catalog breaks when the file is copied under another name, and silently reads another
    file when it is ATTACHed under another alias beside a database called `china_regional_trade`.
    A view's schema-qualified names resolve in the view's own catalog (DuckDB 1.4 and later), so
    leaving the catalog out makes every view work under any file name and alias. On Spark a
    relation has no database part anyway. Overriding ref/source is dbt's documented use of
    `builtins` (dbt 1.5+); unit tests hand back plain CTE names, which are returned as they are.
-#}
{% macro ref() -%}
    {%- set version = kwargs.get('version') or kwargs.get('v') -%}
    {%- if varargs | length == 1 -%}
        {%- set relation = builtins.ref(varargs[0], version=version) -%}
    {%- else -%}
        {%- set relation = builtins.ref(varargs[0], varargs[1], version=version) -%}
    {%- endif -%}
    {{- return(_without_database(relation)) -}}
{%- endmacro %}

{% macro source(source_name, table_name) -%}
    {{- return(_without_database(builtins.source(source_name, table_name))) -}}
{%- endmacro %}

{% macro _without_database(relation) -%}
    {%- if relation is not string and relation.include is defined -%}
        {{- return(relation.include(database=false)) -}}
    {%- endif -%}
    {{- return(relation) -}}
{%- endmacro %}
