{#-
    The report's focus regions (var report_focus_regions, GB/T 2260 codes) as SQL string
    literals: all of them for an `in (...)` list, or only the first (the region the bloc and
    frontier sections put first).
-#}
{% macro report_focus_regions(first_only=false) -%}
    {%- set codes = var('report_focus_regions') -%}
    {%- if first_only -%}
        '{{ codes[0] }}'
    {%- else -%}
        '{{ codes | join("', '") }}'
    {%- endif -%}
{%- endmacro %}
