{#- The columns that identify one published fact: who, when, which flow, with whom, what. -#}
{% macro fact_key_columns() -%}
    {{ return(['region_code', 'period_start', 'period_end', 'flow', 'partner_scope', 'product']) }}
{%- endmacro %}

{#-
    Join condition: the two relations describe the same fact, or the same fact but for the key
    columns named in `except` (e.g. except=['partner_scope'] pairs a part with its whole).
-#}
{% macro same_fact(left, right, except=[]) -%}
    {{ columns_equal(left, right, fact_key_columns() | reject('in', except) | list) }}
{%- endmacro %}

{#-
    True when the intervals [lower, upper] of two figures overlap; a null upper bound (an
    'over X' figure) is unbounded above.
-#}
{% macro intervals_overlap(left, right, suffix='native') -%}
    ({{ left }}.lower_bound_{{ suffix }} <= coalesce({{ right }}.upper_bound_{{ suffix }}, {{ left }}.lower_bound_{{ suffix }})
        and {{ right }}.lower_bound_{{ suffix }} <= coalesce({{ left }}.upper_bound_{{ suffix }}, {{ right }}.lower_bound_{{ suffix }}))
{%- endmacro %}

{#- True when the whole of `text` matches the regular expression `pattern` (RE2 / Java syntax). -#}
{% macro full_match(text, pattern) -%}
    {{ return(adapter.dispatch('full_match', 'china_regional_trade')(text, pattern)) }}
{%- endmacro %}

{% macro default__full_match(text, pattern) -%}
    regexp_full_match({{ text }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__full_match(text, pattern) -%}
    ({{ text }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}

{#-
    Source precedence among figures of one fact and currency, as an ORDER BY list: the more
    authoritative source, then the more precise figure, then an exact figure over a bound, then
    the later publication (figure_id breaks ties, so the order is total).
-#}
{% macro figure_precedence_order() -%}
    authority_rank asc,
    rounding_unit_native asc,
    qualifier asc nulls first,
    published_on desc nulls last,
    figure_id asc
{%- endmacro %}

{#-
    The language a figure was printed in, read from its script or its words: 'ru' (Cyrillic),
    'ko' (Hangul), 'zh' (Han characters), 'de' (Milliarden), 'it' (miliardi, milioni), else 'en';
    null for a growth-only figure. Used to tell sources that disagree across languages (a
    translation or conversion slip) from rounded and precise versions of one release.
-#}
{% macro printed_language(text) -%}
    case
        when {{ text }} is null or {{ text }} = '' then null
        when {{ full_match(text, '.*[А-Яа-яЁё].*') }} then 'ru'
        when {{ full_match(text, '.*[가-힣].*') }} then 'ko'
        when {{ full_match(text, '.*[一-鿿].*') }} then 'zh'
        when {{ full_match(text, '.*Milliarde.*') }} then 'de'
        when {{ full_match(text, '.*(miliard|milion).*') }} then 'it'
        else 'en'
    end
{%- endmacro %}
