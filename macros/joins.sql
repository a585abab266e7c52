{#-
    Join condition: the two relations agree on every column of `columns`
    (left.a = right.a and left.b = right.b ...). A model names its key once, as a list, and
    joins on it wherever two of its relations meet at that key.
-#}
{% macro columns_equal(left, right, columns) -%}
    {%- for column in columns %}
    {{ 'and ' if not loop.first }}{{ left }}.{{ column }} = {{ right }}.{{ column }}
    {%- endfor %}
{%- endmacro %}
