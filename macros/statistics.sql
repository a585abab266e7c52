{#- The median of `expression` as an aggregate: DuckDB's median(), Spark's exact percentile(). -#}
{% macro median_of(expression) -%}
    {{ return(adapter.dispatch('median_of', 'china_regional_trade')(expression)) }}
{%- endmacro %}

{% macro default__median_of(expression) -%}
    median({{ expression }})
{%- endmacro %}

{% macro spark__median_of(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}
